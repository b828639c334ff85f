// Experiment presets: TOML files under workloads/presets/ whose keys mirror `smrlab run`'s
// options (see workloads/presets/README.md). Unknown keys and wrong types are errors, never
// silently ignored.
#pragma once

#include <string>

#include "harness/sweep.hpp"

namespace smrlab {

// Loads `path` into `o` (only the keys present). Throws std::runtime_error with a message that
// names the file, the key and, for syntax errors, the line.
void load_preset(const std::string& path, sweep_options& o);

}  // namespace smrlab
