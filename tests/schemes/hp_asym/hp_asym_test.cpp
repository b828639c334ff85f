#include "schemes/hp_asym/hp_asym.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_support.hpp"

namespace {

using hp = smr::hp_asym;
using node = smrlab_test::tracked_node<hp>;

smr::domain_config hazards(unsigned k) {
  smr::domain_config c;
  c.hazards_per_thread = k;
  c.scan_threshold_min = 8;
  return c;
}

// Publishes one node with value `v` in `shared`.
void publish(hp::thread_handle& h, hp::link<node>& shared, std::atomic<int>* destroyed, int v) {
  auto n = h.make<node>(destroyed, v);
  h.store(shared, n.ptr());
}

// Unlinks and retires the node in `shared`.
void unlink_and_retire(hp::thread_handle& h, hp::link<node>& shared) {
  auto r = h.deref(shared);
  ASSERT_TRUE(h.cas(shared, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

TEST(hp_asym, is_available_on_a_kernel_with_private_expedited_membarrier) {
  // The fence's own test checks the probe against the kernel; here the scheme passes it on.
  EXPECT_EQ(hp::unavailable().has_value(), smr::asymmetric_fence::unavailable().has_value());
  if (const auto why = hp::unavailable()) {
    EXPECT_NE(why->find("hp_asym"), std::string::npos);
    EXPECT_THROW(hp::domain{}, std::runtime_error) << "never falls back";
  }
}

TEST(hp_asym, more_live_references_than_hazard_slots_is_a_clear_error) {
  hp::domain d(hazards(2));
  hp::thread_handle h(d);
  auto a = h.make<node>();
  auto b = h.make<node>();
  EXPECT_THROW((void)h.make<node>(), std::logic_error);
  h.retire(std::move(a));
  h.retire(std::move(b));
}

TEST(hp_asym, each_scan_runs_exactly_one_heavy_fence) {
  hp::domain d(hazards(1));
  hp::thread_handle h(d);
  const std::uint64_t before = d.heavy_fences();
  h.scan();
  EXPECT_EQ(d.heavy_fences(), before + 1);
  h.scan();
  h.scan();
  EXPECT_EQ(d.heavy_fences(), before + 3);
  const std::uint64_t r = h.current_threshold();  // R = max(2H, 8 * 8) = 64
  EXPECT_EQ(r, 64U);
  for (std::uint64_t i = 0; i < r * 10; ++i) h.retire(h.make<node>());  // 10 scans
  EXPECT_EQ(d.heavy_fences(), before + 3 + 10);
}

TEST(hp_asym, the_retire_list_never_exceeds_the_scan_threshold) {
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

TEST(hp_asym, bound_is_threads_times_the_scan_threshold) {
  const smr::bound_inputs in{
      .threads = 4, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(hp::bound(in), 4U * 8U * 64U);  // R = max(2*4*2, 8*64)
  const smr::bound_inputs many{
      .threads = 512, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(hp::bound(many), 512U * (2U * 512U * 2U));  // R = 2H = 2048 > 8*64
}

// A reader on another thread protects a node; the owner's scans free everything else, and the
// node only once the reader has released it.
TEST(hp_asym, a_node_protected_by_another_thread_survives_scans_until_released) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  hp::link<node> shared;
  hp::thread_handle owner(d);
  publish(owner, shared, &destroyed, 1);
  std::thread reader([&] {
    hp::thread_handle h(d);
    auto held = h.deref(shared);
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
    EXPECT_EQ(held->value, 1);  // still alive: ASan would flag a use after free
    held.reset();
    stage = 3;
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  unlink_and_retire(owner, shared);
  for (int i = 0; i < 5; ++i) owner.retire(owner.make<node>(&destroyed));
  owner.scan();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 5);
  EXPECT_EQ(owner.retired_count(), 1U);
  stage = 2;
  while (stage.load() != 3) std::this_thread::yield();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 6);
  stage = 4;
  reader.join();
}

TEST(hp_asym, nodes_left_by_an_exited_thread_are_adopted_and_freed) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  hp::link<node> shared;
  hp::thread_handle reader(d);
  publish(reader, shared, &destroyed, 1);
  auto held = reader.deref(shared);
  std::thread t([&] {
    hp::thread_handle h(d);
    unlink_and_retire(h, shared);
  });  // exits while `held` protects the node: it becomes an orphan
  t.join();
  EXPECT_EQ(destroyed.load(), 0);
  held.reset();
  reader.scan();  // adopts the orphan
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(hp_asym, counters_balance_after_concurrent_retires) {
  std::atomic<int> destroyed{0};
  {
    hp::domain d(hazards(2));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        hp::thread_handle h(d);
        for (int i = 0; i < 2000; ++i) h.retire(h.make<node>(&destroyed));
      });
    }
    for (auto& t : threads) t.join();
    smrlab_test::expect_everything_reclaimed(d);
    const smr::counter_totals c = d.counters();
    EXPECT_EQ(c.allocated, 8000U);
    EXPECT_EQ(c.retired, 8000U);
  }
  EXPECT_EQ(destroyed.load(), 8000);
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(hp_asym, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(smrlab_test::most_frees_in_one_retire<smr::hp_asym>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(smrlab_test::most_frees_in_one_retire<smr::hp_asym>(smr::free_mode::amortized, 3000),
            1);
}

}  // namespace
