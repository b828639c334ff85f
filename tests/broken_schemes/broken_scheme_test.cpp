// The suite must tell a researcher that a scheme is wrong. For each deliberately broken scheme
// (tests/broken_schemes/*.hpp: frees at retire, hazard pointers without validation, EBR that frees
// one epoch early), this runs smrlab_broken_scheme_runner, which puts it through the conformance
// suite's stress trials, as a child process, up to a few times (the races are probabilistic), and
// asserts that at least one run fails: a trial check (exit 1, "caught by ..."), a sanitizer report
// (ASan's "heap-use-after-free" aborts the child), a crash (a signal), or a hang. It prints which
// check caught it. Under ASan every broken scheme must be caught; without ASan only those whose
// bug reliably corrupts memory badly enough to show (release_must_catch), the others are reported
// when caught and skipped otherwise: the asan preset runs them.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#ifndef SMRLAB_BROKEN_SCHEME_RUNNER
#error "SMRLAB_BROKEN_SCHEME_RUNNER must name the runner binary (tests/CMakeLists.txt)"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SMRLAB_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMRLAB_TEST_ASAN 1
#endif
#endif

namespace {

#if defined(SMRLAB_TEST_ASAN)
constexpr bool asan = true;
#else
constexpr bool asan = false;
#endif

using clock_type = std::chrono::steady_clock;

struct child_result {
  bool exited = false;
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string output;  // stdout and stderr together
};

// Runs argv with stdout and stderr captured, killing it after `limit`.
child_result run_child(const std::vector<std::string>& args, std::chrono::seconds limit) {
  child_result res;
  std::array<int, 2> fds{};
  if (pipe(fds.data()) != 0) {
    res.output = "pipe failed";
    return res;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  const auto deadline = clock_type::now() + limit;
  std::array<char, 4096> buf{};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      res.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0) continue;
    if (ready == 0) continue;  // the deadline check above kills it
    const ssize_t n = read(fds[0], buf.data(), buf.size());
    if (n <= 0) break;  // the child closed its output: it has exited
    res.output.append(buf.data(), static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    res.exited = true;
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.signal = WTERMSIG(status);
  }
  return res;
}

// The first line of `text` that contains `key`, from `key` on.
std::string line_from(const std::string& text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return {};
  const auto end = text.find('\n', at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Which check caught the broken scheme in this run, or "" if every check passed.
std::string what_caught(const child_result& r) {
  for (std::string_view san : {"AddressSanitizer: ", "ThreadSanitizer: ", "LeakSanitizer: "}) {
    if (const std::string l = line_from(r.output, san); !l.empty()) {
      // "AddressSanitizer: heap-use-after-free on address ..." -> "ASan heap-use-after-free",
      // "ThreadSanitizer: data race (pid=...)" -> "TSan data race".
      std::string kind = l.substr(l.find(san) + san.size());
      for (std::string_view stop : {" (", " on "}) {
        if (const auto cut = kind.find(stop); cut != std::string::npos) kind.resize(cut);
      }
      return std::string(san.substr(0, 1)) + "San " + kind;
    }
  }
  if (const std::string l = line_from(r.output, "runtime error:"); !l.empty()) return "UBSan " + l;
  if (r.timed_out) return "a hang (killed at the time limit; a corrupted structure loops)";
  if (r.exited && r.exit_code == 1) {
    const std::string l = line_from(r.output, "caught by ");
    return l.empty() ? "exit status 1" : l;
  }
  if (!r.exited) {
    std::string s =
        "a crash: signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
    // glibc's heap checks name what they found ("free(): double free detected ...").
    for (std::string_view glibc : {"free(): ", "malloc(): ", "double free", "corrupted"}) {
      if (const std::string l = line_from(r.output, glibc); !l.empty()) return s + ", " + l;
    }
    return s;
  }
  if (r.exit_code != 0) return "exit status " + std::to_string(r.exit_code);
  return {};
}

struct broken_case {
  const char* scheme;
  bool release_must_catch;  // without ASan, must the checks still catch it?
};
// The test's name suffix says which; this keeps gtest from printing the struct's bytes.
void PrintTo(const broken_case& c, std::ostream* os) { *os << c.scheme; }

constexpr int max_runs = 5;
constexpr auto time_budget = std::chrono::seconds(20);  // per broken scheme
// Tried in this order (the BST first: its deep paths make every one of these bugs show soonest).
constexpr std::array<const char*, 3> structures = {"natarajan_mittal_bst", "treiber_stack",
                                                   "harris_michael_list"};

class broken_scheme : public ::testing::TestWithParam<broken_case> {};

TEST_P(broken_scheme, is_caught_by_the_conformance_checks) {
  const broken_case& c = GetParam();
  const auto start = clock_type::now();
  std::string caught;
  int runs = 0;
  std::string last_output;
  for (int i = 0; i < max_runs && caught.empty(); ++i) {
    const auto left = time_budget - (clock_type::now() - start);
    if (i > 0 && left <= std::chrono::seconds(0)) break;
    const char* structure = structures[static_cast<std::size_t>(i) % structures.size()];
    const child_result r =
        run_child({SMRLAB_BROKEN_SCHEME_RUNNER, c.scheme, structure}, std::chrono::seconds(20));
    ++runs;
    ASSERT_FALSE(r.exited && r.exit_code == 2) << r.output;  // a usage error, not a catch
    ASSERT_FALSE(r.exited && r.exit_code == 127) << "could not run " SMRLAB_BROKEN_SCHEME_RUNNER;
    caught = what_caught(r);
    if (!caught.empty()) caught += " (on " + std::string(structure) + ")";
    last_output = r.output;
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  if (!caught.empty()) {
    std::printf("[ broken   ] %s: caught by %s in run %d of %d (%.1f s)\n", c.scheme,
                caught.c_str(), runs, max_runs, seconds);
    RecordProperty("caught_by", caught);
    return;
  }
  if (!asan && !c.release_must_catch) {
    GTEST_SKIP() << c.scheme << ": not caught in " << runs << " runs (" << seconds
                 << " s) without ASan; expected to need ASan, which the asan preset runs";
  }
  ADD_FAILURE() << c.scheme << " passed every conformance check in " << runs << " runs (" << seconds
                << " s): the suite does not detect this broken scheme.\n"
                << "last run's output:\n"
                << last_output;
}

INSTANTIATE_TEST_SUITE_P(all, broken_scheme,
                         ::testing::Values(broken_case{"frees_at_retire", true},
                                           broken_case{"hazard_pointers_without_validation", false},
                                           broken_case{"ebr_early_advance", true}),
                         [](const ::testing::TestParamInfo<broken_case>& info) {
                           return std::string(info.param.scheme);
                         });

}  // namespace
