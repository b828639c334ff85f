// sweep_plan: the first steps of a sweep (harness/sweep.cpp), before anything runs. The plan is
// the cross product of the sweep's values in the loop order allocator -> trial -> threads ->
// placement -> fault -> free mode -> structure -> workload -> scheme, with what cannot run here
// skipped and said once; each planned trial's row of known cells is described once, with its
// trial_id; and a shard (harness/shard.hpp) takes its slice of the plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/csv.hpp"
#include "harness/machine_info.hpp"
#include "harness/registry.hpp"
#include "harness/sweep.hpp"
#include "harness/topology.hpp"

namespace smrlab {

struct planned_trial {
  const scheme_info* scheme;
  const structure_info* structure;
  workload_params workload;
  std::uint64_t prefill;
  unsigned threads;
  placement pin;
  fault_plan fault;
  smr::free_mode free;
  allocator_kind allocator;
  unsigned trial;
  // Position among the trials of its allocator. Every allocator's part of the plan is the same
  // sequence, so a shard that takes positions (harness/shard.hpp) takes the same configurations
  // under every allocator, and an allocator's child process, which plans only its own part,
  // takes the same slice as its parent.
  std::size_t position;
};

// The whole plan of a sweep, before a shard takes its slice: how many trials, and a digest of
// their trial_ids in order.
struct plan_identity {
  std::size_t trials = 0;
  std::string digest;
};

// A sweep's plan with each trial's described row (same index), and the whole plan's identity.
struct sweep_plan {
  std::vector<planned_trial> trials;
  std::vector<csv_row> rows;
  plan_identity whole;
};

// A stable 64-bit FNV-1a hash, printed as 16 hex digits: of a trial's key, the trial_id column
// that ties timeseries rows to their trial, whatever dimensions the key grows; of every trial_id
// in a plan, the plan's digest, which tells shards of one sweep from those of another.
std::string fnv1a_hex(const std::string& key);

// Each repetition of a configuration runs with its own seed, recorded in its row.
std::uint64_t trial_seed(const sweep_options& o, const planned_trial& p);

// Why allocator `a` cannot serve trials from this process or a child of it, or nullopt.
std::optional<std::string> allocator_unavailable(allocator_kind a, const active_allocator_info& me);

// The cross product, in the sweep's loop order. Every combination that cannot run (an allocator
// not installed, a fault with no thread left to work, a mix the structure does not support, a
// pairing that does not exist, a thread count above a scheme's limit) is skipped, and `skip`
// is called with why (once per reason is the caller's business).
std::vector<planned_trial> plan_trials(const sweep_options& o,
                                       const std::vector<std::string>& scheme_names,
                                       const std::vector<std::string>& structure_names,
                                       const active_allocator_info& me,
                                       const std::function<void(const std::string&)>& skip);

// A trial's row of cells known before it runs (the keys among them), with its trial_id.
csv_row describe_trial(const planned_trial& p, const sweep_options& o, const machine_info& m,
                       const topology& t);

// Describes every planned trial and computes the whole plan's identity.
sweep_plan describe_plan(std::vector<planned_trial> trials, const sweep_options& o,
                         const machine_info& m, const topology& t);

// Keeps only the trials that shard `s` owns (by position), rows with them.
void keep_shard(sweep_plan& plan, const shard_spec& s);

}  // namespace smrlab
