// hp_asym: hazard pointers with asymmetric fences (Michael 2004; the fence placement of folly's
// hazptr, Dice et al.'s asymmetric Dekker). Protection is a release store of the hazard plus a
// compiler barrier (smr::sync::asymmetric_light_fence): no hardware fence on the reader's path.
// The store-load order that hazard pointers need (publish, then re-read the link) is paid by the
// reclaimer instead: each scan runs one heavy fence, membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
// (schemes/asymmetric_fence.hpp), after it has taken its retired nodes and before it reads any
// hazard. The scan then reads every hazard slot once into a sorted snapshot and frees the nodes
// not in it: O(H log H + R log H), never O(H*R).
//
// Bound: a thread scans when its retire list reaches R = max(2H, 8 * scan_threshold_min), with
// H = N*k hazards in all (8x hazard_pointers' floor, to amortise the heavy fence); a scan keeps
// at most H nodes. So at most N*R retired nodes are
// unreclaimed, a thread stalled in an operation included (it holds at most k hazards). Robust.
// A hazard protects only the reference it was published for: links read out of an unlinked node
// are not protected. Where membarrier is missing or refused, unavailable() says why, the domain
// refuses to be built and the registry skips the scheme: it never falls back to full fences.
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
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/snapshot_scan.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct hp_asym : pointer_scheme_types {
  static constexpr std::string_view name = "hp_asym";
  static constexpr std::string_view description =
      "hazard pointers with asymmetric fences: plain publication, one membarrier per scan, "
      "snapshot scan";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·R, R = max(2·N·K, 8·scan_threshold_min): the heavy fence amortised over 8 times the "
          "usual threshold",
  };

  // The floor on R is this many times the domain's scan_threshold_min: a heavy fence costs about
  // 0.5 us with one thread (more with every CPU it interrupts), so scanning 8x less often than
  // hazard_pointers keeps it under about 1 ns per retire, for 8x the garbage bound.
  static constexpr unsigned heavy_fence_amortization = 8;

  // The scan threshold R for n registered threads with k hazards each.
  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return amortized_scan_threshold(n, k, floor, heavy_fence_amortization);
  }
  // At most N*R retired nodes are unreclaimed.
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min);
  }
  // The availability hook (schemes/README.md, section 2): why this process cannot run the
  // scheme, or std::nullopt.
  static std::optional<std::string> unavailable() {
    if (const auto& why = sync::asymmetric_fence_unavailable()) {
      return "hp_asym (needs membarrier for its heavy fence; no fallback to full fences): " + *why;
    }
    return std::nullopt;
  }

  struct slot {
    hazard_array hazards{};
    thread_counters counters;
    // Heavy fences this slot's threads ran (one per scan). Written by the owner only, read by
    // domain::heavy_fences(); relaxed, a statistic no algorithm reads.
    sync::atomic<std::uint64_t> heavy_fences{0};
    retired_list retired;  // owner-only
  };

  template <class T>
  using ref = hazard_ref<T>;

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      if (auto why = unavailable()) throw std::runtime_error(*why);
      require_hazards_per_thread(config, "hp_asym", max_hazards_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    unsigned hazards_per_thread() const noexcept { return config().hazards_per_thread; }
    orphan_pool<retired_object>& orphans() noexcept { return orphans_; }

    // Heavy fences run by every thread so far: one per scan.
    std::uint64_t heavy_fences() {
      std::uint64_t n = 0;
      registry().for_each_slot(
          [&](const slot& s) { n += s.heavy_fences.load(std::memory_order_relaxed); });
      return n;
    }

    void reclaim_all_quiescent() {
      require_quiescent("hp_asym::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += reclaim_all(s.retired); });
      n += reclaim_all(orphans_.quiescent_items());
      teardown_counters().count_reclaimed(n);
    }

   private:
    orphan_pool<retired_object> orphans_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          hazards_(own_slot().hazards, d.hazards_per_thread(), name),
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

    // DeRefLink: publication with the light fence only (hazard_slots.hpp, A1).
    template <class T>
    ref<T> deref(const link<T>& l) {
      return hazards_.protect<hazard_publication::asymmetric>(l);
    }

    // DeRefLink in place (deref_into, schemes/scheme.hpp): r keeps its slot.
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      hazards_.protect_into<hazard_publication::asymmetric>(r, l);
    }

    // NewNode: the fresh node is protected like a dereferenced one.
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      ref<T> r = hazards_.make<T>(std::forward<Args>(args)...);
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

    // Frees every retired node of this thread (and adopted orphans) that no hazard protects.
    void scan() {
      pacing_.flush(counters());
      scan_.take(own_slot().retired, owner().orphans());
      pay_heavy_fence();
      scan_.snapshot(owner().registry(), hazards_.size());
      const std::uint64_t freed = scan_.free_unheld(own_slot().retired, pacing_);
      if (freed != 0) counters().count_reclaimed(freed);
    }

    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), hazards_.size(),
                            owner().config().scan_threshold_min);
    }

   private:
    // Step 2 (A2): the heavy fence, after the batch is taken and before any hazard is read.
    void pay_heavy_fence() {
      sync::asymmetric_heavy_fence();
      auto& n = own_slot().heavy_fences;
      // Relaxed: single writer (this thread), a statistic.
      n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    hazard_slots hazards_;
    std::uint64_t next_scan_at_ = 0;
    snapshot_scan scan_;
    free_pacing pacing_;  // owner-only: frees what a scan found unprotected
  };

  using guard = no_guard;
};

}  // namespace smr
