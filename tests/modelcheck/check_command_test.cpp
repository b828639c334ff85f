// The checker's command: what it prints for a correct pairing and for a broken one, its replay,
// and one line with exit status 2 for bad input.
#include "modelcheck/check_command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broken_pairings.hpp"

namespace smr::modelcheck {
namespace {

struct command_run {
  int status = -1;
  std::string out;
};

command_run run(std::vector<std::string> args) {
  args.insert(args.begin(), "smrlab_modelcheck");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  command_run r;
  r.status =
      check_command(static_cast<int>(argv.size()), argv.data(), smrlab_test::broken_pairings());
  r.out = ::testing::internal::GetCapturedStdout();
  return r;
}

TEST(check_command, a_correct_pairing_says_what_was_explored_and_exits_0) {
  const command_run r = run({"--scheme", "ebr", "--structure", "treiber_stack", "--model", "tso"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ebr x treiber_stack (tso, dfs, up to 2 preemptions, 2 threads x 2 "
                       "operations): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("every execution with up to 2 preemptions explored"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no failure"), std::string::npos) << r.out;
}

TEST(check_command, a_broken_pairing_prints_its_counterexample_which_replays_to_it) {
  const command_run r = run({"--scheme", "hazard_pointers_with_release_publication", "--structure",
                             "treiber_stack", "--model", "tso"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("FAILED\n  use of freed memory: thread "), std::string::npos) << r.out;
  const auto at = r.out.find("--replay '");
  ASSERT_NE(at, std::string::npos) << r.out;
  const auto end = r.out.find('\'', at + 10);
  const std::string schedule = r.out.substr(at + 10, end - at - 10);
  const command_run again =
      run({"--scheme", "hazard_pointers_with_release_publication", "--structure", "treiber_stack",
           "--model", "tso", "--replay", schedule});
  EXPECT_EQ(again.status, 1) << again.out;
  EXPECT_NE(again.out.find("FAILED: use of freed memory"), std::string::npos) << again.out;
}

TEST(check_command, bad_input_is_one_line_and_exit_2) {
  EXPECT_EXIT(run({"--scheme", "no_such_scheme"}), ::testing::ExitedWithCode(2),
              "^smrlab_modelcheck: no pairing of scheme 'no_such_scheme' in this build");
  EXPECT_EXIT(run({"--scheme", "ebr", "--structure", "treiber_stack", "--replay", "0*x"}),
              ::testing::ExitedWithCode(2), "^smrlab_modelcheck: --replay: '0\\*x' is not a step");
  EXPECT_EXIT(run({"--scheme", "ebr", "--replay", "0"}), ::testing::ExitedWithCode(2),
              "--replay needs one pairing");
  EXPECT_EQ(run({"--scheme", "ebr", "--model", "pso"}).status, 2);
  EXPECT_EXIT(run({}), ::testing::ExitedWithCode(2), "give --scheme NAME");
}

}  // namespace
}  // namespace smr::modelcheck
