#include "modelcheck/schedule_string.hpp"

#include <gtest/gtest.h>

namespace smr::modelcheck {
namespace {

TEST(schedule_string, runs_are_written_once_with_their_count_and_read_back) {
  const std::vector<choice> s = {{0, false}, {0, false}, {0, false}, {1, false},
                                 {0, true},  {1, false}, {1, false}};
  const std::string text = encode_schedule(s);
  EXPECT_EQ(text, "0*3.1.f0.1*2");
  std::string error;
  const auto back = decode_schedule(text, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(*back, s);
}

TEST(schedule_string, a_malformed_step_is_refused_with_what_is_wrong) {
  for (const char* bad : {"", "0*3..1", "x", "0*", "f", "1*0", "0.-1"}) {
    std::string error;
    EXPECT_FALSE(decode_schedule(bad, error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace smr::modelcheck
