#include "schemes/asymmetric_fence.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "schemes/sync.hpp"

namespace {

namespace af = smr::asymmetric_fence;

// A scripted membarrier: what QUERY and REGISTER answer, and the commands it was called with.
struct script {
  long query_result = MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
  int query_errno = 0;
  long register_result = 0;
  int register_errno = 0;
  std::vector<int> calls{};
};
script current;

long scripted(int cmd, unsigned /*flags*/, int /*cpu_id*/) {
  current.calls.push_back(cmd);
  const bool query = cmd == MEMBARRIER_CMD_QUERY;
  const long result = query ? current.query_result : current.register_result;
  if (result < 0) errno = query ? current.query_errno : current.register_errno;
  return result;
}

std::optional<std::string> probe_with(script s) {
  current = std::move(s);
  return af::probe(&scripted);
}

void expect_one_line_naming(const std::optional<std::string>& why, const std::string& what) {
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->find('\n'), std::string::npos) << *why;
  EXPECT_NE(why->find("MEMBARRIER_CMD_PRIVATE_EXPEDITED"), std::string::npos) << *why;
  EXPECT_NE(why->find(what), std::string::npos) << *why;
}

TEST(asymmetric_fence, a_supported_kernel_is_queried_then_registered_once) {
  EXPECT_FALSE(probe_with({}).has_value());
  EXPECT_EQ(current.calls,
            (std::vector<int>{MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED}));
}

TEST(asymmetric_fence, a_missing_system_call_is_reported_with_enosys) {
  const auto why = probe_with({.query_result = -1, .query_errno = ENOSYS});
  expect_one_line_naming(why, "ENOSYS");
  EXPECT_EQ(current.calls, std::vector<int>{MEMBARRIER_CMD_QUERY}) << "never registers";
}

TEST(asymmetric_fence, a_refused_query_is_reported_with_eperm_or_einval) {
  expect_one_line_naming(probe_with({.query_result = -1, .query_errno = EPERM}), "EPERM");
  expect_one_line_naming(probe_with({.query_result = -1, .query_errno = EINVAL}), "EINVAL");
}

TEST(asymmetric_fence, a_query_without_private_expedited_is_refused) {
  const auto why = probe_with({.query_result = MEMBARRIER_CMD_GLOBAL});
  expect_one_line_naming(why, "without MEMBARRIER_CMD_PRIVATE_EXPEDITED");
  EXPECT_EQ(current.calls, std::vector<int>{MEMBARRIER_CMD_QUERY});
}

TEST(asymmetric_fence, a_refused_registration_is_reported) {
  const auto why = probe_with({.register_result = -1, .register_errno = EPERM});
  expect_one_line_naming(why, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED failed");
  EXPECT_NE(why->find("EPERM"), std::string::npos);
}

// The real probe agrees with a direct QUERY of this kernel, so that a machine with membarrier
// never skips the asymmetric schemes silently (and one without says why).
TEST(asymmetric_fence, the_process_answer_matches_the_kernel) {
  const long supported = af::system_membarrier(MEMBARRIER_CMD_QUERY, 0, 0);
  const bool kernel_has_it = supported >= 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0;
  const auto& why = af::unavailable();
  if (kernel_has_it) {
    EXPECT_FALSE(why.has_value()) << *why;
  } else {
    EXPECT_TRUE(why.has_value());
  }
  EXPECT_EQ(&why, &smr::sync::asymmetric_fence_unavailable()) << "one cached answer";
}

TEST(asymmetric_fence, the_heavy_fence_runs_from_many_threads_at_once) {
  if (const auto& why = af::unavailable()) GTEST_SKIP() << *why;  // the kernel check above fails
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 100; ++i) {
        smr::sync::asymmetric_light_fence();
        smr::sync::asymmetric_heavy_fence();
      }
    });
  }
  for (auto& t : threads) t.join();
  // A successful call returns; a failed one would have aborted the process.
  SUCCEED();
}

}  // namespace
