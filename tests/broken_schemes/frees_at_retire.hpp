// TEST ONLY, DELIBERATELY BROKEN. frees_at_retire: hazard_pointers whose retire frees the node at
// once, without the scan that checks the other threads' hazards: immediate_free without its
// max_threads = 1 limit. A node another thread still holds (its hazard published) is freed under
// it: a use-after-free, then an ABA on the reused memory. The broken-scheme tests
// (broken_scheme_test.cpp) check that the conformance checks catch it. Never registered: it is
// not in `smrlab list`, in sweeps or in the typed tests.
#pragma once

#include <string_view>
#include <utility>

#include "schemes/hazard_pointers/hazard_pointers.hpp"

namespace smrlab_test::broken {

struct frees_at_retire : smr::hazard_pointers {
  static constexpr std::string_view name = "frees_at_retire";
  static constexpr std::string_view description =
      "BROKEN (test only): hazard pointers that free at retire, ignoring the hazards";

  class thread_handle : public smr::hazard_pointers::thread_handle {
   public:
    using smr::hazard_pointers::thread_handle::thread_handle;

    // THE BUG: the node is freed here, by every thread, instead of waiting in the retire list
    // for a scan that finds no hazard on it (hazard_pointers::thread_handle::retire).
    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      counters().count_retired();
      smr::retired_object::of(p, on_reclaim).reclaim();
      counters().count_reclaimed();
    }
  };

  using guard = smr::no_guard;
};

}  // namespace smrlab_test::broken
