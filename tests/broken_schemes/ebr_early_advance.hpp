// TEST ONLY, DELIBERATELY BROKEN. ebr_early_advance: EBR that frees a limbo list one epoch early.
// A node retired at epoch e may still be held by a thread pinned at e until the epoch reaches
// e + 2 (the epoch moves to e + 1 as soon as every active thread has announced e, while they are
// still inside those operations). This variant also frees, after each retire, every limbo list of
// the calling thread whose epoch is <= current - 1, i.e. at e + 1, under threads still pinned at
// e. The broken-scheme tests (broken_scheme_test.cpp) check that the conformance checks catch
// it. Never registered: it is not in `smrlab list`, in sweeps or in the typed tests.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "schemes/ebr/ebr.hpp"

namespace smrlab_test::broken {

struct ebr_early_advance : smr::ebr {
  static constexpr std::string_view name = "ebr_early_advance";
  static constexpr std::string_view description =
      "BROKEN (test only): EBR that frees limbo lists one epoch early (e + 1, not e + 2)";

  class thread_handle : public smr::ebr::thread_handle {
   public:
    using smr::ebr::thread_handle::thread_handle;

    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> on_reclaim = nullptr) {
      smr::ebr::thread_handle::retire(std::move(r), on_reclaim);
      // THE BUG: `l.epoch + 1 <= current` where ebr::thread_handle::reclaim_expired has
      // `l.epoch + 2 <= current`.
      const std::uint64_t current = owner().epoch();
      std::size_t n = 0;
      for (auto& l : own_slot().limbo) {
        if (!l.objects.empty() && l.epoch + 1 <= current) n += smr::reclaim_all(l.objects);
      }
      if (n != 0) counters().count_reclaimed(n);
    }
  };

  using guard = smr::enter_exit_guard<thread_handle>;
};

}  // namespace smrlab_test::broken
