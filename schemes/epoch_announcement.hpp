// epoch_announcement: a thread's part in Fraser's epoch-based reclamation (ebr, epoch_pop): the
// word it announces, (epoch << 1) | active, and the advance of the global epoch that reads every
// thread's word. A thread entering its outermost operation announces "active at epoch e"; the
// epoch advances once every active thread has announced the current one; a node retired at
// epoch e is safe once the epoch reaches e + 2.
#pragma once

#include <cstdint>

#include "schemes/sync.hpp"

namespace smr {

class epoch_announcement {
 public:
  // Pin. Re-entrant: only the outermost call announces. A stale epoch is safe: the announcement
  // is made before any shared pointer is read, so nodes retired at older epochs were already
  // unreachable.
  void enter(const sync::atomic<std::uint64_t>& global) noexcept {
    if (nesting_++ != 0) return;
    pinned_ = global.load(std::memory_order_seq_cst);
    // seq_cst exchange: a full barrier ordering the announcement before this operation's loads
    // of shared pointers (a release store would lack the StoreLoad order); pairs with the loads
    // in try_advance().
    word_.exchange((pinned_ << 1U) | 1U, std::memory_order_seq_cst);
  }
  // Unpin. Release pairs with the loads in try_advance(): every access made while pinned happens
  // before the epoch moves on, and so before the nodes are freed.
  void exit() noexcept {
    if (--nesting_ != 0) return;
    word_.store(pinned_ << 1U, std::memory_order_release);
  }
  bool pinned() const noexcept { return nesting_ != 0; }

  // Advances `global` if every active thread of `registry` (whose slots hold an
  // epoch_announcement `announced`) has announced the current epoch. seq_cst throughout: the
  // loads of the announcements form a store-load pattern with the announcing exchange in enter(),
  // and the CAS is ordered before any later epoch load of the threads that free limbo lists.
  template <class Registry>
  static bool try_advance(sync::atomic<std::uint64_t>& global, Registry& registry) {
    std::uint64_t e = global.load(std::memory_order_seq_cst);
    bool all_current = true;
    registry.for_each_slot([&](const auto& s) {
      const std::uint64_t a = s.announced.word_.load(std::memory_order_seq_cst);
      if ((a & 1U) != 0 && (a >> 1U) != e) all_current = false;
    });
    return all_current && global.compare_exchange_strong(e, e + 1, std::memory_order_seq_cst);
  }

 private:
  sync::atomic<std::uint64_t> word_{0};  // written by the owner, read by try_advance()
  unsigned nesting_ = 0;                 // owner-only
  std::uint64_t pinned_ = 0;             // owner-only: the epoch announced
};

}  // namespace smr
