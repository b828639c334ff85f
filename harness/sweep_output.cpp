#include "harness/sweep_output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "harness/list_command.hpp"
#include "harness/results_columns.hpp"
#include "harness/string_lists.hpp"
#include "harness/topology_report.hpp"
#include "harness/trial_process.hpp"
#include "harness/units.hpp"

namespace smrlab {

namespace fs = std::filesystem;

namespace {

std::string number(double v) { return fmt::format("{:.6g}", v); }
std::string milliseconds(double s) { return fmt::format("{:.3f}", s * 1e3); }

// Rewrites results.csv with only its complete rows (a crash can cut the last one short).
void rewrite_results(const fs::path& results, const csv_table& t) {
  std::ofstream rewrite(results, std::ios::trunc);
  write_csv_header(rewrite, result_columns);
  for (const auto& row : t.rows) write_csv_line(rewrite, row);
}

// Rewrites timeseries.csv with only the samples of trials that have a row.
void keep_series_of(const fs::path& series, const std::set<std::string>& trial_ids) {
  if (!fs::exists(series)) return;
  std::ifstream sin(series);
  const csv_table s = read_csv(sin);
  sin.close();
  std::ofstream sout(series, std::ios::trunc);
  write_csv_header(sout, timeseries_columns);
  for (const auto& row : s.rows) {
    if (!row.empty() && trial_ids.count(row[0]) != 0) write_csv_line(sout, row);  // 0: trial_id
  }
}

// Loads the keys of finished trials and repairs the files after a crash: a cut-off last row is
// dropped, and time-series rows of trials that have no result row are removed.
std::unordered_set<std::string> load_finished(const fs::path& results, const fs::path& series) {
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
  std::unordered_set<std::string> done;
  std::set<std::string> trial_ids;
  for (const auto& row : t.rows) {
    done.insert(trial_key([&](std::string_view c) { return row[t.column(c)]; }));
    trial_ids.insert(row[t.column("trial_id")]);
  }
  if (dropped != 0) {
    fmt::print(stderr, "smrlab: dropped {} incomplete row(s) of {}\n", dropped, results.string());
    rewrite_results(results, t);
  }
  keep_series_of(series, trial_ids);
  return done;
}

// Writes meta.json whole under a temporary name and renames it into place, so that a crash
// never leaves a half-written one.
void replace_meta(const fs::path& path, const nlohmann::json& meta) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << meta.dump(2) << '\n';
  }
  fs::rename(tmp, path);
}

nlohmann::json read_meta(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json sweep_json(const sweep_options& o, const std::vector<std::string>& scheme_names,
                          const std::vector<std::string>& structure_names,
                          const std::vector<std::string>& allocators) {
  return {{"label", o.label},
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
          {"key_ranges_by_structure", o.key_ranges_by_structure},
          {"key_dists", describe_all(o.dists)},
          {"pin_policies", describe_all(o.pins)},
          {"faults", describe_all(o.faults)},
          {"free_modes", free_mode_names(o.frees)},
          {"shard", o.shard ? nlohmann::json{{"index", o.shard->index}, {"count", o.shard->count}}
                            : nlohmann::json()},
          {"membind", std::string(to_string(o.membind))},
          {"topology_source", o.topology_source},
          {"allocators", allocators},
          {"isolation", std::string(to_string(o.isolation))},
          {"sample_interval_s", o.sample_interval_s},
          {"seed", o.seed},
          {"memory_cap_bytes", o.memory_cap_bytes}};
}

}  // namespace

opened_run open_run(const run_files& f, bool resume) {
  std::error_code ec;
  fs::create_directories(f.dir, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot create output folder {}: {}", f.dir.string(), ec.message()));
  }
  opened_run run;
  run.resumed = fs::exists(f.results);
  if (run.resumed && !resume) {
    throw std::runtime_error(
        fmt::format("{} already exists; pass --resume to continue it or choose another --out",
                    f.results.string()));
  }
  if (run.resumed) {
    try {
      run.done = load_finished(f.results, f.series);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("cannot resume: ") + e.what());
    }
  }
  std::ofstream results(f.results, std::ios::app);
  std::ofstream series(f.series, std::ios::app);
  if (!results || !series) {
    throw std::runtime_error(fmt::format("cannot write to {}", f.dir.string()));
  }
  if (!run.resumed) write_csv_header(results, result_columns);
  if (!run.resumed || fs::file_size(f.series) == 0) write_csv_header(series, timeseries_columns);
  return run;
}

void write_meta(const run_files& f, const sweep_options& o, const machine_info& m,
                const topology& t, const std::vector<std::string>& scheme_names,
                const std::vector<std::string>& structure_names, const plan_identity& plan) {
  nlohmann::json meta;
  if (fs::exists(f.meta)) {
    meta = read_meta(f.meta);
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
    meta["sweep"] = sweep_json(o, scheme_names, structure_names, allocators);
    meta["plan"] = {{"trials", plan.trials}, {"digest", plan.digest}};
    meta["command_line"] = o.command_line;
    // What could have run, and why the rest cannot: the figures draw the matrix from here.
    meta["compatibility"] = nlohmann::json::parse(list_json());
    meta["placement"] = nlohmann::json::object();
    meta["processes"] = nlohmann::json::object();
  } else if (!is_sweep_child()) {
    meta["resumed"].push_back(
        {{"at", now}, {"command_line", o.command_line}, {"git_rev", m.git_rev}});
  }
  replace_meta(f.meta, meta);
}

void fill_result(csv_row& row, const trial_result& r) {
  row.set("timestamp", utc_now())
      .set("elapsed_s", number(r.elapsed_s))
      .set("prefill_s", number(r.prefill_s))
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
      .set("pings", std::to_string(r.at_end.pings))
      .set("ns_per_ping", r.at_end.pings == 0 ? std::string()
                                              : number(static_cast<double>(r.at_end.ping_ns) /
                                                       static_cast<double>(r.at_end.pings)))
      .set("samples", std::to_string(r.samples))
      .set("sampler_cpu_ms", milliseconds(r.sampler_cpu_s))
      .set("sampler_max_gap_ms", milliseconds(r.sampler_max_gap_s))
      .set("worker_max_stall_ms", milliseconds(r.worker_max_stall_s))
      .set("teardown", r.teardown)
      .set("valid", r.valid)
      .set("status", std::string(to_string(r.status)))
      .set("message", r.message);
}

void append_series(const run_files& f, const csv_row& row, const std::vector<memory_sample>& s) {
  std::ofstream series(f.series, std::ios::app);
  for (const auto& smp : s) {
    write_csv_line(series, {row.get("trial_id"), row.get("scheme"), row.get("structure"),
                            row.get("workload"), row.get("allocator"), row.get("threads"),
                            row.get("trial"), fmt::format("{:.3f}", smp.t_ms),
                            std::to_string(smp.unreclaimed), std::to_string(smp.rss_bytes),
                            smp.allocator_bytes ? std::to_string(*smp.allocator_bytes) : "",
                            std::string(trial_detail::phase_name(smp.phase))});
  }
}

void append_row(const run_files& f, const csv_row& row) {
  std::ofstream results(f.results, std::ios::app);
  write_csv_line(results, row.cells());
  results.flush();
  if (!results) throw std::runtime_error(fmt::format("writing {} failed", f.results.string()));
}

void record_trial_process(const run_files& f, const planned_trial& p, const std::string& trial_id,
                          const trial_result& r) {
  nlohmann::json meta = read_meta(f.meta);
  if (meta.is_discarded()) return;
  meta["processes"][trial_id] = ::getpid();
  const std::string key = fmt::format("threads={} pin={} allocator={}", p.threads, p.pin.describe(),
                                      to_string(p.allocator));
  if (!meta["placement"].contains(key)) {
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
  }
  replace_meta(f.meta, meta);
}

std::uintmax_t file_end(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

void cut_back(const fs::path& path, std::uintmax_t size) {
  std::error_code ec;
  if (file_end(path) > size) fs::resize_file(path, size, ec);
}

std::vector<csv_row> rows_after(const fs::path& results, std::uintmax_t offset) {
  std::ifstream in(results, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string appended((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  appended.erase(appended.rfind('\n') == std::string::npos ? 0 : appended.rfind('\n') + 1);
  std::stringstream text;
  write_csv_header(text, result_columns);
  text << appended;
  const csv_table t = read_csv(text);
  std::vector<csv_row> rows;
  for (const auto& cells : t.rows) {
    csv_row row(result_columns);
    for (std::size_t i = 0; i < cells.size(); ++i) row.set(result_columns[i], cells[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace smrlab
