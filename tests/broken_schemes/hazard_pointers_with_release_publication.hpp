// TEST ONLY, DELIBERATELY BROKEN. hazard_pointers_with_release_publication: hazard pointers that
// publish a hazard with a release store and a compiler barrier, as hp_asym does, but whose scan
// pays no heavy fence (it is hazard_pointers' scan). Under sequential consistency that is still
// correct: the re-read of the link comes after the publication. On x86 it is not: the publication
// waits in the reader's store buffer while the re-read already sees the node, the reclaimer
// unlinks the node, scans the hazards in memory, misses this one and frees the node (the
// store-buffering pattern). Only a TSO model can catch it; the model checker's tests
// (tests/modelcheck/broken_schemes_test.cpp) check that it does, and that SC does not. Never
// registered.
#pragma once

#include <string_view>

#include "schemes/hazard_pointers/hazard_pointers.hpp"

namespace smrlab_test::broken {

struct hazard_pointers_with_release_publication : smr::hazard_pointers {
  static constexpr std::string_view name = "hazard_pointers_with_release_publication";
  static constexpr std::string_view description =
      "BROKEN (test only): hazard pointers published with a release store, with no fence on "
      "either side";

  class thread_handle : public smr::hazard_pointers::thread_handle {
   public:
    using smr::hazard_pointers::thread_handle::thread_handle;

    // THE BUG: hp_asym's publication (a release store and a compiler barrier) without hp_asym's
    // heavy fence in the scan, which is what makes that publication visible in time.
    template <class T>
    ref<T> deref(const link<T>& l) {
      return hazards().protect<smr::hazard_publication::asymmetric>(l);
    }
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      hazards().protect_into<smr::hazard_publication::asymmetric>(r, l);
    }
  };

  using guard = smr::no_guard;
};

}  // namespace smrlab_test::broken
