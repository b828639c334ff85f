// Bugs the checker found in registered schemes, kept as explorations that failed before the fix.
#include <gtest/gtest.h>

#include "harness/pairing_dispatch.hpp"
#include "modelcheck/pairing_program.hpp"

namespace smr::modelcheck {
namespace {

exploration_report explore_pairing(std::string_view scheme, std::string_view structure,
                                   const scenario& s, const exploration_options& o) {
  const smrlab::pairing_entry* p = smrlab::find_compiled_pairing(scheme, structure);
  if (p == nullptr) throw std::runtime_error("no such pairing in this build");
  return explore(pairing_program(*p, s), o);
}

// qsbr's scan took the oldest published epoch, and with no other thread online that was
// `offline`: it then freed every orphan, including those a thread exiting meanwhile added,
// retired while a thread that came online after the scan's read could still hold them. Found at
// execution 8514 of this search (2 preemptions); the scan now clamps the oldest epoch to the
// epoch read before it (schemes/qsbr/qsbr.hpp).
TEST(regressions, qsbr_frees_no_orphan_retired_after_its_scan_began) {
  exploration_options o;
  o.max_preemptions = 2;
  o.budget = 12000;
  const exploration_report r =
      explore_pairing("qsbr", "treiber_stack", scenario{.threads = 3, .ops_per_thread = 3}, o);
  EXPECT_FALSE(r.failure.has_value()) << r.failure->what << "\n" << r.failure->schedule;
  EXPECT_EQ(r.executions, o.budget);
}

}  // namespace
}  // namespace smr::modelcheck
