// What is particular to the Natarajan-Mittal tree: five sentinels, and two nodes per key (a
// leaf and a router). The set contract (agreement with std::set, concurrent conservation,
// lookups under change) is checked for every set structure in
// tests/structures/set_structure_suite.hpp.
//
// The body of a type-parameterized suite (TYPED_TEST_SUITE_P), run on every pairing of a
// scheme with natarajan_mittal_bst (plugins included): tests/CMakeLists.txt registers it as a layer
// (smrlab_add_test_layer ... STRUCTURE natarajan_mittal_bst), and cmake/smrlab_pairings.cmake
// instantiates it in those pairings' generated test files. The tests are named
// natarajan_mittal_bst_test/pairing/<scheme>__natarajan_mittal_bst.<test>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "structures/natarajan_mittal_bst/natarajan_mittal_bst.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test::natarajan_mittal_bst_layer {

template <class P>
class pairing : public ::testing::Test {};
TYPED_TEST_SUITE_P(pairing);

template <class S>
using tree = smr::natarajan_mittal_bst<S>;

template <class S>
smr::domain_config config() {
  return smr::config_for(tree<S>::requirements);
}

using smrlab_test::expect_everything_reclaimed;

TYPED_TEST_P(pairing, an_empty_tree_holds_only_its_five_sentinels) {
  using S = typename TypeParam::scheme;
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
TYPED_TEST_P(pairing, removing_a_key_retires_its_leaf_and_one_router) {
  using S = typename TypeParam::scheme;
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

REGISTER_TYPED_TEST_SUITE_P(pairing, an_empty_tree_holds_only_its_five_sentinels,
                            removing_a_key_retires_its_leaf_and_one_router);

}  // namespace smrlab_test::natarajan_mittal_bst_layer
