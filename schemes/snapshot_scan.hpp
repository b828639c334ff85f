// snapshot_scan: the scan of the hazard-pointer schemes that read every hazard slot once (hp_asym,
// hp_pop, epoch_pop's fallback), in steps: take the batch (the thread's retired nodes and the
// orphans it adopts); make every hazard published before the batch was unlinked visible (hp_asym:
// a heavy fence; hp_pop: a ping round; the caller's step); snapshot every slot once, sorted
// (snapshot_hazards, hazard_slots.hpp); free what the snapshot does not hold. O(H log H + R log H),
// never O(H·R).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "schemes/free_pacing.hpp"
#include "schemes/hazard_slots.hpp"
#include "schemes/orphan_pool.hpp"
#include "schemes/retired_object.hpp"

namespace smr {

// The retire-list length at which a thread scans: at least 2·N·K (so that a scan frees at least
// half its batch), and at least `amortization` times the domain's floor, where each scan pays
// something heavy (a membarrier, a ping of every thread).
inline std::uint64_t amortized_scan_threshold(unsigned n, unsigned k, unsigned floor,
                                              unsigned amortization) {
  return std::max<std::uint64_t>(2ULL * n * k, std::uint64_t{amortization} * floor);
}

// The threshold of a scheme whose scan pings every other thread (hp_pop, epoch_pop's fallback,
// nbr_plus). A round costs per thread pinged (about 25 us each here: the thread_ping micro
// benchmark), about what 512 retires cost, so it is amortised over ping_retires_per_target times
// the floor per target: R = max(2·N·K, 8·max(1, N − 1)·floor), and pinging costs at most about
// what retiring does. A fixed multiple large enough for many threads would, at few threads, keep
// thousands of retired nodes waiting (more memory, and the cache they take) for cheap rounds.
inline constexpr unsigned ping_retires_per_target = 8;
inline std::uint64_t ping_scan_threshold(unsigned n, unsigned k, unsigned floor) {
  return amortized_scan_threshold(n, k, floor, ping_retires_per_target * (n > 1 ? n - 1 : 1));
}

class snapshot_scan {
 public:
  // Step 1: the nodes this scan decides on, `own` (left empty) and the orphans it adopts. All were
  // unlinked before they were retired, so before the caller's next step.
  void take(retired_list& own, orphan_pool<retired_object>& orphans) {
    batch_.clear();
    std::swap(batch_, own);
    orphans.adopt([&](std::vector<retired_object>& o) {
      batch_.insert(batch_.end(), o.begin(), o.end());
      o.clear();
    });
  }

  // Step 3: every hazard of the registry's slots (k each), each read once.
  template <class Registry>
  void snapshot(Registry& registry, unsigned k) {
    snapshot_hazards(registry, k, snapshot_);
  }
  bool held(const void* p) const noexcept {
    return std::binary_search(snapshot_.begin(), snapshot_.end(), p);
  }

  // Step 4: frees the batch's nodes the snapshot does not hold, puts the rest in `keep`. Returns
  // how many it freed now (for count_reclaimed).
  std::uint64_t free_unheld(retired_list& keep, free_pacing& pacing) {
    std::uint64_t freed = 0;
    for (const retired_object& r : batch_) {
      if (held(r.address())) {
        keep.push_back(r);
      } else {
        freed += pacing.release(r);
      }
    }
    batch_.clear();
    return freed;
  }

 private:
  retired_list batch_;                 // the nodes of the scan in progress
  std::vector<const void*> snapshot_;  // the hazards it read, sorted
};

}  // namespace smr
