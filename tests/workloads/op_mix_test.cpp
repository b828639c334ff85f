#include "workloads/op_mix.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace {

using smrlab::op_kind;
using smrlab::op_mix;

op_mix parsed(std::string_view text) {
  auto r = smrlab::parse_op_mix(text);
  if (const auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << text << ": " << *err;
  return std::holds_alternative<op_mix>(r) ? std::get<op_mix>(r) : op_mix{};
}

std::string error_of(std::string_view text) {
  auto r = smrlab::parse_op_mix(text);
  if (std::holds_alternative<op_mix>(r)) {
    ADD_FAILURE() << "'" << text << "' was accepted";
    return {};
  }
  return std::get<std::string>(r);
}

TEST(op_mix, default_is_half_inserts_half_removes) {
  EXPECT_EQ(op_mix{}, (op_mix{50, 50, 0}));
  EXPECT_EQ(op_mix{}.describe(), "50,50,0");
}

TEST(op_mix, parses_good_mixes) {
  EXPECT_EQ(parsed("25,25,50"), (op_mix{25, 25, 50}));
  EXPECT_EQ(parsed("100,0,0"), (op_mix{100, 0, 0}));
  EXPECT_EQ(parsed("0,0,100"), (op_mix{0, 0, 100}));
  EXPECT_EQ(parsed(" 10 ,\t20,70 "), (op_mix{10, 20, 70}));
  EXPECT_EQ(parsed("010,020,070"), (op_mix{10, 20, 70}));
}

TEST(op_mix, rejects_bad_mixes_saying_what_is_wrong) {
  EXPECT_EQ(error_of("30,30"), "mix '30,30' needs three percentages: insert,remove,lookup");
  EXPECT_EQ(error_of("50,50,10"), "mix '50,50,10' sums to 110, not 100");
  EXPECT_EQ(error_of("40,40,10"), "mix '40,40,10' sums to 90, not 100");
  struct bad {
    const char* text;
    const char* mentions;
  };
  for (const bad& b : {
           bad{"", "needs three percentages"},
           bad{"100", "needs three percentages"},
           bad{"25,25,25,25", "needs three percentages"},
           bad{"50,50,0,", "needs three percentages"},
           bad{"50,-10,60", "the remove percentage '-10' is not a non-negative integer"},
           bad{"x,50,50", "the insert percentage 'x' is not a non-negative integer"},
           bad{"50,50,", "the lookup percentage '' is not a non-negative integer"},
           bad{"50, ,50", "the remove percentage '' is not a non-negative integer"},
           bad{"50.5,49.5,0", "the insert percentage '50.5' is not a non-negative integer"},
           bad{"+50,50,0", "the insert percentage '+50' is not a non-negative integer"},
           bad{"50 50,0,50", "the insert percentage '50 50' is not a non-negative integer"},
           bad{"150,0,0", "the insert percentage 150 is above 100"},
           // Would wrap around to a sum of 100 in 32-bit arithmetic.
           bad{"4294967295,1,100", "the insert percentage 4294967295 is above 100"},
           bad{"0,99999999999999999999,0", "the remove percentage 99999999999999999999 is above"},
       }) {
    const std::string err = error_of(b.text);
    EXPECT_NE(err.find(std::string("mix '") + b.text + "'"), std::string::npos) << err;
    EXPECT_NE(err.find(b.mentions), std::string::npos) << b.text << " -> " << err;
  }
}

TEST(op_mix, describe_round_trips) {
  for (const op_mix m :
       {op_mix{}, op_mix{25, 25, 50}, op_mix{100, 0, 0}, op_mix{0, 0, 100}, op_mix{1, 2, 97}}) {
    EXPECT_EQ(parsed(m.describe()), m) << m.describe();
  }
  EXPECT_EQ((op_mix{25, 25, 50}).describe(), "25,25,50");
}

TEST(op_mix, pick_splits_the_percent_range_at_the_boundaries) {
  const op_mix m{25, 25, 50};
  for (unsigned p = 0; p < 100; ++p) {
    const op_kind want = p < 25 ? op_kind::insert : p < 50 ? op_kind::remove : op_kind::lookup;
    EXPECT_EQ(m.pick(p), want) << p;
  }
  EXPECT_EQ(m.pick(24), op_kind::insert);
  EXPECT_EQ(m.pick(25), op_kind::remove);
  EXPECT_EQ(m.pick(49), op_kind::remove);
  EXPECT_EQ(m.pick(50), op_kind::lookup);
  EXPECT_EQ(m.pick(99), op_kind::lookup);
}

TEST(op_mix, pick_with_a_single_operation_always_picks_it) {
  for (unsigned p = 0; p < 100; ++p) {
    EXPECT_EQ((op_mix{100, 0, 0}).pick(p), op_kind::insert) << p;
    EXPECT_EQ((op_mix{0, 100, 0}).pick(p), op_kind::remove) << p;
    EXPECT_EQ((op_mix{0, 0, 100}).pick(p), op_kind::lookup) << p;
  }
}

TEST(op_mix, steady_state_size_balances_inserts_and_removes) {
  EXPECT_EQ((op_mix{50, 50, 0}).steady_state_size(1000), 500U);
  EXPECT_EQ((op_mix{25, 25, 50}).steady_state_size(1000), 500U);  // lookups do not matter
  EXPECT_EQ((op_mix{20, 10, 70}).steady_state_size(1000), 666U);  // 666.67, rounded down
  EXPECT_EQ((op_mix{10, 30, 60}).steady_state_size(1000), 250U);
  EXPECT_EQ((op_mix{100, 0, 0}).steady_state_size(1000), 1000U);
  EXPECT_EQ((op_mix{0, 100, 0}).steady_state_size(1000), 0U);
  EXPECT_EQ((op_mix{50, 50, 0}).steady_state_size(1), 0U);
  EXPECT_EQ((op_mix{50, 50, 0}).steady_state_size(0), 0U);
}

TEST(op_mix, steady_state_size_of_a_lookup_only_mix_is_half_the_range) {
  EXPECT_EQ((op_mix{0, 0, 100}).steady_state_size(1000), 500U);
  EXPECT_EQ((op_mix{0, 0, 100}).steady_state_size(7), 3U);
}

TEST(op_mix, steady_state_size_does_not_overflow_on_huge_ranges) {
  const std::uint64_t max = ~std::uint64_t{0};
  EXPECT_EQ((op_mix{1, 2, 97}).steady_state_size(max), 0x5555555555555555ULL);  // max / 3
  EXPECT_EQ((op_mix{2, 1, 97}).steady_state_size(max), 0xaaaaaaaaaaaaaaaaULL);  // 2 * max / 3
  EXPECT_EQ((op_mix{100, 0, 0}).steady_state_size(max), max);
}

}  // namespace
