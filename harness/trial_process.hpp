// trial_process: running part of a sweep in a child `smrlab run` (harness/sweep.cpp).
//
// A sweep's children are this binary re-executed with the sweep's own options written back
// (child_arguments), into the same output folder with --resume, and with the environment of the
// allocator they run under (environment_for: LD_PRELOAD). Under --isolation process every trial
// runs in one (the hidden --only-trial TRIAL_ID names it); under --isolation none each allocator
// other than the one serving the sweep runs all its trials in one. A child appends its rows and
// samples to the run's files itself; the parent waits, so one process writes at a time.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/csv.hpp"
#include "harness/sweep.hpp"

namespace smrlab {

// Set in the environment of every child process of a sweep: such a process runs what it is asked
// and leaves what the parent says already (skips, shard size, resume) unsaid.
inline constexpr const char* sweep_child_variable = "SMRLAB_SWEEP_CHILD";
bool is_sweep_child();

// TEST ONLY (tests/cli/test_isolation.py): in a child running one trial (--only-trial), when
// SMRLAB_TEST_DIE_BEFORE_ROW is "SCHEME/TRIAL" and the row is that scheme's repetition TRIAL,
// the process kills itself with SIGSEGV after writing the trial's samples and before writing its
// row: the worst moment, a deterministic stand-in for a trial that crashes. No core is dumped.
inline constexpr const char* test_die_variable = "SMRLAB_TEST_DIE_BEFORE_ROW";
// TEST ONLY, likewise: SMRLAB_TEST_HANG_BEFORE_ROW="SCHEME/TRIAL" makes that trial's process
// block SIGINT and SIGTERM and sleep for good at the same moment: a stand-in for an operation
// that never returns (a livelock in a scheme under test), which only --trial-timeout ends.
inline constexpr const char* test_hang_variable = "SMRLAB_TEST_HANG_BEFORE_ROW";
void test_only_fail_before_row(const csv_row& row, const sweep_options& o);

// The deadline of one trial's process: --trial-timeout, or by default (auto) 60 s plus ten
// times the trial's warm-up and measured time in duration mode (room for start-up and a loaded
// machine) plus 20 us per element of its prefill (16M keys: 320 s more), and none in ops mode,
// whose length the options do not bound. 0 = none.
double trial_timeout_s(const sweep_options& o, std::uint64_t prefill);

// The command line of a child that runs allocator `a`'s trials (all of them, or with
// `only_trial` just that one) into folder `dir`: every sweep option in the form main.cpp parses,
// plus --allocator, --out and --resume.
std::vector<std::string> child_arguments(const sweep_options& o,
                                         const std::vector<std::string>& scheme_names,
                                         const std::vector<std::string>& structure_names,
                                         allocator_kind a, const std::filesystem::path& dir,
                                         const std::string& only_trial = {});

// How a child ended.
struct child_exit {
  bool started = false;
  int code = -1;           // exit status when it exited
  int signal = 0;          // the signal that killed it, else 0
  double timed_out_s = 0;  // > 0: it ran past this deadline and was killed (SIGKILL)

  bool interrupted() const { return timed_out_s == 0 && (code == 130 || signal == 2); }  // SIGINT
  // "exit status 3", "signal 11 (Segmentation fault)", "could not be started", "still running
  // after 5 s: killed".
  std::string describe() const;
};

// How long a child that was passed an interrupt (SIGINT) has to stop before it is killed: a trial
// stops at its workers' next operation boundary, so one that does not within this long has an
// operation that never returns.
inline constexpr double interrupt_grace_s = 10.0;

// Runs this binary again with `args` and environment `env` (entries "NAME=value"), and waits.
// When `interrupt` becomes true meanwhile (Ctrl-C or SIGTERM reached only this process), the
// child is sent SIGINT, so that it stops its trial as the sweep would, and SIGKILL if it has not
// stopped interrupt_grace_s later. A child still running after `timeout_s` (> 0) is killed.
child_exit run_child(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::atomic<bool>& interrupt, double timeout_s = 0);

}  // namespace smrlab
