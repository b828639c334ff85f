#include "schemes/hazard_pointers/hazard_pointers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_support.hpp"

namespace {

using hp = smr::hazard_pointers;
using node = smrlab_test::tracked_node<hp>;

smr::domain_config hazards(unsigned k) {
  smr::domain_config c;
  c.hazards_per_thread = k;
  c.scan_threshold_min = 8;
  return c;
}

TEST(hazard_pointers, more_live_references_than_hazard_slots_is_a_clear_error) {
  hp::domain d(hazards(2));
  hp::thread_handle h(d);
  auto a = h.make<node>();
  auto b = h.make<node>();
  EXPECT_THROW((void)h.make<node>(), std::logic_error);
  h.retire(std::move(a));
  auto c = h.make<node>();  // a's slot is free again
  h.retire(std::move(b));
  h.retire(std::move(c));
}

TEST(hazard_pointers, moving_a_reference_moves_its_slot) {
  hp::domain d(hazards(1));
  hp::thread_handle h(d);
  auto a = h.make<node>();
  auto b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_THROW((void)h.make<node>(), std::logic_error);
  h.retire(std::move(b));
  h.retire(h.make<node>());
}

TEST(hazard_pointers, the_retire_list_never_exceeds_the_scan_threshold) {
  hp::domain d(hazards(2));
  hp::thread_handle h(d);
  std::size_t peak = 0;
  for (int i = 0; i < 10000; ++i) {
    h.retire(h.make<node>());
    peak = std::max(peak, h.retired_count());
  }
  EXPECT_LT(peak, h.current_threshold());
  EXPECT_LE(
      static_cast<std::uint64_t>(d.counters().unreclaimed()),
      *hp::bound({.threads = 1, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 8}));
}

TEST(hazard_pointers, bound_is_threads_times_the_scan_threshold) {
  const smr::bound_inputs in{
      .threads = 4, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(hp::bound(in), 4U * 64U);  // R = max(2*4*2, 64)
  const smr::bound_inputs many{
      .threads = 64, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(hp::bound(many), 64U * (2U * 64U * 2U));
}

TEST(hazard_pointers, a_scan_frees_exactly_the_unprotected_nodes) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  hp::link<node> shared;
  hp::thread_handle owner(d);
  {
    auto n = owner.make<node>(&destroyed, 1);
    owner.store(shared, n.ptr());
  }
  hp::thread_handle reader(d);
  auto held = reader.deref(shared);
  ASSERT_TRUE(held);
  {
    auto r = owner.deref(shared);
    ASSERT_TRUE(owner.cas(shared, r.ptr(), smr::marked_ptr<node>()));
    owner.retire(std::move(r));
  }
  for (int i = 0; i < 5; ++i) owner.retire(owner.make<node>(&destroyed));
  owner.scan();
  EXPECT_EQ(destroyed.load(), 5);
  EXPECT_EQ(held->value, 1);
  held.reset();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 6);
}

TEST(hazard_pointers, nodes_left_by_an_exited_thread_are_adopted_and_freed) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  hp::link<node> shared;
  hp::thread_handle reader(d);
  {
    hp::thread_handle h(d);
    auto n = h.make<node>(&destroyed);
    h.store(shared, n.ptr());
  }
  auto held = reader.deref(shared);
  std::thread t([&] {
    hp::thread_handle h(d);
    auto r = h.deref(shared);
    ASSERT_TRUE(h.cas(shared, r.ptr(), smr::marked_ptr<node>()));
    h.retire(std::move(r));
  });  // exits while `held` protects the node: it becomes an orphan
  t.join();
  EXPECT_EQ(destroyed.load(), 0);
  held.reset();
  reader.scan();  // adopts the orphan
  EXPECT_EQ(destroyed.load(), 1);
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(hazard_pointers, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(
      smrlab_test::most_frees_in_one_retire<smr::hazard_pointers>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(
      smrlab_test::most_frees_in_one_retire<smr::hazard_pointers>(smr::free_mode::amortized, 3000),
      1);
}

}  // namespace
