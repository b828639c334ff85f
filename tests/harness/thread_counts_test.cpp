#include "harness/thread_counts.hpp"

#include <gtest/gtest.h>

namespace {

using smrlab::default_thread_counts;
using smrlab::parse_thread_counts;
using counts = std::vector<unsigned>;

TEST(thread_counts, default_from_one_up_to_twice_the_pus) {
  EXPECT_EQ(default_thread_counts(1), (counts{1, 2}));
  EXPECT_EQ(default_thread_counts(2), (counts{1, 2, 4}));
  EXPECT_EQ(default_thread_counts(12), (counts{1, 2, 4, 8, 12, 24}));
  EXPECT_EQ(default_thread_counts(16), (counts{1, 2, 4, 8, 16, 32}));
  EXPECT_EQ(default_thread_counts(0), (counts{1, 2})) << "an unknown PU count counts as one";
}

TEST(thread_counts, parses_a_list_or_auto) {
  EXPECT_EQ(std::get<smrlab::thread_request>(parse_thread_counts({"1", "2", "8"})).counts,
            (counts{1, 2, 8}));
  const auto automatic = std::get<smrlab::thread_request>(parse_thread_counts({"auto"}));
  EXPECT_TRUE(automatic.counts.empty() && automatic.per_pu.empty()) << "auto: from topology";
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"0"}, {"two"}, {"1", "auto"}, {"-1"}, {"x"}, {"0x"}, {"2xx"}, {"x2"}, {""}, {}}) {
    const auto parsed = parse_thread_counts(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
    EXPECT_NE(std::get<std::string>(parsed).find("auto"), std::string::npos);
  }
}

TEST(thread_counts, multiples_of_the_pu_count_resolve_on_the_topology) {
  const auto r = std::get<smrlab::thread_request>(parse_thread_counts({"1", "2x", "4x"}));
  EXPECT_EQ(r.counts, (counts{1}));
  EXPECT_EQ(r.per_pu, (counts{2, 4}));
  EXPECT_EQ(smrlab::resolve_thread_counts(r.counts, r.per_pu, 16), (counts{1, 32, 64}));
  EXPECT_EQ(smrlab::resolve_thread_counts(r.counts, r.per_pu, 2), (counts{1, 4, 8}));
  EXPECT_EQ(smrlab::resolve_thread_counts({4}, {2}, 2), (counts{4})) << "no repeats";
  EXPECT_EQ(smrlab::resolve_thread_counts({}, {}, 12), smrlab::default_thread_counts(12));
}

}  // namespace
