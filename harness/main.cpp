// smrlab: the driver. `list` shows the registry and the compatibility matrix; `run` runs a
// sweep (the cross product of the values given for each parameter, or a preset file);
// `overhead` measures what the harness costs against the bare-loop reference.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <variant>

#include "harness/allocator.hpp"
#include "harness/check_command.hpp"
#include "harness/list_command.hpp"
#include "harness/merge_command.hpp"
#include "harness/overhead_command.hpp"
#include "harness/preset.hpp"
#include "harness/sweep.hpp"
#include "harness/thread_counts.hpp"
#include "harness/topology.hpp"
#include "harness/topology_report.hpp"
#include "harness/units.hpp"
#include "smrlab/build_info.hpp"

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int /*sig*/) { g_interrupted.store(true); }

std::string joined_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i != 0) s += ' ';
    s += argv[i];
  }
  return s;
}

// Parses the value of `option` with `parse` (returning std::variant<T, std::string>) into
// `out`; prints the error and returns false.
template <class T, class Value, class Parse>
bool parse_into(const Value& value, Parse&& parse, const char* option, T& out) {
  auto parsed = parse(value);
  if (const auto* err = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "smrlab run: bad {}: {}\n", option, *err);
    return false;
  }
  out = std::get<T>(std::move(parsed));
  return true;
}

// The same for every value of a list option; stops at the first error.
template <class T, class Parse>
bool parse_each(const std::vector<std::string>& values, Parse&& parse, const char* option,
                std::vector<T>& out) {
  out.assign(values.size(), T{});
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!parse_into(values[i], parse, option, out[i])) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smrlab: benchmarks and conformance tests for safe memory reclamation schemes"};
  app.set_version_flag("--version", std::string(SMRLAB_VERSION) + " (" + SMRLAB_GIT_REV + ")");
  app.require_subcommand(1);

  auto* list = app.add_subcommand("list", "schemes, structures and the compatibility matrix");
  std::string list_format = "text";
  list->add_option("--format", list_format, "text or json")->check(CLI::IsMember({"text", "json"}));

  auto* topo = app.add_subcommand(
      "topology",
      "what hwloc sees (packages, NUMA nodes, caches, cores, PUs) and the placement "
      "plan for N threads under a policy");
  std::string topo_source, topo_pin = "compact", topo_membind = "first-touch", topo_format = "text";
  std::vector<unsigned> topo_threads;
  topo->add_option("--topology", topo_source,
                   "this machine (default), synthetic:\"pack:2 numa:2 core:8 pu:2\", or an hwloc "
                   "XML file");
  topo->add_option("--threads", topo_threads,
                   "thread counts to plan, comma list (default: 1, the PU count and twice it)")
      ->delimiter(',');
  topo->add_option("--pin", topo_pin,
                   "placement policy: none, compact, scatter, cores-first, or pus:LIST "
                   "(e.g. pus:0,2,4-7)");
  topo->add_option("--membind", topo_membind, "memory policy: first-touch, local or interleave");
  topo->add_option("--format", topo_format, "text or json")->check(CLI::IsMember({"text", "json"}));

  auto* merge = app.add_subcommand(
      "merge", "combine run folders (e.g. the shards of one sweep) into one run folder");
  smrlab::merge_options merge_opts;
  merge->add_option("--out", merge_opts.out, "the merged run folder (must hold no results.csv)")
      ->required();
  merge->add_option("folders", merge_opts.inputs, "run folders to merge, in order")->required();
  merge->add_flag("--partial", merge_opts.partial,
                  "merge even if shards are missing or repeated (warn instead of failing)");

  smrlab::overhead_cli overhead_opts;
  auto* overhead = smrlab::add_overhead_subcommand(app, overhead_opts);

  auto* check = smrlab::add_check_subcommand(app);

  auto* run = app.add_subcommand("run", "run a sweep and append one CSV row per trial");
  smrlab::sweep_options cli;
  std::string preset, duration, warmup, memory_cap, membind, topology_source;
  std::vector<std::string> schemes, structures, mixes, dists, pins, allocators, faults, threads,
      frees, key_ranges_for;
  std::vector<std::uint64_t> key_ranges;
  std::string shard;
  unsigned trials = 1;
  std::uint64_t ops_per_thread = 0, prefill = 1000, seed = 1;
  std::string out;
  run->add_option("--preset", preset, "experiment preset (TOML); options given here override it")
      ->check(CLI::ExistingFile);
  auto* o_schemes =
      run->add_option("--schemes", schemes, "comma list of schemes (default: all)")->delimiter(',');
  auto* o_structures =
      run->add_option("--structures", structures, "comma list of structures (default: all)")
          ->delimiter(',');
  auto* o_threads = run->add_option("--threads", threads,
                                    "comma list of thread counts, e.g. 1,2,4; multiples of the PU "
                                    "count, e.g. 2x,4x; or auto (the default: 1, 2, 4, ... up to "
                                    "the PU count, and twice it)")
                        ->delimiter(',');
  auto* o_trials = run->add_option("--trials", trials, "repetitions of each configuration");
  auto* o_duration =
      run->add_option("--duration", duration, "measured time per trial, e.g. 1s, 500ms");
  auto* o_ops = run->add_option("--ops-per-thread", ops_per_thread,
                                "measure a fixed number of operations per thread instead");
  o_duration->excludes(o_ops);
  auto* o_warmup = run->add_option("--warmup", warmup, "warm-up before measuring (default 100ms)");
  auto* o_prefill = run->add_option(
      "--prefill", prefill,
      "elements (sets: distinct keys) inserted before the workers start (default: 1000 for "
      "pools and deques; for sets the steady-state size, key range x insert/(insert+remove))");
  auto* o_mix = run->add_option("--mix", mixes,
                                "operation mix insert,remove,lookup in percent, e.g. 25,25,50 "
                                "(repeat for a sweep; pools and deques: push,pop,0; default "
                                "50,50,0)");
  auto* o_key_range = run->add_option("--key-range", key_ranges,
                                      "sets: keys are drawn from [0, N); comma list (default 1000)")
                          ->delimiter(',');
  auto* o_key_range_for =
      run->add_option("--key-range-for", key_ranges_for,
                      "a set structure's own key ranges, STRUCTURE=N[,N...] (repeat for more "
                      "structures): lists over 1000,10000 and a tree over 1000000 in one sweep; "
                      "the others use --key-range");
  auto* o_dist = run->add_option("--dist", dists,
                                 "sets: key distribution, uniform or zipf:THETA (0<THETA<1), "
                                 "comma list (default uniform)")
                     ->delimiter(',');
  auto* o_pin = run->add_option("--pin", pins,
                                "thread placement: none, compact (fill a NUMA node's cores "
                                "first), scatter (round-robin over NUMA nodes, then cores), "
                                "cores-first (one PU per core before SMT siblings) or pus:LIST "
                                "(e.g. pus:0,2,4-7); repeat to sweep (default compact)");
  auto* o_membind = run->add_option("--membind", membind,
                                    "memory policy of the workers: first-touch (default), local "
                                    "(their NUMA node) or interleave");
  auto* o_topology = run->add_option(
      "--topology", topology_source,
      "plan placements on another topology: synthetic:\"...\" or an hwloc XML file (threads "
      "are then not bound)");
  auto* o_fault = run->add_option("--fault", faults,
                                  "fault injection, comma list to sweep: none (default) or park:N "
                                  "(N of the threads parked inside an operation for the whole "
                                  "trial: the stall experiment)")
                      ->delimiter(',');
  auto* o_free = run->add_option("--free", frees,
                                 "when the schemes with batches free what is safe, comma list "
                                 "to sweep: batch (default: the whole batch at once, as "
                                 "published) or amortized (a few at each later retire; Kim, "
                                 "Brown and Singh, PPoPP 2024)")
                     ->delimiter(',');
  auto* o_shard = run->add_option("--shard", shard,
                                  "run only slice I of N of the sweep (I/N, e.g. 2/8), for "
                                  "spreading a sweep over machines; combine with smrlab merge");
  auto* o_allocator = run->add_option("--allocator", allocators,
                                      "allocators to sweep, comma list: system, jemalloc, "
                                      "mimalloc, tcmalloc (default system)")
                          ->delimiter(',');
  std::string isolation, sample_interval;
  auto* o_isolation =
      run->add_option("--isolation", isolation,
                      "process (default: every trial in a fresh child smrlab) or none (the "
                      "trials of an allocator one after another in one process)")
          ->check(CLI::IsMember({"process", "none"}));
  auto* o_sample_interval = run->add_option(
      "--sample-interval", sample_interval,
      "the memory sampler's period, e.g. 1ms (default), 10ms; 0 = no sampler (start and end "
      "counts only)");
  // Hidden: how a sweep under --isolation process runs one of its trials in a child.
  std::string only_trial;
  run->add_option("--only-trial", only_trial, "run only the planned trial with this trial_id")
      ->group("");
  auto* o_seed = run->add_option("--seed", seed, "base random seed");
  auto* o_cap = run->add_option("--memory-cap", memory_cap,
                                "stop a trial whose resident memory exceeds this, e.g. 4GiB");
  std::string trial_timeout;
  auto* o_timeout = run->add_option(
      "--trial-timeout", trial_timeout,
      "kill a trial's process still running after this long and write an error row for it, e.g. "
      "10min (default auto: 60s + 10 x (warm-up + duration) + 20us per prefilled element, none "
      "with --ops-per-thread; 0 = "
      "never; applies to trials in child processes, not to --isolation none's own)");
  run->add_option("--out", out, "output folder (default results/<date>-<host>-<preset|adhoc>)");
  run->add_flag("--resume", cli.resume,
                "continue an existing output folder, skipping finished trials");
  run->add_flag("--quiet", cli.quiet, "print only failures and the summary");
  run->add_flag("--dry-run", cli.dry_run,
                "check the options, print the planned trials, run nothing");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like other bad input.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (list->parsed()) {
    std::cout << (list_format == "json" ? smrlab::list_json() : smrlab::list_text()) << '\n';
    return 0;
  }

  if (topo->parsed()) {
    try {
      const smrlab::topology t(topo_source);
      auto placement = smrlab::parse_placement(topo_pin);
      auto mem = smrlab::parse_mem_policy(topo_membind);
      if (const auto* err = std::get_if<std::string>(&placement)) {
        fmt::print(stderr, "smrlab topology: bad --pin: {}\n", *err);
        return 2;
      }
      if (const auto* err = std::get_if<std::string>(&mem)) {
        fmt::print(stderr, "smrlab topology: bad --membind: {}\n", *err);
        return 2;
      }
      const unsigned pus = t.summary().pus;
      if (topo_threads.empty()) topo_threads = {1, pus, 2 * pus};
      if (topo_format == "json") {
        nlohmann::json j = smrlab::topology_json(t);
        for (unsigned n : topo_threads) {
          nlohmann::json plan = nlohmann::json::array();
          for (const auto& slot : t.plan(n, std::get<smrlab::placement>(placement))) {
            plan.push_back(
                {{"thread", slot.thread},
                 {"pu", slot.pu ? nlohmann::json(*slot.pu) : nlohmann::json()},
                 {"core", slot.core ? nlohmann::json(*slot.core) : nlohmann::json()},
                 {"numa_node", slot.numa_node ? nlohmann::json(*slot.numa_node) : nlohmann::json()},
                 {"shares_pu", slot.shares_pu}});
          }
          j["plans"][std::to_string(n)] = plan;
        }
        std::cout << j.dump(2) << '\n';
      } else {
        std::cout << smrlab::topology_report(t, topo_threads,
                                             std::get<smrlab::placement>(placement),
                                             std::get<smrlab::mem_policy>(mem));
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "smrlab topology: {}\n", e.what());
      return 2;
    }
    return 0;
  }

  if (merge->parsed()) return smrlab::run_merge(merge_opts);

  if (check->parsed()) return smrlab::run_check(check->remaining());

  if (overhead->parsed()) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    return smrlab::run_overhead(overhead_opts, g_interrupted);
  }

  smrlab::sweep_options o;
  try {
    if (!preset.empty()) smrlab::load_preset(preset, o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: {}\n", e.what());
    return 2;
  }
  if (o_schemes->count() != 0) o.schemes = schemes;
  if (o_structures->count() != 0) o.structures = structures;
  if (o_threads->count() != 0) {
    smrlab::thread_request r;
    if (!parse_into(threads, smrlab::parse_thread_counts, "--threads", r)) return 2;
    o.threads = r.counts;
    o.threads_per_pu = r.per_pu;
  }
  if (o_trials->count() != 0) o.trials = trials;
  if (o_duration->count() != 0) {
    const auto d = smrlab::parse_duration(duration);
    if (!d) {
      fmt::print(stderr,
                 "smrlab run: bad --duration '{}': give a positive time such as 1s or 500ms\n",
                 duration);
      return 2;
    }
    o.mode = smrlab::run_mode::duration;
    o.duration_s = *d;
  }
  if (o_ops->count() != 0) {
    o.mode = smrlab::run_mode::ops;
    o.ops_per_thread = ops_per_thread;
  }
  if (o_warmup->count() != 0) {
    const auto d = smrlab::parse_duration_or_zero(warmup);
    if (!d) {
      fmt::print(stderr, "smrlab run: bad --warmup '{}': give a time such as 100ms, or 0\n",
                 warmup);
      return 2;
    }
    o.warmup_s = *d;
  }
  if (o_prefill->count() != 0) o.prefill = prefill;
  if (o_mix->count() != 0 && !parse_each(mixes, smrlab::parse_op_mix, "--mix", o.mixes)) {
    return 2;
  }
  if (o_key_range->count() != 0) o.key_ranges = key_ranges;
  if (o_key_range_for->count() != 0) {
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> own;
    if (!parse_each(key_ranges_for, smrlab::parse_structure_key_ranges, "--key-range-for", own)) {
      return 2;
    }
    o.key_ranges_by_structure.clear();
    for (auto& [name, ranges] : own) o.key_ranges_by_structure[name] = std::move(ranges);
  }
  if (o_dist->count() != 0 &&
      !parse_each(dists, smrlab::parse_key_distribution, "--dist", o.dists)) {
    return 2;
  }

  if (o_pin->count() != 0 && !parse_each(pins, smrlab::parse_placement, "--pin", o.pins)) {
    return 2;
  }
  if (o_membind->count() != 0 &&
      !parse_into(membind, smrlab::parse_mem_policy, "--membind", o.membind)) {
    return 2;
  }
  if (o_topology->count() != 0) o.topology_source = topology_source;
  if (o_allocator->count() != 0 &&
      !parse_each(allocators, smrlab::parse_allocator_choice, "--allocator", o.allocators)) {
    return 2;
  }
  if (o_fault->count() != 0 && !parse_each(faults, smrlab::parse_fault, "--fault", o.faults)) {
    return 2;
  }
  if (o_free->count() != 0 && !parse_each(frees, smrlab::parse_free_mode, "--free", o.frees)) {
    return 2;
  }
  if (o_shard->count() != 0) {
    smrlab::shard_spec s;
    if (!parse_into(shard, smrlab::parse_shard, "--shard", s)) return 2;
    o.shard = s;
  }
  if (o_isolation->count() != 0) o.isolation = *smrlab::parse_isolation(isolation);
  if (o_sample_interval->count() != 0) {
    const auto d = smrlab::parse_duration_or_zero(sample_interval);
    if (!d) {
      fmt::print(stderr,
                 "smrlab run: bad --sample-interval '{}': give a time such as 1ms or 10ms, or 0 "
                 "for no sampler\n",
                 sample_interval);
      return 2;
    }
    o.sample_interval_s = *d;
  }
  if (o_seed->count() != 0) o.seed = seed;
  if (o_cap->count() != 0) {
    const auto b = smrlab::parse_size(memory_cap);
    if (!b || *b == 0) {
      fmt::print(stderr, "smrlab run: bad --memory-cap '{}': give a size such as 4GiB\n",
                 memory_cap);
      return 2;
    }
    o.memory_cap_bytes = *b;
  }
  if (o_timeout->count() != 0) {
    const auto d = smrlab::parse_duration_or_zero(trial_timeout);
    if (!d) {
      fmt::print(stderr,
                 "smrlab run: bad --trial-timeout '{}': give a time such as 90s or 10min, or 0 "
                 "for none\n",
                 trial_timeout);
      return 2;
    }
    o.trial_timeout_s = *d;
  }
  o.only_trial = only_trial;
  o.out = out;
  o.resume = cli.resume;
  o.quiet = cli.quiet;
  o.dry_run = cli.dry_run;
  o.command_line = joined_args(argc, argv);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return smrlab::run_sweep(o, g_interrupted);
}
