// The checker's command line (smrlab_modelcheck): which
// pairings to explore, with what strategy, model and budget, or one schedule to replay. The
// pairings are the compiled ones (harness/pairing_dispatch.hpp) plus `extra` (the test build adds
// the deliberately broken schemes).
#pragma once

#include <span>

#include "harness/pairing_dispatch.hpp"

namespace smr::modelcheck {

// Exit status: 0 nothing failed, 1 a failure was found (or a replay failed), 2 bad input.
int check_command(int argc, char** argv, std::span<const smrlab::pairing_entry> extra = {});

}  // namespace smr::modelcheck
