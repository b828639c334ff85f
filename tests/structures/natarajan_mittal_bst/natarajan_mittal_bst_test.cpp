#include "structures/natarajan_mittal_bst/natarajan_mittal_bst.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace {

template <class S>
class natarajan_mittal_bst_test : public ::testing::Test {};
TYPED_TEST_SUITE(natarajan_mittal_bst_test, smrlab_test::all_schemes, smrlab_test::scheme_names);

template <class S>
using tree = smr::natarajan_mittal_bst<S>;

template <class S>
smr::domain_config config(unsigned threads = 1) {
  return smr::config_for(tree<S>::requirements, threads);
}

template <class S>
unsigned threads_allowed(unsigned wanted) {
  return S::traits.max_threads == 0 ? wanted : std::min(wanted, S::traits.max_threads);
}

template <class S>
void expect_everything_reclaimed(typename S::domain& d) {
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, c.reclaimed);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

TYPED_TEST(natarajan_mittal_bst_test, an_empty_tree_holds_only_its_five_sentinels) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  {
    tree<S> t(d);
    EXPECT_TRUE(t.keys().empty());
    EXPECT_EQ(t.check_structure(), "ok");
    typename S::thread_handle h(d);
    EXPECT_FALSE(t.contains(h, 0));
    EXPECT_FALSE(t.remove(h, 0));
    EXPECT_FALSE(t.contains(h, smr::max_set_key));
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 5U);
  EXPECT_EQ(c.destroyed, 5U);
}

TYPED_TEST(natarajan_mittal_bst_test, agrees_with_a_sequential_set) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  {
    tree<S> t(d);
    typename S::thread_handle h(d);
    std::set<std::uint64_t> model;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t k = rng() % 64;
      switch (rng() % 3) {
        case 0:
          ASSERT_EQ(t.insert(h, k), model.insert(k).second) << "insert " << k << " at op " << i;
          break;
        case 1:
          ASSERT_EQ(t.remove(h, k), model.erase(k) == 1) << "remove " << k << " at op " << i;
          break;
        default:
          ASSERT_EQ(t.contains(h, k), model.count(k) == 1) << "contains " << k << " at op " << i;
      }
    }
    EXPECT_EQ(t.keys(), std::vector<std::uint64_t>(model.begin(), model.end()));
    EXPECT_EQ(t.check_structure(), "ok");
    // The extremes of the key space route like any other key.
    EXPECT_TRUE(t.insert(h, smr::max_set_key));
    EXPECT_TRUE(t.contains(h, smr::max_set_key));
    EXPECT_TRUE(t.remove(h, smr::max_set_key));
  }
  expect_everything_reclaimed<S>(d);
}

// Each key adds a leaf and an internal node; removing it retires exactly those two.
TYPED_TEST(natarajan_mittal_bst_test, removing_a_key_retires_its_leaf_and_one_router) {
  using S = TypeParam;
  typename S::domain d(config<S>());
  constexpr std::uint64_t n = 100;
  {
    tree<S> t(d);
    typename S::thread_handle h(d);
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t.insert(h, (k * 37) % n));
    EXPECT_EQ(d.counters().allocated, 5 + 2 * n);
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t.remove(h, k));
    EXPECT_EQ(d.counters().retired, 2 * n);
    EXPECT_TRUE(t.keys().empty());
    EXPECT_EQ(t.check_structure(), "ok");
  }
  expect_everything_reclaimed<S>(d);
  EXPECT_EQ(d.counters().destroyed, 5U);
}

// Threads insert and remove a few keys; per key, successful inserts minus successful removes
// must say whether it is in the tree at the end.
TYPED_TEST(natarajan_mittal_bst_test, concurrent_updates_on_few_keys_conserve_every_key) {
  using S = TypeParam;
  const unsigned threads = threads_allowed<S>(4);
  constexpr std::uint64_t keys = 16;
  const int ops = 20000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  typename S::domain d(config<S>(threads));
  {
    tree<S> t(d);
    std::vector<std::vector<std::int64_t>> balance(threads, std::vector<std::int64_t>(keys));
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        typename S::thread_handle h(d);
        std::mt19937_64 rng(id + 1);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          if (rng() % 2 == 0) {
            balance[id][k] += t.insert(h, k) ? 1 : 0;
          } else {
            balance[id][k] -= t.remove(h, k) ? 1 : 0;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    const std::vector<std::uint64_t> present = t.keys();
    for (std::uint64_t k = 0; k < keys; ++k) {
      std::int64_t sum = 0;
      for (const auto& b : balance) sum += b[k];
      const bool in_tree = std::find(present.begin(), present.end(), k) != present.end();
      EXPECT_EQ(sum, in_tree ? 1 : 0) << "key " << k;
    }
    EXPECT_EQ(t.check_structure(), "ok");
  }
  expect_everything_reclaimed<S>(d);
}

// Keys that are never removed must always be found, and keys never inserted never found, while
// other threads restructure the tree around them: a seek that wandered through an unlinked
// part of the tree would get these wrong (or, under ASan, read freed memory).
TYPED_TEST(natarajan_mittal_bst_test, lookups_stay_right_while_the_tree_changes_around_them) {
  using S = TypeParam;
  const unsigned threads = threads_allowed<S>(4);
  constexpr std::uint64_t keys = 64;
  const int ops = 20000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  typename S::domain d(config<S>(threads + 1));
  {
    tree<S> t(d);
    {
      typename S::thread_handle h(d);
      for (std::uint64_t k = 0; k < keys; k += 4) ASSERT_TRUE(t.insert(h, k));  // stable keys
    }
    std::atomic<int> wrong{0};
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        typename S::thread_handle h(d);
        std::mt19937_64 rng(id + 17);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          if (k % 4 == 0) {
            if (!t.contains(h, k)) wrong.fetch_add(1);
          } else if (k % 4 == 3) {
            if (t.contains(h, k + 1000)) wrong.fetch_add(1);  // never inserted
          } else if (rng() % 2 == 0) {
            t.insert(h, k);
          } else {
            t.remove(h, k);
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(t.check_structure(), "ok");
  }
  expect_everything_reclaimed<S>(d);
}

}  // namespace
