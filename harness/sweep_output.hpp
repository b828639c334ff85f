// sweep_output: a run folder's files as the sweep writes them (harness/sweep.cpp).
// results.csv gets one row per trial and timeseries.csv that trial's samples, each appended and
// flushed by whichever process ran the trial (the sweep itself or a child; one process writes at
// a time); meta.json is written whole under a temporary name and renamed into place. Resuming
// reads the finished rows back and repairs what a crash left: a cut-off last row, samples of a
// trial that has no row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "harness/csv.hpp"
#include "harness/machine_info.hpp"
#include "harness/sweep.hpp"
#include "harness/sweep_plan.hpp"
#include "harness/topology.hpp"
#include "harness/trial_types.hpp"

namespace smrlab {

struct run_files {
  std::filesystem::path dir;
  std::filesystem::path results;  // dir/results.csv
  std::filesystem::path series;   // dir/timeseries.csv
  std::filesystem::path meta;     // dir/meta.json

  explicit run_files(const std::filesystem::path& folder)
      : dir(folder),
        results(folder / "results.csv"),
        series(folder / "timeseries.csv"),
        meta(folder / "meta.json") {}
};

// What opening a run folder found: the keys (trial_key) of the trials already finished there.
struct opened_run {
  std::unordered_set<std::string> done;
  bool resumed = false;  // results.csv was there already
};

// Creates the folder, refuses an existing results.csv without `resume`, loads (and repairs) the
// finished rows with it, and writes the headers a new file needs. Throws std::runtime_error
// with the one line to print.
opened_run open_run(const run_files& f, bool resume);

// Writes meta.json: the machine, build, sweep and plan on the first run into the folder; on a
// resume by the user (not by one of the sweep's own child processes) an entry under "resumed".
void write_meta(const run_files& f, const sweep_options& o, const machine_info& m,
                const topology& t, const std::vector<std::string>& scheme_names,
                const std::vector<std::string>& structure_names, const plan_identity& plan);

// The cells a finished trial adds to its described row (timestamp onwards).
void fill_result(csv_row& row, const trial_result& r);

// Appends a trial's samples to timeseries.csv (tied to its row by trial_id), flushed. A trial's
// samples go first and its row last, so that a row in results.csv means the trial is complete.
void append_series(const run_files& f, const csv_row& row, const std::vector<memory_sample>& s);
// Appends the row to results.csv, flushed; throws std::runtime_error when that fails.
void append_row(const run_files& f, const csv_row& row);

// Records in meta.json where the workers of the first trial of each (threads, placement,
// allocator) really ran, and under "processes" the id of the process that ran this trial (the
// observable of --isolation: each trial its own under `process`, one per allocator under
// `none`).
void record_trial_process(const run_files& f, const planned_trial& p, const std::string& trial_id,
                          const trial_result& r);

// The size of a file now (0 when absent): where the next appended row or sample will start.
std::uintmax_t file_end(const std::filesystem::path& path);

// Cuts a file back to `size` bytes: what a process that died left after that offset goes.
void cut_back(const std::filesystem::path& path, std::uintmax_t size);

// The complete rows appended to results.csv after byte `offset`.
std::vector<csv_row> rows_after(const std::filesystem::path& results, std::uintmax_t offset);

}  // namespace smrlab
