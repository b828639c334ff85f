// epoch_pop: EBR that falls back to publish-on-ping hazard pointers (EpochPOP, Singh and Brown,
// PPoPP 2025). Every operation announces the global epoch, as in EBR, and every dereference also
// writes a thread-local hazard (schemes/ping_published_hazards.hpp: a relaxed store, no fence).
// When a thread's retire list reaches its threshold R it first frees, EBR's way, the nodes
// retired two epochs ago or more; if more than half of R remain (a thread holds the epoch back:
// stalled, parked, preempted inside an operation), it pings every thread to publish its hazards
// and frees every node none of them holds, as hp_pop does. Either pass is safe on its own: the
// epoch covers every node a pinned thread may reach, the hazards every node a thread holds. So a
// stalled thread no longer makes garbage unbounded, and a run without one pays EBR's costs plus
// a local store per dereference.
//
// Bound: after a reclaim at most max(R/2, H) nodes stay in a thread's list, so at most N*R are
// unreclaimed, R = max(2H, 8 * max(1, N - 1) * scan_threshold_min) (snapshot_scan.hpp's
// ping_scan_threshold), H = N*k hazards. Robust. Because the
// fallback frees what no hazard holds, links read out of an unlinked node are not protected:
// the scheme pairs only with structures that never follow them (as hazard pointers).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schemes/domain_base.hpp"
#include "schemes/epoch_announcement.hpp"
#include "schemes/free_pacing.hpp"
#include "schemes/hazard_slots.hpp"
#include "schemes/orphan_pool.hpp"
#include "schemes/ping_published_hazards.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/snapshot_scan.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct epoch_pop : pointer_scheme_types {
  static constexpr std::string_view name = "epoch_pop";
  static constexpr std::string_view description =
      "EBR with a publish-on-ping hazard-pointer fallback (Singh and Brown 2025): pings only "
      "when a thread holds the epoch back";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,  // the fallback frees what no hazard holds
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·R, R = max(2·N·K, 8·max(1, N − 1)·scan_threshold_min): what an epoch pass leaves past "
          "R/2 goes "
          "to a ping and a hazard scan",
  };

  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return ping_scan_threshold(n, k, floor);  // snapshot_scan.hpp
  }
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min);
  }

  // A retired node and the epoch it was retired in.
  struct retired_in_epoch {
    retired_object object;
    std::uint64_t epoch = 0;
  };

  struct slot {
    hazard_array hazards{};  // shared: written by the owner's ping handler, read by scans
    epoch_announcement announced;
    thread_counters counters;
    std::vector<retired_in_epoch> retired;  // owner-only
  };

  template <class T>
  using ref = hazard_ref<T>;

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      require_hazards_per_thread(config, "epoch_pop", max_hazards_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    unsigned hazards_per_thread() const noexcept { return config().hazards_per_thread; }
    orphan_pool<retired_in_epoch>& orphans() noexcept { return orphans_; }
    ping_group& pings() noexcept { return pings_; }

    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }

    void try_advance() { epoch_announcement::try_advance(epoch_, registry()); }
    const sync::atomic<std::uint64_t>& global_epoch() const noexcept { return epoch_; }

    counter_totals counters() const {
      counter_totals t = domain_base<slot>::counters();
      pings_.add_totals_to(t);
      return t;
    }

    void reclaim_all_quiescent() {
      require_quiescent("epoch_pop::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) {
        for (retired_in_epoch& r : s.retired) n += reclaim_all_of(r.object);
        s.retired.clear();
      });
      for (retired_in_epoch& r : orphans_.quiescent_items()) n += reclaim_all_of(r.object);
      orphans_.quiescent_items().clear();
      teardown_counters().count_reclaimed(n);
    }

   private:
    static std::size_t reclaim_all_of(retired_object& o) {
      retired_list one{o};
      return reclaim_all(one);
    }

    alignas(64) sync::atomic<std::uint64_t> epoch_{1};
    orphan_pool<retired_in_epoch> orphans_;
    ping_group pings_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          hazards_(own_slot().hazards, d.hazards_per_thread(), name, d.pings()),
          pacing_(d.config()) {}
    // Frees what the epoch allows, and leaves the rest, with their epochs, to the domain's
    // orphans: a live thread's next reclaim adopts them. Leaving pings no one. Outside any
    // operation this thread holds no epoch back, so two advances (which succeed unless another
    // thread is pinned behind) make everything it retired expire: a thread that leaves while no
    // other holds the epoch back (the harness's prefill thread) leaves no orphans, which would
    // otherwise sit on top of the live threads' N·R until adopted.
    ~thread_handle() {
      owner().try_advance();
      owner().try_advance();
      free_expired(owner().epoch());
      pacing_.flush(counters());
      owner().orphans().add(own_slot().retired);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // Pin and unpin (epoch_announcement.hpp: a seq_cst announcement, the StoreLoad order that
    // pop_setbench's release store lacks). Re-entrant.
    void enter() noexcept { own_slot().announced.enter(owner().global_epoch()); }
    void exit() noexcept { own_slot().announced.exit(); }

    template <class T>
    ref<T> deref(const link<T>& l) {
      return hazards_.slots().protect<hazard_publication::on_ping>(l);
    }
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      hazards_.slots().protect_into<hazard_publication::on_ping>(r, l);
    }

    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      ref<T> r = hazards_.slots().make<T>(std::forward<Args>(args)...);
      counters().count_allocated();
      return r;
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      pacing_.step(counters());
      // The node was unlinked before this load (the unlinking CAS is seq_cst), so every thread
      // that can still reach it announced an epoch <= e.
      own_slot().retired.push_back({retired_object::of(p, on_reclaim), owner().epoch()});
      counters().count_retired();
      if (++retires_since_advance_ >= owner().config().epoch_advance_interval) {
        retires_since_advance_ = 0;
        owner().try_advance();
      }
      if (own_slot().retired.size() >= current_threshold()) reclaim();
    }

    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), owner().hazards_per_thread(),
                            owner().config().scan_threshold_min);
    }

   private:
    // The epoch pass over this thread's list and the orphans it adopts, then, if it left more
    // than half the threshold, the ping and the hazard scan.
    void reclaim() {
      pacing_.flush(counters());
      adopt_orphans();
      owner().try_advance();
      free_expired(owner().epoch());
      if (2 * own_slot().retired.size() > current_threshold()) scan_hazards();
    }

    // EBR's rule: a node retired at epoch e is safe once the epoch reaches e + 2.
    void free_expired(std::uint64_t current) {
      std::uint64_t freed = 0;
      std::erase_if(own_slot().retired, [&](const retired_in_epoch& r) {
        if (r.epoch + 2 > current) return false;
        freed += pacing_.release(r.object);
        return true;
      });
      if (freed != 0) counters().count_reclaimed(freed);
    }

    // POP's fallback: every thread publishes its hazards; what none holds is freed.
    void scan_hazards() {
      hazards_.publish_all(owner().pings());
      scan_.snapshot(owner().registry(), hazards_.slots().size());
      std::uint64_t freed = 0;
      std::erase_if(own_slot().retired, [&](const retired_in_epoch& r) {
        if (scan_.held(r.object.address())) return false;
        freed += pacing_.release(r.object);
        return true;
      });
      if (freed != 0) counters().count_reclaimed(freed);
    }

    void adopt_orphans() {
      owner().orphans().adopt([&](std::vector<retired_in_epoch>& o) {
        own_slot().retired.insert(own_slot().retired.end(), o.begin(), o.end());
        o.clear();
      });
    }

    hazards_published_on_ping hazards_;
    unsigned retires_since_advance_ = 0;
    snapshot_scan scan_;  // its snapshot only: the list keeps each node's epoch
    free_pacing pacing_;
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
