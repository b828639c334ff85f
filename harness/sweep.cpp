#include "harness/sweep.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>

#include "harness/csv.hpp"
#include "harness/list_command.hpp"
#include "harness/machine_info.hpp"
#include "harness/pairing_dispatch.hpp"
#include "harness/registry.hpp"
#include "harness/results_columns.hpp"
#include "harness/thread_counts.hpp"
#include "harness/topology_report.hpp"
#include "harness/units.hpp"

namespace smrlab {

namespace fs = std::filesystem;

namespace {

struct planned_trial {
  const scheme_info* scheme;
  const structure_info* structure;
  workload_params workload;
  std::uint64_t prefill;
  unsigned threads;
  placement pin;
  fault_plan fault;
  allocator_kind allocator;
  unsigned trial;
  // Position among the trials of its allocator. Every allocator's part of the plan is the same
  // sequence, so a shard that takes positions (harness/shard.hpp) takes the same configurations
  // under every allocator, and an allocator's child process, which plans only its own part,
  // takes the same slice as its parent.
  std::size_t position;
};

// Set in the environment of the child processes that run one allocator's trials.
constexpr const char* allocator_child_variable = "SMRLAB_ALLOCATOR_CHILD";
bool is_allocator_child() { return std::getenv(allocator_child_variable) != nullptr; }

// A stable 64-bit FNV-1a hash, printed as 16 hex digits: of a trial's key, the trial_id column
// that ties timeseries rows to their trial, whatever dimensions the key grows; of every trial_id
// in a plan, the plan's digest, which tells shards of one sweep from those of another.
std::string fnv1a_hex(const std::string& key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

// The workloads a structure runs in this sweep: every mix, and for sets every key range and
// distribution too (pools and deques have no keys).
std::vector<workload_params> workloads_for(const structure_info& d, const sweep_options& o) {
  std::vector<workload_params> out;
  for (const auto& mix : o.mixes) {
    if (d.kind != smr::structure_kind::set) {
      out.push_back({mix, 0, key_distribution{}});
      continue;
    }
    for (auto range : o.key_ranges) {
      for (const auto& dist : o.dists) out.push_back({mix, range, dist});
    }
  }
  return out;
}

// Each repetition of a configuration runs with its own seed, recorded in its row.
std::uint64_t trial_seed(const sweep_options& o, const planned_trial& p) {
  return o.seed + p.trial;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

std::vector<std::string> all_or(const std::vector<std::string>& given,
                                const std::vector<std::string>& all) {
  return given.empty() ? all : given;
}

std::vector<std::string> registered_scheme_names() {
  std::vector<std::string> out;
  for (const auto& s : schemes()) out.emplace_back(s.name);
  return out;
}
std::vector<std::string> registered_structure_names() {
  std::vector<std::string> out;
  for (const auto& s : structures()) out.emplace_back(s.name);
  return out;
}

std::string join(const std::vector<std::string>& v, const char* separator = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : separator) + s;
  return out;
}

// Base row: everything known before the trial runs. Keys of the trial come from here.
csv_row describe_trial(const planned_trial& p, const sweep_options& o, const machine_info& m,
                       const topology& t) {
  const bool is_set = p.structure->kind == smr::structure_kind::set;
  csv_row row(result_columns);
  row.set("machine", m.hostname)
      .set("cpu_model", m.cpu_model)
      .set("topology", m.topo.text())
      .set("numa_nodes", std::to_string(m.topo.numa_nodes))
      .set("pus", std::to_string(m.topo.pus))
      .set("allocator", std::string(to_string(p.allocator)))
      .set("topology_source", o.topology_source.empty() ? "" : t.source())
      .set("compiler", m.compiler)
      .set("build_type", m.build_type)
      .set("git_rev", m.git_rev)
      .set("scheme", std::string(p.scheme->name))
      .set("structure", std::string(p.structure->name))
      .set("workload", workload_name(p.structure->kind, p.workload))
      .set("mix", p.workload.mix.describe())
      .set("key_range", is_set ? std::to_string(p.workload.key_range) : "")
      .set("key_dist", is_set ? p.workload.dist.describe() : "")
      .set("threads", std::to_string(p.threads))
      .set("pin_policy", p.pin.describe())
      .set("fault", p.fault.describe())
      .set("membind", std::string(to_string(o.membind)))
      .set("oversubscribed", p.threads > m.topo.pus ? "yes" : "no")
      .set("trial", std::to_string(p.trial))
      .set("seed", std::to_string(trial_seed(o, p)))
      .set("mode", o.mode == run_mode::duration ? "duration" : "ops")
      .set("target_duration_s", o.mode == run_mode::duration ? number(o.duration_s) : "")
      .set("ops_per_thread", o.mode == run_mode::ops ? std::to_string(o.ops_per_thread) : "")
      .set("warmup_s", number(o.warmup_s))
      .set("prefill", std::to_string(p.prefill));
  std::string planned;
  for (const auto& slot : t.plan(p.threads, p.pin)) {
    if (!planned.empty()) planned += ' ';
    planned += slot.pu ? std::to_string(*slot.pu) : "-";
  }
  row.set("planned_pus", planned);
  row.set("trial_id", fnv1a_hex(trial_key([&](std::string_view c) { return row.get(c); })));
  return row;
}

// How the workers were placed, in a few words: "bound 4/4", "unbound" (policy none), or why
// binding was skipped.
std::string binding_of(const trial_result& r, const planned_trial& p, const topology& t) {
  if (p.pin.policy == pin_policy::none) return "unbound";
  if (!t.is_this_system()) return "skipped: " + t.source() + " is not this machine";
  std::size_t bound = 0;
  for (const auto& b : r.bindings) bound += b.bound ? 1 : 0;
  return fmt::format("bound {}/{}", bound, r.bindings.size());
}

void fill_result(csv_row& row, const trial_result& r) {
  row.set("timestamp", utc_now())
      .set("elapsed_s", number(r.elapsed_s))
      .set("total_ops", std::to_string(r.total_ops))
      .set("throughput_ops_s", number(r.throughput()))
      .set("ops_min_thread", std::to_string(r.ops_min_thread))
      .set("ops_max_thread", std::to_string(r.ops_max_thread))
      .set("fairness", number(r.fairness()))
      .set("allocated", std::to_string(r.at_end.allocated))
      .set("retired", std::to_string(r.at_end.retired))
      .set("reclaimed", std::to_string(r.at_end.reclaimed))
      .set("unreclaimed_peak", std::to_string(r.unreclaimed_peak))
      .set("unreclaimed_mean", number(r.unreclaimed_mean))
      .set("unreclaimed_end", std::to_string(r.unreclaimed_end))
      .set("bound", r.bound ? std::to_string(*r.bound) : "")
      .set("rss_peak_bytes", std::to_string(r.rss_peak_bytes))
      .set("allocator_bytes_peak",
           r.allocator_bytes_peak ? std::to_string(*r.allocator_bytes_peak) : "")
      .set("pool_bytes_peak", std::to_string(r.pool_bytes_peak))
      .set("samples", std::to_string(r.samples))
      .set("teardown", r.teardown)
      .set("valid", r.valid)
      .set("status", std::string(to_string(r.status)))
      .set("message", r.message);
}

// Loads the keys of finished trials and repairs the files after a crash: a cut-off last row is
// dropped, and time-series rows of trials that have no result row are removed.
std::unordered_set<std::string> load_finished(const fs::path& results, const fs::path& series) {
  std::unordered_set<std::string> done;
  std::ifstream in(results);
  std::size_t dropped = 0;
  const csv_table t = read_csv(in, &dropped);
  in.close();
  const std::vector<std::string> expected(result_columns.begin(), result_columns.end());
  if (t.header != expected) {
    throw std::runtime_error(results.string() +
                             " has different columns (written by another smrlab version); "
                             "choose a new --out");
  }
  std::set<std::string> trial_ids;
  for (const auto& row : t.rows) {
    done.insert(trial_key([&](std::string_view c) { return row[t.column(c)]; }));
    trial_ids.insert(row[t.column("trial_id")]);
  }
  if (dropped != 0) {
    fmt::print(stderr, "smrlab: dropped {} incomplete row(s) of {}\n", dropped, results.string());
    std::ofstream rewrite(results, std::ios::trunc);
    write_csv_header(rewrite, result_columns);
    for (const auto& row : t.rows) write_csv_line(rewrite, row);
  }
  if (fs::exists(series)) {
    std::ifstream sin(series);
    const csv_table s = read_csv(sin);
    sin.close();
    std::ofstream sout(series, std::ios::trunc);
    write_csv_header(sout, timeseries_columns);
    for (const auto& row : s.rows) {
      if (!row.empty() && trial_ids.count(row[0]) != 0) {  // column 0 is trial_id
        write_csv_line(sout, row);
      }
    }
  }
  return done;
}

template <class T>
std::vector<std::string> describe_all(const std::vector<T>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.describe());
  return out;
}

// The whole plan of a sweep, before a shard takes its slice: how many trials, and a digest of
// their trial_ids in order.
struct plan_identity {
  std::size_t trials = 0;
  std::string digest;
};

// Writes meta.json whole under a temporary name and renames it into place, so that a crash
// never leaves a half-written one.
void replace_meta(const fs::path& dir, const nlohmann::json& meta) {
  const fs::path tmp = dir / "meta.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << meta.dump(2) << '\n';
  }
  fs::rename(tmp, dir / "meta.json");
}

void write_meta(const fs::path& dir, const sweep_options& o, const machine_info& m,
                const topology& t, const std::vector<std::string>& scheme_names,
                const std::vector<std::string>& structure_names, const plan_identity& plan) {
  const fs::path path = dir / "meta.json";
  nlohmann::json meta;
  if (fs::exists(path)) {
    std::ifstream in(path);
    meta = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded()) meta = nlohmann::json::object();
  }
  const std::string now = utc_now();
  if (!meta.contains("created")) {
    meta["created"] = now;
    meta["smrlab_version"] = m.version;
    meta["machine"] = {{"hostname", m.hostname},
                       {"cpu_model", m.cpu_model},
                       {"topology",
                        {{"packages", m.topo.packages},
                         {"numa_nodes", m.topo.numa_nodes},
                         {"cores", m.topo.cores},
                         {"pus", m.topo.pus}}}};
    meta["build"] = {{"compiler", m.compiler},
                     {"build_type", m.build_type},
                     {"cxx_flags", m.cxx_flags},
                     {"git_rev", m.git_rev}};
    std::vector<std::string> allocators;
    for (auto a : o.allocators) allocators.emplace_back(to_string(a));
    meta["allocators"] = allocators;
    meta["allocator_of_this_process"] = active_allocator().detail;
    meta["topology"] = topology_json(t);
    meta["sweep"] = {
        {"label", o.label},
        {"preset", o.preset},
        {"schemes", scheme_names},
        {"structures", structure_names},
        {"threads", o.threads},
        {"trials", o.trials},
        {"mode", o.mode == run_mode::duration ? "duration" : "ops"},
        {"duration_s", o.duration_s},
        {"ops_per_thread", o.ops_per_thread},
        {"warmup_s", o.warmup_s},
        {"prefill", o.prefill ? nlohmann::json(*o.prefill) : nlohmann::json("auto")},
        {"mixes", describe_all(o.mixes)},
        {"key_ranges", o.key_ranges},
        {"key_dists", describe_all(o.dists)},
        {"pin_policies", describe_all(o.pins)},
        {"faults", describe_all(o.faults)},
        {"shard", o.shard ? nlohmann::json{{"index", o.shard->index}, {"count", o.shard->count}}
                          : nlohmann::json()},
        {"membind", std::string(to_string(o.membind))},
        {"topology_source", o.topology_source},
        {"allocators", allocators},
        {"seed", o.seed},
        {"memory_cap_bytes", o.memory_cap_bytes}};
    meta["plan"] = {{"trials", plan.trials}, {"digest", plan.digest}};
    meta["command_line"] = o.command_line;
    // What could have run, and why the rest cannot: the figures draw the matrix from here.
    meta["compatibility"] = nlohmann::json::parse(list_json());
    meta["placement"] = nlohmann::json::object();
  } else if (!is_allocator_child()) {
    meta["resumed"].push_back(
        {{"at", now}, {"command_line", o.command_line}, {"git_rev", m.git_rev}});
  }
  replace_meta(dir, meta);
}

void record_placement(const fs::path& dir, const planned_trial& p, const trial_result& r) {
  const fs::path path = dir / "meta.json";
  std::ifstream in(path);
  nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
  in.close();
  if (meta.is_discarded()) return;
  const std::string key = fmt::format("threads={} pin={} allocator={}", p.threads, p.pin.describe(),
                                      to_string(p.allocator));
  if (meta["placement"].contains(key)) return;
  // Per worker: the planned PU, whether the binding took, where it last ran and that PU's NUMA
  // node (hwloc logical indices; -1 = none or unknown).
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& b : r.bindings) {
    workers.push_back({{"planned_pu", b.planned_pu},
                       {"bound", b.bound},
                       {"memory_bound", b.memory_bound},
                       {"ran_on_pu", b.ran_on_pu},
                       {"numa_node", b.numa_node}});
  }
  meta["placement"][key] = workers;
  replace_meta(dir, meta);
}

}  // namespace

fs::path default_output_dir(const std::string& label) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string h = host;
  h = h.substr(0, h.find('.'));
  return fs::path("results") / fmt::format("{}-{}-{}", utc_now("{:%Y-%m-%d}"), h, label);
}

std::string validate(const sweep_options& o) {
  for (const auto& s : o.schemes) {
    if (find_scheme(s) == nullptr) {
      return fmt::format("unknown scheme '{}'; registered schemes: {}", s,
                         join(registered_scheme_names()));
    }
  }
  for (const auto& s : o.structures) {
    if (find_structure(s) == nullptr) {
      return fmt::format("unknown structure '{}'; registered structures: {}", s,
                         join(registered_structure_names()));
    }
  }
  for (unsigned t : o.threads) {
    if (t == 0) return "thread counts must be at least 1";
    if (t > 4096) return fmt::format("thread count {} is more than 4096", t);
  }
  if (o.trials == 0) return "--trials must be at least 1";
  if (o.mode == run_mode::duration && !(o.duration_s > 0)) return "the duration must be positive";
  if (o.mode == run_mode::ops && o.ops_per_thread == 0) return "--ops-per-thread must be positive";
  if (o.warmup_s < 0) return "the warm-up must not be negative";
  if (o.mixes.empty()) return "the mix list is empty; give e.g. --mix 50,50,0";
  if (o.key_ranges.empty()) return "the key-range list is empty; give e.g. --key-range 1000";
  for (auto k : o.key_ranges) {
    if (k == 0 || k - 1 > smr::max_set_key) {
      return fmt::format("key range {} must be between 1 and 2^62", k);
    }
  }
  if (o.dists.empty()) return "the key-distribution list is empty; give e.g. --dist uniform";
  if (o.faults.empty()) return "the fault list is empty; give e.g. --fault none";
  return {};
}

namespace {

// The command line of a child that runs one allocator's trials into the same folder: every
// sweep option written back in the form main.cpp parses, plus --allocator, --out and --resume.
std::vector<std::string> child_arguments(const sweep_options& o,
                                         const std::vector<std::string>& scheme_names,
                                         const std::vector<std::string>& structure_names,
                                         allocator_kind a, const fs::path& dir) {
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
  add("--dist", join(describe_all(o.dists), ","));
  for (const auto& pin : o.pins) add("--pin", pin.describe());
  add("--fault", join(describe_all(o.faults), ","));
  if (o.shard) add("--shard", o.shard->describe());
  add("--membind", std::string(to_string(o.membind)));
  if (!o.topology_source.empty()) add("--topology", o.topology_source);
  add("--seed", std::to_string(o.seed));
  if (o.memory_cap_bytes != 0) add("--memory-cap", std::to_string(o.memory_cap_bytes));
  add("--allocator", std::string(to_string(a)));
  add("--out", dir.string());
  args.emplace_back("--resume");
  if (o.quiet) args.emplace_back("--quiet");
  return args;
}

// Runs this binary again with `args` and environment `env`, and waits. Returns its exit status
// (128 + signal if it was killed), or -1 if it could not be started.
int run_child(const std::vector<std::string>& args, const std::vector<std::string>& env) {
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
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

// Why allocator `a` cannot serve trials from this process or a child of it, or nullopt.
std::optional<std::string> allocator_unavailable(allocator_kind a,
                                                 const active_allocator_info& me) {
  if (a == me.kind) return std::nullopt;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return std::string("a sanitizer build serves malloc itself; use the release build");
#else
  if (!preload_library(a)) return "not installed (" + install_hint(a) + ")";
  return std::nullopt;
#endif
}

}  // namespace

int run_sweep(const sweep_options& given, const std::atomic<bool>& interrupt) {
  if (auto err = validate(given); !err.empty()) {
    fmt::print(stderr, "smrlab run: {}\n", err);
    return 2;
  }
  const bool child = is_allocator_child();
  std::unique_ptr<topology> machine;
  try {
    machine = std::make_unique<topology>(given.topology_source);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: {}\n", e.what());
    return 2;
  }
  sweep_options o = given;
  if (o.threads.empty()) o.threads = default_thread_counts(machine->summary().pus);
  for (const auto& pin : o.pins) {
    if (auto why = machine->check(pin)) {
      fmt::print(stderr, "smrlab run: --pin {}\n", *why);
      return 2;
    }
  }
  const active_allocator_info me = active_allocator();
  const auto scheme_names = all_or(o.schemes, registered_scheme_names());
  const auto structure_names = all_or(o.structures, registered_structure_names());

  // Plan, skipping (and saying why) allocators that cannot run here, pairings that do not exist
  // and thread counts a scheme refuses. Allocators are the outermost loop: each runs in its own
  // process.
  std::vector<planned_trial> plan;
  std::set<std::string> said;
  // The parent has said it already when this is an allocator's child process.
  auto say_once = [&](const std::string& msg) {
    if (said.insert(msg).second && !child) fmt::print(stderr, "smrlab: skipping {}\n", msg);
  };
  for (const allocator_kind a : o.allocators) {
    if (auto why = allocator_unavailable(a, me)) {
      say_once(fmt::format("allocator {}: {}", to_string(a), *why));
      continue;
    }
    std::size_t position = 0;
    for (unsigned trial = 1; trial <= o.trials; ++trial) {
      for (unsigned n : o.threads) {
        for (const auto& pin : o.pins) {
          for (const auto& fault : o.faults) {
            if (auto why = fault.unfit_for(n)) {
              say_once(fmt::format("fault {} at {} threads: {}", fault.describe(), n, *why));
              continue;
            }
            for (const auto& dn : structure_names) {
              const structure_info* d = find_structure(dn);
              for (const auto& w : workloads_for(*d, o)) {
                if (auto why = workload_unsupported(d->kind, w)) {
                  say_once(fmt::format("{} with {}: {}", dn, w.mix.describe(), *why));
                  continue;
                }
                const std::uint64_t prefill = o.prefill.value_or(default_prefill(d->kind, w));
                for (const auto& sn : scheme_names) {
                  const scheme_info* s = find_scheme(sn);
                  if (auto why = pairing_unavailable(*s, *d)) {
                    say_once(fmt::format("{} x {}: {}", sn, dn, *why));
                    continue;
                  }
                  if (auto why = smr::thread_limit_violation(s->name, s->traits, n)) {
                    say_once(fmt::format("{} at {} threads: {}", sn, n, *why));
                    continue;
                  }
                  plan.push_back({s, d, w, prefill, n, pin, fault, a, trial, position++});
                }
              }
            }
          }
        }
      }
    }
  }
  if (plan.empty()) {
    fmt::print(stderr, "smrlab run: nothing to run: every requested trial was skipped\n");
    return 2;
  }
  const bool binds = std::any_of(o.pins.begin(), o.pins.end(),
                                 [](const placement& p) { return p.policy != pin_policy::none; });
  if (binds && !machine->is_this_system() && !child) {
    fmt::print(stderr,
               "smrlab: binding skipped: {} is not this machine's topology; threads are placed "
               "on its plan (the planned_pus column, meta.json) but run unbound\n",
               machine->source());
  }

  // Each planned trial's row of known cells, described once; the plan's identity; and, for a
  // shard, its slice of the plan.
  const machine_info m = describe_machine(*machine);
  std::vector<csv_row> described;
  described.reserve(plan.size());
  std::string all_ids;
  for (const auto& p : plan) {
    described.push_back(describe_trial(p, o, m, *machine));
    all_ids += described.back().get("trial_id");
  }
  const plan_identity whole_plan{plan.size(), fnv1a_hex(all_ids)};
  if (o.shard) {
    std::vector<planned_trial> slice;
    std::vector<csv_row> slice_rows;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (!o.shard->owns(plan[i].position)) continue;
      slice.push_back(plan[i]);
      slice_rows.push_back(std::move(described[i]));
    }
    if (!child) {
      fmt::print(stderr, "smrlab: shard {}: {} of the sweep's {} trials\n", o.shard->describe(),
                 slice.size(), plan.size());
    }
    plan = std::move(slice);
    described = std::move(slice_rows);
    if (plan.empty()) {
      fmt::print(stderr, "smrlab run: nothing to run: shard {} of a {}-trial sweep is empty\n",
                 o.shard->describe(), whole_plan.trials);
      return 2;
    }
  }

  const fs::path dir = o.out.empty() ? default_output_dir(o.label) : o.out;
  if (o.dry_run) {
    std::set<std::string> configs;
    for (const auto& p : plan) {
      configs.insert(fmt::format("  {} x {} [{}] threads={} pin={} fault={} allocator={}",
                                 p.scheme->name, p.structure->name,
                                 workload_name(p.structure->kind, p.workload), p.threads,
                                 p.pin.describe(), p.fault.describe(), to_string(p.allocator)));
    }
    for (const auto& c : configs) fmt::print("{}\n", c);
    const double per_trial = o.warmup_s + (o.mode == run_mode::duration ? o.duration_s : 0.0);
    fmt::print("{} configurations x {} trial(s) = {} trials", configs.size(), o.trials,
               plan.size());
    if (o.mode == run_mode::duration) {
      fmt::print(", about {} of measurement and warm-up", format_seconds(per_trial * plan.size()));
    }
    fmt::print("; output folder {}\n", dir.string());
    return 0;
  }
  const fs::path results_path = dir / "results.csv";
  const fs::path series_path = dir / "timeseries.csv";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fmt::print(stderr, "smrlab run: cannot create output folder {}: {}\n", dir.string(),
               ec.message());
    return 2;
  }
  const bool exists = fs::exists(results_path);
  if (exists && !o.resume) {
    fmt::print(stderr,
               "smrlab run: {} already exists; pass --resume to continue it or choose another "
               "--out\n",
               results_path.string());
    return 2;
  }
  std::unordered_set<std::string> done;
  if (exists) {
    try {
      done = load_finished(results_path, series_path);
    } catch (const std::exception& e) {
      fmt::print(stderr, "smrlab run: cannot resume: {}\n", e.what());
      return 2;
    }
  }

  try {
    write_meta(dir, o, m, *machine, scheme_names, structure_names, whole_plan);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: cannot write {}: {}\n", (dir / "meta.json").string(), e.what());
    return 2;
  }

  std::ofstream results(results_path, std::ios::app);
  std::ofstream series(series_path, std::ios::app);
  if (!results || !series) {
    fmt::print(stderr, "smrlab run: cannot write to {}\n", dir.string());
    return 2;
  }
  if (!exists) write_csv_header(results, result_columns);
  if (!exists || fs::file_size(series_path) == 0) write_csv_header(series, timeseries_columns);
  results.flush();
  series.flush();

  // Whether each planned trial is already done.
  std::vector<bool> was_done;
  std::size_t todo = 0;
  std::size_t already = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    was_done.push_back(
        done.count(trial_key([&](std::string_view c) { return described[i].get(c); })) != 0);
    already += was_done.back() ? 1 : 0;
    todo += ((plan[i].allocator == me.kind || child) && !was_done.back()) ? 1 : 0;
  }
  if (already != 0 && !child) {
    fmt::print(stderr, "smrlab: resuming {}: {} of {} trials already done\n", dir.string(), already,
               plan.size());
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::size_t finished = 0;
  std::size_t failures = 0;
  const bool show_pin = o.pins.size() > 1;
  const bool show_allocator = o.allocators.size() > 1;
  const bool show_fault = o.faults.size() > 1 || o.faults.front().what != fault_plan::kind::none;
  // The trials of the allocator serving this process run here. A child runs its allocator's
  // trials even if the preload did not take, so that each row says what happened instead.
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const planned_trial& p = plan[i];
    if ((p.allocator != me.kind && !child) || was_done[i]) continue;
    csv_row row = described[i];

    trial_config cfg;
    cfg.threads = p.threads;
    cfg.trial = p.trial;
    cfg.seed = trial_seed(o, p);
    cfg.mode = o.mode;
    cfg.duration_s = o.duration_s;
    cfg.ops_per_thread = o.ops_per_thread;
    cfg.warmup_s = o.warmup_s;
    cfg.prefill = p.prefill;
    cfg.workload = p.workload;
    cfg.fault = p.fault;
    cfg.placement_plan = machine->plan(p.threads, p.pin);
    cfg.membind = o.membind;
    cfg.machine = machine.get();
    cfg.memory_cap_bytes = o.memory_cap_bytes;
    cfg.interrupt = &interrupt;

    trial_result r;
    try {
      if (p.allocator != me.kind) {
        throw std::runtime_error(fmt::format("asked for allocator {}, but malloc is served by {}",
                                             to_string(p.allocator), me.detail));
      }
      const pairing_entry* entry = find_compiled_pairing(p.scheme->name, p.structure->name);
      if (entry == nullptr) throw std::logic_error("pairing planned but not compiled");
      r = entry->run_trial(cfg);
    } catch (const std::exception& e) {
      r = trial_result{};
      r.status = trial_status::error;
      r.message = e.what();
    }
    if (r.status == trial_status::interrupted) {
      fmt::print(stderr,
                 "\nsmrlab: interrupted; {} finished row(s) are in {}; continue with --resume\n",
                 finished + already, results_path.string());
      return 130;
    }

    fill_result(row, r);
    row.set("allocator_detail", me.detail).set("binding", binding_of(r, p, *machine));
    for (const auto& smp : r.timeseries) {
      write_csv_line(series, {row.get("trial_id"), row.get("scheme"), row.get("structure"),
                              row.get("workload"), row.get("allocator"), row.get("threads"),
                              row.get("trial"), fmt::format("{:.3f}", smp.t_ms),
                              std::to_string(smp.unreclaimed), std::to_string(smp.rss_bytes),
                              smp.allocator_bytes ? std::to_string(*smp.allocator_bytes) : "",
                              std::string(trial_detail::phase_name(smp.phase))});
    }
    series.flush();
    write_csv_line(results, row.cells());
    results.flush();
    if (!results) {
      fmt::print(stderr, "smrlab run: writing {} failed\n", results_path.string());
      return 2;
    }
    record_placement(dir, p, r);

    ++finished;
    // A trial stopped at the memory cap is a recorded outcome, not a failure.
    const bool bad = r.status == trial_status::error || r.valid != "ok" || r.teardown != "ok";
    failures += bad;
    if (!o.quiet || bad) {
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double eta =
          spent / static_cast<double>(finished) * static_cast<double>(todo - finished);
      fmt::print(stderr,
                 "[{:>{}}/{}] {} x {} [{}] threads={}{}{}{} trial={}: {:.3f} Mops/s, unreclaimed "
                 "peak {}{}  elapsed {} ETA {}\n",
                 finished, std::to_string(todo).size(), todo, p.scheme->name, p.structure->name,
                 workload_name(p.structure->kind, p.workload), p.threads,
                 show_pin ? " pin=" + p.pin.describe() : "",
                 show_fault ? " fault=" + p.fault.describe() : "",
                 show_allocator ? fmt::format(" allocator={}", to_string(p.allocator)) : "",
                 p.trial, r.throughput() / 1e6, r.unreclaimed_peak,
                 bad ? fmt::format("  FAILED: status={} valid={} teardown={} {}",
                                   to_string(r.status), r.valid, r.teardown, r.message)
                     : "",
                 format_seconds(spent), format_seconds(eta));
    }
  }
  if (finished != 0 || o.allocators.size() == 1) {
    fmt::print(stderr, "smrlab: {} trial(s) written to {}{}\n", finished, results_path.string(),
               show_allocator ? fmt::format(" (allocator {})", to_string(me.kind)) : "");
  }

  // The other allocators' trials: each in a child process of this binary, with the allocator's
  // library preloaded, appending to the same files (one process writes at a time).
  int worst = failures != 0 ? 1 : 0;
  if (!child) {
    results.close();
    series.close();
    for (const allocator_kind a : o.allocators) {
      if (a == me.kind || allocator_unavailable(a, me)) continue;
      bool any = false;
      for (std::size_t i = 0; i < plan.size(); ++i) any |= plan[i].allocator == a && !was_done[i];
      if (!any) continue;
      fmt::print(stderr, "smrlab: running the {} trials in a child process (LD_PRELOAD={})\n",
                 to_string(a), preload_library(a).value_or(""));
      std::vector<std::string> env = environment_for(a);
      env.push_back(std::string(allocator_child_variable) + "=1");
      const int rc = run_child(child_arguments(o, scheme_names, structure_names, a, dir), env);
      if (rc == 130 || interrupt.load()) {
        fmt::print(stderr,
                   "\nsmrlab: interrupted; the finished rows are in {}; continue with "
                   "--resume\n",
                   results_path.string());
        return 130;
      }
      if (rc < 0 || rc == 2 || rc > 128) {
        fmt::print(stderr, "smrlab run: the {} child process failed (exit {})\n", to_string(a), rc);
        return 2;
      }
      worst = std::max(worst, rc);
    }
  }
  if (failures != 0) {
    fmt::print(stderr,
               "smrlab: {} trial(s) failed validation or did not finish; see the "
               "status, valid and teardown columns\n",
               failures);
  }
  return worst;
}

}  // namespace smrlab
