// hyaline_s: Hyaline-S (Nikolaev and Ravindran, PLDI 2021), the robust Hyaline: hyaline's slots and
// batches (schemes/hyaline_core.hpp) plus a global era, starting at 1 and advanced every F*n
// allocations of a thread (F = domain_config::epoch_advance_interval, n the registered threads),
// a birth era per node (set in make()), and per slot an access era, raised only by CAS. DeRefLink
// loads the pointer, then the era, and returns when the era equals the slot's access era, else
// raises it and re-reads (as Hazard Eras). A retire skips every slot whose access era is older
// than the batch's earliest birth era: its readers read their pointers before any node of the
// batch was born. A slot whose references pile up (32768 outstanding) sends entering readers on
// to the next slot, so that a stalled reader's slot is left to it. Links out of unlinked nodes are
// not protected (treated like hazard pointers).
//
// Robust: a stalled reader's era stops, so it keeps only the batches pushed on its slot that hold
// a node born no later than its era; batches of newer nodes skip its slot and are freed. Bound
// (derivation, the paper's theorem not checked): a thread holds at most B - 1 nodes in its open
// batch, B = k + 1; a reader inside an operation keeps a batch only if the batch holds a node born
// no later than its slot's access era and was retired while the reader was in its operation, so at
// most A such batches, A the most nodes born up to the era a reader holds and retired during one
// of its operations; unreclaimed <= N*(B - 1) + N*B*A. A depends on how many eras one operation
// spans (it raises its era while the era moves, at the other threads' pace), which is not among
// bound_inputs: bound() returns std::nullopt, as ibr_2ge's does.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "schemes/hyaline_core.hpp"

namespace smr {

struct hyaline_s : hyaline_family<true> {
  static constexpr std::string_view name = "hyaline_s";
  static constexpr std::string_view description =
      "Hyaline-S (Nikolaev and Ravindran 2021): hyaline with birth eras and per-slot access eras, "
      "so that a stalled reader keeps only batches with nodes born no later than its era";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,  // by the nodes born up to a held era, see the header comment
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·(B − 1) + N·B·A, B = k + 1, k = nextpow2(min(N, 128)), A the most nodes born up to "
          "a reader's access era and retired during one of its operations (its span in eras is "
          "not among bound()'s inputs: no number)",
      .node_metadata =
          "its birth era (a field of its own), its slot-list link, its batch's "
          "counting node and next node, the batch's reference count, and its "
          "type-erased deleter and hook",
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }
};

}  // namespace smr
