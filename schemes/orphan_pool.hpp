// orphan_pool: what exiting threads leave behind (retired nodes a scan could not yet free, limbo
// lists not yet two epochs old), kept by the domain until a live thread frees it. Every scheme
// with per-thread retire lists needs one: the exiting thread hands its leftovers over with add(),
// and a later scan or epoch advance takes them with adopt() and counts what it frees as its own
// reclaims (schemes/README.md, section 4). Used by hp_asym and ebr_asym; hazard_pointers and ebr
// keep their own copies for now.
#pragma once

#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "schemes/sync.hpp"

namespace smr {

template <class Item>
class orphan_pool {
 public:
  // Moves every item of `items` into the pool and leaves `items` empty.
  template <class Container>
  void add(Container& items) {
    if (items.empty()) return;
    const std::scoped_lock lock(mutex_);
    items_.insert(items_.end(), std::make_move_iterator(items.begin()),
                  std::make_move_iterator(items.end()));
    items.clear();
    // Relaxed: only a hint that adopt() should take the lock; the mutex orders the items.
    has_items_.store(true, std::memory_order_relaxed);
  }

  // Calls f(std::vector<Item>&) on the pool under its lock, which f may empty or prune. Skips
  // when the pool looks empty or another thread holds the lock (that thread is adopting).
  template <class F>
  void adopt(F&& f) {
    // Relaxed: a stale false only delays adoption to a later call.
    if (!has_items_.load(std::memory_order_relaxed)) return;
    const std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    f(items_);
    // Relaxed: written under the lock, read as a hint.
    has_items_.store(!items_.empty(), std::memory_order_relaxed);
  }

  // With no thread registered: the items themselves, for reclaim_all_quiescent().
  std::vector<Item>& quiescent_items() noexcept { return items_; }

 private:
  alignas(64) sync::mutex mutex_;
  std::vector<Item> items_;
  sync::atomic<bool> has_items_{false};
};

}  // namespace smr
