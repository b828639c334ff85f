// The inputs and outputs of one trial (harness/trial.hpp runs it): what the sweep, the
// per-pairing dispatch and the tests share without instantiating the trial runner.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/topology.hpp"
#include "harness/workload_ops.hpp"
#include "schemes/scheme.hpp"
#include "workloads/fault_injection.hpp"

namespace smrlab {

namespace trial_detail {

// The phases of a trial, in order; each memory sample records the one it was taken in.
enum phase : int { starting, warmup, measure, stop, teardown };

inline std::string_view phase_name(int p) {
  constexpr std::array<std::string_view, 5> names{"starting", "warmup", "measure", "stop",
                                                  "teardown"};
  return p >= 0 && p < static_cast<int>(names.size()) ? names[static_cast<std::size_t>(p)] : "?";
}

}  // namespace trial_detail

enum class run_mode { duration, ops };

// --free: when the schemes with batches free what they found safe (schemes/free_pacing.hpp).
inline std::string_view to_string(smr::free_mode m) {
  return m == smr::free_mode::amortized ? "amortized" : "batch";
}
inline std::vector<std::string> free_mode_names(const std::vector<smr::free_mode>& modes) {
  std::vector<std::string> out;
  for (const smr::free_mode m : modes) out.emplace_back(to_string(m));
  return out;
}
inline std::variant<smr::free_mode, std::string> parse_free_mode(std::string_view s) {
  if (s == "batch") return smr::free_mode::batch;
  if (s == "amortized") return smr::free_mode::amortized;
  return "unknown free mode '" + std::string(s) + "': give batch or amortized";
}

struct trial_config {
  unsigned threads = 1;
  unsigned trial = 1;
  std::uint64_t seed = 1;
  run_mode mode = run_mode::duration;
  double duration_s = 1.0;           // duration mode
  std::uint64_t ops_per_thread = 0;  // ops mode
  double warmup_s = 0.1;
  std::uint64_t prefill = 1000;  // elements (sets: distinct keys) put in before the workers
  workload_params workload{};    // the op mix, and for sets the key range and distribution
  fault_plan fault{};            // what the last N workers do wrong on purpose
  smr::free_mode free = smr::free_mode::batch;  // domain_config::free (schemes/free_pacing.hpp)
  // Placement: the planned slot of each worker (empty or an unbound slot: the OS decides), and
  // the memory policy. Binding happens only when `machine` is this system's topology; a
  // synthetic or XML topology plans but does not bind.
  std::vector<thread_slot> placement_plan;
  mem_policy membind = mem_policy::first_touch;
  const topology* machine = nullptr;
  std::uint64_t memory_cap_bytes = 0;  // 0 = no cap
  // The memory sampler's period; 0 = no sampler thread (the counts at the start and the end of
  // the measured phase only).
  double sample_interval_s = 0.001;
  bool keep_timeseries = true;
  const std::atomic<bool>* interrupt = nullptr;  // set from a signal handler to stop early
};

struct memory_sample {
  double t_ms;
  int phase;  // trial_detail::phase when the sample was taken
  std::int64_t unreclaimed;
  std::uint64_t rss_bytes;
  std::optional<std::uint64_t> allocator_bytes;  // as the active allocator reports them
};

// Where one worker really ran: the PU it was bound to (if it was), the PU it last ran on, and
// that PU's NUMA node; -1 where unknown.
struct worker_binding {
  int planned_pu = -1;
  bool bound = false;
  bool memory_bound = false;
  int ran_on_pu = -1;
  int numa_node = -1;
};

// no_progress: no operation completed in the measured phase, or an active worker completed
// none for a long stretch of it (trial_detail::progress_watch says how long); never `ok`.
enum class trial_status { ok, memory_cap, error, interrupted, no_progress };

inline std::string_view to_string(trial_status s) {
  switch (s) {
    case trial_status::ok:
      return "ok";
    case trial_status::memory_cap:
      return "memory_cap";
    case trial_status::error:
      return "error";
    case trial_status::interrupted:
      return "interrupted";
    case trial_status::no_progress:
      return "no_progress";
  }
  return "?";
}

struct trial_result {
  double elapsed_s = 0;
  double prefill_s = 0;  // wall time of the prefill, before the workers start (not measured)
  std::uint64_t total_ops = 0;
  std::uint64_t ops_min_thread = 0;
  std::uint64_t ops_max_thread = 0;
  smr::counter_totals at_end;  // at the end of the measured phase, before teardown
  std::int64_t unreclaimed_peak = 0;
  double unreclaimed_mean = 0;
  std::int64_t unreclaimed_end = 0;
  std::optional<std::uint64_t> bound;
  std::uint64_t rss_peak_bytes = 0;
  std::uint64_t pool_bytes_peak = 0;
  std::size_t samples = 0;
  // What the sampler cost: its thread's CPU time, and the longest gap between two of its
  // samples (0 without a sampler).
  double sampler_cpu_s = 0;
  double sampler_max_gap_s = 0;
  // The longest stretch of the measured phase in which an active worker completed no operation.
  double worker_max_stall_s = 0;
  std::string teardown = "ok";
  std::string valid = "ok";
  trial_status status = trial_status::ok;
  std::string message;
  std::optional<std::uint64_t> allocator_bytes_peak;
  std::vector<worker_binding> bindings;  // per worker
  std::vector<memory_sample> timeseries;

  double throughput() const {
    return elapsed_s > 0 ? static_cast<double>(total_ops) / elapsed_s : 0;
  }
  double fairness() const {
    return ops_max_thread > 0
               ? static_cast<double>(ops_min_thread) / static_cast<double>(ops_max_thread)
               : 0;
  }
};

}  // namespace smrlab
