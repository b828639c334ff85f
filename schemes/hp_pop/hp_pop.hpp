// hp_pop: hazard pointers published on ping (HazardPtrPOP, Singh and Brown, PPoPP 2025). A
// reader's hazards are thread-local: protecting a node is a relaxed store into the thread's own
// slot, a compiler barrier and the validating re-read (hazard_slots.hpp, P1), with no hardware
// fence and no write that another thread reads. A reclaimer whose retire list reaches its
// threshold pings every other registered thread (schemes/thread_ping.hpp: one signal each); each
// thread's handler copies its local slots into its shared ones (P2) and acknowledges; once every
// acknowledgement is in, the reclaimer snapshots the shared slots and frees the nodes not in the
// snapshot. Unlike pop_setbench, the reclaimer waits for every acknowledgement: without the wait
// a thread descheduled between its local store and its re-read could still use a freed node.
//
// Bound: a thread scans when its retire list reaches R = max(2H, 8 * max(1, N - 1) *
// scan_threshold_min), with H = N*k hazards in all (a ping round costs tens of microseconds per
// thread pinged, so it is amortised over 8 times the usual floor per target: snapshot_scan.hpp's
// ping_scan_threshold); a scan keeps at most H nodes. So at most N*R retired nodes are
// unreclaimed, a thread stalled in an operation included (it still acknowledges: the kernel runs
// its handler when it next runs, or at once if it sleeps). A stopped thread (SIGSTOP) would stall
// the reclaimer instead. A hazard protects only the reference it was published for: links read
// out of an unlinked node are not protected.
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
#include "schemes/free_pacing.hpp"
#include "schemes/hazard_slots.hpp"
#include "schemes/orphan_pool.hpp"
#include "schemes/ping_published_hazards.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/snapshot_scan.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct hp_pop : pointer_scheme_types {
  static constexpr std::string_view name = "hp_pop";
  static constexpr std::string_view description =
      "hazard pointers published on ping (Singh and Brown 2025): thread-local hazards, a signal "
      "to every thread per scan, acknowledged";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·R, R = max(2·N·K, 8·max(1, N − 1)·scan_threshold_min): a ping round amortised "
          "over 8 times the usual threshold per thread pinged",
  };

  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return ping_scan_threshold(n, k, floor);  // snapshot_scan.hpp
  }
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min);
  }

  struct slot {
    hazard_array hazards{};  // shared: written by the owner's ping handler, read by scans
    thread_counters counters;
    retired_list retired;  // owner-only
  };

  template <class T>
  using ref = hazard_ref<T>;

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      require_hazards_per_thread(config, "hp_pop", max_hazards_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    unsigned hazards_per_thread() const noexcept { return config().hazards_per_thread; }
    orphan_pool<retired_object>& orphans() noexcept { return orphans_; }
    ping_group& pings() noexcept { return pings_; }

    counter_totals counters() const {
      counter_totals t = domain_base<slot>::counters();
      pings_.add_totals_to(t);
      return t;
    }

    void reclaim_all_quiescent() {
      require_quiescent("hp_pop::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += reclaim_all(s.retired); });
      n += reclaim_all(orphans_.quiescent_items());
      teardown_counters().count_reclaimed(n);
    }

   private:
    orphan_pool<retired_object> orphans_;
    ping_group pings_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          hazards_(own_slot().hazards, d.hazards_per_thread(), name, d.pings()),
          pacing_(d.config()) {
      next_scan_at_ = current_threshold();
    }
    // Leaves what its last scan could not free to the domain's orphans.
    ~thread_handle() {
      if (!own_slot().retired.empty()) scan();
      pacing_.flush(counters());
      owner().orphans().add(own_slot().retired);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

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
      own_slot().retired.push_back(retired_object::of(p, on_reclaim));
      counters().count_retired();
      if (own_slot().retired.size() >= next_scan_at_) {
        scan();
        next_scan_at_ = current_threshold();
      }
    }

    // Pings every thread to publish its hazards, then frees every retired node of this thread
    // (and adopted orphans) that none holds.
    void scan() {
      pacing_.flush(counters());
      scan_.take(own_slot().retired, owner().orphans());
      hazards_.publish_all(
          owner().pings());  // after the batch's unlinks: the requests release them
      scan_.snapshot(owner().registry(), hazards_.slots().size());
      const std::uint64_t freed = scan_.free_unheld(own_slot().retired, pacing_);
      if (freed != 0) counters().count_reclaimed(freed);
    }

    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), owner().hazards_per_thread(),
                            owner().config().scan_threshold_min);
    }

   private:
    hazards_published_on_ping hazards_;
    std::uint64_t next_scan_at_ = 0;
    snapshot_scan scan_;
    free_pacing pacing_;
  };

  using guard = no_guard;
};

}  // namespace smr
