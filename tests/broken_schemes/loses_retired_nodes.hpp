// TEST ONLY, DELIBERATELY BROKEN. loses_retired_nodes: hazard pointers whose retire counts the
// node as retired and reclaimed and then forgets it: it is never freed. Every counter balances,
// so the trial checks and the teardown check see nothing; only a leak check finds it (the model
// checker's, which counts what is still allocated after teardown, or LSan). Never registered.
#pragma once

#include <string_view>

#include "schemes/hazard_pointers/hazard_pointers.hpp"

namespace smrlab_test::broken {

struct loses_retired_nodes : smr::hazard_pointers {
  static constexpr std::string_view name = "loses_retired_nodes";
  static constexpr std::string_view description =
      "BROKEN (test only): hazard pointers that count a retired node reclaimed and never free it";

  class thread_handle : public smr::hazard_pointers::thread_handle {
   public:
    using smr::hazard_pointers::thread_handle::thread_handle;

    // THE BUG: the node is dropped instead of queued for a scan.
    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> /*on_reclaim*/ = nullptr) {
      r.reset();
      counters().count_retired();
      counters().count_reclaimed();
    }
  };

  using guard = smr::no_guard;
};

}  // namespace smrlab_test::broken
