#include "harness/element_checksum.hpp"

#include <gtest/gtest.h>

namespace {

smrlab::element_checksum of(std::initializer_list<std::uint64_t> values) {
  smrlab::element_checksum c;
  for (auto v : values) c.add(v);
  return c;
}

TEST(element_checksum, is_order_independent) { EXPECT_EQ(of({1, 2, 3}), of({3, 1, 2})); }

TEST(element_checksum, detects_a_duplicate_that_replaces_a_lost_element) {
  // Same count and same plain sum: only the mixed sum tells them apart.
  EXPECT_NE(of({1, 3}), of({2, 2}));
}

TEST(element_checksum, pushed_minus_popped_equals_what_is_left) {
  smrlab::element_checksum expected = of({1, 2, 3, 4});
  expected -= of({2, 4});
  EXPECT_EQ(expected, of({1, 3}));
}

TEST(element_checksum, unique_values_do_not_collide_across_threads) {
  EXPECT_NE(smrlab::unique_value(0, 5), smrlab::unique_value(1, 5));
  EXPECT_NE(smrlab::unique_value(0, 5), smrlab::unique_value(0, 6));
}

}  // namespace
