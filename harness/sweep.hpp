// A sweep: the cross product of the values given for each parameter, run trial by trial, one
// CSV row appended and flushed per trial, with progress and ETA on stderr. An interrupted or
// crashed sweep keeps every finished row; --resume skips them. The steps: harness/sweep_plan.hpp
// (plan, describe, shard), harness/sweep_output.hpp (the run folder's files),
// harness/trial_process.hpp (trials in child processes), harness/sweep.cpp (running and
// reporting).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/shard.hpp"
#include "harness/topology.hpp"
#include "harness/trial_types.hpp"
#include "workloads/fault_injection.hpp"
#include "workloads/key_distribution.hpp"
#include "workloads/op_mix.hpp"

namespace smrlab {

// How a sweep keeps its trials apart. `process` (the default): every trial runs in a fresh child
// `smrlab` process, so that no trial inherits another's heap, helper threads (liburcu's call_rcu
// thread, libcds's singletons) or warm caches. `none`: the trials of each allocator run one after
// another in one process (the allocator's), as before.
enum class isolation_mode { process, none };

inline std::string_view to_string(isolation_mode m) {
  return m == isolation_mode::process ? "process" : "none";
}
inline std::optional<isolation_mode> parse_isolation(std::string_view s) {
  if (s == "process") return isolation_mode::process;
  if (s == "none") return isolation_mode::none;
  return std::nullopt;
}

struct sweep_options {
  std::vector<std::string> schemes;     // empty: every registered scheme
  std::vector<std::string> structures;  // empty: every registered structure
  // Empty: from the topology the placements are planned on (default_thread_counts: 1 up to twice
  // the PU count, so that oversubscription is part of every default sweep).
  std::vector<unsigned> threads;
  // Multiples of the PU count ("2x" in --threads or the preset), resolved with `threads` on the
  // topology (resolve_thread_counts).
  std::vector<unsigned> threads_per_pu;
  unsigned trials = 1;
  run_mode mode = run_mode::duration;
  double duration_s = 1.0;
  std::uint64_t ops_per_thread = 0;
  double warmup_s = 0.1;
  // Elements put in before the workers start; unset: 1000 for pools and deques, and for sets the
  // steady-state size of each mix and key range (workload_ops.hpp, default_prefill).
  std::optional<std::uint64_t> prefill;
  // Workload parameters; the sweep takes their cross product. Pools and deques use only the mix
  // (as push/pop percentages; a mix with lookups is skipped for them, with the reason).
  std::vector<op_mix> mixes{op_mix{}};
  std::vector<std::uint64_t> key_ranges{1000};
  // Set structures with key ranges of their own (the preset key key_range_by_structure): the
  // papers run lists over 1K-10K keys and trees and hash maps over 100K and more, in one sweep.
  // A set structure not named here uses key_ranges.
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> key_ranges_by_structure;
  std::vector<key_distribution> dists{key_distribution{}};
  // Faults to sweep (workloads/fault_injection.hpp); a fault that leaves no thread to run the
  // workload at some thread count is skipped there, with the reason.
  std::vector<fault_plan> faults{fault_plan{}};
  // When the schemes with batches free what is safe (--free; schemes/free_pacing.hpp): batch, as
  // published, or amortized. A sweep dimension, so both run side by side in one sweep.
  std::vector<smr::free_mode> frees{smr::free_mode::batch};
  // Thread placements to sweep (--pin, repeatable), the memory policy, and the topology they
  // are planned on ("" = this machine; a synthetic or XML topology plans without binding).
  std::vector<placement> pins{placement{}};
  mem_policy membind = mem_policy::first_touch;
  std::string topology_source;
  // Allocators to sweep. Each runs in a process where it serves malloc: the system allocator
  // here, the others in a child re-executed with LD_PRELOAD (harness/allocator.hpp).
  std::vector<allocator_kind> allocators{allocator_kind::system};
  isolation_mode isolation = isolation_mode::process;
  // The memory sampler's period (--sample-interval); 0 = no sampler, only start and end counts.
  double sample_interval_s = 0.001;
  std::uint64_t seed = 1;
  std::uint64_t memory_cap_bytes = 0;
  // The most a trial's child process may run before the sweep kills it and writes an error row
  // for it (--trial-timeout): < 0 = auto (trial_timeout_s()), 0 = never.
  double trial_timeout_s = -1;
  std::string label = "adhoc";  // names the default output folder
  std::filesystem::path out;    // empty: results/<date>-<host>-<label>
  bool resume = false;
  std::optional<shard_spec> shard;  // run only this slice of the plan (harness/shard.hpp)
  bool quiet = false;
  bool dry_run = false;  // print the plan and exit
  // Hidden (--only-trial): run only the planned trial with this trial_id, in this process. The
  // sweep's own child processes get it under --isolation process (harness/trial_process.hpp).
  std::string only_trial;
  std::string preset;        // the preset file, if any (recorded in meta.json)
  std::string command_line;  // recorded in meta.json
};

// Checks names and values; returns an empty string when the options are usable, else the
// error to print.
// "STRUCTURE=N[,N...]" (--key-range-for): a set structure's own key ranges. Returns the name and
// the ranges, or a message quoting the text; validate() checks the name against the registry.
std::variant<std::pair<std::string, std::vector<std::uint64_t>>, std::string>
parse_structure_key_ranges(std::string_view text);

std::string validate(const sweep_options& o);

// Runs the sweep. Returns the process exit code: 0 done, 2 bad input or nothing to run,
// 1 a trial was invalid or failed, 130 interrupted.
int run_sweep(const sweep_options& o, const std::atomic<bool>& interrupt);

std::filesystem::path default_output_dir(const std::string& label);

}  // namespace smrlab
