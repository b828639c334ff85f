#include "harness/trial_process.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include "harness/string_lists.hpp"

namespace smrlab {

namespace fs = std::filesystem;

namespace {

pid_t spawn_self(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return -1;
  std::vector<char*> argv{const_cast<char*>(self.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) {
    return -1;
  }
  return pid;
}

// Waits until the child `pid` has exited, passing an interrupt on to it. A pidfd wakes the wait
// the moment the child exits; a signal to this process (Ctrl-C) ends poll() early with EINTR.
// Kills the child (SIGKILL) once it runs past `timeout_s` (> 0), or interrupt_grace_s after it
// was passed the interrupt; returns the deadline it was killed at, else 0.
double await_exit(pid_t pid, const std::atomic<bool>& interrupt, double timeout_s) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return 0;  // an old kernel: waitpid alone (the child still gets a terminal's Ctrl-C)
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::optional<clock::time_point> interrupted_at;
  double killed_at = 0;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, 100);
    if (n > 0) break;
    if (n < 0 && errno != EINTR) break;
    const auto now = clock::now();
    if (!interrupted_at && interrupt.load()) {
      ::kill(pid, SIGINT);
      interrupted_at = now;
    }
    const double ran = std::chrono::duration<double>(now - start).count();
    const bool past_deadline = timeout_s > 0 && ran > timeout_s;
    const bool past_grace =
        interrupted_at &&
        std::chrono::duration<double>(now - *interrupted_at).count() > interrupt_grace_s;
    if (killed_at == 0 && (past_deadline || past_grace)) {
      ::kill(pid, SIGKILL);
      killed_at = past_deadline ? timeout_s : ran;
    }
  }
  ::close(fd);
  return killed_at;
}

}  // namespace

bool is_sweep_child() { return std::getenv(sweep_child_variable) != nullptr; }

void test_only_fail_before_row(const csv_row& row, const sweep_options& o) {
  if (o.only_trial.empty()) return;
  const std::string which = row.get("scheme") + "/" + row.get("trial");
  if (const char* target = std::getenv(test_die_variable); target != nullptr && which == target) {
    ::prctl(PR_SET_DUMPABLE, 0);
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
  }
  if (const char* target = std::getenv(test_hang_variable); target != nullptr && which == target) {
    sigset_t deaf;
    sigemptyset(&deaf);
    sigaddset(&deaf, SIGINT);
    sigaddset(&deaf, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &deaf, nullptr);
    for (;;) ::pause();
  }
}

double trial_timeout_s(const sweep_options& o, std::uint64_t prefill) {
  if (o.trial_timeout_s >= 0) return o.trial_timeout_s;
  if (o.mode != run_mode::duration) return 0;
  // 20 us per prefilled element: five to ten times what a tree takes per key at 1M and 16M keys
  // (2.2 us at 1M), so that a large prefill is not mistaken for a hang.
  return 60.0 + 10.0 * (o.warmup_s + o.duration_s) + 20e-6 * static_cast<double>(prefill);
}

std::vector<std::string> child_arguments(const sweep_options& o,
                                         const std::vector<std::string>& scheme_names,
                                         const std::vector<std::string>& structure_names,
                                         allocator_kind a, const fs::path& dir,
                                         const std::string& only_trial) {
  std::vector<std::string> args{"run"};
  auto add = [&](const char* option, std::string value) {
    args.emplace_back(option);
    args.push_back(std::move(value));
  };
  add("--schemes", join(scheme_names, ","));
  add("--structures", join(structure_names, ","));
  std::vector<std::string> threads;
  for (unsigned t : o.threads) threads.push_back(std::to_string(t));
  add("--threads", join(threads, ","));
  add("--trials", std::to_string(o.trials));
  if (o.mode == run_mode::duration) {
    add("--duration", fmt::format("{}s", o.duration_s));
  } else {
    add("--ops-per-thread", std::to_string(o.ops_per_thread));
  }
  add("--warmup", fmt::format("{}s", o.warmup_s));
  if (o.prefill) add("--prefill", std::to_string(*o.prefill));
  for (const auto& mix : o.mixes) add("--mix", mix.describe());
  std::vector<std::string> ranges;
  for (auto k : o.key_ranges) ranges.push_back(std::to_string(k));
  add("--key-range", join(ranges, ","));
  for (const auto& [name, own] : o.key_ranges_by_structure) {
    std::vector<std::string> texts;
    for (auto k : own) texts.push_back(std::to_string(k));
    add("--key-range-for", name + "=" + join(texts, ","));
  }
  add("--dist", join(describe_all(o.dists), ","));
  for (const auto& pin : o.pins) add("--pin", pin.describe());
  add("--fault", join(describe_all(o.faults), ","));
  add("--free", join(free_mode_names(o.frees), ","));
  if (o.shard) add("--shard", o.shard->describe());
  add("--membind", std::string(to_string(o.membind)));
  if (!o.topology_source.empty()) add("--topology", o.topology_source);
  add("--isolation", std::string(to_string(o.isolation)));
  add("--sample-interval", fmt::format("{}s", o.sample_interval_s));
  add("--seed", std::to_string(o.seed));
  if (o.memory_cap_bytes != 0) add("--memory-cap", std::to_string(o.memory_cap_bytes));
  add("--allocator", std::string(to_string(a)));
  add("--out", dir.string());
  if (!only_trial.empty()) add("--only-trial", only_trial);
  args.emplace_back("--resume");
  if (o.quiet) args.emplace_back("--quiet");
  return args;
}

std::string child_exit::describe() const {
  if (!started) return "could not be started";
  if (timed_out_s > 0) return fmt::format("still running after {:g} s: killed", timed_out_s);
  if (signal != 0) {
    const char* name = ::sigdescr_np(signal);
    return fmt::format("signal {} ({})", signal, name != nullptr ? name : "unknown signal");
  }
  return fmt::format("exit status {}", code);
}

child_exit run_child(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::atomic<bool>& interrupt, double timeout_s) {
  child_exit out;
  const pid_t pid = spawn_self(args, env);
  if (pid < 0) return out;
  out.started = true;
  out.timed_out_s = await_exit(pid, interrupt, timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return out;
  }
  if (WIFEXITED(status)) out.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

}  // namespace smrlab
