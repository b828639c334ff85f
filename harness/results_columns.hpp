// The columns of results.csv, in order. results/README.md documents each one (a test checks
// that the two agree) and the plotting scripts rely on the core names: add columns freely,
// rename none.
#pragma once

#include <array>
#include <string_view>

namespace smrlab {

inline constexpr std::array<std::string_view, 45> result_columns{
    "timestamp",       "machine",          "cpu_model",       "topology",
    "numa_nodes",      "pus",              "allocator",       "compiler",
    "build_type",      "git_rev",          "scheme",          "structure",
    "workload",        "mix",              "key_range",       "key_dist",
    "threads",         "pin_policy",       "trial",
    "seed",            "mode",             "target_duration_s", "ops_per_thread",
    "warmup_s",        "prefill",          "elapsed_s",       "total_ops",
    "throughput_ops_s", "ops_min_thread",  "ops_max_thread",  "fairness",
    "allocated",       "retired",          "reclaimed",       "unreclaimed_peak",
    "unreclaimed_mean", "unreclaimed_end", "bound",           "rss_peak_bytes",
    "pool_bytes_peak", "samples",          "teardown",        "valid",
    "status",          "message",
};

// The columns that identify a trial: a resumed run skips rows whose key is already present.
inline constexpr std::array<std::string_view, 14> trial_key_columns{
    "scheme",   "structure", "workload", "mix",  "key_range",         "key_dist",
    "threads",  "pin_policy", "trial",   "seed", "mode", "target_duration_s",
    "ops_per_thread", "prefill",
};

inline constexpr std::array<std::string_view, 8> timeseries_columns{
    "scheme", "structure", "workload", "threads", "trial", "t_ms", "unreclaimed", "rss_bytes",
};

}  // namespace smrlab
