// Tests of schemes/hyaline/hyaline.hpp (and the shared schemes/hyaline_core.hpp,
// hyaline_slots.hpp, hyaline_batch.hpp, cmpxchg16b.hpp): a batch is freed only once every reader
// that entered before its retire has left, by the last of them; a thread's partial batch is retired
// when it exits; a stalled reader keeps everything retired after it entered; the counters; the
// availability message. The contract, conformance, linearizability and property layers run it on
// every structure.
#include "schemes/hyaline/hyaline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_helpers.hpp"

namespace {

using hy = smr::hyaline;
using node = smrlab_test::tracked_node<hy>;

// k slots (nextpow2(threads)), so batches of k + 1.
smr::domain_config with_threads(unsigned threads) {
  smr::domain_config c;
  c.threads = threads;
  return c;
}

void publish_node(hy::thread_handle& h, hy::link<node>& l, std::atomic<int>* destroyed, int v) {
  const hy::guard g(h);
  auto n = h.make<node>(destroyed, v);
  h.store(l, n.ptr());
}

void unlink_and_retire(hy::thread_handle& h, hy::link<node>& l) {
  const hy::guard g(h);
  auto r = h.deref(l);
  ASSERT_TRUE(r);
  ASSERT_TRUE(h.cas(l, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

// Makes and retires `n` nodes, one operation each.
void churn(hy::thread_handle& h, int n, std::atomic<int>* destroyed) {
  for (int i = 0; i < n; ++i) {
    const hy::guard g(h);
    h.retire(h.make<node>(destroyed));
  }
}

TEST(hyaline, slots_are_the_next_power_of_two_of_the_threads_up_to_128) {
  EXPECT_EQ(smr::hyaline_slot_count(0), 1U);
  EXPECT_EQ(smr::hyaline_slot_count(1), 1U);
  EXPECT_EQ(smr::hyaline_slot_count(3), 4U);
  EXPECT_EQ(smr::hyaline_slot_count(128), 128U);
  EXPECT_EQ(smr::hyaline_slot_count(1000), 128U);
  hy::domain d(with_threads(3));
  EXPECT_EQ(d.batch_size(), 5U);
}

TEST(hyaline, a_batch_is_freed_only_after_every_reader_that_entered_before_its_retire_left) {
  hy::domain d(with_threads(2));  // k = 2, batches of 3
  std::atomic<int> destroyed{0};
  hy::link<node> shared;
  hy::thread_handle owner(d);
  hy::thread_handle reader(d);
  publish_node(owner, shared, &destroyed, 1);
  {
    const hy::guard g(reader);
    auto held = reader.deref(shared);
    unlink_and_retire(owner, shared);
    churn(owner, 2, &destroyed);  // the batch is full and retired
    EXPECT_EQ(owner.batched(), 0U);
    EXPECT_EQ(destroyed.load(), 0) << "freed under a reader that entered before the retire";
    EXPECT_EQ(held->value, 1);
  }
  EXPECT_EQ(destroyed.load(), 3) << "not freed when the reader left";
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TEST(hyaline, a_reader_that_enters_after_the_retire_does_not_hold_the_batch) {
  hy::domain d(with_threads(2));
  std::atomic<int> destroyed{0};
  hy::thread_handle owner(d);
  hy::thread_handle early(d);
  hy::thread_handle late(d);  // shares the owner's slot
  auto g_early = std::make_unique<hy::guard>(early);
  churn(owner, 3, &destroyed);  // one batch, held by the early reader
  const hy::guard g_late(late);
  EXPECT_EQ(destroyed.load(), 0);
  g_early.reset();
  EXPECT_EQ(destroyed.load(), 3) << "a reader that entered after the retire held the batch";
}

TEST(hyaline, the_last_leaver_of_a_shared_slot_frees_the_batch) {
  hy::domain d(with_threads(1));  // one slot for everyone, batches of 2
  std::atomic<int> destroyed{0};
  hy::thread_handle owner(d);
  hy::thread_handle first(d);
  hy::thread_handle second(d);
  auto g1 = std::make_unique<hy::guard>(first);
  auto g2 = std::make_unique<hy::guard>(second);
  {
    auto a = owner.make<node>(&destroyed);
    auto b = owner.make<node>(&destroyed);
    owner.retire(std::move(a));
    owner.retire(std::move(b));  // retired outside any operation of the owner
  }
  EXPECT_EQ(destroyed.load(), 0);
  g1.reset();
  EXPECT_EQ(destroyed.load(), 0) << "freed while the second reader was still in";
  g2.reset();
  EXPECT_EQ(destroyed.load(), 2) << "the last leaver did not free it";
}

TEST(hyaline, a_batch_retired_with_no_reader_is_freed_by_the_retiring_thread) {
  hy::domain d(with_threads(4));
  std::atomic<int> destroyed{0};
  hy::thread_handle owner(d);
  for (int i = 0; i < 5; ++i) owner.retire(owner.make<node>(&destroyed));
  EXPECT_EQ(destroyed.load(), 5);
}

TEST(hyaline, a_partial_batch_is_retired_when_its_thread_exits) {
  hy::domain d(with_threads(4));  // batches of 5
  std::atomic<int> destroyed{0};
  hy::thread_handle reader(d);
  {
    const hy::guard g(reader);
    std::thread t([&] {
      hy::thread_handle h(d);
      churn(h, 2, &destroyed);  // 2 of 5: still in the local batch
      EXPECT_EQ(h.batched(), 2U);
    });  // exits: the batch is padded and retired, and the reader holds it
    t.join();
    EXPECT_EQ(destroyed.load(), 0);
  }
  EXPECT_EQ(destroyed.load(), 2) << "the reader, leaving last, did not free the exit batch";
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, 2U) << "padding was counted";
  EXPECT_EQ(c.reclaimed, 2U);
}

TEST(hyaline, a_stalled_reader_keeps_everything_retired_after_it_entered) {
  hy::domain d(with_threads(2));
  std::atomic<int> destroyed{0};
  hy::thread_handle owner(d);
  hy::thread_handle reader(d);
  {
    const hy::guard g(reader);  // stalled inside an operation
    churn(owner, 2000, &destroyed);
    EXPECT_EQ(destroyed.load(), 0) << "hyaline is not robust: the garbage grows";
    EXPECT_GE(d.counters().unreclaimed(), 1998);
  }
  EXPECT_GE(destroyed.load(), 1998);  // all but the owner's open batch
}

TEST(hyaline, counters_balance_after_concurrent_churn_readers_and_teardown) {
  std::atomic<int> destroyed{0};
  {
    hy::domain d(with_threads(4));
    hy::link<node> shared;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        hy::thread_handle h(d);
        for (int i = 0; i < 3000; ++i) {
          const hy::guard g(h);
          auto fresh = h.make<node>(&destroyed, t);
          auto old = h.deref(shared);
          if (h.cas(shared, old.ptr(), fresh.ptr())) {
            if (old) h.retire(std::move(old));
          } else {
            h.retire(std::move(fresh));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    d.reclaim_all_quiescent();
    smr::counter_totals c = d.counters();
    EXPECT_EQ(c.retired, c.reclaimed);
    EXPECT_EQ(c.allocated, 9000U);
    std::vector<node*> left;
    if (node* n = shared.load(std::memory_order_relaxed).get()) left.push_back(n);
    d.destroy_unretired(std::span<node* const>(left));
    c = d.counters();
    EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
  }
  EXPECT_EQ(destroyed.load(), 9000);
}

TEST(hyaline, is_unavailable_with_a_clear_line_where_the_cpu_lacks_cmpxchg16b) {
  const auto why = smr::cmpxchg16b::unavailable("hyaline", false);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why,
            "hyaline needs a double-width compare-and-swap (x86-64 cmpxchg16b), which this CPU "
            "lacks");
  EXPECT_FALSE(smr::cmpxchg16b::unavailable("hyaline", true).has_value());
  EXPECT_EQ(hy::unavailable().has_value(), !smr::cmpxchg16b::supported());
}

TEST(hyaline, traits_say_unbounded_not_robust_and_traversing_deleted_nodes) {
  EXPECT_FALSE(hy::traits.bounded_garbage);
  EXPECT_FALSE(hy::traits.robust_to_stalled_threads);
  EXPECT_TRUE(hy::traits.traverses_deleted_nodes);
  EXPECT_FALSE(hy::bound(smr::bound_inputs{.threads = 4}).has_value());
}

}  // namespace
