#include "harness/sweep.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <system_error>
#include <unordered_set>

#include "harness/csv.hpp"
#include "harness/machine_info.hpp"
#include "harness/registry.hpp"
#include "harness/results_columns.hpp"
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
  unsigned trial;
};

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

std::string utc_now(const char* format) {
  const auto now = std::chrono::system_clock::now();
  return fmt::format(fmt::runtime(format), fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
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

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Base row: everything known before the trial runs. Keys of the trial come from here.
csv_row describe_trial(const planned_trial& p, const sweep_options& o, const machine_info& m) {
  const bool is_set = p.structure->kind == smr::structure_kind::set;
  csv_row row(result_columns);
  row.set("machine", m.hostname)
      .set("cpu_model", m.cpu_model)
      .set("topology", m.topo.text())
      .set("numa_nodes", std::to_string(m.topo.numa_nodes))
      .set("pus", std::to_string(m.topo.pus))
      .set("allocator", "system")
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
      .set("pin_policy", std::string(to_string(o.pin)))
      .set("trial", std::to_string(p.trial))
      .set("seed", std::to_string(trial_seed(o, p)))
      .set("mode", o.mode == run_mode::duration ? "duration" : "ops")
      .set("target_duration_s", o.mode == run_mode::duration ? number(o.duration_s) : "")
      .set("ops_per_thread", o.mode == run_mode::ops ? std::to_string(o.ops_per_thread) : "")
      .set("warmup_s", number(o.warmup_s))
      .set("prefill", std::to_string(p.prefill));
  return row;
}

std::string key_of(const std::vector<std::string>& cells, const std::vector<std::size_t>& idx) {
  std::string k;
  for (auto i : idx) k += cells[i] + '\x1f';
  return k;
}

std::vector<std::size_t> key_indices(std::span<const std::string_view> columns) {
  std::vector<std::size_t> idx;
  for (auto k : trial_key_columns) {
    idx.push_back(
        static_cast<std::size_t>(std::find(columns.begin(), columns.end(), k) - columns.begin()));
  }
  return idx;
}

void fill_result(csv_row& row, const trial_result& r) {
  row.set("timestamp", utc_now("{:%Y-%m-%dT%H:%M:%SZ}"))
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
      .set("pool_bytes_peak", std::to_string(r.pool_bytes_peak))
      .set("samples", std::to_string(r.samples))
      .set("teardown", r.teardown)
      .set("valid", r.valid)
      .set("status", std::string(to_string(r.status)))
      .set("message", r.message);
}

// A trial's key in timeseries.csv: its first five columns.
std::string series_key(std::initializer_list<std::string> cells) {
  std::string k;
  for (const auto& c : cells) k += c + '\x1f';
  return k;
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
  const auto idx = key_indices(result_columns);
  std::set<std::string> series_keys;
  for (const auto& row : t.rows) {
    done.insert(key_of(row, idx));
    series_keys.insert(
        series_key({row[t.column("scheme")], row[t.column("structure")], row[t.column("workload")],
                    row[t.column("threads")], row[t.column("trial")]}));
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
      if (row.size() >= 5 &&
          series_keys.count(series_key({row[0], row[1], row[2], row[3], row[4]})) != 0) {
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

void write_meta(const fs::path& dir, const sweep_options& o, const machine_info& m,
                const std::vector<std::string>& scheme_names,
                const std::vector<std::string>& structure_names) {
  const fs::path path = dir / "meta.json";
  nlohmann::json meta;
  if (fs::exists(path)) {
    std::ifstream in(path);
    meta = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded()) meta = nlohmann::json::object();
  }
  const std::string now = utc_now("{:%Y-%m-%dT%H:%M:%SZ}");
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
    meta["allocator"] = "system";
    meta["sweep"] = {{"label", o.label},
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
                     {"pin_policy", std::string(to_string(o.pin))},
                     {"seed", o.seed},
                     {"memory_cap_bytes", o.memory_cap_bytes}};
    meta["command_line"] = o.command_line;
    meta["placement"] = nlohmann::json::object();
  } else {
    meta["resumed"].push_back(
        {{"at", now}, {"command_line", o.command_line}, {"git_rev", m.git_rev}});
  }
  const fs::path tmp = dir / "meta.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << meta.dump(2) << '\n';
  }
  fs::rename(tmp, path);
}

void record_placement(const fs::path& dir, const planned_trial& p, const trial_result& r) {
  const fs::path path = dir / "meta.json";
  std::ifstream in(path);
  nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
  in.close();
  if (meta.is_discarded()) return;
  const std::string key = fmt::format("threads={}", p.threads);
  if (meta["placement"].contains(key)) return;
  meta["placement"][key] = r.pinned_pus;  // hwloc logical PU per worker, -1 = unbound
  const fs::path tmp = dir / "meta.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << meta.dump(2) << '\n';
  }
  fs::rename(tmp, path);
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
  if (o.threads.empty()) return "the thread list is empty; give e.g. --threads 1,2,4";
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
  return {};
}

int run_sweep(const sweep_options& o, const std::atomic<bool>& interrupt) {
  if (auto err = validate(o); !err.empty()) {
    fmt::print(stderr, "smrlab run: {}\n", err);
    return 2;
  }
  const auto scheme_names = all_or(o.schemes, registered_scheme_names());
  const auto structure_names = all_or(o.structures, registered_structure_names());

  // Plan, skipping (and saying why) pairings that do not exist and thread counts a scheme
  // refuses.
  std::vector<planned_trial> plan;
  std::set<std::string> said;
  auto say_once = [&](const std::string& msg) {
    if (said.insert(msg).second) fmt::print(stderr, "smrlab: skipping {}\n", msg);
  };
  for (unsigned trial = 1; trial <= o.trials; ++trial) {
    for (unsigned n : o.threads) {
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
            plan.push_back({s, d, w, prefill, n, trial});
          }
        }
      }
    }
  }
  if (plan.empty()) {
    fmt::print(stderr, "smrlab run: nothing to run: every requested trial was skipped\n");
    return 2;
  }

  const fs::path dir = o.out.empty() ? default_output_dir(o.label) : o.out;
  if (o.dry_run) {
    std::set<std::string> configs;
    for (const auto& p : plan) {
      configs.insert(fmt::format("  {} x {} [{}] threads={}", p.scheme->name, p.structure->name,
                                 workload_name(p.structure->kind, p.workload), p.threads));
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

  topology machine;
  const machine_info m = describe_machine(machine);
  try {
    write_meta(dir, o, m, scheme_names, structure_names);
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

  const auto idx = key_indices(result_columns);
  std::size_t todo = 0;
  for (const auto& p : plan) todo += done.count(key_of(describe_trial(p, o, m).cells(), idx)) == 0;
  if (todo < plan.size()) {
    fmt::print(stderr, "smrlab: resuming {}: {} of {} trials already done\n", dir.string(),
               plan.size() - todo, plan.size());
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::size_t finished = 0;
  std::size_t failures = 0;
  for (const auto& p : plan) {
    csv_row row = describe_trial(p, o, m);
    if (done.count(key_of(row.cells(), idx)) != 0) continue;

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
    cfg.pin = o.pin;
    cfg.machine = &machine;
    cfg.memory_cap_bytes = o.memory_cap_bytes;
    cfg.interrupt = &interrupt;

    trial_result r;
    try {
      with_pairing(p.scheme->name, p.structure->name,
                   [&]<class S, class DS>() { r = run_trial<S, DS>(cfg); });
    } catch (const std::exception& e) {
      r = trial_result{};
      r.status = trial_status::error;
      r.message = e.what();
    }
    if (r.status == trial_status::interrupted) {
      fmt::print(stderr,
                 "\nsmrlab: interrupted; {} finished row(s) are in {}; continue with --resume\n",
                 finished + (plan.size() - todo), results_path.string());
      return 130;
    }

    fill_result(row, r);
    for (const auto& s : r.timeseries) {
      write_csv_line(series, {row.get("scheme"), row.get("structure"), row.get("workload"),
                              row.get("threads"), row.get("trial"), fmt::format("{:.3f}", s.t_ms),
                              std::to_string(s.unreclaimed), std::to_string(s.rss_bytes)});
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
                 "[{:>{}}/{}] {} x {} [{}] threads={} trial={}: {:.3f} Mops/s, unreclaimed peak "
                 "{}{}  elapsed {} ETA {}\n",
                 finished, std::to_string(todo).size(), todo, p.scheme->name, p.structure->name,
                 workload_name(p.structure->kind, p.workload), p.threads, p.trial,
                 r.throughput() / 1e6, r.unreclaimed_peak,
                 bad ? fmt::format("  FAILED: status={} valid={} teardown={} {}",
                                   to_string(r.status), r.valid, r.teardown, r.message)
                     : "",
                 format_seconds(spent), format_seconds(eta));
    }
  }
  fmt::print(stderr, "smrlab: {} trial(s) written to {}\n", finished, results_path.string());
  if (failures != 0) {
    fmt::print(stderr,
               "smrlab: {} trial(s) failed validation or did not finish; see the "
               "status, valid and teardown columns\n",
               failures);
    return 1;
  }
  return 0;
}

}  // namespace smrlab
