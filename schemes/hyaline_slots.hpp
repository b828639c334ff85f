// hyaline_slots: the k slots of Hyaline (Nikolaev and Ravindran, PLDI 2021) and the three steps of
// the algorithm on them: enter, leave and retire a batch (schemes/hyaline_batch.hpp). Each slot's
// head is one double-width word, {HRef, HPtr}: the readers inside an operation in that slot, and
// the slot's retirement list; readers share slots (k = nextpow2(min(n, 128))).
//
//   enter   HRef + 1 (a CAS on the double word); the reader's handle is the HPtr it saw.
//   retire  for each slot: HRef = 0 (or, in hyaline_s, the slot's access era is older than every
//           node of the batch): skip it, and the batch keeps `addend` for it; else push the
//           batch's next node on the list (keeping HRef) and add `addend + HRef` to the batch of
//           the node it displaced: HRef readers entered before that one was displaced. Then the
//           batch adds what it kept for the skipped slots to its own count.
//   leave   HRef - 1; the last leaver (HRef to 0) detaches the list (HPtr = null) and adds
//           `addend` to the head node's batch. Then every node pushed since the reader entered,
//           from the one below the head down to its handle, loses one reference.
// addend = 2^64 / k, so the k slots' contributions sum to 0 mod 2^64: a batch's count reaches 0
// exactly when every slot has contributed and every reader counted in them has left, and whoever
// takes it to 0 frees the batch. A batch needs k + 1 nodes: its counting node stays out of the
// lists.
//
// hyaline_s adds, per slot, the access era (raised only by CAS, by deref) and the outstanding count
// (references pushed and not yet dropped), which sends entering readers to another slot past 32768.
//
// Memory orders. The safety argument is a store-load pattern: a reader's entering CAS precedes its
// pointer loads, and the retirer's unlinking CAS precedes its loads of the heads (and of the access
// eras), all seq_cst; so a reader the retirer does not count entered (or raised its era) after the
// unlink and never reaches the node. Everything a reader did before it leaves happens before the
// free: its leaving CAS and its decrements release, and every contribution to a batch's count is an
// acq_rel RMW in one release sequence that the freeing RMW acquires.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>

#include "schemes/hyaline_batch.hpp"
#include "schemes/sync.hpp"

namespace smr {

inline constexpr std::uint64_t hyaline_no_era = 0;  // an access era no node is older than

// A slot head: {HRef, HPtr}, 16 bytes, updated with an inline cmpxchg16b (-mcx16;
// schemes/double_width_atomic.hpp).
struct alignas(16) hyaline_head {
  std::uint64_t refs = 0;
  hyaline_node* list = nullptr;
};

struct alignas(64) hyaline_slot {
  sync::double_width_atomic<hyaline_head> head{hyaline_head{}};
  sync::atomic<std::uint64_t> access{hyaline_no_era};  // hyaline_s only
  sync::atomic<std::uint64_t> outstanding{0};          // hyaline_s only
};

// The slot count for n threads: nextpow2(min(n, 128)).
inline unsigned hyaline_slot_count(unsigned threads) noexcept {
  return std::bit_ceil(std::clamp(threads, 1U, 128U));
}

template <bool Robust>
class hyaline_slots {
 public:
  static constexpr std::uint64_t stall_threshold = 32768;

  explicit hyaline_slots(unsigned threads)
      : k_(hyaline_slot_count(threads)),
        addend_((~std::uint64_t{0} >> std::countr_zero(k_)) + 1),  // 2^64 / k (0 for k = 1)
        slots_(std::make_unique<hyaline_slot[]>(k_)) {}

  unsigned size() const noexcept { return k_; }
  hyaline_slot& operator[](unsigned i) noexcept { return slots_[i]; }

  // hyaline_s: from `preferred` on, the first slot whose outstanding count is below the threshold,
  // or the last one tried.
  unsigned choose(unsigned preferred) const noexcept {
    unsigned i = preferred;
    for (;;) {
      const unsigned j = (i + 1) & (k_ - 1);
      // Relaxed: a heuristic; any slot is safe to enter.
      if (j == preferred || slots_[i].outstanding.load(std::memory_order_relaxed) < stall_threshold)
        return i;
      i = j;
    }
  }

  // HRef + 1; returns the handle, the list head seen.
  hyaline_node* enter(unsigned i) noexcept {
    sync::double_width_atomic<hyaline_head>& head = slots_[i].head;
    // A guess (no locked instruction): only the CAS's expected value; the CAS reads the head.
    hyaline_head seen = head.guess();
    // seq_cst CAS (failure relaxed, it is retried): precedes this operation's pointer loads in S,
    // the reader's half of the store-load pattern with the retirer's head loads (insert()).
    while (!head.compare_exchange_weak(seen, hyaline_head{seen.refs + 1, seen.list},
                                       std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    return seen.list;
  }

  // HRef - 1, and the references this reader holds on what was pushed since it entered.
  void leave(unsigned i, hyaline_node* handle, hyaline_free_list& freed) {
    hyaline_head old{};
    hyaline_node* below = decrement(slots_[i].head, handle, old);
    if (old.refs == 1 && old.list != nullptr) adjust(old.list, addend_, freed);
    if (old.list == handle) return;
    const std::uint64_t dropped = drop_references(below, handle, freed);
    // Relaxed: a heuristic count (choose()), ordered with nothing.
    if constexpr (Robust) slots_[i].outstanding.fetch_sub(dropped, std::memory_order_relaxed);
  }

  // Retires a sealed batch; `skip(slot)` says that no reader of the slot can hold its nodes.
  template <class Skip>
  void retire(hyaline_node* first, Skip&& skip, hyaline_free_list& freed) {
    hyaline_node* node = first;
    std::uint64_t kept = 0;
    bool any_kept = false;
    for (unsigned i = 0; i < k_; ++i) {
      if (!skip(slots_[i])) {
        hyaline_node* after = node->batch_next;  // before the node is shared (and maybe freed)
        if (push(slots_[i], node, freed)) {
          node = after;
          continue;
        }
      }
      kept += addend_;
      any_kept = true;
    }
    // Not freed before this: it still lacks the contributions of the skipped slots.
    if (any_kept) adjust(first, kept, freed);
  }

  // hyaline_s: raises slot i's access era from `seen` to `era` unless it is there already; returns
  // the era it holds.
  std::uint64_t raise_access(unsigned i, std::uint64_t seen, std::uint64_t era) noexcept {
    sync::atomic<std::uint64_t>& access = slots_[i].access;
    // seq_cst: the raise precedes the re-read of the pointer in S, the reader's half of the
    // store-load pattern with the retirer's load of the access era (hyaline_s's skip test).
    while (!access.compare_exchange_weak(seen, era, std::memory_order_seq_cst)) {
      if (seen >= era) return seen;
    }
    return era;
  }

 private:
  // The leaving CAS: HRef - 1, detaching the list at 0. Fills `old` with the head it replaced;
  // returns the node below that head (read while this reader still protects the head).
  static hyaline_node* decrement(sync::double_width_atomic<hyaline_head>& head,
                                 hyaline_node* handle, hyaline_head& old) noexcept {
    // A guess (no locked instruction) seeds the CAS, which checks it; `below` counts only once
    // the CAS has confirmed the head it was read from. A guessed list half is a node this reader
    // protects (the half held it after the reader entered), so reading its `next` is safe.
    // Acquire: pairs with the release of the pushing CAS (push()): the head node's `next` was
    // written before it.
    old = head.guess(std::memory_order_acquire);
    hyaline_node* below = nullptr;
    hyaline_head next{};
    do {
      if (old.list != handle) below = old.list->next;
      next = old.refs == 1 ? hyaline_head{} : hyaline_head{old.refs - 1, old.list};
      // acq_rel: release orders this operation's accesses before a retirer's push that reads
      // the new count (and so before any free); acquire pairs with the release of the pushing
      // CAS (push()): the head node's `next`, read above, was written before it.
    } while (!head.compare_exchange_weak(old, next, std::memory_order_acq_rel,
                                         std::memory_order_acquire));
    return below;
  }

  // One reference less on each node from `node` down to `handle`, included (to the end of the
  // list where the handle is null: the reader entered an empty list); returns how many.
  static std::uint64_t drop_references(hyaline_node* node, hyaline_node* handle,
                                       hyaline_free_list& freed) {
    std::uint64_t n = 0;
    while (node != nullptr) {
      hyaline_node* after = node->next;  // before the reference goes
      hyaline_node* counting = node->batch_link;
      const bool last = node == handle;
      ++n;
      // acq_rel: release orders this reader's accesses before the free; acquire, for the RMW
      // that reaches 0, pairs with every earlier contribution to the count (adjust()).
      if (counting->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) freed.push(counting);
      if (last) break;
      node = after;
    }
    return n;
  }

  // Adds `v` to the count of `node`'s batch; at 0 the batch goes to `freed`.
  static void adjust(hyaline_node* node, std::uint64_t v, hyaline_free_list& freed) {
    hyaline_node* counting = node->batch_link;
    // acq_rel: release orders what this thread did with the batch before the free; acquire, for
    // the RMW that reaches 0, pairs with every earlier RMW of the count (drop_references()).
    if (counting->refs.fetch_add(v, std::memory_order_acq_rel) + v == 0) freed.push(counting);
  }

  // Pushes `node` on slot s's list if a reader is in it, and gives the displaced head's batch its
  // contribution; false if the slot has no reader.
  bool push(hyaline_slot& s, hyaline_node* node, hyaline_free_list& freed) {
    // A guess seeds the CAS; "no reader" is a decision, so a guess of 0 is checked by a load.
    // seq_cst (the load and the CAS, whose failure returns the true head): after the unlinking
    // CAS in S, the retirer's half of the store-load pattern with enter(): a reader this does
    // not count entered after the unlink.
    hyaline_head old = s.head.guess();
    if (old.refs == 0) old = s.head.load(std::memory_order_seq_cst);
    do {
      if (old.refs == 0) return false;
      node->next = old.list;
      // seq_cst: as the load above; its release publishes the node's fields to the readers
      // that leave (decrement()), its acquire pairs with their leaving CAS.
    } while (!s.head.compare_exchange_weak(old, hyaline_head{old.refs, node},
                                           std::memory_order_seq_cst));
    // The displaced head's batch: the old.refs readers each drop a reference on it when they
    // leave (drop_references()), so only then are references outstanding. Pushed on an empty
    // list, the node displaces nothing, and counting old.refs here would never be undone: the
    // count would creep up in every busy slot until readers left it for a stalled reader's slot
    // (choose()), whose era they would then raise, pinning everything (a park:1 run grew to
    // 385 000 unreclaimed in 2 s before this was fixed).
    if (old.list != nullptr) {
      adjust(old.list, addend_ + old.refs, freed);
      // Relaxed: a heuristic count (choose()), ordered with nothing.
      if constexpr (Robust) s.outstanding.fetch_add(old.refs, std::memory_order_relaxed);
    }
    return true;
  }

  unsigned k_;
  std::uint64_t addend_;
  std::unique_ptr<hyaline_slot[]> slots_;
};

}  // namespace smr
