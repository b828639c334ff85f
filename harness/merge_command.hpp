// smrlab merge: combines run folders (typically the shards of one sweep, each written by
// `smrlab run --shard i/n`) into one run folder that the plotting scripts read like any run.
// results.csv rows are concatenated in the inputs' order, timeseries.csv rows follow their
// trials, and meta.json is the first input's plus `merged_from`. results/README.md ("Merging
// shards") documents what is checked and written.
#pragma once

#include <filesystem>
#include <vector>

namespace smrlab {

struct merge_options {
  std::filesystem::path out;                  // the merged run folder; must hold no results.csv
  std::vector<std::filesystem::path> inputs;  // run folders, in the order their rows are taken
  bool partial = false;  // accept missing or repeated shards (with a warning) instead of failing
};

// Merges the input folders into `out`. Messages go to stderr, the one-line summary to stdout.
// Returns the process exit code: 0 merged, 2 bad input (nothing is written then).
int run_merge(const merge_options& o);

}  // namespace smrlab
