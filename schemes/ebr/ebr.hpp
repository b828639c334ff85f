// ebr: epoch-based reclamation after Fraser (2004). A global epoch; a thread entering an
// operation announces "active at epoch e"; the epoch advances once every active thread has
// announced the current one; a node retired at epoch e is freed once the epoch reaches e + 2.
// Each thread keeps three limbo lists indexed by epoch mod 3. A thread stalled inside an
// operation stops the epoch, so garbage is unbounded: the stall experiments show this.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "../domain_base.hpp"
#include "../epoch_announcement.hpp"
#include "../free_pacing.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct ebr : pointer_scheme_types {
  static constexpr std::string_view name = "ebr";
  static constexpr std::string_view description =
      "epoch-based reclamation (Fraser 2004), three limbo lists per thread";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing retired during a pinned operation is freed
      .bounded_garbage = false,
      .robust_to_stalled_threads = false,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }

  struct limbo_list {
    std::uint64_t epoch = 0;  // the global epoch its objects were retired in
    retired_list objects;
  };

  struct slot {
    epoch_announcement announced;
    thread_counters counters;
    // Owner-only state.
    unsigned retires_since_advance = 0;
    std::array<limbo_list, 3> limbo{};
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }

    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }

    // Advances the global epoch if every active thread has announced the current one.
    bool try_advance() { return epoch_announcement::try_advance(epoch_, registry()); }
    const sync::atomic<std::uint64_t>& global_epoch() const noexcept { return epoch_; }

    void add_orphans(std::array<limbo_list, 3>& limbo) {
      const std::scoped_lock lock(orphans_mutex_);
      for (auto& l : limbo) {
        if (!l.objects.empty()) orphans_.push_back(std::move(l));
        l = limbo_list{};
      }
      has_orphans_.store(true, std::memory_order_relaxed);
    }

    // Releases orphaned limbo lists (left by exited threads) that are two epochs old into the
    // caller's pacing; the caller counts what is freed as its own reclaims.
    std::size_t reclaim_orphans(std::uint64_t current_epoch, free_pacing& pacing) {
      if (!has_orphans_.load(std::memory_order_relaxed)) return 0;
      const std::unique_lock lock(orphans_mutex_, std::try_to_lock);
      if (!lock.owns_lock()) return 0;
      std::size_t n = 0;
      std::erase_if(orphans_, [&](limbo_list& l) {
        if (l.epoch + 2 > current_epoch) return false;
        n += pacing.release_all(l.objects);
        return true;
      });
      has_orphans_.store(!orphans_.empty(), std::memory_order_relaxed);
      return n;
    }

    void reclaim_all_quiescent() {
      require_quiescent("ebr::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) {
        for (auto& l : s.limbo) n += reclaim_all(l.objects);
      });
      for (auto& l : orphans_) n += reclaim_all(l.objects);
      orphans_.clear();
      has_orphans_.store(false, std::memory_order_relaxed);
      teardown_counters().count_reclaimed(n);
    }

   private:
    alignas(64) sync::atomic<std::uint64_t> epoch_{0};
    alignas(64) sync::mutex orphans_mutex_;
    std::vector<limbo_list> orphans_;
    sync::atomic<bool> has_orphans_{false};
  };

  class thread_handle : public registered_thread<domain, slot>,
                        public plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d), pacing_(d.config()) {}
    ~thread_handle() {
      domain& d = owner();
      d.try_advance();
      reclaim_expired(d.epoch());
      pacing_.flush(counters());
      d.add_orphans(own_slot().limbo);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // Pin and unpin (epoch_announcement.hpp). Re-entrant: only the outermost guard announces.
    void enter() noexcept { own_slot().announced.enter(owner().global_epoch()); }
    void exit() noexcept { own_slot().announced.exit(); }
    bool pinned() noexcept { return own_slot().announced.pinned(); }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      pacing_.step(counters());
      slot& s = own_slot();
      // The node was unlinked before this load (the unlinking CAS is seq_cst), so every thread
      // that can still reach it announced an epoch <= e.
      const std::uint64_t e = owner().epoch();
      limbo_list& l = s.limbo[e % 3];
      if (l.epoch != e) {
        // Its objects were retired at an epoch <= e - 3: safe.
        counters().count_reclaimed(pacing_.release_all(l.objects));
        l.epoch = e;
      }
      l.objects.push_back(retired_object::of(p, on_reclaim));
      counters().count_retired();
      if (++s.retires_since_advance >= owner().config().epoch_advance_interval) {
        s.retires_since_advance = 0;
        owner().try_advance();
        reclaim_expired(owner().epoch());
      }
    }

   private:
    void reclaim_expired(std::uint64_t current) {
      pacing_.flush(counters());
      std::size_t n = 0;
      for (auto& l : own_slot().limbo) {
        if (!l.objects.empty() && l.epoch + 2 <= current) n += pacing_.release_all(l.objects);
      }
      n += owner().reclaim_orphans(current, pacing_);
      if (n != 0) counters().count_reclaimed(n);
    }

    free_pacing pacing_;  // owner-only: frees what a limbo list held once it is safe
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
