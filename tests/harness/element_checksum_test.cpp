#include "harness/element_checksum.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

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

// The substitutions a reclamation bug makes are structured: values of the form thread << 40 | seq
// differ by multiples of 2^40, where a weak mix (the sum of squares, say) collides. Every two
// pairs of such values with the same sum must still have different fingerprints.
TEST(element_checksum, tells_apart_every_two_pairs_of_unique_values_with_the_same_sum) {
  std::vector<std::uint64_t> values;
  for (unsigned thread = 0; thread < 8; ++thread) {
    for (std::uint64_t seq = 0; seq < 48; ++seq)
      values.push_back(smrlab::unique_value(thread, seq));
  }
  std::map<std::uint64_t, std::set<std::uint64_t>> mixed_by_sum;
  std::size_t pairs_with_a_shared_sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = i + 1; j < values.size(); ++j) {
      const smrlab::element_checksum c = of({values[i], values[j]});
      auto& mixed = mixed_by_sum[c.sum];
      if (!mixed.empty()) ++pairs_with_a_shared_sum;
      EXPECT_TRUE(mixed.insert(c.mixed_sum).second)
          << "pairs with sum " << c.sum << " collide: " << values[i] << " + " << values[j];
    }
  }
  EXPECT_GT(pairs_with_a_shared_sum, 10000U);  // the case is not vacuous
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
