// Tests of schemes/hazard_eras/hazard_eras.hpp: what a published era protects, that the first
// operation is protected, that a stalled reader pins only nodes born no later than its era, the
// orphans of an exited thread, the counters. The contract, conformance, linearizability and
// property layers run it on every structure.
#include "schemes/hazard_eras/hazard_eras.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_helpers.hpp"

namespace {

using he = smr::hazard_eras;
using node = smrlab_test::tracked_node<he>;

// The era advances at every allocation, and scans come every 8 retires.
smr::domain_config advance_every_allocation(unsigned k = 2) {
  smr::domain_config c;
  c.hazards_per_thread = k;
  c.scan_threshold_min = 8;
  c.epoch_advance_interval = 1;
  return c;
}

// Makes a node, links it into `l` and returns nothing: the link owns it.
void publish_node(he::thread_handle& h, he::link<node>& l, std::atomic<int>* destroyed, int v) {
  const he::guard g(h);
  auto n = h.make<node>(destroyed, v);
  h.store(l, n.ptr());
}

// Unlinks the node in `l` and retires it.
void unlink_and_retire(he::thread_handle& h, he::link<node>& l) {
  const he::guard g(h);
  auto r = h.deref(l);
  ASSERT_TRUE(r);
  ASSERT_TRUE(h.cas(l, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

// Makes and retires `n` nodes, one operation each.
void churn(he::thread_handle& h, int n, std::atomic<int>* destroyed) {
  for (int i = 0; i < n; ++i) {
    const he::guard g(h);
    h.retire(h.make<node>(destroyed));
  }
}

// Churns until the era has moved past `e`, so that the next nodes are born after it.
void advance_past(he::domain& d, he::thread_handle& h, std::uint64_t e) {
  while (d.era() <= e) churn(h, 1, nullptr);
}

TEST(hazard_eras, the_era_starts_at_one_so_the_first_operation_is_protected) {
  he::domain d(advance_every_allocation());
  EXPECT_EQ(d.era(), smr::first_era);
  std::atomic<int> destroyed{0};
  he::link<node> shared;
  he::thread_handle owner(d);
  he::thread_handle reader(d);
  {
    const he::guard g(reader);  // the reader's first operation, before any advance
    publish_node(owner, shared, &destroyed, 1);
    auto held = reader.deref(shared);
    ASSERT_TRUE(held);
    unlink_and_retire(owner, shared);
    owner.scan();
    EXPECT_EQ(destroyed.load(), 0) << "freed under the reader's first operation";
    EXPECT_EQ(held->value, 1);
  }
  owner.scan();
  EXPECT_EQ(destroyed.load(), 1) << "not freed once the reader's operation ended";
}

TEST(hazard_eras, a_node_held_by_a_reader_on_another_thread_is_freed_only_after_release) {
  he::domain d(advance_every_allocation());
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  he::link<node> shared;
  {
    he::thread_handle h(d);
    publish_node(h, shared, &destroyed, 7);
  }
  std::thread reader([&] {
    he::thread_handle h(d);
    {
      const he::guard g(h);
      auto held = h.deref(shared);
      stage = 1;
      while (stage.load() != 2) std::this_thread::yield();
      EXPECT_EQ(held->value, 7);  // ASan reports a use after free here
    }
    stage = 3;
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  he::thread_handle owner(d);
  unlink_and_retire(owner, shared);
  advance_past(d, owner, d.era());  // the reader's era is no later than the current one
  churn(owner, 100, &destroyed);    // many scans while the reader holds the node
  owner.scan();
  EXPECT_EQ(destroyed.load(), 100) << "the held node was freed, or newer garbage was not";
  stage = 2;
  while (stage.load() != 3) std::this_thread::yield();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 101);
  stage = 4;
  reader.join();
}

TEST(hazard_eras, a_stalled_reader_pins_only_nodes_born_no_later_than_its_era) {
  he::domain d(advance_every_allocation());
  std::atomic<int> old_destroyed{0};
  std::atomic<int> new_destroyed{0};
  he::link<node> shared;
  he::link<node> other;
  he::thread_handle owner(d);
  he::thread_handle reader(d);
  publish_node(owner, shared, &old_destroyed, 1);
  publish_node(owner, other, &old_destroyed, 2);  // born before the reader's era, not read by it
  const he::guard g(reader);                      // stalled inside an operation from here on
  auto held = reader.deref(shared);
  unlink_and_retire(owner, shared);
  unlink_and_retire(owner, other);
  advance_past(d, owner, d.era());  // nodes made before this may be born in the reader's era
  std::size_t peak = 0;
  for (int i = 0; i < 2000; ++i) {
    churn(owner, 1, &new_destroyed);
    peak = std::max(peak, owner.retired_count());
  }
  owner.scan();
  EXPECT_EQ(old_destroyed.load(), 0) << "a node alive in the reader's era was freed";
  EXPECT_EQ(new_destroyed.load(), 2000) << "garbage born after the reader's era was kept";
  // Pinned: the two old nodes, those made while the era was the reader's, the owner's latest.
  EXPECT_LE(peak, 8 + owner.current_threshold()) << "the retire list grew with the stall";
  EXPECT_EQ(held->value, 1);
}

TEST(hazard_eras, a_node_retired_before_the_readers_era_is_freed) {
  he::domain d(advance_every_allocation());
  std::atomic<int> destroyed{0};
  he::link<node> shared;
  he::link<node> later;
  he::thread_handle owner(d);
  he::thread_handle reader(d);
  publish_node(owner, shared, &destroyed, 1);
  unlink_and_retire(owner, shared);
  advance_past(d, owner, d.era());  // past the era `shared` was retired in
  publish_node(owner, later, nullptr, 2);
  const he::guard g(reader);
  auto held = reader.deref(later);  // publishes an era > e
  ASSERT_TRUE(held);
  owner.scan();
  EXPECT_EQ(destroyed.load(), 1);
  unlink_and_retire(owner, later);
}

TEST(hazard_eras, nodes_left_by_an_exited_thread_are_adopted_and_freed) {
  he::domain d(advance_every_allocation());
  std::atomic<int> destroyed{0};
  he::link<node> shared;
  he::thread_handle reader(d);
  {
    he::thread_handle h(d);
    publish_node(h, shared, &destroyed, 1);
  }
  {
    const he::guard g(reader);
    auto held = reader.deref(shared);
    ASSERT_TRUE(held);
    std::thread t([&] {
      he::thread_handle h(d);
      unlink_and_retire(h, shared);
    });  // exits while `held` protects the node: it becomes an orphan
    t.join();
    reader.scan();
    EXPECT_EQ(destroyed.load(), 0);
  }
  reader.scan();  // adopts the orphan
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(hazard_eras, counters_balance_after_concurrent_churn_and_teardown) {
  he::domain d(advance_every_allocation());
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      he::thread_handle h(d);
      churn(h, 3000, nullptr);
    });
  }
  for (auto& t : threads) t.join();
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 9000U);
  EXPECT_EQ(c.retired, 9000U);
  EXPECT_EQ(c.reclaimed, 9000U);
  EXPECT_EQ(c.unreclaimed(), 0);
}

TEST(hazard_eras, more_live_references_than_era_slots_is_a_clear_error) {
  he::domain d(advance_every_allocation(2));
  he::thread_handle h(d);
  const he::guard g(h);
  auto a = h.make<node>();
  auto b = h.make<node>();
  EXPECT_THROW((void)h.make<node>(), std::logic_error);
  h.retire(std::move(a));
  h.retire(std::move(b));
}

TEST(hazard_eras, the_bound_formula_grows_with_threads_slots_and_live_nodes) {
  const smr::bound_inputs in{
      .threads = 4, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(he::bound_for_live_nodes(in, 10), 4U * (64U + 2U * 4U * 2U * 10U));
  EXPECT_FALSE(he::bound(in).has_value()) << "no bound from inputs that omit the live set";
  smr::bound_inputs set = in;
  set.live_nodes = 1000;
  set.epoch_advance_interval = 8;
  // A <= L + F·n·n: the nodes alive at an era's start and those allocated in it.
  EXPECT_EQ(he::bound(set), he::bound_for_live_nodes(set, 1000U + 8U * 4U * 4U));
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go. A scan that releases more than one scan interval
// of nodes (those an era pinned at the last scan, and the new ones) leaves some queued at the
// next scan, which frees them first, so that the bound holds: the most in one retire is then
// about one interval, half of what batch mode frees at once.
TEST(hazard_eras, amortized_free_frees_one_node_per_retire_between_scans) {
  const int batch =
      smrlab_test::most_frees_in_one_retire<smr::hazard_eras>(smr::free_mode::batch, 3000);
  const int amortized =
      smrlab_test::most_frees_in_one_retire<smr::hazard_eras>(smr::free_mode::amortized, 3000);
  EXPECT_GT(batch, 1);
  EXPECT_LE(2 * amortized, batch + 2);
}

}  // namespace
