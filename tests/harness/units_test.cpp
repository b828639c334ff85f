#include "harness/units.hpp"

#include <gtest/gtest.h>

namespace {

TEST(units, durations) {
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration("1s"), 1.0);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration("0.25s"), 0.25);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration("2m"), 120.0);
  EXPECT_FALSE(smrlab::parse_duration("0s").has_value());
  EXPECT_FALSE(smrlab::parse_duration("1").has_value());
  EXPECT_FALSE(smrlab::parse_duration("s").has_value());
  EXPECT_FALSE(smrlab::parse_duration("-1s").has_value());
  EXPECT_FALSE(smrlab::parse_duration("1 s").has_value());
}

TEST(units, durations_or_zero) {
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration_or_zero("0"), 0.0);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration_or_zero("0s"), 0.0);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration_or_zero("90s"), 90.0);
  EXPECT_DOUBLE_EQ(*smrlab::parse_duration_or_zero("10min"), 600.0);
  EXPECT_FALSE(smrlab::parse_duration_or_zero("0ms").has_value());
  EXPECT_FALSE(smrlab::parse_duration_or_zero("-0s").has_value());
  EXPECT_FALSE(smrlab::parse_duration_or_zero("soon").has_value());
}

TEST(units, sizes) {
  EXPECT_EQ(*smrlab::parse_size("4GiB"), 4ULL << 30U);
  EXPECT_EQ(*smrlab::parse_size("512MiB"), 512ULL << 20U);
  EXPECT_EQ(*smrlab::parse_size("1000"), 1000U);
  EXPECT_EQ(*smrlab::parse_size("2MB"), 2000000U);
  EXPECT_FALSE(smrlab::parse_size("4 parsecs").has_value());
}

TEST(units, eta_formatting) {
  EXPECT_EQ(smrlab::format_seconds(7), "0:07");
  EXPECT_EQ(smrlab::format_seconds(65), "1:05");
  EXPECT_EQ(smrlab::format_seconds(3725), "1:02:05");
}

}  // namespace
