#include "workloads/fault_injection.hpp"

#include <gtest/gtest.h>

namespace {

using smrlab::fault_plan;
using smrlab::parse_fault;

TEST(fault_injection, parses_none_and_park_and_describes_them_back) {
  for (const char* text : {"none", "park:1", "park:3"}) {
    const auto parsed = parse_fault(text);
    ASSERT_TRUE(std::holds_alternative<fault_plan>(parsed)) << text;
    EXPECT_EQ(std::get<fault_plan>(parsed).describe(), text);
  }
  EXPECT_EQ(std::get<fault_plan>(parse_fault("park:2")), (fault_plan{fault_plan::kind::park, 2}));
}

TEST(fault_injection, rejects_what_it_does_not_know_with_the_accepted_forms) {
  for (const char* text :
       {"", "park", "park:", "park:0", "park:-1", "park:1x", "sleep:1", "Park:1"}) {
    const auto parsed = parse_fault(text);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
    EXPECT_NE(std::get<std::string>(parsed).find("park:N"), std::string::npos) << text;
  }
}

TEST(fault_injection, parks_the_last_workers_and_leaves_the_rest_active) {
  const fault_plan park{fault_plan::kind::park, 2};
  EXPECT_EQ(park.active_threads(5), 3U);
  EXPECT_FALSE(park.parks(2, 5));
  EXPECT_TRUE(park.parks(3, 5));
  EXPECT_TRUE(park.parks(4, 5));
  EXPECT_EQ(park.active_threads(2), 0U) << "no thread left to run the workload";
  EXPECT_EQ(park.active_threads(1), 0U);
  EXPECT_EQ(fault_plan{}.active_threads(4), 4U);
  EXPECT_FALSE(fault_plan{}.parks(3, 4));
}

}  // namespace
