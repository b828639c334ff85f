// smrlab merge: reads every input run folder, checks that they fit together (same results.csv
// columns, each trial from one folder only, shards of one sweep with none missing), then writes
// results.csv, timeseries.csv and meta.json to temporary files in the output folder and renames
// them into place, results.csv last.
#include "harness/merge_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "harness/csv.hpp"
#include "harness/results_columns.hpp"
#include "harness/units.hpp"

namespace smrlab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* results_file = "results.csv";
constexpr const char* series_file = "timeseries.csv";
constexpr const char* meta_file = "meta.json";

// Stops the merge: its message follows "smrlab merge: " on one line, and the exit code is 2.
struct merge_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "smrlab merge: warning: {}\n",
             fmt::format(format, std::forward<Args>(args)...));
}

// Shard i of n (1-based), as `smrlab run --shard i/n` records it in meta.json: sweep.shard.
struct shard_id {
  long index = 0;
  long count = 0;
};

// One input folder: its results (all rows read), its meta.json and what the merge takes from it.
struct input_run {
  fs::path dir;  // as given on the command line
  csv_table results;
  json meta;  // null when the folder has no readable meta.json
  std::optional<shard_id> shard;
  bool has_series = false;
  std::vector<std::size_t> kept_rows;  // indices into results.rows, in file order
};

// A value nested in `j` by object keys, or null where any of them is missing.
json value_at(const json& j, std::initializer_list<const char*> keys) {
  const json* at = &j;
  for (const char* k : keys) {
    if (!at->is_object() || !at->contains(k)) return nullptr;
    at = &(*at)[k];
  }
  return *at;
}

std::string join_numbers(const std::vector<long>& v) {
  std::string out;
  for (long x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
  return out;
}

// ------------------------------------------------------------------------------ reading inputs

// Reads a whole CSV file; warns about rows cut short (a crashed run's last row) and drops them.
csv_table read_table(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw merge_error(fmt::format("cannot read {}", file.string()));
  std::size_t dropped = 0;
  csv_table t;
  try {
    t = read_csv(in, &dropped);
  } catch (const std::exception& e) {
    throw merge_error(fmt::format("cannot parse {}: {}", file.string(), e.what()));
  }
  if (t.header.empty()) {
    throw merge_error(fmt::format("{} is empty (no header line)", file.string()));
  }
  if (dropped != 0) {
    warn("dropped {} incomplete row(s) of {} (cut off by a crash?)", dropped, file.string());
  }
  return t;
}

// The header line of a CSV file without reading the rest (column names hold no newlines).
std::vector<std::string> read_header(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    throw merge_error(fmt::format("cannot read {} (or it is empty)", file.string()));
  }
  return parse_csv_line(line);
}

// meta.json of a run folder, or null (with a warning) when it is missing or unreadable.
json read_meta(const fs::path& dir) {
  const fs::path file = dir / meta_file;
  if (!fs::exists(file)) {
    warn("{} has no {}; merged without its meta", dir.string(), meta_file);
    return nullptr;
  }
  std::ifstream in(file);
  json meta = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) {
    warn("cannot read {} (not a JSON object); merged without its meta", file.string());
    return nullptr;
  }
  return meta;
}

// The shard a folder holds, from meta.json's sweep.shard: none when absent or null.
std::optional<shard_id> shard_of(const json& meta, const fs::path& dir) {
  const json s = value_at(meta, {"sweep", "shard"});
  if (s.is_null()) return std::nullopt;
  const json index = value_at(s, {"index"});
  const json count = value_at(s, {"count"});
  if (!index.is_number_integer() || !count.is_number_integer() || count.get<long>() < 1 ||
      index.get<long>() < 1 || index.get<long>() > count.get<long>()) {
    throw merge_error(
        fmt::format("{}: sweep.shard in {} is not {{\"index\": i, \"count\": n}} "
                    "with 1 <= i <= n: {}",
                    dir.string(), meta_file, s.dump()));
  }
  return shard_id{index.get<long>(), count.get<long>()};
}

input_run load_input(const fs::path& dir) {
  if (!fs::exists(dir)) throw merge_error(fmt::format("input {} does not exist", dir.string()));
  if (!fs::is_directory(dir)) {
    throw merge_error(fmt::format("input {} is not a folder (give run folders)", dir.string()));
  }
  if (!fs::exists(dir / results_file)) {
    throw merge_error(
        fmt::format("input {} has no {}: not a run folder", dir.string(), results_file));
  }
  input_run in;
  in.dir = dir;
  in.results = read_table(dir / results_file);
  in.meta = read_meta(dir);
  in.shard = shard_of(in.meta, dir);
  in.has_series = fs::exists(dir / series_file);
  if (!in.has_series) {
    warn("{} has no {}; its trials have no memory samples in the merge", dir.string(), series_file);
  }
  return in;
}

// ------------------------------------------------------------------------------ checks

// The output folder may be new or hold anything but a run: merge never overwrites results.csv.
void check_output_folder(const merge_options& o) {
  for (const auto& dir : o.inputs) {
    std::error_code ec;
    if (fs::equivalent(o.out, dir, ec)) {  // false (with ec set) when either does not exist
      throw merge_error(fmt::format("--out {} is one of the inputs ({}); choose another --out",
                                    o.out.string(), dir.string()));
    }
  }
  if (fs::exists(o.out) && !fs::is_directory(o.out)) {
    throw merge_error(fmt::format("--out {} is a file, not a folder", o.out.string()));
  }
  if (fs::exists(o.out / results_file)) {
    throw merge_error(
        fmt::format("{} already exists; merge never overwrites a run: choose "
                    "another --out",
                    (o.out / results_file).string()));
  }
}

// Where two headers differ, in a few words.
std::string header_difference(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  if (a.size() != b.size()) return fmt::format("{} and {} columns", a.size(), b.size());
  const auto at = std::mismatch(a.begin(), a.end(), b.begin());
  return fmt::format("column {} is '{}' and '{}'", at.first - a.begin() + 1, *at.first, *at.second);
}

void check_same_columns(const std::vector<input_run>& inputs) {
  const input_run& first = inputs.front();
  for (const auto& in : inputs) {
    if (in.results.header != first.results.header) {
      throw merge_error(fmt::format(
          "{} and {} have different columns ({}); a run from another smrlab version has other "
          "columns: merge runs of the same version",
          (first.dir / results_file).string(), (in.dir / results_file).string(),
          header_difference(first.results.header, in.results.header)));
    }
  }
  for (auto name : trial_key_columns) {
    if (std::find(first.results.header.begin(), first.results.header.end(), name) ==
        first.results.header.end()) {
      throw merge_error(fmt::format("{} has no column '{}': not an smrlab results.csv",
                                    (first.dir / results_file).string(), name));
    }
  }
}

void check_series_columns(const std::vector<input_run>& inputs) {
  const input_run* reference = nullptr;
  std::vector<std::string> header;
  for (const auto& in : inputs) {
    if (!in.has_series) continue;
    auto h = read_header(in.dir / series_file);
    if (reference == nullptr) {
      reference = &in;
      header = std::move(h);
    } else if (h != header) {
      throw merge_error(fmt::format("{} and {} have different columns",
                                    (reference->dir / series_file).string(),
                                    (in.dir / series_file).string()));
    }
  }
}

// Which shards of one sweep the inputs hold. count 0: no input is a shard.
struct shard_report {
  long count = 0;
  std::vector<long> present;   // each index once, ascending
  std::vector<long> missing;   // of 1..count
  std::vector<long> repeated;  // indices given by more than one folder
};

std::string plan_digest_of(const input_run& in) {
  const json d = value_at(in.meta, {"plan", "digest"});
  return d.is_string() ? d.get<std::string>() : "(none)";
}

// Shards must come from one sweep: the same plan digest and shard count.
void check_one_sweep(const std::vector<input_run>& inputs) {
  const input_run* first = nullptr;
  for (const auto& in : inputs) {
    if (!in.shard) continue;
    if (first == nullptr) {
      first = &in;
      continue;
    }
    if (in.shard->count != first->shard->count || plan_digest_of(in) != plan_digest_of(*first)) {
      throw merge_error(fmt::format(
          "these folders are shards of different sweeps: {} is shard {}/{} of plan {}, {} is "
          "shard {}/{} of plan {}",
          first->dir.string(), first->shard->index, first->shard->count, plan_digest_of(*first),
          in.dir.string(), in.shard->index, in.shard->count, plan_digest_of(in)));
    }
  }
}

shard_report report_shards(const std::vector<input_run>& inputs) {
  shard_report r;
  std::map<long, int> seen;
  for (const auto& in : inputs) {
    if (!in.shard) continue;
    r.count = in.shard->count;
    ++seen[in.shard->index];
  }
  for (const auto& [index, times] : seen) {
    r.present.push_back(index);
    if (times > 1) r.repeated.push_back(index);
  }
  for (long i = 1; i <= r.count; ++i) {
    if (seen.count(i) == 0) r.missing.push_back(i);
  }
  return r;
}

// Missing or repeated shards fail the merge, unless --partial makes them warnings.
void check_shards_complete(const std::vector<input_run>& inputs, const shard_report& r,
                           bool partial) {
  if (r.count == 0) return;
  for (const auto& in : inputs) {
    if (!in.shard) {
      warn("{} is not a shard (its {} has no sweep.shard); merged alongside the shards",
           in.dir.string(), meta_file);
    }
  }
  std::vector<std::string> problems;
  if (!r.missing.empty()) {
    problems.push_back(fmt::format("shard(s) {} of {} missing (present: {})",
                                   join_numbers(r.missing), r.count, join_numbers(r.present)));
  }
  if (!r.repeated.empty()) {
    problems.push_back(
        fmt::format("shard(s) {} of {} given more than once", join_numbers(r.repeated), r.count));
  }
  for (const auto& p : problems) {
    if (!partial) {
      throw merge_error(
          fmt::format("{}; give each shard's folder once, or --partial to merge what is there", p));
    }
    warn("{}; merged anyway (--partial)", p);
  }
}

// ------------------------------------------------------------------------------ choosing rows

std::string key_of_row(const csv_table& t, const std::vector<std::string>& row) {
  return trial_key([&](std::string_view c) { return row[t.column(c)]; });
}

std::string describe_trial(const csv_table& t, const std::vector<std::string>& row) {
  auto cell = [&](std::string_view name) { return row[t.column(name)]; };
  return fmt::format("{} (scheme {}, structure {}, workload {}, threads {}, trial {})",
                     cell("trial_id"), cell("scheme"), cell("structure"), cell("workload"),
                     cell("threads"), cell("trial"));
}

// Keeps every row of every input, in order, each trial once. A trial in two inputs is an error,
// unless the rows are identical (the same folder twice, a copied file): then the first is kept.
void choose_rows(std::vector<input_run>& inputs) {
  struct where {
    std::size_t input;
    std::size_t row;
  };
  std::unordered_map<std::string, where> first_seen;
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> identical;  // (first, later) inputs
  std::optional<std::string> conflict;
  std::size_t conflicts = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const csv_table& t = inputs[i].results;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto [it, fresh] = first_seen.emplace(key_of_row(t, t.rows[r]), where{i, r});
      if (fresh) {
        inputs[i].kept_rows.push_back(r);
        continue;
      }
      const where w = it->second;
      if (inputs[w.input].results.rows[w.row] == t.rows[r]) {
        ++identical[{w.input, i}];
      } else if (conflicts++ == 0) {
        const std::string places =
            w.input == i ? fmt::format("twice in {}", inputs[i].dir.string())
                         : fmt::format("in both {} and {}", inputs[w.input].dir.string(),
                                       inputs[i].dir.string());
        conflict = fmt::format(
            "trial {} is {} with different results; each trial may come from one folder only",
            describe_trial(t, t.rows[r]), places);
      }
    }
  }
  if (conflict) {
    throw merge_error(conflicts == 1
                          ? *conflict
                          : fmt::format("{} ({} more such trial(s))", *conflict, conflicts - 1));
  }
  for (const auto& [pair, n] : identical) {
    warn(
        "{} row(s) of {} are identical to rows of {} (the same folder twice, or a copied "
        "file?); each is kept once",
        n, inputs[pair.second].dir.string(), inputs[pair.first].dir.string());
  }
}

std::size_t total_rows(const std::vector<input_run>& inputs) {
  std::size_t n = 0;
  for (const auto& in : inputs) n += in.kept_rows.size();
  return n;
}

// When every shard is there, the rows should cover the sweep's plan (meta.json plan.trials).
void check_plan_covered(const std::vector<input_run>& inputs, const shard_report& r) {
  if (r.count == 0 || !r.missing.empty()) return;
  std::optional<std::size_t> planned;
  std::size_t rows = 0;
  for (const auto& in : inputs) {
    if (!in.shard) continue;
    const json t = value_at(in.meta, {"plan", "trials"});
    if (!t.is_number_unsigned()) return;
    planned = t.get<std::size_t>();
    rows += in.kept_rows.size();
  }
  if (planned && rows < *planned) {
    warn(
        "the shards hold {} of the sweep's {} planned trials (did a shard stop early? finish it "
        "with smrlab run --resume, then merge again)",
        rows, *planned);
  }
}

// ------------------------------------------------------------------------------ writing

// Output files are written under temporary names and renamed into place by commit(); files not
// committed (an error on the way) are removed.
class staged_files {
 public:
  explicit staged_files(fs::path dir) : dir_(std::move(dir)) {}
  staged_files(const staged_files&) = delete;
  staged_files& operator=(const staged_files&) = delete;
  ~staged_files() {
    for (const auto& name : names_) {
      std::error_code ec;
      fs::remove(temp(name), ec);
    }
  }

  // Opens the temporary file that will become dir/name.
  std::ofstream open(const std::string& name) {
    names_.push_back(name);
    std::ofstream out(temp(name), std::ios::trunc);
    if (!out) throw merge_error(fmt::format("cannot write {}", temp(name).string()));
    return out;
  }

  // Renames the files in the order they were opened: results.csv is opened last, so a merge
  // stopped half-way never leaves a results.csv behind.
  void commit() {
    for (const auto& name : names_) fs::rename(temp(name), dir_ / name);
    names_.clear();
  }

 private:
  fs::path temp(const std::string& name) const { return dir_ / (name + ".merge-tmp"); }
  fs::path dir_;
  std::vector<std::string> names_;
};

void finish(std::ofstream& out, const std::string& what) {
  out.flush();
  if (!out) throw merge_error(fmt::format("writing {} failed", what));
}

// The time-series rows of the trials each input contributed, in the inputs' order. Inputs are
// read one at a time. When no input has a time series, none is written.
void write_series(staged_files& staged, const std::vector<input_run>& inputs) {
  std::optional<std::ofstream> out;
  for (const auto& in : inputs) {
    if (!in.has_series) continue;
    const csv_table series = read_table(in.dir / series_file);
    if (!out) {
      out = staged.open(series_file);
      write_csv_line(*out, series.header);
    }
    const std::size_t id_column = series.column("trial_id");
    const std::size_t results_id_column = in.results.column("trial_id");
    std::unordered_set<std::string> kept_ids;
    for (std::size_t r : in.kept_rows) kept_ids.insert(in.results.rows[r][results_id_column]);
    for (const auto& row : series.rows) {
      if (kept_ids.count(row[id_column]) != 0) write_csv_line(*out, row);
    }
  }
  if (out) finish(*out, series_file);
}

void write_results(staged_files& staged, const std::vector<input_run>& inputs) {
  std::ofstream out = staged.open(results_file);
  write_csv_line(out, inputs.front().results.header);
  for (const auto& in : inputs) {
    for (std::size_t r : in.kept_rows) write_csv_line(out, in.results.rows[r]);
  }
  finish(out, results_file);
}

json shards_json(const shard_report& r) {
  if (r.count == 0) return nullptr;
  return {
      {"count", r.count}, {"present", r.present}, {"missing", r.missing}, {"repeated", r.repeated}};
}

// The first input's meta.json (the first readable one), with `merged_from` listing every input
// and `merge` saying when and which shards. sweep.shard is cleared: the merged folder is not
// one shard.
json merged_meta(const std::vector<input_run>& inputs, const shard_report& r, bool partial) {
  json meta = json::object();
  for (const auto& in : inputs) {
    if (in.meta.is_object()) {
      meta = in.meta;
      break;
    }
  }
  if (meta.contains("sweep") && meta["sweep"].is_object() && meta["sweep"].contains("shard")) {
    meta["sweep"]["shard"] = nullptr;
  }
  json from = json::array();
  for (const auto& in : inputs) {
    from.push_back({{"path", in.dir.string()},
                    {"created", value_at(in.meta, {"created"})},
                    {"machine", value_at(in.meta, {"machine", "hostname"})},
                    {"git_rev", value_at(in.meta, {"build", "git_rev"})},
                    {"shard", value_at(in.meta, {"sweep", "shard"})},
                    {"rows", in.kept_rows.size()}});
  }
  meta["merged_from"] = from;
  meta["merge"] = {{"created", utc_now()}, {"partial", partial}, {"shards", shards_json(r)}};
  return meta;
}

void write_meta(staged_files& staged, const json& meta) {
  std::ofstream out = staged.open(meta_file);
  out << meta.dump(2) << '\n';
  finish(out, meta_file);
}

std::string describe_shards(const shard_report& r) {
  if (r.count == 0) return "not shards";
  std::string s = fmt::format("shards {} of {}", join_numbers(r.present), r.count);
  if (!r.missing.empty()) s += fmt::format("; missing {}", join_numbers(r.missing));
  return s;
}

void merge(const merge_options& o) {
  if (o.inputs.empty()) throw merge_error("give at least one run folder to merge");
  check_output_folder(o);
  std::vector<input_run> inputs;
  for (const auto& dir : o.inputs) inputs.push_back(load_input(dir));
  check_same_columns(inputs);
  check_series_columns(inputs);
  check_one_sweep(inputs);
  const shard_report shards = report_shards(inputs);
  check_shards_complete(inputs, shards, o.partial);
  choose_rows(inputs);
  check_plan_covered(inputs, shards);

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    throw merge_error(
        fmt::format("cannot create output folder {}: {}", o.out.string(), ec.message()));
  }
  staged_files staged(o.out);
  write_series(staged, inputs);
  write_meta(staged, merged_meta(inputs, shards, o.partial));
  write_results(staged, inputs);
  staged.commit();
  fmt::print("smrlab merge: {} row(s) from {} folder(s) ({}) written to {}\n", total_rows(inputs),
             inputs.size(), describe_shards(shards), o.out.string());
}

}  // namespace

int run_merge(const merge_options& o) {
  try {
    merge(o);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "smrlab merge: {}\n", e.what());
    return 2;
  }
}

}  // namespace smrlab
