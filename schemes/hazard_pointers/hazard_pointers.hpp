// hazard_pointers: Michael's hazard pointers (IEEE TPDS 15(6), 2004). Each thread owns K hazard
// slots; a local reference publishes the node it points at in one of them and re-reads the
// link to validate. Retired nodes go to a per-thread retire list; when it reaches
// R = max(2H, scan_threshold_min), with H = N*K hazards in all, a scan gathers every published
// hazard into a hash set and frees the rest. A scan frees at least R - H nodes, so at most N*R
// retired nodes are unreclaimed at any time. A hazard protects only the reference it was
// published for: links read out of an unlinked node are not protected.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "../domain_base.hpp"
#include "../free_pacing.hpp"
#include "../hazard_slots.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct hazard_pointers : pointer_scheme_types {
  static constexpr std::string_view name = "hazard_pointers";
  static constexpr std::string_view description =
      "hazard pointers (Michael 2004), R = 2H scan threshold, hash-set scan";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula = "N·R, R = max(2·N·K, scan_threshold_min)",
  };

  // The scan threshold R for n registered threads with k hazards each.
  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return std::max<std::uint64_t>(2ULL * n * k, floor);
  }
  // At most N*R retired nodes are unreclaimed.
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min);
  }

  struct slot {
    hazard_array hazards{};
    thread_counters counters;
    retired_list retired;  // owner-only
  };

  // A local reference owns one hazard slot while it points at a node (replaces the plain_ref of
  // pointer_scheme_types; node_base and link are inherited).
  template <class T>
  using ref = hazard_ref<T>;

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      require_hazards_per_thread(config, "hazard_pointers", max_hazards_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    unsigned hazards_per_thread() const noexcept { return config().hazards_per_thread; }

    void add_orphans(retired_list& list) {
      if (list.empty()) return;
      const std::scoped_lock lock(orphans_mutex_);
      orphans_.insert(orphans_.end(), list.begin(), list.end());
      list.clear();
      has_orphans_.store(true, std::memory_order_relaxed);
    }
    // Moves orphaned retired nodes (left by exited threads) into `list`.
    void adopt_orphans(retired_list& list) {
      if (!has_orphans_.load(std::memory_order_relaxed)) return;
      const std::unique_lock lock(orphans_mutex_, std::try_to_lock);
      if (!lock.owns_lock()) return;
      list.insert(list.end(), orphans_.begin(), orphans_.end());
      orphans_.clear();
      has_orphans_.store(false, std::memory_order_relaxed);
    }

    void reclaim_all_quiescent() {
      require_quiescent("hazard_pointers::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += reclaim_all(s.retired); });
      n += reclaim_all(orphans_);
      has_orphans_.store(false, std::memory_order_relaxed);
      teardown_counters().count_reclaimed(n);
    }

   private:
    alignas(64) sync::mutex orphans_mutex_;
    retired_list orphans_;
    sync::atomic<bool> has_orphans_{false};
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          hazards_(own_slot().hazards, d.hazards_per_thread(), name),
          pacing_(d.config()) {
      next_scan_at_ = current_threshold();
    }
    ~thread_handle() {
      if (!own_slot().retired.empty()) scan();
      pacing_.flush(counters());
      owner().add_orphans(own_slot().retired);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // DeRefLink.
    template <class T>
    ref<T> deref(const link<T>& l) {
      return hazards_.protect(l);
    }

    // DeRefLink in place (deref_into, schemes/scheme.hpp): r keeps its slot.
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      hazards_.protect_into(r, l);
    }

    // NewNode: the fresh node is protected like a dereferenced one, so it stays safe to use
    // after it is published.
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
      domain& d = owner();
      d.adopt_orphans(own_slot().retired);
      collect_hazards(d.registry(), hazards_.size(), hazards_seen_);
      auto& list = own_slot().retired;
      const auto freeable = std::partition(list.begin(), list.end(), [&](const retired_object& r) {
        return hazards_seen_.contains(r.address());
      });
      std::uint64_t n = 0;
      for (auto it = freeable; it != list.end(); ++it) n += pacing_.release(*it);
      list.erase(freeable, list.end());
      if (n != 0) counters().count_reclaimed(n);
    }

    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), hazards_.size(),
                            owner().config().scan_threshold_min);
    }

   protected:
    // For schemes built on this one (the deliberately broken variants of tests/broken_schemes).
    hazard_slots& hazards() noexcept { return hazards_; }

   private:
    hazard_slots hazards_;
    std::uint64_t next_scan_at_ = 0;
    std::unordered_set<const void*> hazards_seen_;
    free_pacing pacing_;  // owner-only: frees what a scan found unprotected
  };

  using guard = no_guard;
};

}  // namespace smr
