// What is particular to the Harris-Michael list: one node per key. The set contract (agreement
// with std::set, concurrent conservation, lookups under change) is checked for every set
// structure in tests/structures/set_structure_suite.hpp.
//
// The body of a type-parameterized suite (TYPED_TEST_SUITE_P), run on every pairing of a
// scheme with harris_michael_list (plugins included): tests/CMakeLists.txt registers it as a layer
// (smrlab_add_test_layer ... STRUCTURE harris_michael_list), and cmake/smrlab_pairings.cmake
// instantiates it in those pairings' generated test files. The tests are named
// harris_michael_list_test/pairing/<scheme>__harris_michael_list.<test>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "structures/harris_michael_list/harris_michael_list.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test::harris_michael_list_layer {

template <class P>
class pairing : public ::testing::Test {};
TYPED_TEST_SUITE_P(pairing);

template <class S>
using list = smr::harris_michael_list<S>;

// Removing each key retires exactly its node; the rest are destroyed with the list; and after
// teardown the counters balance.
TYPED_TEST_P(pairing, removing_a_key_retires_its_one_node) {
  using S = typename TypeParam::scheme;
  typename S::domain d(smr::config_for(list<S>::requirements));
  constexpr std::uint64_t n = 200;
  {
    list<S> l(d);
    typename S::thread_handle h(d);
    EXPECT_EQ(d.counters().allocated, 0U);  // no sentinel node
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(l.insert(h, (k * 37) % n));
    EXPECT_EQ(d.counters().allocated, n);
    for (std::uint64_t k = 0; k < n; k += 2) ASSERT_TRUE(l.remove(h, k));
    EXPECT_EQ(d.counters().retired, n / 2);
    EXPECT_EQ(l.keys().size(), n / 2);
    EXPECT_EQ(l.check_structure(), "ok");
  }
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, n);
  EXPECT_EQ(c.destroyed, n / 2);
  smrlab_test::expect_everything_reclaimed<S>(d);
  EXPECT_EQ(d.counters().reclaimed, n / 2);
}

REGISTER_TYPED_TEST_SUITE_P(pairing, removing_a_key_retires_its_one_node);

}  // namespace smrlab_test::harris_michael_list_layer
