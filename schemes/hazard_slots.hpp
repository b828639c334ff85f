// hazard_slots and hazard_ref: one thread's published hazard pointers, and the move-only local
// reference that owns one of them (a slot_ref). Shared by every scheme whose local references are
// hazard pointers (hazard_pointers; hprc, the Gidenstam et al. scheme). DeRefLink is here too:
// publish, then re-read the link until it still holds the published node.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marked_ptr.hpp"
#include "schemes/slot_ref.hpp"
#include "schemes/sync.hpp"

namespace smr {

inline constexpr unsigned max_hazards_per_thread = 16;

// The slots other threads read when they scan. Lives in the thread's registry slot.
using hazard_array = std::array<sync::atomic<const void*>, max_hazards_per_thread>;

class hazard_slots;

// How protect() orders a hazard's publication before its validating re-read: with seq_cst
// accesses (hazard_pointers, hprc), with the light side of an asymmetric fence whose heavy side
// each scan pays (hp_asym), or not at all, into a thread-local slot that the thread's ping
// handler publishes when a reclaimer asks (hp_pop, epoch_pop; schemes/thread_ping.hpp).
enum class hazard_publication { seq_cst, asymmetric, on_ping };

// The local reference: owns one hazard slot while it points at a node.
template <class T>
using hazard_ref = slot_ref<T, hazard_slots>;

class hazard_slots {
 public:
  hazard_slots(hazard_array& published, unsigned k, std::string_view scheme)
      : published_(published), k_(k), free_((1U << k) - 1U), scheme_(scheme) {
    if (k == 0 || k > max_hazards_per_thread) {
      throw std::invalid_argument(std::string(scheme) + ": hazards per thread must be 1.." +
                                  std::to_string(max_hazards_per_thread));
    }
  }
  hazard_slots(const hazard_slots&) = delete;
  hazard_slots& operator=(const hazard_slots&) = delete;

  unsigned size() const noexcept { return k_; }

  // DeRefLink: publish, then re-read the link until it still holds the published node. With
  // hazard_publication::asymmetric the store-load ordering comes from the scan's heavy fence.
  template <hazard_publication How = hazard_publication::seq_cst, class T>
  hazard_ref<T> protect(const atomic_marked_ptr<T>& link) {
    const marked_ptr<T> p = link.load(std::memory_order_relaxed);
    if (!p) return hazard_ref<T>(p, this, -1);
    const int i = take();
    const marked_ptr<T> q = publish_until_held<How>(published_[i], p, link);
    if (!q) {
      release(i);
      return hazard_ref<T>(q, this, -1);
    }
    return hazard_ref<T>(q, this, i);
  }

  // DeRefLink into r (the contract's deref_into, schemes/scheme.hpp): republishes r's slot
  // instead of taking another, so a traversal's hop touches no free-slot bookkeeping. The
  // store that publishes the new node overwrites r's old hazard; a scan that still sees the old
  // one keeps that node a little longer, nothing more. link must not lie in r's old node, which
  // is unprotected from the publication on.
  template <hazard_publication How = hazard_publication::seq_cst, class T>
  [[gnu::always_inline]] void protect_into(hazard_ref<T>& r, const atomic_marked_ptr<T>& link) {
    if (r.slot_ < 0) {
      r = protect<How>(link);
      return;
    }
    marked_ptr<T> q = link.load(std::memory_order_relaxed);
    if (q) q = publish_until_held<How>(published_[r.slot_], q, link);
    if (!q) r.reset();
    r.p_ = q;  // a null keeps the link's marks (a deleted last node's next is marked)
  }

  // NewNode: claim a slot first (so a failure allocates nothing), allocate, protect. No fence:
  // no one can retire the node before the CAS that publishes it, which orders this store.
  // Release (not relaxed) pairs with a scan's acquire load of the slot: a scan that reads this
  // value and frees the node the slot held before happens after this thread's uses of it (a
  // plain store after the clearing release store would not carry that edge).
  template <class T, class... Args>
  hazard_ref<T> make(Args&&... args) {
    const int i = take();
    T* p = nullptr;
    try {
      p = new T(std::forward<Args>(args)...);
    } catch (...) {
      release(i);
      throw;
    }
    published_[i].store(p, std::memory_order_release);
    return hazard_ref<T>(marked_ptr<T>(p), this, i);
  }

  // Publishes p (non-null, read from link) in `hazard` and re-reads link until it still holds
  // the published node; returns what it holds then, or the null it came to (with its marks).
  template <hazard_publication How, class T>
  [[gnu::always_inline]] static marked_ptr<T> publish_until_held(sync::atomic<const void*>& hazard,
                                                                 marked_ptr<T> p,
                                                                 const atomic_marked_ptr<T>& link) {
    for (;;) {
      const marked_ptr<T> q = publish_and_reread<How>(hazard, p.get(), link);
      if (q.get() == p.get() || !q) return q;
      p = q;
    }
  }

  // One publication and the validating re-read.
  template <hazard_publication How, class T>
  static marked_ptr<T> publish_and_reread(sync::atomic<const void*>& hazard, const T* p,
                                          const atomic_marked_ptr<T>& link) {
    if constexpr (How == hazard_publication::seq_cst) {
      // seq_cst store then seq_cst load: the publication is ordered before the re-read, and
      // pairs with the unlinking CAS and a scan's loads of the slots (store-load pattern).
      hazard.store(p, std::memory_order_seq_cst);
      return link.load(std::memory_order_seq_cst);
    } else if constexpr (How == hazard_publication::on_ping) {
      // (P1) Relaxed: the slot is this thread's own, read by no other thread; its ping handler
      // copies it out. The compiler fence keeps the store before the re-read in program order,
      // which is all a signal handler of this thread needs: a ping that interrupts before the
      // fence publishes the store; one that interrupts after it made the pinger's unlink
      // visible to this thread (the handler's acquire of the request), so the re-read below
      // sees the node gone and does not use it.
      hazard.store(p, std::memory_order_relaxed);
      sync::compiler_fence(std::memory_order_seq_cst);
      // Acquire pairs with the release (or seq_cst) store that installed the node in the link.
      return link.load(std::memory_order_acquire);
    } else {
      // (A1) Release pairs with the scan's acquire load of the slot (A3): a scan that reads this
      // value happens after this thread's earlier uses of the nodes this slot protected before.
      // The store-load order (publication before re-read) is not this store's: it comes from
      // the light fence below with the scan's heavy fence (A2), which sits after the unlink and
      // before the scan's slot loads. Either this store was visible at the heavy fence, and the
      // scan keeps the node, or this thread's fence point came before the store, and then the
      // re-read below sees the unlink (or later) and fails.
      hazard.store(p, std::memory_order_release);
      sync::asymmetric_light_fence();
      // Acquire pairs with the release (or seq_cst) store that installed the node in the link:
      // its initialisation happens before this thread uses it.
      return link.load(std::memory_order_acquire);
    }
  }

  // A free slot. The error path is out of line, so that this inlines into every deref.
  int take() {
    if (free_ == 0) [[unlikely]]
      throw_no_free_slot();
    const int i = std::countr_zero(free_);
    free_ &= free_ - 1;
    return i;
  }
  void release(int i) noexcept {
    // Release pairs with a scan's load: this thread's reads of the node happen before a scan
    // that sees the slot cleared frees it.
    published_[i].store(nullptr, std::memory_order_release);
    free_ |= 1U << static_cast<unsigned>(i);
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void throw_no_free_slot() const {
    throw std::logic_error(std::string(scheme_) + ": more than " + std::to_string(k_) +
                           " references alive at once; raise the structure's "
                           "hazards_per_thread");
  }

  hazard_array& published_;
  unsigned k_;
  unsigned free_;
  std::string_view scheme_;
};

// Collects every hazard published in a set of slots (k per thread) with seq_cst loads: they
// pair with the publication in protect() (store-load pattern with the unlinking CAS), and
// acquire a cleared slot's release store.
template <class Set, class Registry>
void collect_hazards(Registry& registry, unsigned k, Set& out) {
  out.clear();
  registry.for_each_slot([&](const auto& s) {
    for (unsigned j = 0; j < k; ++j) {
      const void* h = s.hazards[j].load(std::memory_order_seq_cst);
      if (h != nullptr) out.insert(h);
    }
  });
}

// One snapshot of every hazard published in a set of slots (k per thread), each slot read once,
// for a scan that has already paid the heavy fence (hp_asym). Acquire (A3) pairs with the
// release stores that publish (A1) and clear (release()) a slot: a scan that reads a slot
// cleared or reused happens after the owner's uses of the node it protected before. Returns
// the snapshot sorted, for binary search.
template <class Registry>
void snapshot_hazards(Registry& registry, unsigned k, std::vector<const void*>& out) {
  out.clear();
  registry.for_each_slot([&](const auto& s) {
    for (unsigned j = 0; j < k; ++j) {
      const void* h = s.hazards[j].load(std::memory_order_acquire);
      if (h != nullptr) out.push_back(h);
    }
  });
  std::sort(out.begin(), out.end());
}

}  // namespace smr
