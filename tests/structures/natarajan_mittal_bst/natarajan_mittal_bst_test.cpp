// What is particular to the Natarajan-Mittal tree: five sentinels, and two nodes per key (a
// leaf and a router). The set contract (agreement with std::set, concurrent conservation,
// lookups under change) is checked for every set structure in
// tests/structures/set_structure_suite.hpp.
#include "structures/natarajan_mittal_bst/natarajan_mittal_bst.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "support/test_support.hpp"

namespace {

template <class S>
class natarajan_mittal_bst_test : public ::testing::Test {};
TYPED_TEST_SUITE(natarajan_mittal_bst_test, smrlab_test::all_schemes, smrlab_test::scheme_names);

template <class S>
using tree = smr::natarajan_mittal_bst<S>;

template <class S>
smr::domain_config config() {
  return smr::config_for(tree<S>::requirements);
}

using smrlab_test::expect_everything_reclaimed;

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

}  // namespace
