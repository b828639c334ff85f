// Tests of valois_rc: the counts (SafeRead, ReleaseRef, StoreRef, CompareAndSwapRef), transitive
// reclamation through the links of reclaimed nodes, cycles at quiescent teardown, slot reuse in
// the type-stable pool, the Michael & Scott races, the on-reclaim hook, stress on the Treiber
// stack, and the harness trial. The typed scheme-contract tests (tests/schemes/scheme_test.cpp)
// and the Treiber stack's unit tests are written out for valois_rc at the end, until the scheme
// is registered and gets them from the type lists.
#include "schemes/valois_rc/valois_rc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "harness/element_checksum.hpp"
#include "harness/trial.hpp"
#include "structures/treiber_stack/treiber_stack.hpp"
#include "support/test_support.hpp"

namespace {

using S = smr::valois_rc;
using node = smrlab_test::tracked_node<S>;
using stack = smr::treiber_stack<S>;
using smr::marked_ptr;
using smrlab_test::stress_scale_divisor;

static_assert(smr::check_scheme<S>());
static_assert(smr::reclamation_scheme<S>);
static_assert(S::traits.traverses_deleted_nodes && !S::traits.bounded_garbage &&
              !S::traits.robust_to_stalled_threads && S::traits.type_stable_memory &&
              !S::traits.needs_structure_callbacks && S::traits.max_threads == 0);

// References counted on the node at p (links and refs), checking it is not claimed.
std::uint64_t refs_of(const void* p) {
  const std::uint64_t raw = S::raw_count(p);
  EXPECT_EQ(raw & 1U, 0U) << "the node is claimed (free)";
  return raw / 2;
}

smr::domain_config two_hazards() {
  smr::domain_config c;
  c.hazards_per_thread = 2;
  return c;
}

// A node with two links, for cycles with tails.
struct pair_node : S::node_base {
  explicit pair_node(std::atomic<int>* d = nullptr) : destroyed(d) {}
  ~pair_node() {
    if (destroyed != nullptr) destroyed->fetch_add(1, std::memory_order_relaxed);
  }
  pair_node(const pair_node&) = delete;
  pair_node& operator=(const pair_node&) = delete;
  S::link<pair_node> left;
  S::link<pair_node> right;
  std::atomic<int>* destroyed;
  template <class F>
  void for_each_link(F&& f) {
    f(left);
    f(right);
  }
};

// ---------------------------------------------------------------------------------------------
// Counts

TEST(valois_rc, counts_follow_references_and_links) {
  S::domain d;
  {
    S::thread_handle h(d);
    S::link<node> l1;
    S::link<node> l2;
    auto a = h.make<node>();
    node* pa = a.get();
    EXPECT_EQ(refs_of(pa), 1U) << "a new node is counted once, for its ref";

    h.store(l1, a.ptr());
    EXPECT_EQ(refs_of(pa), 2U) << "store adds the link's count";
    {
      auto r = h.deref(l1);
      EXPECT_EQ(r.get(), pa);
      EXPECT_EQ(refs_of(pa), 3U) << "deref adds one";
      auto moved = std::move(r);
      EXPECT_EQ(refs_of(pa), 3U) << "moving a ref does not count";
      moved.reset();
      EXPECT_EQ(refs_of(pa), 2U) << "reset removes it";
    }
    EXPECT_TRUE(h.cas(l1, a.ptr(), a.ptr().with_mark(1)));
    EXPECT_EQ(refs_of(pa), 2U) << "a mark-only cas moves no count";
    {
      auto r = h.deref(l1);
      EXPECT_EQ(r.mark(), 1U) << "deref returns the value it validated, with its mark";
    }
    h.store(l1, a.ptr());
    EXPECT_EQ(refs_of(pa), 2U) << "a mark-only store moves no count";
    EXPECT_EQ(l1.load(std::memory_order_relaxed), a.ptr());

    auto b = h.make<node>();
    node* pb = b.get();
    EXPECT_TRUE(h.cas(l1, a.ptr(), b.ptr()));
    EXPECT_EQ(refs_of(pa), 1U) << "a successful cas releases the old target";
    EXPECT_EQ(refs_of(pb), 2U) << "and counts the new one";
    EXPECT_FALSE(h.cas(l1, a.ptr(), marked_ptr<node>()));
    EXPECT_FALSE(h.cas(l2, a.ptr(), b.ptr()));
    EXPECT_EQ(refs_of(pa), 1U) << "a failed cas leaves the counts as they were";
    EXPECT_EQ(refs_of(pb), 2U);

    h.store(l1, a.ptr());
    EXPECT_EQ(refs_of(pa), 2U);
    EXPECT_EQ(refs_of(pb), 1U) << "store releases the old target";
    h.store(l2, a.ptr());
    EXPECT_EQ(refs_of(pa), 3U);
    h.store(l1, marked_ptr<node>());
    h.store(l2, marked_ptr<node>());
    EXPECT_EQ(refs_of(pa), 1U);
    h.retire(std::move(a));
    h.retire(std::move(b));
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 2U);
  EXPECT_EQ(c.retired, 2U);
  EXPECT_EQ(c.reclaimed, 2U);
  EXPECT_GT(c.pool_bytes, 0U);
}

TEST(valois_rc, a_node_dropped_without_retire_is_recycled_as_never_retired) {
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    auto a = h.make<node>(&destroyed);
    a.reset();
    EXPECT_EQ(destroyed.load(), 1);
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 1U);
  EXPECT_EQ(c.retired, 0U);
  EXPECT_EQ(c.reclaimed, 0U) << "only retired nodes count as reclaimed";
  EXPECT_EQ(c.destroyed, 1U);
}

// ---------------------------------------------------------------------------------------------
// Transitive reclamation

TEST(valois_rc, a_node_held_only_by_a_retired_nodes_link_is_reclaimed_with_it) {
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    S::link<node> root;
    {
      auto a = h.make<node>(&destroyed, 1);
      auto b = h.make<node>(&destroyed, 2);
      h.store(a->next, b.ptr());
      h.store(root, a.ptr());
    }
    auto pin = h.deref(root);  // another thread's reference, say
    {
      // Pop a, then b's only holder is a->next.
      auto a = h.deref(root);
      auto b = h.deref(a->next);
      ASSERT_TRUE(h.cas(root, a.ptr(), marked_ptr<node>()));
      h.retire(std::move(a));
      h.retire(std::move(b));
    }
    EXPECT_EQ(destroyed.load(), 0);
    EXPECT_EQ(d.counters().unreclaimed(), 2) << "one reference pins the chain";
    pin.reset();
    EXPECT_EQ(destroyed.load(), 2) << "b goes with a";
  }
  EXPECT_EQ(d.counters().reclaimed, 2U);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TEST(valois_rc, a_long_chain_is_reclaimed_without_recursion) {
  constexpr int n = 200000;
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    S::link<node> root;
    for (int i = 0; i < n; ++i) {
      auto x = h.make<node>(&destroyed, i);
      auto top = h.deref(root);
      h.store(x->next, top.ptr());
      h.store(root, x.ptr());
      h.retire(std::move(x));  // retired, but held by root or by the node above
    }
    EXPECT_EQ(d.counters().unreclaimed(), n);
    EXPECT_EQ(destroyed.load(), 0);
    h.store(root, marked_ptr<node>());
    EXPECT_EQ(destroyed.load(), n);
  }
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

// ---------------------------------------------------------------------------------------------
// Cycles: never reclaimed while threads run; broken at quiescent teardown unless held

TEST(valois_rc, cyclic_garbage_stays_until_quiescent_teardown_breaks_the_cycle) {
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    auto a = h.make<pair_node>(&destroyed);
    auto b = h.make<pair_node>(&destroyed);
    auto c = h.make<pair_node>(&destroyed);
    h.store(a->left, b.ptr());
    h.store(b->left, a.ptr());
    h.store(b->right, c.ptr());  // a tail hanging off the cycle
    h.retire(std::move(a));
    h.retire(std::move(b));
    h.retire(std::move(c));
  }
  EXPECT_EQ(destroyed.load(), 0) << "counts alone never free a cycle";
  EXPECT_EQ(d.counters().unreclaimed(), 3);
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 3);
  EXPECT_EQ(d.counters().reclaimed, 3U);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TEST(valois_rc, quiescent_teardown_leaves_garbage_held_by_a_live_node) {
  std::atomic<int> destroyed{0};
  S::domain d;
  S::link<pair_node> root;
  {
    S::thread_handle h(d);
    auto live = h.make<pair_node>();  // never retired: still in the structure
    auto a = h.make<pair_node>(&destroyed);
    auto b = h.make<pair_node>(&destroyed);
    h.store(a->left, b.ptr());
    h.store(b->left, a.ptr());
    h.store(live->left, a.ptr());
    h.store(root, live.ptr());
    h.retire(std::move(a));
    h.retire(std::move(b));
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 0) << "reachable from a live node: not garbage yet";
  EXPECT_EQ(d.counters().unreclaimed(), 2) << "and counted as unreclaimed, honestly";
  {
    S::thread_handle h(d);
    auto live = h.deref(root);
    h.store(live->left, marked_ptr<pair_node>());
    h.store(root, marked_ptr<pair_node>());
    h.retire(std::move(live));
  }
  EXPECT_EQ(destroyed.load(), 0) << "now a plain cycle";
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 2);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

// ---------------------------------------------------------------------------------------------
// The type-stable pool

constexpr std::uint64_t stack_chunk_bytes =
    smr::valois_detail::pool_base::chunk_slots * smr::valois_detail::pool<stack::node>::stride;

TEST(valois_rc, recycled_slots_are_reused_and_the_pool_stops_growing) {
  S::domain d(smr::config_for(stack::requirements));
  {
    stack s(d);
    S::thread_handle h(d);
    for (std::uint64_t i = 0; i < 1000; ++i) s.push(h, i);
    for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(s.pop(h));
    const std::uint64_t warm = d.counters().pool_bytes;
    EXPECT_GT(warm, 0U);
    EXPECT_EQ(warm % stack_chunk_bytes, 0U);
    for (std::uint64_t round = 0; round < 200; ++round) {
      for (std::uint64_t i = 0; i < 1000; ++i) s.push(h, i);
      for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(s.pop(h));
      ASSERT_EQ(d.counters().pool_bytes, warm) << "round " << round;
    }
    const smr::counter_totals c = d.counters();
    EXPECT_EQ(c.allocated, 201000U);
    EXPECT_EQ(c.reclaimed, 201000U);
  }
}

TEST(valois_rc, a_producer_and_a_consumer_recycle_slots_through_the_depot) {
  constexpr std::uint64_t per_round = 1000;
  const std::uint64_t rounds = 100 / stress_scale_divisor;
  S::domain d(smr::config_for(stack::requirements));
  stack s(d);
  std::atomic<std::uint64_t> produced_rounds{0};
  std::atomic<std::uint64_t> consumed{0};
  std::uint64_t bytes_after_first = 0;
  std::thread producer([&] {
    S::thread_handle h(d);
    for (std::uint64_t r = 0; r < rounds; ++r) {
      // Wait until the consumer has emptied the stack: every free slot is now the consumer's.
      while (consumed.load() != r * per_round) std::this_thread::yield();
      for (std::uint64_t i = 0; i < per_round; ++i) s.push(h, r * per_round + i);
      if (r == 0) bytes_after_first = d.counters().pool_bytes;
      produced_rounds.store(r + 1);
    }
  });
  std::thread consumer([&] {
    S::thread_handle h(d);
    while (consumed.load() < rounds * per_round) {
      if (s.pop(h)) {
        consumed.fetch_add(1);
      } else {
        std::this_thread::yield();
      }
    }
  });
  producer.join();
  consumer.join();
  const std::uint64_t bytes = d.counters().pool_bytes;
  // Live nodes at most per_round, plus two caches of at most 2 * batch slots, plus one chunk of
  // slack: without the depot the producer would carve a new chunk every round.
  const std::uint64_t slots_bound =
      per_round + 4 * smr::valois_detail::pool_base::batch + smr::valois_detail::pool_base::chunk_slots;
  const std::uint64_t chunks_bound =
      (slots_bound + smr::valois_detail::pool_base::chunk_slots - 1) /
      smr::valois_detail::pool_base::chunk_slots;
  EXPECT_LE(bytes, chunks_bound * stack_chunk_bytes)
      << "after the first round: " << bytes_after_first;
  EXPECT_EQ(d.counters().reclaimed, rounds * per_round);
}

#if defined(SMR_VALOIS_ASAN)
TEST(valois_rc, under_asan_a_free_slots_object_is_poisoned_and_its_header_is_not) {
  S::domain d;
  S::thread_handle h(d);
  auto a = h.make<node>();
  node* const p = a.get();
  EXPECT_EQ(__asan_address_is_poisoned(&p->value), 0);
  h.retire(std::move(a));
  EXPECT_NE(__asan_address_is_poisoned(&p->value), 0) << "a use after reclaim would go unseen";
  EXPECT_EQ(__asan_address_is_poisoned(smr::valois_detail::header_of(p)), 0);
  auto b = h.make<node>();
  ASSERT_EQ(b.get(), p);
  EXPECT_EQ(__asan_address_is_poisoned(&p->value), 0);
  h.retire(std::move(b));
}
#endif

// ---------------------------------------------------------------------------------------------
// The Michael & Scott races

TEST(valois_rc, a_stragglers_increment_on_a_free_slot_survives_its_reallocation) {
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    auto a = h.make<node>(&destroyed, 1);
    node* const slot = a.get();
    h.retire(std::move(a));
    ASSERT_EQ(destroyed.load(), 1);
    EXPECT_EQ(S::raw_count(slot), 1U) << "free: count 0, claimed";

    // A SafeRead that read a link when it still held the node adds 2 now, on the free slot.
    smr::valois_detail::header_of(slot)->count.fetch_add(2, std::memory_order_relaxed);
    EXPECT_EQ(S::raw_count(slot), 3U);

    auto b = h.make<node>(&destroyed, 2);
    ASSERT_EQ(b.get(), slot) << "the free list is LIFO: the slot is reused at once";
    EXPECT_EQ(S::raw_count(slot), 4U)
        << "allocation keeps the straggler's +2 (fetch_add(1) from the claimed state)";

    // The straggler re-reads its link, sees another value, and releases.
    h.release_object(slot);
    EXPECT_EQ(destroyed.load(), 1) << "the straggler's release must not free the new node";
    EXPECT_EQ(refs_of(slot), 1U);
    EXPECT_EQ(b->value, 2);
    h.retire(std::move(b));
    EXPECT_EQ(destroyed.load(), 2);
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 2U);
  EXPECT_EQ(c.reclaimed, 2U);
  EXPECT_EQ(c.unreclaimed(), 0);
}

TEST(valois_rc, a_resurrected_count_is_claimed_by_the_last_releaser_only) {
  std::atomic<int> destroyed{0};
  S::domain d;
  {
    S::thread_handle h(d);
    S::link<node> l;
    auto a = h.make<node>(&destroyed);
    node* const p = a.get();
    h.store(l, a.ptr());
    h.retire(std::move(a));
    ASSERT_EQ(refs_of(p), 1U) << "held by the link only";
    auto* hdr = smr::valois_detail::header_of(p);
    // Thread A unlinks the node and decrements its count to zero...
    l.exchange(marked_ptr<node>(), std::memory_order_seq_cst);
    ASSERT_EQ(hdr->count.fetch_sub(2, std::memory_order_acq_rel), 2U);
    // ...a SafeRead that read the link before the unlink adds 2...
    hdr->count.fetch_add(2, std::memory_order_acq_rel);
    // ...so A's claim CAS(0 -> 1) fails, and A leaves the node alone.
    std::uint64_t zero = 0;
    EXPECT_FALSE(hdr->count.compare_exchange_strong(zero, 1, std::memory_order_acq_rel));
    EXPECT_EQ(destroyed.load(), 0);
    // The SafeRead re-reads the link, sees null, releases: its decrement to zero claims.
    h.release_object(p);
    EXPECT_EQ(destroyed.load(), 1);
    EXPECT_EQ(S::raw_count(p), 1U);
  }
  EXPECT_EQ(d.counters().reclaimed, 1U);
}

// ---------------------------------------------------------------------------------------------
// The on-reclaim hook

TEST(valois_rc, the_hook_runs_once_by_the_thread_that_releases_the_last_reference) {
  static std::atomic<int> hooks{0};
  hooks = 0;
  std::atomic<int> destroyed{0};
  S::domain d;
  S::link<node> l;
  std::atomic<int> stage{0};
  std::thread other([&] {
    S::thread_handle h(d);
    while (stage.load() != 1) std::this_thread::yield();
    auto pin = h.deref(l);
    stage.store(2);
    while (stage.load() != 3) std::this_thread::yield();
    EXPECT_EQ(hooks.load(), 0) << "pinned";
    pin.reset();  // the last reference: this thread runs the hook
    EXPECT_EQ(hooks.load(), 1);
    EXPECT_EQ(destroyed.load(), 1);
  });
  {
    S::thread_handle h(d);
    auto a = h.make<node>(&destroyed, 7);
    h.store(l, a.ptr());
    h.retire(std::move(a), +[](node* p) {
      EXPECT_EQ(p->value, 7) << "the hook sees the object before its destructor";
      hooks.fetch_add(1);
    });
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
    h.store(l, marked_ptr<node>());
    EXPECT_EQ(hooks.load(), 0) << "pinned by the other thread";
    stage.store(3);
  }
  other.join();
  d.reclaim_all_quiescent();
  EXPECT_EQ(hooks.load(), 1);
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_EQ(d.counters().reclaimed, 1U);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

// A node that knows whether it is alive: readers holding a reference must never see it dead.
struct checked_node : S::node_base {
  explicit checked_node(std::uint64_t v) : value(v), check(~v) {}
  ~checked_node() { alive.store(false, std::memory_order_relaxed); }
  checked_node(const checked_node&) = delete;
  checked_node& operator=(const checked_node&) = delete;
  S::link<checked_node> next;
  std::uint64_t value;
  std::uint64_t check;
  std::atomic<bool> alive{true};
  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
};

TEST(valois_rc, safe_read_never_returns_a_reclaimed_node_under_churn) {
  const int writes = 60000 / static_cast<int>(stress_scale_divisor);
  S::domain d;
  S::link<checked_node> shared;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bad{0};
  auto reader = [&] {
    S::thread_handle h(d);
    while (!stop.load(std::memory_order_relaxed)) {
      auto r = h.deref(shared);
      if (!r) continue;
      if (!r->alive.load(std::memory_order_relaxed) || r->check != ~r->value) bad.fetch_add(1);
      // Follow the chain one step: a replaced node keeps its successor linked.
      auto n = h.deref(r->next);
      if (n && (!n->alive.load(std::memory_order_relaxed) || n->check != ~n->value)) {
        bad.fetch_add(1);
      }
    }
  };
  auto writer = [&](std::uint64_t base) {
    S::thread_handle h(d);
    for (int i = 0; i < writes; ++i) {
      auto n = h.make<checked_node>(base + static_cast<std::uint64_t>(i));
      for (;;) {
        auto cur = h.deref(shared);
        h.store(n->next, cur.ptr());
        if (h.cas(shared, cur.ptr(), n.ptr())) {
          if (cur) {
            // Cut the retired node loose from its successor so chains stay short.
            h.store(cur->next, marked_ptr<checked_node>());
            h.retire(std::move(cur));
          }
          break;
        }
      }
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  std::thread w1(writer, 0);
  std::thread w2(writer, std::uint64_t{1} << 32U);
  w1.join();
  w2.join();
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(bad.load(), 0U);
  {
    S::thread_handle h(d);
    auto last = h.deref(shared);
    ASSERT_TRUE(last);
    ASSERT_TRUE(h.cas(shared, last.ptr(), marked_ptr<checked_node>()));
    h.store(last->next, marked_ptr<checked_node>());
    h.retire(std::move(last));
  }
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.unreclaimed(), 0);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
  EXPECT_EQ(c.retired, 2U * static_cast<std::uint64_t>(writes));
}

TEST(valois_rc, treiber_stack_stress_with_four_threads_conserves_and_reclaims) {
  constexpr unsigned threads = 4;
  const std::uint64_t ops = 50000 / stress_scale_divisor;
  S::domain d(smr::config_for(stack::requirements));
  smrlab::element_checksum expected;
  {
    stack s(d);
    {
      S::thread_handle h(d);
      for (std::uint64_t i = 0; i < 100; ++i) {
        const std::uint64_t v = smrlab::unique_value(threads, i);
        s.push(h, v);
        expected.add(v);
      }
    }
    std::vector<smrlab::element_checksum> pushed(threads);
    std::vector<smrlab::element_checksum> popped(threads);
    std::vector<std::thread> workers;
    std::atomic<unsigned> ready{0};
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        S::thread_handle h(d);
        // Start together, so that the operations overlap.
        ready.fetch_add(1);
        while (ready.load() != threads) std::this_thread::yield();
        std::uint64_t x = 88172645463325252ULL + t;
        std::uint64_t seq = 0;
        for (std::uint64_t i = 0; i < ops; ++i) {
          x ^= x << 13U;
          x ^= x >> 7U;
          x ^= x << 17U;
          if ((x & 1U) != 0) {
            const std::uint64_t v = smrlab::unique_value(t, seq++);
            s.push(h, v);
            pushed[t].add(v);
          } else if (auto v = s.pop(h)) {
            popped[t].add(*v);
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    for (unsigned t = 0; t < threads; ++t) {
      expected += pushed[t];
      expected -= popped[t];
    }
    // Leave about half in the stack, so that teardown destroys some.
    smrlab::element_checksum left;
    {
      S::thread_handle h(d);
      const std::uint64_t keep = expected.count / 2;
      while (left.count + keep < expected.count) {
        auto v = s.pop(h);
        ASSERT_TRUE(v);
        left.add(*v);
      }
      smrlab::element_checksum rest;
      std::vector<std::uint64_t> back;
      while (auto v = s.pop(h)) {
        rest.add(*v);
        back.push_back(*v);
      }
      left += rest;
      std::reverse(back.begin(), back.end());
      for (std::uint64_t v : back) s.push(h, v);
    }
    EXPECT_EQ(left, expected) << "conservation of elements";
    d.reclaim_all_quiescent();
    const smr::counter_totals drained = d.counters();
    EXPECT_EQ(drained.unreclaimed(), 0);
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.unreclaimed(), 0);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
  EXPECT_GT(c.destroyed, 0U);
}

// The scheme-contract, Treiber-stack and conformance tests that every registered scheme gets
// (tests/schemes/scheme_test.cpp, tests/structures/treiber_stack/, tests/conformance/)
// cover valois_rc too; what follows is specific to its teardown.

TEST(valois_rc_contract, destroy_unretired_of_a_node_still_linked_destroys_it_once) {
  std::atomic<int> destroyed{0};
  S::domain d(two_hazards());
  S::link<node> l;
  {
    S::thread_handle h(d);
    auto r = h.make<node>(&destroyed);
    h.store(l, r.ptr());
  }
  d.destroy_unretired(l.load(std::memory_order_relaxed).get());
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 1U);
  EXPECT_EQ(c.destroyed, 1U);
  EXPECT_EQ(destroyed.load(), 1);
}

}  // namespace
