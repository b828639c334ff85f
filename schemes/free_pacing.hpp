// free_pacing: when a thread frees the objects its reclamation found safe (domain_config::free).
//   batch      at once, as the published algorithms do: a scan or an epoch advance frees its
//              whole batch (64 to 512 objects) in a burst.
//   amortized  Kim, Brown and Singh, "Are Your Epochs Too Epic? Batch Free Can Be Harmful"
//              (PPoPP 2024): the safe objects wait in a per-thread queue, and each later retire
//              frees `frees_per_retire` of them. A burst of frees overflows the allocator's
//              thread cache (glibc's tcache holds 7 chunks per size), so the frees go to the
//              shared bins and the allocations after them miss the cache; paced, each free is
//              taken straight back by the next allocation.
// One object of this class per thread handle, owner-only. Every scheme with batches (ebr,
// ebr_asym, qsbr, hazard_pointers, hp_asym, hazard_eras, ibr_2ge, hprc) frees through it, so the
// mode changes nothing else, and a row's `free_mode` says which one ran.
//
// The garbage bounds stay those of batch mode: a queued object counts as unreclaimed, each
// reclamation pass (a scan, a walk of the expired limbo lists) first frees what the last pass
// left queued (flush), and between passes the queue shrinks by frees_per_retire >= 1 per retire
// while the retire list grows by one, so a thread's retire list and queue together never hold
// more than its retire list held before the last pass.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "schemes/counters.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/scheme_traits.hpp"

namespace smr {

class free_pacing {
 public:
  free_pacing() noexcept = default;  // batch: what quiescent teardown uses
  explicit free_pacing(const domain_config& c) noexcept
      : per_retire_(c.free == free_mode::amortized ? std::max(c.frees_per_retire, 1U) : 0U) {}
  free_pacing(const free_pacing&) = delete;
  free_pacing& operator=(const free_pacing&) = delete;
  ~free_pacing() { flush(); }  // the owner flushes and counts first; this is a safety net

  bool amortized() const noexcept { return per_retire_ != 0; }

  // An object no thread can reach any more: freed now (batch) or queued (amortized). Returns how
  // many were freed now (0 or 1), for the caller's reclaim count.
  std::size_t release(const retired_object& o) {
    if (!amortized()) {
      o.reclaim();
      return 1;
    }
    queue_.push_back(o);
    return 0;
  }
  // Releases every element of `list` (a retired_object, or a record with an `object` member) and
  // empties it; returns how many were freed now.
  template <class List>
  std::size_t release_all(List& list) {
    std::size_t n = 0;
    for (const auto& item : list) n += release(object_of(item));
    list.clear();
    return n;
  }

  // At each retire: frees up to frees_per_retire queued objects, oldest first; returns how many.
  std::size_t step() {
    if (head_ == queue_.size()) return 0;  // batch mode, or nothing queued
    std::size_t n = 0;
    for (; n < per_retire_ && head_ < queue_.size(); ++n) queue_[head_++].reclaim();
    if (head_ == queue_.size()) clear();
    return n;
  }
  // Frees everything queued; returns how many. At the start of each reclamation pass and at
  // thread exit.
  std::size_t flush() {
    const std::size_t n = queued();
    for (; head_ < queue_.size(); ++head_) queue_[head_].reclaim();
    clear();
    return n;
  }
  std::size_t queued() const noexcept { return queue_.size() - head_; }

  // step() and flush(), counting what they free as the thread's reclaims.
  void step(thread_counters& c) {
    if (const std::size_t n = step(); n != 0) c.count_reclaimed(n);
  }
  void flush(thread_counters& c) {
    if (const std::size_t n = flush(); n != 0) c.count_reclaimed(n);
  }

 private:
  static const retired_object& object_of(const retired_object& o) noexcept { return o; }
  template <class Record>
  static const retired_object& object_of(const Record& r) noexcept {
    return r.object;
  }
  void clear() noexcept {
    queue_.clear();  // keeps its capacity: no allocation once the queue has grown
    head_ = 0;
  }

  unsigned per_retire_ = 0;
  std::size_t head_ = 0;  // queue_[head_..] are still to be freed
  std::vector<retired_object> queue_;
};

}  // namespace smr
