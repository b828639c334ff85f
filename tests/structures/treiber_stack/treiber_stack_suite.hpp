// What is particular to the Treiber stack: LIFO order and an empty pop, and the elements left in
// it destroyed with it (never retired).
//
// The body of a type-parameterized suite (TYPED_TEST_SUITE_P), run on every pairing of a
// scheme with treiber_stack (plugins included): tests/CMakeLists.txt registers it as a layer
// (smrlab_add_test_layer ... STRUCTURE treiber_stack), and cmake/smrlab_pairings.cmake instantiates
// it in those pairings' generated test files. The tests are named
// treiber_stack_test/pairing/<scheme>__treiber_stack.<test>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "structures/treiber_stack/treiber_stack.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test::treiber_stack_layer {

template <class P>
class pairing : public ::testing::Test {};
TYPED_TEST_SUITE_P(pairing);

TYPED_TEST_P(pairing, pops_in_lifo_order_and_reports_empty) {
  using S = typename TypeParam::scheme;
  typename S::domain d(smr::config_for(smr::treiber_stack<S>::requirements));
  {
    smr::treiber_stack<S> s(d);
    typename S::thread_handle h(d);
    EXPECT_FALSE(s.pop(h).has_value());
    for (std::uint64_t v = 1; v <= 5; ++v) s.push(h, v);
    for (std::uint64_t v = 5; v >= 1; --v) EXPECT_EQ(s.pop(h), v);
    EXPECT_FALSE(s.pop(h).has_value());
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(d.counters().retired, 5U);
  EXPECT_EQ(d.counters().reclaimed, 5U);
}

TYPED_TEST_P(pairing, destruction_frees_the_elements_left_in_it) {
  using S = typename TypeParam::scheme;
  typename S::domain d(smr::config_for(smr::treiber_stack<S>::requirements));
  {
    smr::treiber_stack<S> s(d);
    typename S::thread_handle h(d);
    for (std::uint64_t v = 0; v < 10; ++v) s.push(h, v);
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 10U);
  EXPECT_EQ(c.destroyed, 10U);
}

REGISTER_TYPED_TEST_SUITE_P(pairing, pops_in_lifo_order_and_reports_empty,
                            destruction_frees_the_elements_left_in_it);

}  // namespace smrlab_test::treiber_stack_layer
