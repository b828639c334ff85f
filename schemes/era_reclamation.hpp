// era_reclamation: the pieces shared by the era-tagged schemes (hazard_eras, ibr_2ge). Each node
// carries the era it was born in (era_node_base, set by the scheme's make()); its retire record
// carries that birth era and the era it was retired in (era_retired); a thread's retire list is a
// vector of records, scanned against one snapshot of the reservations; the records of exited
// threads wait in the domain's era_orphans until a scanning thread adopts and frees them.
//
// Era clocks start at first_era (1), so that 0 (no_era) never names a real era: a thread's first
// operation, before any advance, is already protected (IBR's HETracker starts its clock at 0).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "free_pacing.hpp"
#include "retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

inline constexpr std::uint64_t no_era = 0;
inline constexpr std::uint64_t first_era = 1;

// The per-node metadata of the era schemes: the birth era, written once by make() before the
// node is published (so every reader sees it through the publishing release).
class era_node_base {
 public:
  std::uint64_t birth_era() const noexcept { return birth_era_; }
  void set_birth_era(std::uint64_t e) noexcept { birth_era_ = e; }

 private:
  std::uint64_t birth_era_ = no_era;
};

// One retired node, with the eras its lifetime spans: [birth, retire].
struct era_retired {
  std::uint64_t birth;
  std::uint64_t retire;
  retired_object object;

  void reclaim() const { object.reclaim(); }  // for reclaim_all()
};

using era_retired_list = std::vector<era_retired>;

// Releases every record that `pinned(birth, retire)` rejects into `pacing` (free_pacing.hpp) and
// keeps the others (their order is not kept); returns how many were freed now.
template <class Pinned>
std::size_t reclaim_unpinned(era_retired_list& list, Pinned&& pinned, free_pacing& pacing) {
  const auto freeable = std::partition(
      list.begin(), list.end(), [&](const era_retired& r) { return pinned(r.birth, r.retire); });
  std::size_t n = 0;
  for (auto it = freeable; it != list.end(); ++it) n += pacing.release(it->object);
  list.erase(freeable, list.end());
  return n;
}

// The retire records of exited threads, freed later by whichever thread adopts them (and counts
// them as its own reclaims), or at quiescent teardown.
class era_orphans {
 public:
  void add(era_retired_list& list) {
    if (list.empty()) return;
    const std::scoped_lock lock(mutex_);
    list_.insert(list_.end(), list.begin(), list.end());
    list.clear();
    // Relaxed: a hint only; the list itself is read under the mutex.
    nonempty_.store(true, std::memory_order_relaxed);
  }

  // Moves every orphan into `list` (the caller's retire list, about to be scanned). Skips when
  // another thread holds the lock: that thread is adopting them.
  void adopt_into(era_retired_list& list) {
    // Relaxed: a hint only; a stale false leaves the orphans for the next scan.
    if (!nonempty_.load(std::memory_order_relaxed)) return;
    const std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    list.insert(list.end(), list_.begin(), list_.end());
    list_.clear();
    nonempty_.store(false, std::memory_order_relaxed);  // relaxed: a hint, as above
  }

  // With no thread registered: frees them all; returns how many.
  std::size_t reclaim_all_quiescent() {
    const std::scoped_lock lock(mutex_);
    nonempty_.store(false, std::memory_order_relaxed);  // relaxed: a hint, as above
    return reclaim_all(list_);
  }

 private:
  alignas(64) sync::mutex mutex_;
  era_retired_list list_;
  sync::atomic<bool> nonempty_{false};
};

// A thread's allocation count between era advances: the clock moves every `every` allocations of
// one thread (epochFreq * n, recomputed at each advance as threads register).
class era_advance_counter {
 public:
  // Counts one allocation; true when the caller should advance the clock.
  bool count() noexcept {
    if (++since_ < every_) return false;
    since_ = 0;
    return true;
  }
  void set_period(std::uint64_t every) noexcept { every_ = std::max<std::uint64_t>(every, 1); }

 private:
  std::uint64_t since_ = 0;
  std::uint64_t every_ = 1;
};

}  // namespace smr
