// The columns of results.csv, in order. results/README.md documents each one (a test checks
// that the two agree) and the plotting scripts rely on the core names: add columns freely,
// rename none.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace smrlab {

// clang-format off
inline constexpr std::array<std::string_view, 63> result_columns{
    "timestamp",        "trial_id",         "machine",          "cpu_model",
    "topology",         "numa_nodes",       "pus",              "allocator",
    "allocator_detail", "compiler",         "build_type",       "git_rev",
    "scheme",           "structure",        "workload",         "mix",
    "key_range",        "key_dist",         "threads",          "pin_policy",
    "membind",          "binding",          "oversubscribed",   "trial",
    "seed",             "mode",             "target_duration_s", "ops_per_thread",
    "warmup_s",         "prefill",          "elapsed_s",        "total_ops",
    "throughput_ops_s", "ops_min_thread",   "ops_max_thread",   "fairness",
    "allocated",        "retired",          "reclaimed",        "unreclaimed_peak",
    "unreclaimed_mean", "unreclaimed_end",  "bound",            "rss_peak_bytes",
    "allocator_bytes_peak", "pool_bytes_peak", "samples",       "teardown",
    "valid",            "status",           "message",          "topology_source",
    "planned_pus",      "fault",            "isolation",        "sample_interval_ms",
    "sampler_cpu_ms",   "sampler_max_gap_ms", "worker_max_stall_ms", "free_mode",
    "pings",            "ns_per_ping",      "prefill_s",
};

// The columns that identify a trial: a resumed run skips rows whose key is already present.
// `trial_id` is a hash of them, and ties timeseries.csv rows to their trial.
inline constexpr std::array<std::string_view, 19> trial_key_columns{
    "scheme",   "structure",  "workload", "mix",     "key_range", "key_dist",
    "allocator", "threads",   "pin_policy", "membind", "trial",   "seed",
    "mode",     "target_duration_s", "ops_per_thread", "prefill", "topology_source",
    "fault",    "free_mode",
};

// A trial's key: the cells of trial_key_columns, each followed by a unit separator (0x1f), read
// through `cell(column name)`. Resume and merge compare keys; trial_id is the key's hash.
template <class Cell>
std::string trial_key(Cell&& cell) {
  std::string key;
  for (const std::string_view name : trial_key_columns) key += cell(name) + '\x1f';
  return key;
}

inline constexpr std::array<std::string_view, 12> timeseries_columns{
    "trial_id", "scheme", "structure", "workload", "allocator", "threads", "trial",
    "t_ms",     "unreclaimed", "rss_bytes", "allocator_bytes", "phase",
};
// clang-format on

}  // namespace smrlab
