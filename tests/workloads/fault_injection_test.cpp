#include "workloads/fault_injection.hpp"

#include <gtest/gtest.h>

namespace {

using smrlab::fault_plan;
using smrlab::parse_fault;

TEST(fault_injection, parses_every_fault_and_describes_it_back) {
  for (const char* text : {"none", "park:1", "park:3", "sleep:1:5ms", "sleep:2:20ms", "exit:1"}) {
    const auto parsed = parse_fault(text);
    ASSERT_TRUE(std::holds_alternative<fault_plan>(parsed)) << text;
    EXPECT_EQ(std::get<fault_plan>(parsed).describe(), text);
  }
  EXPECT_EQ(std::get<fault_plan>(parse_fault("park:2")), (fault_plan{fault_plan::kind::park, 2}));
  EXPECT_EQ(std::get<fault_plan>(parse_fault("sleep:1:7ms")),
            (fault_plan{fault_plan::kind::sleep, 1, 7}));
  EXPECT_EQ(std::get<fault_plan>(parse_fault("exit:3")), (fault_plan{fault_plan::kind::exit, 3}));
}

TEST(fault_injection, rejects_what_it_does_not_know_with_the_accepted_forms) {
  for (const char* text :
       {"", "park", "park:", "park:0", "park:-1", "park:1x", "sleep:1", "sleep:1:5", "sleep:0:5ms",
        "sleep:1:0ms", "sleep:1:ms", "exit:", "exit:0", "Park:1", "stall:1"}) {
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

TEST(fault_injection, sleepers_run_the_workload_and_exiting_workers_do_not_finish_it) {
  const fault_plan sleep{fault_plan::kind::sleep, 1, 5};
  EXPECT_EQ(sleep.active_threads(3), 3U);
  EXPECT_TRUE(sleep.sleeps(2, 3));
  EXPECT_FALSE(sleep.sleeps(1, 3));
  EXPECT_FALSE(sleep.parks(2, 3));
  EXPECT_FALSE(sleep.unfit_for(1)) << "a lone sleeper still runs the workload";
  EXPECT_TRUE((fault_plan{fault_plan::kind::sleep, 2, 5}.unfit_for(1)));

  const fault_plan exit{fault_plan::kind::exit, 1};
  EXPECT_EQ(exit.active_threads(3), 2U);
  EXPECT_TRUE(exit.exits(2, 3));
  EXPECT_FALSE(exit.exits(0, 3));
  EXPECT_TRUE(exit.unfit_for(1)) << "no thread would be left";
  EXPECT_FALSE(exit.unfit_for(2));
  EXPECT_FALSE(fault_plan{}.unfit_for(1));
}

}  // namespace
