#include "harness/overhead_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <variant>

#include "harness/csv.hpp"
#include "harness/pairing_dispatch.hpp"
#include "harness/registry.hpp"
#include "harness/thread_counts.hpp"
#include "harness/topology.hpp"
#include "harness/trial_types.hpp"
#include "harness/units.hpp"
#include "harness/workload_ops.hpp"

namespace smrlab {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view prog = "smrlab overhead";

// The columns of the CSV --out writes: one row per run of either driver.
constexpr std::string_view run_columns[] = {
    "scheme",   "structure",        "workload",  "threads",           "trial",  "driver",
    "order",    "elapsed_s",        "total_ops", "throughput_ops_s",  "status", "valid",
    "teardown", "message",          "samples",   "sample_interval_s", "seed",   "prefill",
    "warmup_s", "target_duration_s"};

// The columns of the table with --format csv: one row per scheme x structure x threads.
constexpr std::string_view summary_columns[] = {"scheme",
                                                "structure",
                                                "workload",
                                                "threads",
                                                "trials",
                                                "harness_ok",
                                                "harness_median_ops_s",
                                                "bare_median_ops_s",
                                                "ratio",
                                                "ratio_min",
                                                "ratio_max"};

// One scheme x structure x threads configuration that exists and will run.
struct planned_config {
  const pairing_entry* pairing;
  smr::structure_kind kind;
  workload_params workload;
  std::uint64_t prefill;
  unsigned threads;
};

// One run of one driver.
struct run_record {
  std::size_t config;  // index into the plan
  unsigned trial;
  bool harness;
  unsigned order;  // 1: ran first of its pair, 2: second
  double elapsed_s = 0;
  std::uint64_t total_ops = 0;
  double throughput = 0;
  std::string status, valid, teardown, message;  // harness only
  std::size_t samples = 0;
  bool counted = false;  // enters the medians (a harness trial that is ok, a bare loop with ops)
};

std::string number(double v) { return fmt::format("{:.6g}", v); }

// ------------------------------------------------------------------------ the options

template <class... Args>
std::string error(fmt::format_string<Args...> f, Args&&... args) {
  return fmt::format(f, std::forward<Args>(args)...);
}

std::optional<std::string> parse_time(const std::string& text, const char* option, bool zero_ok,
                                      double& out) {
  if (const auto d = zero_ok ? parse_duration_or_zero(text) : parse_duration(text)) {
    out = *d;
    return std::nullopt;
  }
  return error("bad {} '{}': give {}", option, text,
               zero_ok ? "a time such as 50ms, or 0" : "a positive time such as 300ms or 1s");
}

std::optional<std::string> check_names(const overhead_options& o) {
  for (const auto& s : o.schemes) {
    if (find_scheme(s) == nullptr) return error("unknown scheme '{}' (see smrlab list)", s);
  }
  for (const auto& s : o.structures) {
    if (find_structure(s) == nullptr) return error("unknown structure '{}' (see smrlab list)", s);
  }
  return std::nullopt;
}

std::variant<overhead_options, std::string> parse_options(const overhead_cli& c) {
  overhead_options o;
  if (!c.schemes.empty()) o.schemes = c.schemes;
  if (!c.structures.empty()) o.structures = c.structures;
  if (!c.threads.empty()) {
    auto t = parse_thread_counts(c.threads);
    if (const auto* err = std::get_if<std::string>(&t)) return "bad --threads: " + *err;
    const auto& r = std::get<thread_request>(t);
    o.threads = resolve_thread_counts(r.counts, r.per_pu, topology().summary().pus);
  }
  for (unsigned n : o.threads) {
    if (n > 4096) return error("bad --threads: {} is more than 4096", n);
  }
  if (c.trials == 0) return std::string("bad --trials: give at least 1");
  o.trials = c.trials;
  if (auto e = parse_time(c.duration, "--duration", false, o.duration_s)) return *e;
  if (auto e = parse_time(c.warmup, "--warmup", true, o.warmup_s)) return *e;
  if (auto e = parse_time(c.sample_interval, "--sample-interval", true, o.sample_interval_s)) {
    return *e;
  }
  if (c.format != "text" && c.format != "csv") {
    return error("bad --format '{}': give text or csv", c.format);
  }
  o.format = c.format;
  o.seed = c.seed;
  o.out = c.out;
  o.quiet = c.quiet;
  if (auto e = check_names(o)) return *e;
  return o;
}

// ------------------------------------------------------------------------ the plan

std::vector<std::string> scheme_names(const overhead_options& o) {
  if (!o.schemes.empty()) return o.schemes;
  std::vector<std::string> all;
  for (const auto& s : schemes()) all.emplace_back(s.name);
  return all;
}

// Every configuration that exists, threads outermost, then structures, then schemes; what
// does not exist is said once on stderr and skipped.
std::vector<planned_config> plan_configs(const overhead_options& o) {
  std::vector<planned_config> plan;
  std::set<std::string> said;
  auto skip = [&](const std::string& why) {
    if (said.insert(why).second) fmt::print(stderr, "{}: skipping {}\n", prog, why);
  };
  const auto names = scheme_names(o);
  for (unsigned n : o.threads) {
    for (const auto& dn : o.structures) {
      const structure_info* d = find_structure(dn);
      const workload_params w{};
      for (const auto& sn : names) {
        const scheme_info* s = find_scheme(sn);
        if (s->unavailable) {  // said once for the scheme, not once per structure
          skip(*s->unavailable);
          continue;
        }
        if (auto why = pairing_unavailable(*s, *d)) {
          skip(fmt::format("{} x {}: {}", sn, dn, *why));
          continue;
        }
        if (auto why = smr::thread_limit_violation(s->name, s->traits, n)) {
          skip(*why);
          continue;
        }
        plan.push_back({find_compiled_pairing(sn, dn), d->kind, w, default_prefill(d->kind, w), n});
      }
    }
  }
  return plan;
}

// ------------------------------------------------------------------------ running

trial_config make_trial_config(const overhead_options& o, const planned_config& p, unsigned trial,
                               const topology& machine, const std::atomic<bool>& interrupt) {
  trial_config cfg;
  cfg.threads = p.threads;
  cfg.trial = trial;
  cfg.seed = o.seed + trial;  // as the sweep seeds its trials
  cfg.duration_s = o.duration_s;
  cfg.warmup_s = o.warmup_s;
  cfg.prefill = p.prefill;
  cfg.workload = p.workload;
  cfg.placement_plan = machine.plan(p.threads, placement{});
  cfg.machine = &machine;
  cfg.sample_interval_s = o.sample_interval_s;
  cfg.keep_timeseries = false;
  cfg.interrupt = &interrupt;
  return cfg;
}

run_record run_harness(const trial_config& cfg, const planned_config& p) {
  const trial_result r = p.pairing->run_trial(cfg);
  run_record rec{};
  rec.harness = true;
  rec.elapsed_s = r.elapsed_s;
  rec.total_ops = r.total_ops;
  rec.throughput = r.throughput();
  rec.status = std::string(to_string(r.status));
  rec.valid = r.valid;
  rec.teardown = r.teardown;
  rec.message = r.message;
  rec.samples = r.samples;
  rec.counted =
      r.status == trial_status::ok && r.valid == "ok" && r.teardown == "ok" && r.total_ops > 0;
  return rec;
}

run_record run_bare(const trial_config& cfg, const planned_config& p) {
  const bare_loop_result r = p.pairing->run_bare_loop(cfg);
  run_record rec{};
  rec.harness = false;
  rec.elapsed_s = r.elapsed_s;
  rec.total_ops = r.total_ops;
  rec.throughput = r.throughput();
  rec.counted = r.total_ops > 0;
  return rec;
}

void report_left_out(const run_record& rec, const planned_config& p) {
  if (rec.counted) return;
  std::string why = rec.harness ? "status " + rec.status : "no operation completed";
  if (rec.harness && rec.valid != "ok") why += ", valid: " + rec.valid;
  if (rec.harness && rec.teardown != "ok") why += ", teardown: " + rec.teardown;
  if (rec.harness && rec.total_ops == 0) why += ", no operation completed";
  if (!rec.message.empty()) why += " (" + rec.message + ")";
  fmt::print(stderr, "{}: {} run of {} x {}, {} thread(s), trial {} left out of the medians: {}\n",
             prog, rec.harness ? "harness" : "bare-loop", p.pairing->scheme, p.pairing->structure,
             p.threads, rec.trial, why);
}

// The CSV of every run, written under a temporary name in the destination's folder and renamed
// at the end, so that an interrupted or failed command leaves no half-written file.
class run_writer {
 public:
  static std::variant<std::unique_ptr<run_writer>, std::string> open(const std::string& out) {
    auto w = std::unique_ptr<run_writer>(new run_writer);
    if (out.empty()) return w;
    w->final_ = out;
    if (fs::exists(w->final_)) {
      return error("{} already exists; remove it or choose another --out", out);
    }
    w->tmp_ = w->final_;
    w->tmp_ += ".partial";
    w->file_.open(w->tmp_, std::ios::trunc);
    if (!w->file_) return error("cannot write --out {}: {}", out, std::strerror(errno));
    write_csv_header(w->file_, run_columns);
    return w;
  }
  run_writer(const run_writer&) = delete;
  run_writer& operator=(const run_writer&) = delete;
  ~run_writer() {
    if (!tmp_.empty()) {
      file_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  void write(const csv_row& row) {
    if (!tmp_.empty()) write_csv_line(file_, row.cells());
  }
  // Renames the file into place; false (and a message) when it could not be written.
  bool commit() {
    if (tmp_.empty()) return true;
    file_.close();
    std::error_code ec;
    if (!file_ || (fs::rename(tmp_, final_, ec), ec)) {
      fmt::print(stderr, "{}: cannot write {}: {}\n", prog, final_.string(),
                 ec ? ec.message() : "write failed");
      return false;
    }
    tmp_.clear();
    return true;
  }

 private:
  run_writer() = default;
  fs::path final_, tmp_;
  std::ofstream file_;
};

csv_row describe_run(const run_record& rec, const planned_config& p, const overhead_options& o) {
  csv_row row(run_columns);
  row.set("scheme", std::string(p.pairing->scheme))
      .set("structure", std::string(p.pairing->structure))
      .set("workload", workload_name(p.kind, p.workload))
      .set("threads", std::to_string(p.threads))
      .set("trial", std::to_string(rec.trial))
      .set("driver", rec.harness ? "harness" : "bare")
      .set("order", std::to_string(rec.order))
      .set("elapsed_s", number(rec.elapsed_s))
      .set("total_ops", std::to_string(rec.total_ops))
      .set("throughput_ops_s", number(rec.throughput))
      .set("status", rec.status)
      .set("valid", rec.valid)
      .set("teardown", rec.teardown)
      .set("message", rec.message)
      .set("samples", rec.harness ? std::to_string(rec.samples) : "")
      .set("sample_interval_s", rec.harness ? number(o.sample_interval_s) : "")
      .set("seed", std::to_string(o.seed + rec.trial))
      .set("prefill", std::to_string(p.prefill))
      .set("warmup_s", number(o.warmup_s))
      .set("target_duration_s", number(o.duration_s));
  return row;
}

// Both drivers on one configuration, the harness first on odd trials and the bare loop first on
// even ones (ABBA), so that neither always runs on the heap and caches the other warmed.
std::array<run_record, 2> run_pair(const overhead_options& o, const planned_config& p,
                                   std::size_t index, unsigned trial, const topology& machine,
                                   const std::atomic<bool>& interrupt) {
  const trial_config cfg = make_trial_config(o, p, trial, machine, interrupt);
  const bool harness_first = trial % 2 == 1;
  std::array<run_record, 2> pair;
  pair[0] = harness_first ? run_harness(cfg, p) : run_bare(cfg, p);
  pair[1] = harness_first ? run_bare(cfg, p) : run_harness(cfg, p);
  for (unsigned i = 0; i < 2; ++i) {
    pair[i].config = index;
    pair[i].trial = trial;
    pair[i].order = i + 1;
  }
  return pair;
}

// Runs every trial index over the whole plan; nullopt when interrupted.
std::optional<std::vector<run_record>> run_all(const overhead_options& o,
                                               const std::vector<planned_config>& plan,
                                               run_writer& out,
                                               const std::atomic<bool>& interrupt) {
  const topology machine;
  std::vector<run_record> records;
  for (unsigned trial = 1; trial <= o.trials; ++trial) {
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (interrupt.load()) return std::nullopt;
      for (auto& rec : run_pair(o, plan[i], i, trial, machine, interrupt)) {
        if (rec.status == "interrupted" || interrupt.load()) return std::nullopt;
        report_left_out(rec, plan[i]);
        out.write(describe_run(rec, plan[i], o));
        records.push_back(std::move(rec));
      }
    }
    if (!o.quiet) {
      fmt::print(stderr, "{}: trial {}/{} done ({} runs)\n", prog, trial, o.trials, records.size());
    }
  }
  return records;
}

// ------------------------------------------------------------------------ the table

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct summary {
  const planned_config* config;
  unsigned trials = 0;
  unsigned harness_ok = 0;
  double harness_median = std::nan("");
  double bare_median = std::nan("");
  double ratio = std::nan("");
  double ratio_min = std::nan("");
  double ratio_max = std::nan("");
};

summary summarise_config(const planned_config& p, std::size_t index,
                         const std::vector<run_record>& records) {
  summary s{&p};
  std::vector<double> harness, bare, ratios;
  std::map<unsigned, std::pair<std::optional<double>, std::optional<double>>> by_trial;
  for (const auto& r : records) {
    if (r.config != index) continue;
    if (r.harness) ++s.trials;
    if (!r.counted) continue;
    (r.harness ? harness : bare).push_back(r.throughput);
    (r.harness ? by_trial[r.trial].first : by_trial[r.trial].second) = r.throughput;
  }
  s.harness_ok = static_cast<unsigned>(harness.size());
  s.harness_median = median(harness);
  s.bare_median = median(bare);
  if (!harness.empty() && !bare.empty()) s.ratio = s.harness_median / s.bare_median;
  for (const auto& [trial, hb] : by_trial) {
    if (hb.first && hb.second) ratios.push_back(*hb.first / *hb.second);
  }
  if (!ratios.empty()) {
    s.ratio_min = *std::min_element(ratios.begin(), ratios.end());
    s.ratio_max = *std::max_element(ratios.begin(), ratios.end());
  }
  return s;
}

// Per scheme x structure x threads, in scheme, structure, threads order.
std::vector<summary> summarise(const std::vector<planned_config>& plan,
                               const std::vector<run_record>& records) {
  std::vector<summary> out;
  for (std::size_t i = 0; i < plan.size(); ++i)
    out.push_back(summarise_config(plan[i], i, records));
  auto key = [](const summary& s) {
    return std::tuple(s.config->pairing->scheme, s.config->pairing->structure, s.config->threads);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const summary& a, const summary& b) { return key(a) < key(b); });
  return out;
}

std::string fixed(double v, int digits) {
  return std::isnan(v) ? "-" : fmt::format("{:.{}f}", v, digits);
}

void print_text(const std::vector<summary>& rows) {
  std::size_t ws = 6, wd = 9;
  for (const auto& s : rows) {
    ws = std::max(ws, s.config->pairing->scheme.size());
    wd = std::max(wd, s.config->pairing->structure.size());
  }
  fmt::print("{:<{}}  {:<{}}  {:>7}  {:>14}  {:>11}  {:>12}  {:>11}  {:>10}\n", "scheme", ws,
             "structure", wd, "threads", "harness Mops/s", "bare Mops/s", "harness/bare", "min-max",
             "harness ok");
  for (const auto& s : rows) {
    const std::string range =
        std::isnan(s.ratio_min) ? "-" : fixed(s.ratio_min, 3) + "-" + fixed(s.ratio_max, 3);
    fmt::print("{:<{}}  {:<{}}  {:>7}  {:>14}  {:>11}  {:>12}  {:>11}  {:>10}\n",
               s.config->pairing->scheme, ws, s.config->pairing->structure, wd, s.config->threads,
               fixed(s.harness_median / 1e6, 3), fixed(s.bare_median / 1e6, 3), fixed(s.ratio, 3),
               range, fmt::format("{}/{}", s.harness_ok, s.trials));
  }
  fmt::print(
      "\nharness/bare: median harness throughput over median bare-loop throughput (below 1: the "
      "harness costs that much); min-max: over the per-trial ratios.\n");
}

void print_csv(const std::vector<summary>& rows) {
  write_csv_header(std::cout, summary_columns);
  for (const auto& s : rows) {
    csv_row row(summary_columns);
    auto value = [](double v) { return std::isnan(v) ? std::string() : number(v); };
    row.set("scheme", std::string(s.config->pairing->scheme))
        .set("structure", std::string(s.config->pairing->structure))
        .set("workload", workload_name(s.config->kind, s.config->workload))
        .set("threads", std::to_string(s.config->threads))
        .set("trials", std::to_string(s.trials))
        .set("harness_ok", std::to_string(s.harness_ok))
        .set("harness_median_ops_s", value(s.harness_median))
        .set("bare_median_ops_s", value(s.bare_median))
        .set("ratio", value(s.ratio))
        .set("ratio_min", value(s.ratio_min))
        .set("ratio_max", value(s.ratio_max));
    write_csv_line(std::cout, row.cells());
  }
}

}  // namespace

CLI::App* add_overhead_subcommand(CLI::App& app, overhead_cli& c) {
  auto* cmd = app.add_subcommand(
      "overhead",
      "what the harness costs: each scheme x structure x thread count run by the harness trial "
      "and by the bare-loop reference side by side (ABBA order), with the ratio of their "
      "throughputs");
  cmd->add_option("--schemes", c.schemes, "comma list of schemes (default: every registered one)")
      ->delimiter(',');
  cmd->add_option("--structures", c.structures,
                  "comma list of structures (default: treiber_stack,natarajan_mittal_bst); "
                  "pairings that do not exist are skipped, with the reason")
      ->delimiter(',');
  cmd->add_option("--threads", c.threads, "comma list of thread counts, or auto (default: 1,2)")
      ->delimiter(',');
  cmd->add_option("--trials", c.trials, "repetitions of each configuration (default: 5)");
  cmd->add_option("--duration", c.duration, "measured time of each run (default: 0.3s)");
  cmd->add_option("--warmup", c.warmup, "warm-up before measuring (default: 50ms)");
  cmd->add_option("--sample-interval", c.sample_interval,
                  "the harness's memory sampler period (default: 1ms; 0 = no sampler)");
  cmd->add_option("--seed", c.seed, "base random seed (default: 1)");
  cmd->add_option("--out", c.out,
                  "CSV of every run (one row per run of either driver); must not exist yet");
  cmd->add_option("--format", c.format,
                  "the table on stdout: text (default) or csv (one row per scheme x structure x "
                  "threads)");
  cmd->add_flag("--quiet", c.quiet, "no progress on stderr");
  return cmd;
}

int run_overhead(const overhead_cli& cli, const std::atomic<bool>& interrupt) {
  auto parsed = parse_options(cli);
  if (const auto* err = std::get_if<std::string>(&parsed)) {
    fmt::print(stderr, "{}: {}\n", prog, *err);
    return 2;
  }
  const auto& o = std::get<overhead_options>(parsed);
  const auto plan = plan_configs(o);
  if (plan.empty()) {
    fmt::print(stderr, "{}: nothing to run: every requested pairing was skipped\n", prog);
    return 2;
  }
  auto opened = run_writer::open(o.out);
  if (const auto* err = std::get_if<std::string>(&opened)) {
    fmt::print(stderr, "{}: {}\n", prog, *err);
    return 2;
  }
  auto& writer = *std::get<std::unique_ptr<run_writer>>(opened);
  const auto records = run_all(o, plan, writer, interrupt);
  if (!records) {
    fmt::print(stderr, "\n{}: interrupted; nothing was kept\n", prog);
    return 130;
  }
  if (!writer.commit()) return 1;
  const auto rows = summarise(plan, *records);
  if (o.format == "csv") {
    print_csv(rows);
  } else {
    print_text(rows);
  }
  return 0;
}

}  // namespace smrlab
