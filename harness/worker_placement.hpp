// Where a trial's worker runs: binding the calling worker thread to the PU its placement plan
// gives it (and its memory, under a membind policy), and reading back where it really ran. The
// trial runner (trial.hpp) and the bare loop (bare_loop.hpp) place their workers the same way,
// through these two functions.
#pragma once

#include "harness/trial_types.hpp"

namespace smrlab {

// Binds the calling thread, worker `id` of the trial, as cfg.placement_plan says (nothing on a
// synthetic topology, or without a machine); returns what was planned and what was bound.
worker_binding place_worker(const trial_config& cfg, unsigned id);

// Adds to `b` the PU the calling thread runs on now and that PU's NUMA node, where known.
void record_where_it_ran(const trial_config& cfg, worker_binding& b);

}  // namespace smrlab
