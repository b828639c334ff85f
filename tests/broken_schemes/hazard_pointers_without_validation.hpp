// TEST ONLY, DELIBERATELY BROKEN. hazard_pointers_without_validation: hazard pointers whose
// DeRefLink reads the link once, publishes the hazard, fences, and does NOT re-read the source
// link to check that it still holds the node. Between the read and the publication another thread
// can unlink and retire the node, and a scan that ran before the hazard appeared frees it: the
// reference then points at freed memory. The broken-scheme tests (broken_scheme_test.cpp) check
// that the conformance checks catch it. Never registered: it is not in `smrlab list`, in sweeps
// or in the typed tests.
#pragma once

#include <atomic>
#include <string_view>

#include "schemes/hazard_pointers/hazard_pointers.hpp"

namespace smrlab_test::broken {

struct hazard_pointers_without_validation : smr::hazard_pointers {
  static constexpr std::string_view name = "hazard_pointers_without_validation";
  static constexpr std::string_view description =
      "BROKEN (test only): hazard pointers whose deref skips the re-read validation";

  class thread_handle : public smr::hazard_pointers::thread_handle {
   public:
    using smr::hazard_pointers::thread_handle::thread_handle;

    // THE BUG: the real protect loop (smr::hazard_slots::protect) is run on a private copy of the
    // link, so it publishes the hazard with the same seq_cst store and re-reads with the same
    // seq_cst load, but the re-read sees the copy, which never changes: the source link is never
    // re-checked. Everything else is the production code.
    template <class T>
    ref<T> deref(const link<T>& l) {
      // Relaxed: the same first read as hazard_slots::protect (there, the re-read orders it).
      const link<T> snapshot(l.load(std::memory_order_relaxed));
      return smr::hazard_pointers::thread_handle::deref(snapshot);
    }

    // The same bug in place: the structures traverse with deref_into, whose production version
    // (inherited) validates and would hide it. Deleted here, so that smr::deref_into falls back
    // to dropping the reference and calling the deref above (schemes/scheme.hpp).
    template <class T>
    void deref_into(ref<T>&, const link<T>&) = delete;
  };

  using guard = smr::no_guard;
};

}  // namespace smrlab_test::broken
