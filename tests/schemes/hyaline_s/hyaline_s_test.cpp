// Tests of schemes/hyaline_s/hyaline_s.hpp: the era starts at 1, a node held by a reader waits for
// it, a stalled reader (inside an operation, never leaving) keeps only batches with nodes born no
// later than its access era, so newer garbage is freed (where hyaline's grows), a partial batch is
// retired at thread exit, readers move off a slot with too many outstanding references, the bound
// and the availability message. The contract, conformance, linearizability and property layers run
// it on every structure.
#include "schemes/hyaline_s/hyaline_s.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_helpers.hpp"

namespace {

using hs = smr::hyaline_s;
using node = smrlab_test::tracked_node<hs>;

// k = nextpow2(threads) slots (batches of k + 1); the era advances at every allocation.
smr::domain_config advance_every_allocation(unsigned threads = 2) {
  smr::domain_config c;
  c.threads = threads;
  c.epoch_advance_interval = 1;
  return c;
}

void publish_node(hs::thread_handle& h, hs::link<node>& l, std::atomic<int>* destroyed, int v) {
  const hs::guard g(h);
  auto n = h.make<node>(destroyed, v);
  h.store(l, n.ptr());
}

void unlink_and_retire(hs::thread_handle& h, hs::link<node>& l) {
  const hs::guard g(h);
  auto r = h.deref(l);
  ASSERT_TRUE(r);
  ASSERT_TRUE(h.cas(l, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

void churn(hs::thread_handle& h, int n, std::atomic<int>* destroyed) {
  for (int i = 0; i < n; ++i) {
    const hs::guard g(h);
    h.retire(h.make<node>(destroyed));
  }
}

TEST(hyaline_s, the_era_starts_at_one_and_nodes_are_born_in_it) {
  hs::domain d(advance_every_allocation());
  EXPECT_EQ(d.era(), smr::first_era);
  hs::thread_handle h(d);
  const hs::guard g(h);
  auto n = h.make<node>();
  EXPECT_GE(n->birth_era(), smr::first_era);
  EXPECT_LE(n->birth_era(), d.era());
  h.retire(std::move(n));
}

TEST(hyaline_s, a_node_held_by_a_reader_is_freed_only_after_it_leaves) {
  hs::domain d(advance_every_allocation());
  std::atomic<int> destroyed{0};
  hs::link<node> shared;
  hs::thread_handle owner(d);
  hs::thread_handle reader(d);
  publish_node(owner, shared, &destroyed, 7);
  {
    const hs::guard g(reader);
    auto held = reader.deref(shared);  // raises the reader's slot to the current era
    unlink_and_retire(owner, shared);
    churn(owner, 2, &destroyed);  // fills and retires the batch (k = 2)
    EXPECT_EQ(destroyed.load(), 0) << "freed under the reader";
    EXPECT_EQ(held->value, 7);
  }
  EXPECT_EQ(destroyed.load(), 3);
}

TEST(hyaline_s, a_stalled_reader_does_not_stop_nodes_born_after_its_era_from_being_freed) {
  hs::domain d(advance_every_allocation());
  std::atomic<int> old_destroyed{0};
  std::atomic<int> new_destroyed{0};
  hs::link<node> shared;
  hs::thread_handle owner(d);
  hs::thread_handle reader(d);
  publish_node(owner, shared, &old_destroyed, 1);
  const hs::guard g(reader);  // stalled inside an operation from here on
  auto held = reader.deref(shared);
  const std::uint64_t reader_era = d.era();
  unlink_and_retire(owner, shared);
  constexpr int n = 2000;
  std::int64_t peak = 0;
  for (int i = 0; i < n; ++i) {
    churn(owner, 1, &new_destroyed);
    peak = std::max(peak, d.counters().unreclaimed());
  }
  EXPECT_GT(d.era(), reader_era);
  EXPECT_EQ(old_destroyed.load(), 0) << "a node the reader holds was freed";
  const int batch = static_cast<int>(d.batch_size());
  // Kept: the old node's batch (its other nodes too) and the owner's open batch.
  EXPECT_GE(new_destroyed.load(), n - 2 * batch) << "garbage born after the reader's era was kept";
  EXPECT_LE(peak, 4 * batch) << "the garbage grew with the stall";
  EXPECT_EQ(held->value, 1);
}

TEST(hyaline_s, a_partial_batch_is_retired_when_its_thread_exits) {
  hs::domain d(advance_every_allocation(4));
  std::atomic<int> destroyed{0};
  std::thread t([&] {
    hs::thread_handle h(d);
    churn(h, 3, &destroyed);
    EXPECT_EQ(h.batched(), 3U);
  });
  t.join();
  EXPECT_EQ(destroyed.load(), 3);
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, 3U);
  EXPECT_EQ(c.reclaimed, 3U);
}

TEST(hyaline_s, a_reader_moves_off_a_slot_with_too_many_outstanding_references) {
  hs::domain d(advance_every_allocation(4));
  hs::thread_handle h(d);
  {
    const hs::guard g(h);
    EXPECT_EQ(h.slot_index(), 0U);
  }
  // Relaxed: a single-threaded test.
  d.slots()[0].outstanding.store(hs::domain::slots_type::stall_threshold,
                                 std::memory_order_relaxed);
  {
    const hs::guard g(h);
    EXPECT_EQ(h.slot_index(), 1U);
  }
  d.slots()[0].outstanding.store(0, std::memory_order_relaxed);
}

// The outstanding count of a busy slot comes back to 0 once its readers have left: each push on an
// emptied list (the last leaver detaches it) once added references no one would drop, the count
// crept past the threshold, and readers moved into a stalled reader's slot, raising its era and
// pinning everything (a park:1 run grew to 385 000 unreclaimed nodes in 2 s).
TEST(hyaline_s, a_busy_slot_has_no_outstanding_references_once_its_readers_left) {
  hs::domain d(advance_every_allocation(4));
  std::atomic<int> destroyed{0};
  hs::link<node> shared;
  {
    hs::thread_handle h(d);
    publish_node(h, shared, &destroyed, 1);
    for (int i = 0; i < 20000; ++i) {
      const hs::guard g(h);   // alone in its slot: every leave detaches the list
      (void)h.deref(shared);  // raises the slot's access era, so retires push on it
      h.retire(h.make<node>());
    }
    unlink_and_retire(h, shared);
  }
  for (unsigned i = 0; i < d.slots().size(); ++i) {
    // Relaxed: the thread that wrote the counts was joined (its handle destroyed) above.
    EXPECT_EQ(d.slots()[i].outstanding.load(std::memory_order_relaxed), 0U) << "slot " << i;
  }
}

TEST(hyaline_s, counters_balance_after_concurrent_churn_and_teardown) {
  hs::domain d(advance_every_allocation(4));
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      hs::thread_handle h(d);
      churn(h, 3000, nullptr);
    });
  }
  for (auto& t : threads) t.join();
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 9000U);
  EXPECT_EQ(c.retired, 9000U);
  EXPECT_EQ(c.reclaimed, 9000U);
}

TEST(hyaline_s, is_bounded_and_robust_with_a_formula_and_no_number_from_the_inputs) {
  EXPECT_TRUE(hs::traits.bounded_garbage);
  EXPECT_TRUE(hs::traits.robust_to_stalled_threads);
  EXPECT_FALSE(hs::traits.traverses_deleted_nodes);
  EXPECT_FALSE(hs::traits.bound_formula.empty());
  smr::bound_inputs in{.threads = 4, .scan_threshold_min = 64};
  in.live_nodes = 1000;
  EXPECT_FALSE(hs::bound(in).has_value()) << "the span of an operation in eras is no input";
}

TEST(hyaline_s, is_unavailable_with_a_clear_line_where_the_cpu_lacks_cmpxchg16b) {
  const auto why = smr::cmpxchg16b::unavailable("hyaline_s", false);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("hyaline_s needs a double-width compare-and-swap"), std::string::npos);
  EXPECT_EQ(hs::unavailable().has_value(), !smr::cmpxchg16b::supported());
}

}  // namespace
