#include "structures/treiber_stack/treiber_stack.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace {

template <class S>
class treiber_stack_test : public ::testing::Test {};
TYPED_TEST_SUITE(treiber_stack_test, smrlab_test::all_schemes, smrlab_test::scheme_names);

TYPED_TEST(treiber_stack_test, pops_in_lifo_order_and_reports_empty) {
  using S = TypeParam;
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

TYPED_TEST(treiber_stack_test, destruction_frees_the_elements_left_in_it) {
  using S = TypeParam;
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

}  // namespace
