#include "structures/harris_michael_list/harris_michael_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace {

template <class S>
class harris_michael_list_test : public ::testing::Test {};
TYPED_TEST_SUITE(harris_michael_list_test, smrlab_test::all_schemes, smrlab_test::scheme_names);

template <class S>
using list = smr::harris_michael_list<S>;

template <class S>
smr::domain_config config(unsigned threads = 1) {
  return smr::config_for(list<S>::requirements, threads);
}

template <class S>
unsigned threads_allowed(unsigned wanted) {
  return S::traits.max_threads == 0 ? wanted : std::min(wanted, S::traits.max_threads);
}

// After the list and every handle are gone: nothing retired is left, and every node made was
// either reclaimed (retired) or destroyed at teardown (never retired).
template <class S>
void expect_everything_reclaimed(typename S::domain& d) {
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, c.reclaimed);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

TYPED_TEST(harris_michael_list_test, agrees_with_a_sequential_set) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  {
    list<S> l(d);
    {
      typename S::thread_handle h(d);
      EXPECT_TRUE(l.keys().empty());
      EXPECT_FALSE(l.contains(h, 0));
      std::set<std::uint64_t> model;
      std::mt19937_64 rng(5);
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t k = rng() % 64;
        switch (rng() % 3) {
          case 0:
            ASSERT_EQ(l.insert(h, k), model.insert(k).second) << "insert " << k << " at op " << i;
            break;
          case 1:
            ASSERT_EQ(l.remove(h, k), model.erase(k) == 1) << "remove " << k << " at op " << i;
            break;
          default:
            ASSERT_EQ(l.contains(h, k), model.count(k) == 1) << "contains " << k << " at op " << i;
        }
      }
      EXPECT_EQ(l.keys(), std::vector<std::uint64_t>(model.begin(), model.end()));
      EXPECT_EQ(l.check_structure(), "ok");
      // The extremes of the key space sort like any other key.
      EXPECT_TRUE(l.insert(h, smr::max_set_key));
      EXPECT_TRUE(l.insert(h, 0) || model.count(0) == 1);
      EXPECT_TRUE(l.contains(h, smr::max_set_key));
      EXPECT_EQ(l.keys().back(), smr::max_set_key);
      EXPECT_EQ(l.keys().front(), 0U);
      EXPECT_TRUE(l.remove(h, smr::max_set_key));
      EXPECT_FALSE(l.contains(h, smr::max_set_key));
      EXPECT_EQ(l.check_structure(), "ok");
    }
  }
  expect_everything_reclaimed<S>(d);
}

TYPED_TEST(harris_michael_list_test, duplicates_and_absent_keys_are_refused) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  {
    list<S> l(d);
    {
      typename S::thread_handle h(d);
      EXPECT_FALSE(l.remove(h, 7));  // empty list
      EXPECT_TRUE(l.insert(h, 7));
      EXPECT_FALSE(l.insert(h, 7));
      EXPECT_TRUE(l.insert(h, 3));
      EXPECT_TRUE(l.insert(h, 11));
      EXPECT_FALSE(l.insert(h, 3));
      EXPECT_FALSE(l.insert(h, 11));
      EXPECT_FALSE(l.remove(h, 5));   // between two keys
      EXPECT_FALSE(l.remove(h, 12));  // past the last key
      EXPECT_FALSE(l.remove(h, 0));   // before the first key
      EXPECT_EQ(l.keys(), (std::vector<std::uint64_t>{3, 7, 11}));
      EXPECT_TRUE(l.remove(h, 7));
      EXPECT_FALSE(l.remove(h, 7));
      EXPECT_FALSE(l.contains(h, 7));
      EXPECT_EQ(l.keys(), (std::vector<std::uint64_t>{3, 11}));
      EXPECT_EQ(l.check_structure(), "ok");
    }
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 3U);  // a refused insert allocates nothing
  EXPECT_EQ(c.retired, 1U);
  EXPECT_EQ(c.destroyed, 2U);
  expect_everything_reclaimed<S>(d);
}

// A key inserted by one thread is seen by another once the first has been joined, and a key it
// removed is not.
TYPED_TEST(harris_michael_list_test, keys_written_by_one_thread_are_seen_by_another) {
  using S = TypeParam;
  typename S::domain d(config<S>(2));
  {
    list<S> l(d);
    std::thread writer([&] {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < 100; ++k) ASSERT_TRUE(l.insert(h, k * 3));
      for (std::uint64_t k = 0; k < 100; k += 2) ASSERT_TRUE(l.remove(h, k * 3));
    });
    writer.join();
    std::thread reader([&] {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < 300; ++k) {
        const bool expected = k % 3 == 0 && (k / 3) % 2 == 1;
        EXPECT_EQ(l.contains(h, k), expected) << "key " << k;
        EXPECT_EQ(l.insert(h, k), !expected) << "key " << k;
      }
    });
    reader.join();
    std::vector<std::uint64_t> all(300);
    for (std::uint64_t k = 0; k < 300; ++k) all[k] = k;
    EXPECT_EQ(l.keys(), all);
    EXPECT_EQ(l.check_structure(), "ok");
  }
  expect_everything_reclaimed<S>(d);
}

// Removing each key retires exactly its node; the rest are destroyed with the list; and after
// teardown the counters balance.
TYPED_TEST(harris_michael_list_test, teardown_reclaims_or_destroys_every_node) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  constexpr std::uint64_t n = 200;
  {
    list<S> l(d);
    {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(l.insert(h, (k * 37) % n));
      EXPECT_EQ(d.counters().allocated, n);
      for (std::uint64_t k = 0; k < n; k += 2) ASSERT_TRUE(l.remove(h, k));
      EXPECT_EQ(d.counters().retired, n / 2);
      EXPECT_EQ(l.keys().size(), n / 2);
      EXPECT_EQ(l.check_structure(), "ok");
    }
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, n);
  EXPECT_EQ(c.destroyed, n / 2);
  expect_everything_reclaimed<S>(d);
  EXPECT_EQ(d.counters().reclaimed, n / 2);
}

// Threads insert and remove a few keys: per key, successful inserts minus successful removes
// (plus the prefill) must be 0 or 1 and say whether the key is in the list at the end. Few
// keys, so that the threads collide on the same nodes, unlink each other's marked nodes and
// retry failed CASes; a node made by an insert that then found its key present must still be
// reclaimed (the counters balance at the end).
TYPED_TEST(harris_michael_list_test, concurrent_updates_on_few_keys_conserve_every_key) {
  using S = TypeParam;
  const unsigned threads = threads_allowed<S>(4);
  constexpr std::uint64_t keys = 32;
  const int ops = 150000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  typename S::domain d(config<S>(threads));
  {
    list<S> l(d);
    std::vector<std::int64_t> expected(keys, 0);
    {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < keys; k += 2) {
        ASSERT_TRUE(l.insert(h, k));
        expected[k] = 1;
      }
    }
    std::vector<std::vector<std::int64_t>> balance(threads, std::vector<std::int64_t>(keys));
    std::vector<std::uint64_t> lookups(threads, 0);
    std::latch start(threads);  // so that the threads overlap, rather than run one by one
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        typename S::thread_handle h(d);
        start.arrive_and_wait();
        std::mt19937_64 rng(id + 1);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          const std::uint64_t op = rng() % 10;
          if (op < 4) {
            balance[id][k] += l.insert(h, k) ? 1 : 0;
          } else if (op < 8) {
            balance[id][k] -= l.remove(h, k) ? 1 : 0;
          } else {
            lookups[id] += l.contains(h, k) ? 1 : 0;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    const std::vector<std::uint64_t> present = l.keys();
    std::vector<std::uint64_t> from_balance;
    for (std::uint64_t k = 0; k < keys; ++k) {
      std::int64_t sum = expected[k];
      for (const auto& b : balance) sum += b[k];
      ASSERT_TRUE(sum == 0 || sum == 1) << "key " << k << ": balance " << sum;
      const bool in_list = std::find(present.begin(), present.end(), k) != present.end();
      EXPECT_EQ(sum, in_list ? 1 : 0) << "key " << k;
      if (sum == 1) from_balance.push_back(k);
    }
    EXPECT_EQ(present, from_balance);
    EXPECT_EQ(l.check_structure(), "ok");
  }
  expect_everything_reclaimed<S>(d);
}

// Keys that are never removed must always be found, and keys never inserted never found, while
// other threads insert and remove the keys around them: a find that wandered into an unlinked
// part of the list would get these wrong (or, under ASan, read freed memory).
TYPED_TEST(harris_michael_list_test, lookups_stay_right_while_the_list_changes_around_them) {
  using S = TypeParam;
  const unsigned threads = threads_allowed<S>(4);
  constexpr std::uint64_t keys = 64;
  const int ops = 60000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  typename S::domain d(config<S>(threads));
  {
    list<S> l(d);
    {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < keys; k += 4) ASSERT_TRUE(l.insert(h, k));  // stable keys
    }
    std::atomic<int> wrong{0};
    std::latch start(threads);  // so that the threads overlap, rather than run one by one
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        typename S::thread_handle h(d);
        start.arrive_and_wait();
        std::mt19937_64 rng(id + 17);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          if (k % 4 == 0) {
            if (!l.contains(h, k)) wrong.fetch_add(1);
          } else if (k % 4 == 3) {
            if (l.contains(h, k + 1000)) wrong.fetch_add(1);  // never inserted
          } else if (rng() % 2 == 0) {
            l.insert(h, k);
          } else {
            l.remove(h, k);
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(l.check_structure(), "ok");
    for (std::uint64_t k : l.keys()) EXPECT_NE(k % 4, 3U) << "key " << k;
  }
  expect_everything_reclaimed<S>(d);
}

}  // namespace
