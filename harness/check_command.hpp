// `smrlab check`: the model checker, for scheme authors. The checker is a build of its own (the
// modelcheck preset: every scheme and structure compiled against the explorer's smr::sync), so
// this subcommand runs that build's smrlab_modelcheck with the arguments as given. It is found
// at $SMRLAB_MODELCHECK_BIN, else next to this smrlab, else in this source tree's
// build/modelcheck; when there is none, one line says how to build it (exit 2).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace smrlab {

// Adds `check`, which takes every argument after it as the checker's.
CLI::App* add_check_subcommand(CLI::App& app);

// Runs the checker with `args` (replacing this process); returns only on error.
int run_check(const std::vector<std::string>& args);

}  // namespace smrlab
