// `smrlab overhead`: what the harness itself costs. For every scheme x structure x thread count,
// it runs the harness trial (harness/trial.hpp: sampler thread, validation tally, fault and phase
// checks) and the bare-loop reference (harness/bare_loop.hpp: the same operations, keys, seeds,
// prefill and placement with only a counter) side by side in one process, alternating which goes
// first (ABBA), and reports the ratio of their throughputs (DESIGN.md, "Measurement integrity").
// Each run becomes one CSV row (--out); the table on stdout has, per configuration, the median
// throughput of each driver and the ratio harness / bare with the min-max of the per-trial ratios.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace smrlab {

struct overhead_options {
  std::vector<std::string> schemes;  // empty: every registered scheme
  std::vector<std::string> structures{"treiber_stack", "natarajan_mittal_bst"};
  std::vector<unsigned> threads{1, 2};
  unsigned trials = 5;
  double duration_s = 0.3;
  double warmup_s = 0.05;
  double sample_interval_s = 0.001;  // the harness's sampler; 0 = none
  std::uint64_t seed = 1;
  std::string out;              // the CSV of every run; empty: none written
  std::string format = "text";  // the table on stdout: text or csv
  bool quiet = false;           // no progress on stderr
};

// The options as typed, before checking (durations and thread lists are strings).
struct overhead_cli {
  std::vector<std::string> schemes, structures, threads;
  unsigned trials = 5;
  std::string duration = "0.3s", warmup = "50ms", sample_interval = "1ms";
  std::uint64_t seed = 1;
  std::string out, format = "text";
  bool quiet = false;
};

// Registers the `overhead` subcommand and its options on `app`, parsed into `cli`.
CLI::App* add_overhead_subcommand(CLI::App& app, overhead_cli& cli);

// Checks the typed options and runs. Returns the process exit code: 0 done, 2 bad input or
// nothing to run (one line on stderr, nothing written), 130 interrupted (the CSV is not kept).
int run_overhead(const overhead_cli& cli, const std::atomic<bool>& interrupt);

}  // namespace smrlab
