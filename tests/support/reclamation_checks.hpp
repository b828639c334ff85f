// The reclamation check every test ends with, for any domain (a scheme's own, or a pairing's
// behind virtual calls, harness/erased_pairing.hpp): after a structure and every handle are
// gone, nothing retired is left unreclaimed, and every node made was either reclaimed (retired)
// or destroyed at teardown (never retired).
#pragma once

#include <gtest/gtest.h>

#include "schemes/counters.hpp"

namespace smrlab_test {

template <class Domain>
void expect_everything_reclaimed(Domain& d) {
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, c.reclaimed);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

}  // namespace smrlab_test
