#include "structures/sundell_tsigas_deque/sundell_tsigas_deque.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "schemes/ebr/ebr.hpp"
#include "schemes/hazard_pointers/hazard_pointers.hpp"
#include "schemes/hprc/hprc.hpp"
#include "schemes/none/none.hpp"
#include "schemes/valois_rc/valois_rc.hpp"
#include "support/test_support.hpp"

namespace {

// The built-in schemes the deque pairs with (traverses_deleted_nodes and safe_global_references);
// the registry refuses it on the others, so the list is written here rather than taken from
// smrlab_test::all_schemes. The test below checks it against the registry's rule.
using deque_schemes = ::testing::Types<smr::none, smr::hprc, smr::valois_rc>;

// A pop can retire a node that a link still points at (the header comment says how), so the deque
// pairs only with schemes whose links keep their targets alive: not with an epoch scheme, whose
// readers that start after a retire do not protect the retired node.
TEST(sundell_tsigas_deque_requirements, pairs_only_with_schemes_whose_links_keep_nodes_alive) {
  constexpr auto needs = smr::sundell_tsigas_deque<smr::ebr>::requirements;
  EXPECT_TRUE(needs.safe_global_references);
  EXPECT_FALSE(smr::compatible("ebr", smr::ebr::traits, needs));
  EXPECT_FALSE(smr::compatible("hazard_pointers", smr::hazard_pointers::traits, needs));
  EXPECT_TRUE(smr::compatible("hprc", smr::hprc::traits, needs));
  EXPECT_TRUE(smr::compatible("valois_rc", smr::valois_rc::traits, needs));
  EXPECT_TRUE(smr::compatible("none", smr::none::traits, needs));
}

// Teardown order, for every scheme: no handle left, drain the domain while the deque's nodes
// still exist, destroy the deque, drain again. Under hprc a retired node still on a deletion
// list may link to a live node or a sentinel, and its clean-up and terminate read and count
// those nodes, so they must not be freed (destroy_unretired) before the domain is drained.
template <class S>
class sundell_tsigas_deque_test : public ::testing::Test {
 protected:
  using deque = smr::sundell_tsigas_deque<S>;
  using handle = typename S::thread_handle;
  static smr::domain_config config() { return smr::config_for(deque::requirements); }

  // Runs f(dq, h) on a fresh deque with one registered handle, tears down in the order above,
  // and returns the domain's final counters.
  template <class F>
  static smr::counter_totals with_deque(F&& f) {
    typename S::domain d(config());
    {
      deque dq(d);
      {
        handle h(d);
        f(dq, h);
      }
      d.reclaim_all_quiescent();
    }
    d.reclaim_all_quiescent();
    return d.counters();
  }
};
TYPED_TEST_SUITE(sundell_tsigas_deque_test, deque_schemes, smrlab_test::scheme_names);

template <class D>
void expect_reads_the_same_both_ways(const D& dq) {
  std::vector<std::uint64_t> r = dq.values_from_right();
  std::reverse(r.begin(), r.end());
  EXPECT_EQ(dq.values_from_left(), r);
}

TYPED_TEST(sundell_tsigas_deque_test, an_empty_deque_pops_nothing_at_either_end) {
  const smr::counter_totals c = TestFixture::with_deque([](auto& dq, auto& h) {
    EXPECT_FALSE(dq.pop_left(h).has_value());
    EXPECT_FALSE(dq.pop_right(h).has_value());
    EXPECT_TRUE(dq.values_from_left().empty());
    EXPECT_TRUE(dq.values_from_right().empty());
    dq.push_left(h, 1);
    EXPECT_EQ(dq.pop_right(h), 1U);
    EXPECT_FALSE(dq.pop_left(h).has_value());
    EXPECT_FALSE(dq.pop_right(h).has_value());
  });
  EXPECT_EQ(c.retired, 1U);
  EXPECT_EQ(c.reclaimed, 1U);
  EXPECT_EQ(c.allocated, 3U);  // two sentinels and one element
  EXPECT_EQ(c.destroyed, 2U);
}

TYPED_TEST(sundell_tsigas_deque_test, one_end_alone_is_a_stack) {
  TestFixture::with_deque([](auto& dq, auto& h) {
    for (std::uint64_t v = 1; v <= 5; ++v) dq.push_left(h, v);
    EXPECT_EQ(dq.values_from_left(), (std::vector<std::uint64_t>{5, 4, 3, 2, 1}));
    expect_reads_the_same_both_ways(dq);
    for (std::uint64_t v = 5; v >= 1; --v) EXPECT_EQ(dq.pop_left(h), v);
    EXPECT_FALSE(dq.pop_left(h).has_value());

    for (std::uint64_t v = 1; v <= 5; ++v) dq.push_right(h, v);
    for (std::uint64_t v = 5; v >= 1; --v) EXPECT_EQ(dq.pop_right(h), v);
    EXPECT_FALSE(dq.pop_right(h).has_value());
  });
}

TYPED_TEST(sundell_tsigas_deque_test, opposite_ends_make_a_queue) {
  TestFixture::with_deque([](auto& dq, auto& h) {
    for (std::uint64_t v = 1; v <= 5; ++v) dq.push_right(h, v);
    EXPECT_EQ(dq.values_from_left(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    expect_reads_the_same_both_ways(dq);
    for (std::uint64_t v = 1; v <= 5; ++v) EXPECT_EQ(dq.pop_left(h), v);
    EXPECT_FALSE(dq.pop_left(h).has_value());

    for (std::uint64_t v = 1; v <= 5; ++v) dq.push_left(h, v);
    for (std::uint64_t v = 1; v <= 5; ++v) EXPECT_EQ(dq.pop_right(h), v);
    EXPECT_FALSE(dq.pop_right(h).has_value());
  });
}

TYPED_TEST(sundell_tsigas_deque_test, mixed_ends_keep_the_order_of_a_sequential_deque) {
  TestFixture::with_deque([](auto& dq, auto& h) {
    dq.push_right(h, 3);
    dq.push_left(h, 2);
    dq.push_right(h, 4);
    dq.push_left(h, 1);
    dq.push_right(h, 5);
    EXPECT_EQ(dq.values_from_left(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    expect_reads_the_same_both_ways(dq);
    EXPECT_EQ(dq.pop_right(h), 5U);
    EXPECT_EQ(dq.pop_left(h), 1U);
    EXPECT_EQ(dq.values_from_left(), (std::vector<std::uint64_t>{2, 3, 4}));
    expect_reads_the_same_both_ways(dq);
    dq.push_left(h, 7);
    EXPECT_EQ(dq.pop_right(h), 4U);
    EXPECT_EQ(dq.pop_right(h), 3U);
    EXPECT_EQ(dq.pop_left(h), 7U);
    EXPECT_EQ(dq.pop_left(h), 2U);
    EXPECT_FALSE(dq.pop_left(h).has_value());
    EXPECT_FALSE(dq.pop_right(h).has_value());
    expect_reads_the_same_both_ways(dq);
  });
}

TYPED_TEST(sundell_tsigas_deque_test, destruction_frees_the_elements_left_in_it) {
  const smr::counter_totals c = TestFixture::with_deque([](auto& dq, auto& h) {
    for (std::uint64_t v = 0; v < 10; ++v) {
      if (v % 2 == 0) {
        dq.push_left(h, v);
      } else {
        dq.push_right(h, v);
      }
    }
    EXPECT_EQ(dq.pop_left(h), 8U);
    EXPECT_EQ(dq.pop_right(h), 9U);
  });
  EXPECT_EQ(c.allocated, 12U);
  EXPECT_EQ(c.retired, 2U);
  EXPECT_EQ(c.reclaimed, 2U);
  EXPECT_EQ(c.destroyed, 10U);  // eight elements and the two sentinels
}

// A value unique to (thread, index): the thread in the high half.
std::uint64_t unique_value(unsigned thread, std::uint64_t i) {
  return (std::uint64_t{thread} << 32U) | (i + 1);
}

// Four threads, each doing uniformly random operations among the four, then checks that
// nothing was lost or duplicated and that the deque reads the same in both directions.
// Returns with the deque destroyed and every thread deregistered; the domain was drained once
// before the deque was destroyed.
template <class S>
void stress_random_operations(typename S::domain& d, unsigned threads, std::uint64_t ops) {
  using deque = smr::sundell_tsigas_deque<S>;
  std::vector<std::vector<std::uint64_t>> pushed(threads + 1);
  std::vector<std::vector<std::uint64_t>> popped(threads);
  std::vector<std::uint64_t> left;
  {
    deque dq(d);
    {
      typename S::thread_handle h(d);  // prefill a little, so both ends start with work
      for (std::uint64_t i = 0; i < 64; ++i) {
        const std::uint64_t v = unique_value(threads, i);
        if (i % 2 == 0) {
          dq.push_left(h, v);
        } else {
          dq.push_right(h, v);
        }
        pushed[threads].push_back(v);
      }
    }
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        typename S::thread_handle h(d);
        std::mt19937_64 rng(0x5eed + t);
        std::uniform_int_distribution<int> op(0, 3);
        // Acquire pairs with the release store of `go`: the prefill is visible.
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        std::uint64_t next_value = 0;
        for (std::uint64_t i = 0; i < ops; ++i) {
          std::optional<std::uint64_t> got;
          switch (op(rng)) {
            case 0:
              dq.push_left(h, unique_value(t, next_value));
              pushed[t].push_back(unique_value(t, next_value++));
              break;
            case 1:
              dq.push_right(h, unique_value(t, next_value));
              pushed[t].push_back(unique_value(t, next_value++));
              break;
            case 2:
              got = dq.pop_left(h);
              break;
            default:
              got = dq.pop_right(h);
              break;
          }
          if (got) popped[t].push_back(*got);
        }
      });
    }
    go.store(true, std::memory_order_release);  // pairs with the workers' acquire load
    for (auto& w : workers) w.join();

    left = dq.values_from_left();
    std::vector<std::uint64_t> right = dq.values_from_right();
    std::reverse(right.begin(), right.end());
    EXPECT_EQ(left, right) << "the deque reads differently along next and along prev";
    d.reclaim_all_quiescent();  // before the deque's nodes go (see the fixture)
  }

  std::vector<std::uint64_t> all_pushed;
  for (const auto& p : pushed) all_pushed.insert(all_pushed.end(), p.begin(), p.end());
  std::vector<std::uint64_t> all_out = left;
  std::size_t popped_count = 0;
  for (const auto& p : popped) {
    all_out.insert(all_out.end(), p.begin(), p.end());
    popped_count += p.size();
  }
  std::sort(all_pushed.begin(), all_pushed.end());
  std::sort(all_out.begin(), all_out.end());
  EXPECT_EQ(std::adjacent_find(all_out.begin(), all_out.end()), all_out.end())
      << "a value was popped twice, or popped and still in the deque";
  EXPECT_EQ(all_out.size(), all_pushed.size());
  EXPECT_TRUE(all_out == all_pushed) << "pushed != popped + left";
  EXPECT_GT(popped_count, 0U);
}

constexpr unsigned stress_threads = 4;
constexpr std::uint64_t stress_ops = 20000 / smrlab_test::stress_scale_divisor;

TYPED_TEST(sundell_tsigas_deque_test, concurrent_random_operations_conserve_every_value) {
  using S = TypeParam;
  typename S::domain d(this->config());
  stress_random_operations<S>(d, stress_threads, stress_ops);
  const smr::counter_totals c = d.counters();
  EXPECT_GT(c.retired, 0U);
}

// After the stress the deque is destroyed: a quiescent drain must leave nothing unreclaimed,
// and every node ever allocated must be freed exactly once (ASan checks the "once").
TYPED_TEST(sundell_tsigas_deque_test, teardown_after_the_stress_frees_every_node) {
  using S = TypeParam;
  typename S::domain d(this->config());
  stress_random_operations<S>(d, stress_threads, stress_ops);
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.unreclaimed(), 0);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

// Two threads pop concurrently from opposite ends of a deque holding one or two elements; one
// mostly pops left, the other mostly right. Each round every element is popped exactly once:
// with one element, exactly one of the two pops gets it.
TYPED_TEST(sundell_tsigas_deque_test, concurrent_pops_at_both_ends_never_return_one_value_twice) {
  using S = TypeParam;
  using deque = typename TestFixture::deque;
  constexpr std::uint64_t rounds = 20000 / smrlab_test::stress_scale_divisor;
  typename S::domain d(this->config());
  std::vector<std::vector<std::optional<std::uint64_t>>> got(
      2, std::vector<std::optional<std::uint64_t>>(rounds));
  {
    deque dq(d);
    std::barrier sync(2);
    auto worker = [&](unsigned t) {
      typename S::thread_handle h(d);
      std::mt19937_64 rng(0xd0e + t);
      std::uniform_int_distribution<int> pct(0, 99);
      for (std::uint64_t r = 0; r < rounds; ++r) {
        if (t == 0) {
          // One element, or two every third round, pushed at alternating ends.
          const unsigned n = (r % 3 == 0) ? 2 : 1;
          for (unsigned k = 0; k < n; ++k) {
            const std::uint64_t v = 2 * r + k + 1;
            if ((r + k) % 2 == 0) {
              dq.push_left(h, v);
            } else {
              dq.push_right(h, v);
            }
          }
        }
        sync.arrive_and_wait();
        const bool left = (t == 0) == (pct(rng) < 90);  // thread 0 mostly left, 1 mostly right
        got[t][r] = left ? dq.pop_left(h) : dq.pop_right(h);
        sync.arrive_and_wait();
        if (t == 0) {
          // The two pops took every element of the round: nothing may be left.
          while (dq.pop_left(h).has_value()) ADD_FAILURE() << "left over after round " << r;
        }
        sync.arrive_and_wait();
      }
    };
    std::thread other(worker, 1);
    worker(0);
    other.join();
    expect_reads_the_same_both_ways(dq);
    EXPECT_TRUE(dq.values_from_left().empty());
    d.reclaim_all_quiescent();  // before the deque's nodes go (see the fixture)
  }
  for (std::uint64_t r = 0; r < rounds; ++r) {
    const unsigned n = (r % 3 == 0) ? 2 : 1;
    const auto& a = got[0][r];
    const auto& b = got[1][r];
    ASSERT_EQ(static_cast<unsigned>(a.has_value()) + static_cast<unsigned>(b.has_value()), n)
        << "round " << r;
    if (a && b) {
      ASSERT_NE(*a, *b) << "round " << r << ": both ends popped the same value";
    }
    for (const auto& v : {a, b}) {
      if (v) {
        ASSERT_TRUE(*v == 2 * r + 1 || *v == 2 * r + 2) << "round " << r;
      }
    }
  }
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.unreclaimed(), 0);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

// hazard_pointers cannot run the deque (a hazard does not protect links read out of deleted
// nodes), but its hazard slots are a strict counter of the refs one thread holds at once: taking
// one more than k throws logic_error. With scans postponed until every worker has finished (a
// scan threshold no run reaches, and the handles kept until then), nothing is freed while
// operations run, so this stress is memory-safe and checks that requirements.hazards_per_thread
// covers every path, helping included.
TEST(sundell_tsigas_deque_requirements, no_operation_holds_more_refs_than_declared) {
  using S = smr::hazard_pointers;
  using deque = smr::sundell_tsigas_deque<S>;
  smr::domain_config cfg = smr::config_for(deque::requirements);
  cfg.scan_threshold_min = 1U << 30U;
  S::domain d(cfg);
  {
    deque dq(d);
    std::barrier sync(stress_threads);
    std::vector<std::string> errors(stress_threads);
    auto worker = [&](unsigned t) {
      S::thread_handle h(d);
      std::mt19937_64 rng(0xa11 + t);
      std::uniform_int_distribution<int> op(0, 3);
      sync.arrive_and_wait();
      try {
        for (std::uint64_t i = 0; i < stress_ops; ++i) {
          switch (op(rng)) {
            case 0:
              dq.push_left(h, unique_value(t, i));
              break;
            case 1:
              dq.push_right(h, unique_value(t, i));
              break;
            case 2:
              dq.pop_left(h);
              break;
            default:
              dq.pop_right(h);
              break;
          }
        }
      } catch (const std::logic_error& e) {
        errors[t] = e.what();
      }
      sync.arrive_and_wait();  // no handle scans (frees) before every worker is done
    };
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < stress_threads; ++t) workers.emplace_back(worker, t);
    worker(0);
    for (auto& w : workers) w.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    d.reclaim_all_quiescent();
  }
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

// The Gidenstam clean-up callback is only called by link-counting schemes, so none and ebr
// never run it; this test runs it directly (on ebr's plain links) over a hand-built chain
// head <-> A(del) <-> B(del) <-> C(del) <-> D <-> tail, where A, B and C are popped nodes
// whose links still point at each other.
TEST(sundell_tsigas_deque_clean_up, points_both_links_past_any_number_of_deleted_nodes) {
  using S = smr::ebr;
  using node = smr::sundell_tsigas_deque<S>::node;
  using ptr = smr::marked_ptr<node>;
  S::domain d;
  {
    S::thread_handle h(d);
    const S::guard g(h);
    auto head = h.make<node>(0);
    auto a = h.make<node>(1);
    auto b = h.make<node>(2);
    auto c = h.make<node>(3);
    auto live = h.make<node>(4);
    auto tail = h.make<node>(0);
    auto link = [&](auto& l, const auto& r, unsigned mark) { h.store(l, ptr(r.get(), mark)); };
    link(head->next, live, 0);
    link(live->prev, head, 0);
    link(live->next, tail, 0);
    link(tail->prev, live, 0);
    link(a->prev, head, 1);
    link(a->next, b, 1);
    link(b->prev, a, 1);
    link(b->next, c, 1);
    link(c->prev, b, 1);
    link(c->next, live, 1);

    // One thread: the relaxed loads below read this thread's own writes.
    c->clean_up(h);  // prev skips B and A to head; next already live
    EXPECT_EQ(c->prev.load(std::memory_order_relaxed), ptr(head.get(), 1));
    EXPECT_EQ(c->next.load(std::memory_order_relaxed), ptr(live.get(), 1));
    a->clean_up(h);  // next skips B and C to the live node; prev already the head
    EXPECT_EQ(a->prev.load(std::memory_order_relaxed), ptr(head.get(), 1));
    EXPECT_EQ(a->next.load(std::memory_order_relaxed), ptr(live.get(), 1));
    b->clean_up(h);
    EXPECT_EQ(b->prev.load(std::memory_order_relaxed), ptr(head.get(), 1));
    EXPECT_EQ(b->next.load(std::memory_order_relaxed), ptr(live.get(), 1));
    // Live nodes are untouched.
    EXPECT_EQ(live->prev.load(std::memory_order_relaxed), ptr(head.get()));
    EXPECT_EQ(head->next.load(std::memory_order_relaxed), ptr(live.get()));

    for (auto* n : {head.get(), a.get(), b.get(), c.get(), live.get(), tail.get()}) {
      d.destroy_unretired(n);
    }
  }
  EXPECT_EQ(d.counters().allocated, d.counters().destroyed);
}

}  // namespace
