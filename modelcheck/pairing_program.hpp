// The program the checker explores for a scheme x structure pairing (every compiled pairing,
// plugins included, through harness/pairing_dispatch.hpp): a small prefill, then 2-3 model
// threads doing 2-3 operations each, chosen so that nodes are unlinked and retired while another
// thread may still hold them, with the domain set to reclaim at once (scan_threshold_min = 1,
// epoch_advance_interval = 1). Its finish checks the structure's invariants, that the history is
// linearizable (tests/linearizability), and that everything retired was reclaimed.
#pragma once

#include <string>

#include "harness/pairing_dispatch.hpp"
#include "modelcheck/explorer.hpp"

namespace smr::modelcheck {

struct scenario {
  unsigned threads = 2;
  unsigned ops_per_thread = 2;
};

// The scenario's operations, one line per thread ("thread 0: pop, push(10)").
std::string describe(const smrlab::pairing_entry& p, const scenario& s);

program pairing_program(const smrlab::pairing_entry& p, const scenario& s);

}  // namespace smr::modelcheck
