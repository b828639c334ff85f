#include "workloads/key_distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace {

using smrlab::key_distribution;
using smrlab::key_sampler;

const key_distribution uniform{};
const key_distribution zipf99{key_distribution::kind::zipf, 0.99};

// A deterministic stream of 64-bit random values (splitmix64), so no test can flake.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t operator()() noexcept {
    std::uint64_t z = state += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
};

// Bit patterns at the ends of the u = top-53-bits / 2^53 range, drawn on top of the stream.
constexpr std::array<std::uint64_t, 6> edge_bits{0,
                                                 1,
                                                 (std::uint64_t{1} << 11U) - 1,
                                                 std::uint64_t{1} << 63U,
                                                 ~std::uint64_t{0},
                                                 ~std::uint64_t{0} << 11U};

// sum_{i=1..n} i^-theta term by term, Kahan-compensated: the reference for zipf_zeta. The terms
// are positive, so its relative error is about that of one std::pow, a few 1e-16.
double exact_zeta(std::uint64_t n, double theta) {
  double sum = 0;
  double carry = 0;
  for (std::uint64_t i = n; i >= 1; --i) {
    const double y = std::pow(static_cast<double>(i), -theta) - carry;
    const double t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
  return sum;
}

key_distribution parsed(std::string_view text) {
  auto r = smrlab::parse_key_distribution(text);
  if (const auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << text << ": " << *err;
  return std::holds_alternative<key_distribution>(r) ? std::get<key_distribution>(r)
                                                     : key_distribution{};
}

std::string error_of(std::string_view text) {
  auto r = smrlab::parse_key_distribution(text);
  if (std::holds_alternative<key_distribution>(r)) {
    ADD_FAILURE() << "'" << text << "' was accepted";
    return {};
  }
  return std::get<std::string>(r);
}

TEST(key_distribution, parses_uniform_and_zipf) {
  EXPECT_EQ(parsed("uniform"), uniform);
  EXPECT_EQ(parsed("zipf:0.99"), zipf99);
  EXPECT_EQ(parsed("zipf:0.5"), (key_distribution{key_distribution::kind::zipf, 0.5}));
  EXPECT_EQ(parsed("zipf:1e-3"), (key_distribution{key_distribution::kind::zipf, 0.001}));
}

TEST(key_distribution, rejects_bad_distributions_saying_what_is_wrong) {
  struct bad {
    const char* text;
    const char* mentions;
  };
  for (const bad& b : {
           bad{"zipf:0", "theta must be above 0"},
           bad{"zipf:-0.5", "theta must be above 0"},
           bad{"zipf:1", "theta must be below 1 (the YCSB Zipf generator divides by 1 - theta)"},
           bad{"zipf:1.5", "theta must be below 1"},
           bad{"zipf:abc", "theta 'abc' is not a number"},
           bad{"zipf:", "theta '' is not a number"},
           bad{"zipf:0.99x", "theta '0.99x' is not a number"},
           bad{"zipf: 0.99", "theta ' 0.99' is not a number"},
           bad{"zipf:nan", "theta 'nan' is not a number"},
           bad{"zipf:inf", "theta 'inf' is not a number"},
           bad{"zipf", "needs a skew: zipf:<theta> with 0 < theta < 1"},
           bad{"gauss", "unknown key distribution 'gauss'"},
           bad{"", "unknown key distribution ''"},
           bad{"Uniform", "expected 'uniform' or 'zipf:<theta>'"},
           bad{"uniform:0.5", "unknown key distribution"},
       }) {
    const std::string err = error_of(b.text);
    EXPECT_NE(err.find(std::string("key distribution '") + b.text + "'"), std::string::npos) << err;
    EXPECT_NE(err.find(b.mentions), std::string::npos) << b.text << " -> " << err;
  }
}

TEST(key_distribution, describe_round_trips) {
  EXPECT_EQ(uniform.describe(), "uniform");
  EXPECT_EQ(zipf99.describe(), "zipf:0.99");
  EXPECT_EQ((key_distribution{key_distribution::kind::zipf, 0.1}).describe(), "zipf:0.1");
  for (const double theta : {0.99, 0.5, 0.1, 1.0 / 3, 1e-9, std::nextafter(1.0, 0.0)}) {
    const key_distribution d{key_distribution::kind::zipf, theta};
    EXPECT_EQ(parsed(d.describe()), d) << d.describe();
  }
  EXPECT_EQ(parsed(uniform.describe()), uniform);
}

TEST(key_sampler, rejects_an_empty_range_and_a_bad_theta) {
  EXPECT_THROW(key_sampler(uniform, 0), std::invalid_argument);
  EXPECT_THROW(key_sampler(zipf99, 0), std::invalid_argument);
  EXPECT_THROW(key_sampler({key_distribution::kind::zipf, 1.0}, 10), std::invalid_argument);
  EXPECT_THROW(key_sampler({key_distribution::kind::zipf, 0.0}, 10), std::invalid_argument);
}

TEST(key_sampler, uniform_stays_in_range) {
  for (const std::uint64_t n : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{7},
                                std::uint64_t{1000}, std::uint64_t{1} << 40U, ~std::uint64_t{0}}) {
    const key_sampler keys(uniform, n);
    splitmix64 bits{n};
    for (int i = 0; i < 100000; ++i) ASSERT_LT(keys(bits()), n) << n;
    for (const std::uint64_t b : edge_bits) ASSERT_LT(keys(b), n) << n;
    EXPECT_EQ(keys(0), 0U);
    EXPECT_EQ(keys(~std::uint64_t{0}), n - 1);
  }
}

TEST(key_sampler, uniform_is_roughly_uniform) {
  // Chi-square over 16 equal buckets; 15 degrees of freedom, so 50 is beyond the 99.999th
  // percentile. The stream is fixed, so this is deterministic.
  for (const std::uint64_t n : {std::uint64_t{1600}, std::uint64_t{1} << 40U}) {
    const key_sampler keys(uniform, n);
    splitmix64 bits{42};
    constexpr int draws = 160000;
    std::vector<double> bucket(16);
    for (int i = 0; i < draws; ++i) bucket[keys(bits()) / (n / 16)] += 1;
    double chi2 = 0;
    for (const double c : bucket) chi2 += (c - draws / 16.0) * (c - draws / 16.0) / (draws / 16.0);
    EXPECT_LT(chi2, 50) << n;
  }
}

TEST(key_sampler, zipf_stays_in_range) {
  for (const std::uint64_t n :
       {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1000},
        std::uint64_t{1000000}, std::uint64_t{1} << 40U, ~std::uint64_t{0}}) {
    for (const double theta : {0.99, 0.5, 0.01, 0.999999}) {
      const key_sampler keys({key_distribution::kind::zipf, theta}, n);
      splitmix64 bits{n};
      for (int i = 0; i < 100000; ++i) ASSERT_LT(keys(bits()), n) << n << " " << theta;
      for (const std::uint64_t b : edge_bits) ASSERT_LT(keys(b), n) << n << " " << theta;
    }
  }
}

TEST(key_sampler, zipf_over_tiny_ranges) {
  const key_sampler one(zipf99, 1);
  splitmix64 bits{1};
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(one(bits()), 0U);
  // Two keys: ranks 0 and 1 in proportion 1 : 0.5^theta.
  const key_sampler two(zipf99, 2);
  int hot = 0;
  for (int i = 0; i < 100000; ++i) hot += two(bits()) == two.key_of_rank(0) ? 1 : 0;
  EXPECT_NEAR(hot / 100000.0, 1 / (1 + std::pow(0.5, 0.99)), 0.01);
}

TEST(key_sampler, zipf_hottest_keys_come_up_as_often_as_the_distribution_says) {
  constexpr std::uint64_t n = 1000;
  constexpr int draws = 1000000;
  const key_sampler keys(zipf99, n);
  std::vector<int> count(n);
  splitmix64 bits{7};
  for (int i = 0; i < draws; ++i) ++count[keys(bits())];
  const double zeta = exact_zeta(n, 0.99);
  const double first = count[keys.key_of_rank(0)] / static_cast<double>(draws);
  const double second = count[keys.key_of_rank(1)] / static_cast<double>(draws);
  EXPECT_NEAR(first, 1 / zeta, 0.1 / zeta);
  EXPECT_NEAR(second / first, std::pow(0.5, 0.99), 0.1 * std::pow(0.5, 0.99));
  // The most frequent key is rank 0's.
  EXPECT_EQ(std::max_element(count.begin(), count.end()) - count.begin(),
            static_cast<std::ptrdiff_t>(keys.key_of_rank(0)));
}

TEST(key_sampler, zipf_zeta_matches_the_exact_sum) {
  for (const double theta : {0.01, 0.5, 0.99, 0.999999}) {
    for (const std::uint64_t n : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{1000},
                                  smrlab::zipf_zeta_exact_terms, smrlab::zipf_zeta_exact_terms + 1,
                                  smrlab::zipf_zeta_exact_terms + 2, std::uint64_t{1} << 21U}) {
      const double exact = exact_zeta(n, theta);
      const double rel = (smrlab::zipf_zeta(n, theta) - exact) / exact;
      EXPECT_LT(std::abs(rel), 1e-14) << "n " << n << " theta " << theta;
    }
  }
  EXPECT_DOUBLE_EQ(key_sampler(zipf99, 1000).zeta(), smrlab::zipf_zeta(1000, 0.99));
}

TEST(key_sampler, scrambling_is_a_bijection) {
  for (const std::uint64_t n :
       {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{7}, std::uint64_t{1000},
        std::uint64_t{4097}, std::uint64_t{65536}, std::uint64_t{65537}}) {
    const key_sampler keys(zipf99, n);
    const key_sampler again(zipf99, n);
    std::vector<bool> seen(n);
    for (std::uint64_t rank = 0; rank < n; ++rank) {
      const std::uint64_t k = keys.key_of_rank(rank);
      ASSERT_LT(k, n) << "n " << n << " rank " << rank;
      ASSERT_FALSE(seen[k]) << "n " << n << ": key " << k << " has two ranks";
      seen[k] = true;
      ASSERT_EQ(again.key_of_rank(rank), k) << "not deterministic";
    }
  }
}

TEST(key_sampler, zipf_hot_keys_are_scattered_not_the_smallest) {
  for (const std::uint64_t n :
       {std::uint64_t{1000}, std::uint64_t{1000000}, std::uint64_t{1} << 40U}) {
    const key_sampler keys(zipf99, n);
    int in_lowest_sixteenth = 0;
    std::uint64_t highest = 0;
    for (std::uint64_t rank = 0; rank < 16; ++rank) {
      const std::uint64_t k = keys.key_of_rank(rank);
      in_lowest_sixteenth += k < n / 16 ? 1 : 0;
      highest = std::max(highest, k);
    }
    EXPECT_LT(in_lowest_sixteenth, 8) << n;
    EXPECT_GT(highest, n / 2) << n;
  }
}

TEST(key_sampler, zipf_over_a_huge_range_constructs_and_draws) {
  constexpr std::uint64_t n = std::uint64_t{1} << 40U;
  const key_sampler keys(zipf99, n);  // fast: the zeta tail is approximated, not summed
  // Too many terms to sum: check against the asymptotic expansion of the partial sums,
  //   zeta(n, theta) = riemann_zeta(theta) + n^(1-theta) / (1-theta) + n^-theta / 2
  //                    - theta n^(-theta-1) / 12 + O(n^(-theta-3)),
  // which loses two digits to cancellation here.
  const auto nd = static_cast<double>(n);
  const double expansion = std::riemann_zeta(0.99) + std::pow(nd, 0.01) / 0.01 +
                           std::pow(nd, -0.99) / 2 - 0.99 * std::pow(nd, -1.99) / 12;
  EXPECT_NEAR(keys.zeta(), expansion, 1e-12 * expansion);
  splitmix64 bits{40};
  constexpr int draws = 100000;
  int hottest = 0;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t k = keys(bits());
    ASSERT_LT(k, n);
    hottest += k == keys.key_of_rank(0) ? 1 : 0;
  }
  EXPECT_NEAR(hottest / static_cast<double>(draws), 1 / keys.zeta(), 0.1 / keys.zeta());
}

}  // namespace
