// hyaline: Hyaline (Nikolaev and Ravindran, "Snapshot-Free, Transparent, and Robust Memory
// Reclamation for Lock-Free Data Structures", PLDI 2021), the multi-slot version with a
// double-width CAS on the slot heads (cmpxchg16b). Readers count themselves into one of k slots
// for the length of an operation; a thread retires nodes in batches of k + 1, one node pushed on
// the list of each slot with readers, and a batch is freed by whoever drops its last reference: a
// leaving reader, the last leaver of a slot, or the retiring thread. No snapshot, no epoch.
// Algorithm: schemes/hyaline_slots.hpp; batches: schemes/hyaline_batch.hpp; handle and domain:
// schemes/hyaline_core.hpp.
//
// Unbounded, not robust: a reader stalled inside an operation keeps every batch pushed on its slot
// since it entered. Links read out of unlinked nodes are safe to follow, as with EBR: nothing
// retired after an operation entered is freed before it leaves. Where the CPU lacks cmpxchg16b,
// unavailable() says so and the domain refuses to be built.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "schemes/hyaline_core.hpp"

namespace smr {

struct hyaline : hyaline_family<false> {
  static constexpr std::string_view name = "hyaline";
  static constexpr std::string_view description =
      "Hyaline (Nikolaev and Ravindran 2021): reference-counted batches of k+1 retired nodes over "
      "k double-width (cmpxchg16b) slot heads, k = nextpow2(min(N, 128))";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing retired during an operation is freed before it
      .bounded_garbage = false,
      .robust_to_stalled_threads = false,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .node_metadata =
          "its slot-list link, its batch's counting node and next node, the batch's "
          "reference count, and its type-erased deleter and hook",
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }
};

}  // namespace smr
