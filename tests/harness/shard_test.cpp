#include "harness/shard.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using smrlab::parse_shard;
using smrlab::shard_spec;

TEST(shard, parses_i_of_n_and_describes_it_back) {
  const auto parsed = parse_shard("2/8");
  ASSERT_TRUE(std::holds_alternative<shard_spec>(parsed));
  EXPECT_EQ(std::get<shard_spec>(parsed).index, 2U);
  EXPECT_EQ(std::get<shard_spec>(parsed).count, 8U);
  EXPECT_EQ(std::get<shard_spec>(parsed).describe(), "2/8");
}

TEST(shard, rejects_indices_outside_one_to_n_and_malformed_text) {
  for (const char* text : {"0/4", "5/4", "1/0", "1", "/4", "1/", "a/4", "1/4x", "-1/4", ""}) {
    const auto parsed = parse_shard(text);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
    EXPECT_NE(std::get<std::string>(parsed).find("1 <= i <= n"), std::string::npos) << text;
  }
}

// The shards of one sweep partition its plan: every position is owned by exactly one shard,
// and the slices differ in size by at most one.
TEST(shard, the_shards_of_a_plan_partition_it_evenly) {
  constexpr unsigned count = 4;
  constexpr std::size_t positions = 30;
  std::vector<unsigned> owners(positions, 0);
  std::vector<std::size_t> sizes(count, 0);
  for (unsigned i = 1; i <= count; ++i) {
    const shard_spec s{i, count};
    for (std::size_t p = 0; p < positions; ++p) {
      if (s.owns(p)) {
        ++owners[p];
        ++sizes[i - 1];
      }
    }
  }
  for (auto n : owners) EXPECT_EQ(n, 1U);
  for (auto n : sizes) EXPECT_TRUE(n == 7 || n == 8) << n;
}

}  // namespace
