#include "harness/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include "harness/machine_info.hpp"
#include "harness/pairing_dispatch.hpp"
#include "harness/registry.hpp"
#include "harness/results_columns.hpp"
#include "harness/string_lists.hpp"
#include "harness/sweep_output.hpp"
#include "harness/sweep_plan.hpp"
#include "harness/thread_counts.hpp"
#include "harness/trial_process.hpp"
#include "harness/units.hpp"

namespace smrlab {

namespace fs = std::filesystem;

namespace {

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

// What every step of one sweep reads: the options (thread counts filled in), the topology the
// placements are planned on, the allocator serving this process, and the run folder.
struct sweep_context {
  sweep_options o;
  std::unique_ptr<topology> machine;
  active_allocator_info me;
  bool child = false;  // this process is one of a sweep's children
  std::vector<std::string> scheme_names;
  std::vector<std::string> structure_names;
  const std::atomic<bool>* interrupt = nullptr;

  // Whether this process runs trial `p` itself; the others run in child processes.
  bool runs_here(const planned_trial& p) const {
    return child || (o.isolation == isolation_mode::none && p.allocator == me.kind);
  }
};

// How one trial ended, as its row says.
struct trial_outcome {
  csv_row row;
  bool interrupted = false;
};

// A failed trial: an error, an invalid structure or an unclean teardown. A trial stopped at the
// memory cap, or one that did no work (no_progress), is a recorded outcome that measured nothing:
// never ok, left out of the figures and listed in index.html, but not a bug of the scheme, so it
// neither fails the sweep nor stops run_experiments.sh before the figures.
bool failed(const csv_row& row) {
  return row.get("status") == "error" || row.get("valid") != "ok" || row.get("teardown") != "ok";
}

// A recorded outcome that is not a measurement: said in the progress line even with --quiet.
bool not_measured(const csv_row& row) {
  const std::string& s = row.get("status");
  return s == "no_progress" || s == "memory_cap";
}

double cell_number(const csv_row& row, std::string_view column) {
  try {
    return std::stod(row.get(column));
  } catch (const std::exception&) {
    return 0;
  }
}

// ------------------------------------------------------------------------------ planning

// Fills in the defaults that depend on the machine and checks the placements on it. Returns the
// context, or nullptr after saying what is wrong.
std::unique_ptr<sweep_context> make_context(const sweep_options& given,
                                            const std::atomic<bool>& interrupt) {
  auto ctx = std::make_unique<sweep_context>();
  ctx->o = given;
  // A process asked for one trial is a child whatever its environment says: it never starts
  // children of its own.
  ctx->child = is_sweep_child() || !given.only_trial.empty();
  ctx->interrupt = &interrupt;
  try {
    ctx->machine = std::make_unique<topology>(given.topology_source);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: {}\n", e.what());
    return nullptr;
  }
  ctx->o.threads =
      resolve_thread_counts(ctx->o.threads, ctx->o.threads_per_pu, ctx->machine->summary().pus);
  ctx->o.threads_per_pu.clear();
  for (const auto& pin : ctx->o.pins) {
    if (auto why = ctx->machine->check(pin)) {
      fmt::print(stderr, "smrlab run: --pin {}\n", *why);
      return nullptr;
    }
  }
  ctx->me = active_allocator();
  ctx->scheme_names = all_or(ctx->o.schemes, registered_scheme_names());
  ctx->structure_names = all_or(ctx->o.structures, registered_structure_names());
  return ctx;
}

// Plans and describes the sweep, then takes the shard's slice and, in a child asked for one
// trial, that trial. Says what is skipped (the parent of a child has said it already). Returns
// nullopt after saying why nothing is left to run.
std::optional<sweep_plan> plan_sweep(const sweep_context& ctx, const machine_info& m) {
  std::set<std::string> said;
  auto say_once = [&](const std::string& msg) {
    if (said.insert(msg).second && !ctx.child) fmt::print(stderr, "smrlab: skipping {}\n", msg);
  };
  auto trials = plan_trials(ctx.o, ctx.scheme_names, ctx.structure_names, ctx.me, say_once);
  if (trials.empty()) {
    fmt::print(stderr, "smrlab run: nothing to run: every requested trial was skipped\n");
    return std::nullopt;
  }
  const bool binds = std::any_of(ctx.o.pins.begin(), ctx.o.pins.end(),
                                 [](const placement& p) { return p.policy != pin_policy::none; });
  if (binds && !ctx.machine->is_this_system() && !ctx.child) {
    fmt::print(stderr,
               "smrlab: binding skipped: {} is not this machine's topology; threads are placed "
               "on its plan (the planned_pus column, meta.json) but run unbound\n",
               ctx.machine->source());
  }
  sweep_plan plan = describe_plan(std::move(trials), ctx.o, m, *ctx.machine);
  if (ctx.o.shard) {
    keep_shard(plan, *ctx.o.shard);
    if (!ctx.child) {
      fmt::print(stderr, "smrlab: shard {}: {} of the sweep's {} trials\n", ctx.o.shard->describe(),
                 plan.trials.size(), plan.whole.trials);
    }
    if (plan.trials.empty()) {
      fmt::print(stderr, "smrlab run: nothing to run: shard {} of a {}-trial sweep is empty\n",
                 ctx.o.shard->describe(), plan.whole.trials);
      return std::nullopt;
    }
  }
  return plan;
}

// Keeps only the trial named by --only-trial; false (after saying so) when the plan lacks it.
bool keep_only_trial(sweep_plan& plan, const std::string& trial_id) {
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    if (plan.rows[i].get("trial_id") != trial_id) continue;
    plan.trials = {plan.trials[i]};
    plan.rows = {plan.rows[i]};
    return true;
  }
  fmt::print(stderr, "smrlab run: --only-trial {}: no such trial in this sweep's plan\n", trial_id);
  return false;
}

void print_dry_run(const sweep_plan& plan, const sweep_options& o, const fs::path& dir) {
  std::set<std::string> configs;
  for (const auto& p : plan.trials) {
    configs.insert(fmt::format(
        "  {} x {} [{}] threads={} pin={} fault={} free={} allocator={}", p.scheme->name,
        p.structure->name, workload_name(p.structure->kind, p.workload), p.threads,
        p.pin.describe(), p.fault.describe(), to_string(p.free), to_string(p.allocator)));
  }
  for (const auto& c : configs) fmt::print("{}\n", c);
  fmt::print("isolation {}: {}\n", to_string(o.isolation),
             o.isolation == isolation_mode::process
                 ? "every trial in a fresh child smrlab process"
                 : "the trials of each allocator one after another in one process");
  const double per_trial = o.warmup_s + (o.mode == run_mode::duration ? o.duration_s : 0.0);
  fmt::print("{} configurations x {} trial(s) = {} trials", configs.size(), o.trials,
             plan.trials.size());
  if (o.mode == run_mode::duration) {
    fmt::print(", about {} of measurement and warm-up",
               format_seconds(per_trial * static_cast<double>(plan.trials.size())));
  }
  fmt::print("; output folder {}\n", dir.string());
}

// ------------------------------------------------------------------------------ running

// How the workers were placed, in a few words: "bound 4/4", "unbound" (policy none), or why
// binding was skipped.
std::string binding_of(const trial_result& r, const planned_trial& p, const topology& t) {
  if (p.pin.policy == pin_policy::none) return "unbound";
  if (!t.is_this_system()) return "skipped: " + t.source() + " is not this machine";
  std::size_t bound = 0;
  for (const auto& b : r.bindings) bound += b.bound ? 1 : 0;
  return fmt::format("bound {}/{}", bound, r.bindings.size());
}

trial_config config_for(const sweep_context& ctx, const planned_trial& p) {
  trial_config cfg;
  cfg.threads = p.threads;
  cfg.trial = p.trial;
  cfg.seed = trial_seed(ctx.o, p);
  cfg.mode = ctx.o.mode;
  cfg.duration_s = ctx.o.duration_s;
  cfg.ops_per_thread = ctx.o.ops_per_thread;
  cfg.warmup_s = ctx.o.warmup_s;
  cfg.prefill = p.prefill;
  cfg.workload = p.workload;
  cfg.fault = p.fault;
  cfg.free = p.free;
  cfg.placement_plan = ctx.machine->plan(p.threads, p.pin);
  cfg.membind = ctx.o.membind;
  cfg.machine = ctx.machine.get();
  cfg.memory_cap_bytes = ctx.o.memory_cap_bytes;
  cfg.sample_interval_s = ctx.o.sample_interval_s;
  cfg.interrupt = ctx.interrupt;
  return cfg;
}

// Runs the trial in this process. A child runs its allocator's trials even if the preload did
// not take, so that each row says what happened instead.
trial_result run_trial_here(const sweep_context& ctx, const planned_trial& p) {
  try {
    if (p.allocator != ctx.me.kind) {
      throw std::runtime_error(fmt::format("asked for allocator {}, but malloc is served by {}",
                                           to_string(p.allocator), ctx.me.detail));
    }
    const pairing_entry* entry = find_compiled_pairing(p.scheme->name, p.structure->name);
    if (entry == nullptr) throw std::logic_error("pairing planned but not compiled");
    return entry->run_trial(config_for(ctx, p));
  } catch (const std::exception& e) {
    trial_result r;
    r.status = trial_status::error;
    r.message = e.what();
    return r;
  }
}

// Runs the trial here and writes its samples, its row and where it ran.
trial_outcome run_here(const sweep_context& ctx, const run_files& files, const planned_trial& p,
                       csv_row row) {
  const trial_result r = run_trial_here(ctx, p);
  if (r.status == trial_status::interrupted) return {std::move(row), true};
  fill_result(row, r);
  row.set("allocator_detail", ctx.me.detail).set("binding", binding_of(r, p, *ctx.machine));
  append_series(files, row, r.timeseries);
  test_only_fail_before_row(row, ctx.o);
  append_row(files, row);
  record_trial_process(files, p, row.get("trial_id"), r);
  return {std::move(row), false};
}

// The row the parent writes for a trial whose process ended without writing one.
csv_row row_of_dead_trial(csv_row row, const child_exit& how) {
  trial_result r;
  r.status = trial_status::error;
  r.valid = "unknown";
  r.teardown = "unknown";
  if (how.timed_out_s > 0) {
    r.message = fmt::format(
        "the trial's process was {} (an operation that never returns: a livelock or a lost "
        "wakeup in the scheme or structure?); raise --trial-timeout if it was only slow",
        how.describe());
  } else {
    r.message = how.signal != 0 || !how.started
                    ? "the trial's process died: " + how.describe()
                    : "the trial's process ended (" + how.describe() + ") without writing its row";
  }
  fill_result(row, r);
  return row;
}

// Runs the trial in a fresh child process under its allocator, and reads back the row that the
// child appended (from the byte offset results.csv had before). A child that died leaves
// nothing behind: what it appended is cut off, and its row says how it died.
trial_outcome run_in_child(const sweep_context& ctx, const run_files& files, const planned_trial& p,
                           csv_row row) {
  if (ctx.interrupt->load()) return {std::move(row), true};
  const std::string id = row.get("trial_id");
  const auto results_end = file_end(files.results);
  const auto series_end = file_end(files.series);
  std::vector<std::string> env = environment_for(p.allocator);
  env.push_back(std::string(sweep_child_variable) + "=1");
  const child_exit how = run_child(
      child_arguments(ctx.o, ctx.scheme_names, ctx.structure_names, p.allocator, files.dir, id),
      env, *ctx.interrupt, trial_timeout_s(ctx.o, p.prefill));
  for (auto& written : rows_after(files.results, results_end)) {
    if (written.get("trial_id") == id) return {std::move(written), false};
  }
  cut_back(files.results, results_end);
  cut_back(files.series, series_end);
  if (how.interrupted() || ctx.interrupt->load()) return {std::move(row), true};
  csv_row dead = row_of_dead_trial(std::move(row), how);
  append_row(files, dead);
  return {std::move(dead), false};
}

// ------------------------------------------------------------------------------ reporting

// The progress line after each trial, with an ETA, and the count of failed trials.
class progress {
 public:
  progress(const sweep_options& o, std::size_t todo)
      : quiet_(o.quiet),
        todo_(todo),
        show_pin_(o.pins.size() > 1),
        show_allocator_(o.allocators.size() > 1),
        show_free_(o.frees.size() > 1 || o.frees.front() != smr::free_mode::batch),
        show_fault_(o.faults.size() > 1 || o.faults.front().what != fault_plan::kind::none) {}

  void report(const planned_trial& p, const csv_row& row) {
    ++finished_;
    const bool bad = failed(row);
    failures_ += bad ? 1 : 0;
    const bool unmeasured = !bad && not_measured(row);
    if (quiet_ && !bad && !unmeasured) return;
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double eta =
        spent / static_cast<double>(finished_) * static_cast<double>(todo_ - finished_);
    fmt::print(stderr,
               "[{:>{}}/{}] {} x {} [{}] threads={}{}{}{}{} trial={}: {:.3f} Mops/s, unreclaimed "
               "peak {}{}  elapsed {} ETA {}\n",
               finished_, std::to_string(todo_).size(), todo_, p.scheme->name, p.structure->name,
               workload_name(p.structure->kind, p.workload), p.threads,
               show_pin_ ? " pin=" + p.pin.describe() : "",
               show_fault_ ? " fault=" + p.fault.describe() : "",
               show_free_ ? fmt::format(" free={}", to_string(p.free)) : "",
               show_allocator_ ? fmt::format(" allocator={}", to_string(p.allocator)) : "", p.trial,
               cell_number(row, "throughput_ops_s") / 1e6, row.get("unreclaimed_peak"),
               bad ? fmt::format("  FAILED: status={} valid={} teardown={} {}", row.get("status"),
                                 row.get("valid"), row.get("teardown"), row.get("message"))
               : unmeasured ? fmt::format("  NOT MEASURED: status={} {}", row.get("status"),
                                          row.get("message"))
                            : "",
               format_seconds(spent), format_seconds(eta));
  }

  std::size_t finished() const { return finished_; }
  std::size_t failures() const { return failures_; }

 private:
  bool quiet_;
  std::size_t todo_;
  bool show_pin_, show_allocator_, show_free_, show_fault_;
  std::size_t finished_ = 0;
  std::size_t failures_ = 0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void say_interrupted(std::size_t rows, const run_files& files) {
  fmt::print(stderr,
             "\nsmrlab: interrupted; {} finished row(s) are in {}; continue with --resume\n", rows,
             files.results.string());
}

bool is_done(const opened_run& run, const csv_row& row) {
  return run.done.count(trial_key([&](std::string_view c) { return row.get(c); })) != 0;
}

// How many of the planned trials are finished already.
std::size_t done_in(const sweep_plan& plan, const opened_run& run) {
  return static_cast<std::size_t>(std::count_if(plan.rows.begin(), plan.rows.end(),
                                                [&](const csv_row& r) { return is_done(run, r); }));
}

// The trials this process starts: not done yet, and run here or in a child of this process per
// trial (under --isolation none, other allocators' trials are left to run_allocator_children).
std::vector<std::size_t> pending_trials(const sweep_context& ctx, const sweep_plan& plan,
                                        const opened_run& run) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    if (is_done(run, plan.rows[i])) continue;
    if (ctx.runs_here(plan.trials[i]) || ctx.o.isolation == isolation_mode::process) {
      out.push_back(i);
    }
  }
  return out;
}

// Under --isolation none: each other allocator's trials in one child process of this binary,
// with the allocator's library preloaded. Returns the worst exit status (130: interrupted, 2: a
// child failed to run), given `worst` so far.
int run_allocator_children(const sweep_context& ctx, const sweep_plan& plan, const opened_run& run,
                           const run_files& files, int worst) {
  for (const allocator_kind a : ctx.o.allocators) {
    if (a == ctx.me.kind || allocator_unavailable(a, ctx.me)) continue;
    std::size_t left = 0;
    double allowed_s = 0;  // the sum of the trials' own timeouts
    for (std::size_t i = 0; i < plan.trials.size(); ++i) {
      if (plan.trials[i].allocator != a || is_done(run, plan.rows[i])) continue;
      ++left;
      allowed_s += trial_timeout_s(ctx.o, plan.trials[i].prefill);
    }
    if (left == 0) continue;
    fmt::print(stderr, "smrlab: running the {} trials in a child process (LD_PRELOAD={})\n",
               to_string(a), preload_library(a).value_or(""));
    std::vector<std::string> env = environment_for(a);
    env.push_back(std::string(sweep_child_variable) + "=1");
    const child_exit how =
        run_child(child_arguments(ctx.o, ctx.scheme_names, ctx.structure_names, a, files.dir), env,
                  *ctx.interrupt, allowed_s);
    if (how.interrupted() || ctx.interrupt->load()) {
      fmt::print(stderr,
                 "\nsmrlab: interrupted; the finished rows are in {}; continue with --resume\n",
                 files.results.string());
      return 130;
    }
    if (how.code < 0 || how.code == 2 || how.signal != 0) {
      fmt::print(stderr, "smrlab run: the {} child process failed ({})\n", to_string(a),
                 how.describe());
      return 2;
    }
    worst = std::max(worst, how.code);
  }
  return worst;
}

// Opens the run folder and writes meta.json. Returns nullopt after saying what went wrong. A
// child running one trial finds both ready: its parent opened, repaired and described the run,
// and asks only for trials that are not done (re-reading a large timeseries.csv per trial would
// make a sweep quadratic).
std::optional<opened_run> open_output(const sweep_context& ctx, const run_files& files,
                                      const machine_info& m, const sweep_plan& plan) {
  opened_run run;
  if (ctx.child && !ctx.o.only_trial.empty()) {
    if (fs::exists(files.results) && fs::exists(files.meta)) return run;
    fmt::print(stderr, "smrlab run: --only-trial: {} has no run to add to\n", files.dir.string());
    return std::nullopt;
  }
  try {
    run = open_run(files, ctx.o.resume);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: {}\n", e.what());
    return std::nullopt;
  }
  try {
    write_meta(files, ctx.o, m, *ctx.machine, ctx.scheme_names, ctx.structure_names, plan.whole);
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: cannot write {}: {}\n", files.meta.string(), e.what());
    return std::nullopt;
  }
  const std::size_t already = done_in(plan, run);
  if (already != 0 && !ctx.child) {
    fmt::print(stderr, "smrlab: resuming {}: {} of {} trials already done\n", files.dir.string(),
               already, plan.trials.size());
  }
  return run;
}

}  // namespace

fs::path default_output_dir(const std::string& label) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string h = host;
  h = h.substr(0, h.find('.'));
  return fs::path("results") / fmt::format("{}-{}-{}", utc_now("{:%Y-%m-%d}"), h, label);
}

std::variant<std::pair<std::string, std::vector<std::uint64_t>>, std::string>
parse_structure_key_ranges(std::string_view text) {
  const std::string quoted = fmt::format("'{}'", text);
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    return quoted + " is not STRUCTURE=N[,N...], e.g. harris_michael_list=1000,10000";
  }
  std::vector<std::uint64_t> ranges;
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view field = rest.substr(0, comma);
    std::uint64_t k = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), k);
    if (ec != std::errc() || end != field.data() + field.size() || field.empty()) {
      return fmt::format("{}: '{}' is not a key range (a positive integer)", quoted, field);
    }
    ranges.push_back(k);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return std::pair{std::string(text.substr(0, eq)), std::move(ranges)};
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
  auto bad_range = [](std::uint64_t k) { return k == 0 || k - 1 > smr::max_set_key; };
  for (auto k : o.key_ranges) {
    if (bad_range(k)) return fmt::format("key range {} must be between 1 and 2^62", k);
  }
  for (const auto& [name, ranges] : o.key_ranges_by_structure) {
    const structure_info* d = find_structure(name);
    if (d == nullptr) {
      return fmt::format(
          "key_range_by_structure names unknown structure '{}'; registered "
          "structures: {}",
          name, join(registered_structure_names()));
    }
    if (d->kind != smr::structure_kind::set) {
      return fmt::format("key_range_by_structure names '{}', a {}: only sets have keys", name,
                         smr::to_string(d->kind));
    }
    if (ranges.empty()) return fmt::format("key_range_by_structure.{} is empty", name);
    for (auto k : ranges) {
      if (bad_range(k)) {
        return fmt::format("key_range_by_structure.{}: key range {} must be between 1 and 2^62",
                           name, k);
      }
    }
  }
  if (o.dists.empty()) return "the key-distribution list is empty; give e.g. --dist uniform";
  if (o.faults.empty()) return "the fault list is empty; give e.g. --fault none";
  if (o.frees.empty()) return "the free-mode list is empty; give e.g. --free batch";
  if (o.sample_interval_s < 0) return "the sample interval must not be negative";
  return {};
}

int run_sweep(const sweep_options& given, const std::atomic<bool>& interrupt) {
  if (auto err = validate(given); !err.empty()) {
    fmt::print(stderr, "smrlab run: {}\n", err);
    return 2;
  }
  const auto ctx = make_context(given, interrupt);
  if (!ctx) return 2;
  const sweep_options& o = ctx->o;
  const machine_info m = describe_machine(*ctx->machine);
  auto plan = plan_sweep(*ctx, m);
  if (!plan) return 2;
  if (!o.only_trial.empty() && !keep_only_trial(*plan, o.only_trial)) return 2;
  const run_files files(o.out.empty() ? default_output_dir(o.label) : o.out);
  if (o.dry_run) {
    print_dry_run(*plan, o, files.dir);
    return 0;
  }
  const auto run = open_output(*ctx, files, m, *plan);
  if (!run) return 2;

  const std::vector<std::size_t> pending = pending_trials(*ctx, *plan, *run);
  const bool one_trial_child = ctx->child && !o.only_trial.empty();  // its parent reports
  progress report(o, pending.size());
  try {
    for (const std::size_t i : pending) {
      const planned_trial& p = plan->trials[i];
      const trial_outcome t = ctx->runs_here(p) ? run_here(*ctx, files, p, plan->rows[i])
                                                : run_in_child(*ctx, files, p, plan->rows[i]);
      if (t.interrupted) {
        if (!one_trial_child) say_interrupted(report.finished() + done_in(*plan, *run), files);
        return 130;
      }
      if (!one_trial_child) report.report(p, t.row);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab run: {}\n", e.what());
    return 2;
  }
  const bool show_allocator = o.allocators.size() > 1 && o.isolation == isolation_mode::none;
  if (!one_trial_child && (report.finished() != 0 || o.allocators.size() == 1)) {
    fmt::print(stderr, "smrlab: {} trial(s) written to {}{}\n", report.finished(),
               files.results.string(),
               show_allocator ? fmt::format(" (allocator {})", to_string(ctx->me.kind)) : "");
  }
  int worst = report.failures() != 0 ? 1 : 0;
  if (!ctx->child && o.isolation == isolation_mode::none) {
    worst = run_allocator_children(*ctx, *plan, *run, files, worst);
    if (worst == 130 || worst == 2) return worst;
  }
  if (report.failures() != 0 && !one_trial_child) {
    fmt::print(stderr,
               "smrlab: {} trial(s) failed validation or did not finish; see the "
               "status, valid and teardown columns\n",
               report.failures());
  }
  return worst;
}

}  // namespace smrlab
