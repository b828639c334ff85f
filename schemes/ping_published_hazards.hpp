// ping_published_hazards: a thread's hazard pointers kept thread-local and published only when
// a reclaimer pings (publish-on-ping, Singh and Brown, PPoPP 2025): hp_pop and epoch_pop. The
// thread's hazard_slots write a local array (hazard_publication::on_ping: a relaxed store, a
// compiler barrier, the validating re-read); its ping handler copies the array into the
// registry slot's shared one, which scans snapshot (snapshot_hazards in hazard_slots.hpp).
#pragma once

#include <cstddef>
#include <string_view>

#include "schemes/hazard_slots.hpp"
#include "schemes/sync.hpp"
#include "schemes/thread_ping.hpp"

namespace smr {

// A thread's local hazards, and their publication on ping.
class hazards_published_on_ping {
 public:
  // `shared`: the registry slot's array, which other threads snapshot; written here only.
  hazards_published_on_ping(hazard_array& shared, unsigned k, std::string_view scheme,
                            ping_group& group)
      : shared_(shared), hazards_(local_, k, scheme), receiver_(group, &on_ping, this) {}
  // The registry slot outlives this thread: its next owner starts with no stale hazard. Release
  // pairs with a scan's acquire load of the slot (snapshot_hazards): a scan that reads the slot
  // cleared happens after this thread's uses of the nodes it protected, which is what lets it
  // free them (relaxed would leave the uses and the free unordered).
  ~hazards_published_on_ping() {
    for (auto& h : shared_) h.store(nullptr, std::memory_order_release);
  }
  hazards_published_on_ping(const hazards_published_on_ping&) = delete;
  hazards_published_on_ping& operator=(const hazards_published_on_ping&) = delete;

  hazard_slots& slots() noexcept { return hazards_; }

  // Pings every other thread of the group and publishes this thread's own hazards: afterwards
  // every registered thread's shared slots hold every hazard it published locally before its
  // handler ran. Returns the threads pinged.
  std::size_t publish_all(ping_group& group) {
    const std::size_t pinged = group.ping_others(&receiver_);
    publish();
    return pinged;
  }

 private:
  // (P2) In the pinged thread's signal handler. seq_cst stores: the reclaimer's snapshot, after
  // the acknowledgement (thread_ping.hpp's release store, the pinger's acquire load), reads them.
  void publish() noexcept {
    for (unsigned j = 0; j < hazards_.size(); ++j) {
      // relaxed load: this thread's own slot.
      shared_[j].store(local_[j].load(std::memory_order_relaxed), std::memory_order_seq_cst);
    }
  }
  static void on_ping(void* self) noexcept {
    static_cast<hazards_published_on_ping*>(self)->publish();
  }

  hazard_array& shared_;
  hazard_array local_{};  // this thread's hazards; only its own handler reads them elsewhere
  hazard_slots hazards_;
  ping_group::receiver receiver_;
};

}  // namespace smr
