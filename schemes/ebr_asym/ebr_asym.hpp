// ebr_asym: epoch-based reclamation (Fraser 2004) with asymmetric fences, as liburcu's "memb"
// flavour does it. Entering an operation announces "active at epoch e" with a plain (release)
// store and a compiler barrier (smr::sync::asymmetric_light_fence): no hardware fence and no
// read-modify-write on the reader's path. The store-load order between the announcement and the
// operation's loads is paid by the thread that advances the epoch: one heavy fence,
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (schemes/asymmetric_fence.hpp), after it has read
// the epoch and before it reads any announcement. The epoch advances once every active thread has
// announced the current one; a node retired at epoch e is freed once the epoch reaches e + 2.
// Each thread keeps three limbo lists indexed by epoch mod 3, and tries to advance every
// 8 * epoch_advance_interval retires (8x ebr, to amortise the heavy fence).
//
// Unbounded, not robust: a thread stalled inside an operation stops the epoch. Links read out of
// unlinked nodes are safe to follow (nothing retired during an operation is freed before it ends).
// Where membarrier is missing or refused, unavailable() says why, the domain refuses to be built
// and the registry skips the scheme: it never falls back to full fences.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "schemes/domain_base.hpp"
#include "schemes/free_pacing.hpp"
#include "schemes/orphan_pool.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct ebr_asym : pointer_scheme_types {
  static constexpr std::string_view name = "ebr_asym";
  static constexpr std::string_view description =
      "epoch-based reclamation with asymmetric fences (liburcu memb): plain announcement, "
      "membarrier per epoch advance";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing retired during a pinned operation is freed
      .bounded_garbage = false,
      .robust_to_stalled_threads = false,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }
  // A thread tries to advance every this many times the domain's epoch_advance_interval retires:
  // an attempt that may succeed pays a heavy fence (about 0.5 us with one thread, more with every
  // CPU it interrupts), so trying 8x less often than ebr keeps it under about 1 ns per retire.
  static constexpr unsigned heavy_fence_amortization = 8;
  static unsigned advance_interval(const domain_config& c) {
    return heavy_fence_amortization * c.epoch_advance_interval;
  }
  // The availability hook (schemes/README.md, section 2).
  static std::optional<std::string> unavailable() {
    if (const auto& why = sync::asymmetric_fence_unavailable()) {
      return "ebr_asym (needs membarrier for its heavy fence; no fallback to full fences): " + *why;
    }
    return std::nullopt;
  }

  struct limbo_list {
    std::uint64_t epoch = 0;  // the global epoch its objects were retired in
    retired_list objects;
  };

  struct slot {
    // (epoch << 1) | active. Written by the owner, read by threads advancing the epoch.
    sync::atomic<std::uint64_t> announcement{0};
    thread_counters counters;
    // Heavy fences this slot's threads ran (one per advance attempt). Owner-written, relaxed: a
    // statistic no algorithm reads.
    sync::atomic<std::uint64_t> heavy_fences{0};
    // Owner-only state.
    unsigned nesting = 0;
    std::uint64_t pinned_epoch = 0;
    unsigned retires_since_advance = 0;
    std::array<limbo_list, 3> limbo{};
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      if (auto why = unavailable()) throw std::runtime_error(*why);
    }
    ~domain() { reclaim_all_quiescent(); }

    // Seq_cst: the retirer's load after its (seq_cst) unlinking CAS, and the load before an
    // advance, are ordered with the advancing CAS in the single total order, as in ebr.
    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }

    // Advances the global epoch if every active thread has announced the current one. A thread
    // seen lagging before the heavy fence already forbids the advance, so the fence (counted on
    // `counting`, the slot of the calling thread) is paid only when the advance may succeed.
    bool try_advance(slot& counting) {
      std::uint64_t e = epoch();
      if (!all_announced(e)) return false;
      pay_heavy_fence(counting);
      if (!all_announced(e)) return false;
      // Seq_cst CAS (release half): pairs with the epoch loads of retirers and of threads that
      // free limbo lists, so that the announcements' release stores read above happen before
      // those frees.
      return epoch_.compare_exchange_strong(e, e + 1, std::memory_order_seq_cst);
    }

    // Heavy fences run by every thread so far.
    std::uint64_t heavy_fences() {
      std::uint64_t n = 0;
      registry().for_each_slot(
          [&](const slot& s) { n += s.heavy_fences.load(std::memory_order_relaxed); });
      return n;
    }

    orphan_pool<limbo_list>& orphans() noexcept { return orphans_; }

    // Releases orphaned limbo lists (left by exited threads) that are two epochs old into the
    // caller's pacing; the caller counts what is freed as its own reclaims.
    std::size_t reclaim_orphans(std::uint64_t current_epoch, free_pacing& pacing) {
      std::size_t n = 0;
      orphans_.adopt([&](std::vector<limbo_list>& lists) {
        std::erase_if(lists, [&](limbo_list& l) {
          if (l.epoch + 2 > current_epoch) return false;
          n += pacing.release_all(l.objects);
          return true;
        });
      });
      return n;
    }

    void reclaim_all_quiescent() {
      require_quiescent("ebr_asym::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) {
        for (auto& l : s.limbo) n += reclaim_all(l.objects);
      });
      for (auto& l : orphans_.quiescent_items()) n += reclaim_all(l.objects);
      orphans_.quiescent_items().clear();
      teardown_counters().count_reclaimed(n);
    }

   private:
    // (B2) The heavy fence, after the epoch load and before any announcement is read: an
    // announcement not visible to the loads below was made after this fence's point in its
    // thread, so that thread's operation sees every unlink made before the epoch e was read.
    static void pay_heavy_fence(slot& counting) {
      sync::asymmetric_heavy_fence();
      auto& n = counting.heavy_fences;
      // Relaxed: single writer (the slot's owner), a statistic.
      n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    // (B3) Acquire pairs with the release stores of enter() (B1) and exit(): every access a
    // thread made in an operation it has since left happens before this advance, and so before
    // the frees that the advance allows.
    bool all_announced(std::uint64_t e) {
      bool all_current = true;
      registry().for_each_slot([&](const slot& s) {
        const std::uint64_t a = s.announcement.load(std::memory_order_acquire);
        if ((a & 1U) != 0 && (a >> 1U) != e) all_current = false;
      });
      return all_current;
    }

    alignas(64) sync::atomic<std::uint64_t> epoch_{0};
    orphan_pool<limbo_list> orphans_;
  };

  class thread_handle : public registered_thread<domain, slot>,
                        public plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d), pacing_(d.config()) {}
    // Leaves its limbo lists that are not yet two epochs old to the domain's orphans.
    ~thread_handle() {
      domain& d = owner();
      d.try_advance(own_slot());
      reclaim_expired(d.epoch());
      pacing_.flush(counters());
      std::vector<limbo_list> left;
      for (auto& l : own_slot().limbo) {
        if (!l.objects.empty()) left.push_back(std::move(l));
        l = limbo_list{};
      }
      d.orphans().add(left);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // Pin. Re-entrant: only the outermost guard announces.
    void enter() noexcept {
      slot& s = own_slot();
      if (s.nesting++ != 0) return;
      // A stale epoch is safe: the announcement is made before any shared pointer is read, so
      // nodes retired at older epochs were already unreachable. Seq_cst, as in ebr (a plain load
      // on x86 and the same instruction as acquire on AArch64).
      s.pinned_epoch = owner().epoch();
      // (B1) Release pairs with the advance's acquire load (B3): this thread's earlier
      // operations happen before an advance that reads this announcement. The store-load order
      // (announcement before this operation's loads) is not this store's: the light fence below
      // pairs with the advancer's heavy fence (B2).
      s.announcement.store((s.pinned_epoch << 1U) | 1U, std::memory_order_release);
      sync::asymmetric_light_fence();
    }
    // Unpin. Release pairs with the acquire loads of the advance (B3): every access made while
    // pinned happens before the epoch moves on, and so before the nodes are freed (release also
    // keeps the compiler from sinking them below the store; no fence is needed).
    void exit() noexcept {
      slot& s = own_slot();
      if (--s.nesting != 0) return;
      s.announcement.store(s.pinned_epoch << 1U, std::memory_order_release);
    }
    bool pinned() noexcept { return own_slot().nesting != 0; }
    // Tries to advance the epoch now, paying (and counting) one heavy fence.
    bool try_advance() { return owner().try_advance(own_slot()); }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      pacing_.step(counters());
      // The node was unlinked before this load (the unlinking CAS is seq_cst), so every thread
      // that can still reach it announced an epoch <= e.
      const std::uint64_t e = owner().epoch();
      put_in_limbo(e, retired_object::of(p, on_reclaim));
      counters().count_retired();
      maybe_advance();
    }

    // Heavy fences this thread's slot has run (statistics, for the tests and the micro suite).
    std::uint64_t heavy_fences() noexcept {
      return own_slot().heavy_fences.load(std::memory_order_relaxed);  // relaxed: own counter
    }

   private:
    void put_in_limbo(std::uint64_t e, retired_object o) {
      limbo_list& l = own_slot().limbo[e % 3];
      if (l.epoch != e) {
        // Its objects were retired at an epoch <= e - 3: safe.
        counters().count_reclaimed(pacing_.release_all(l.objects));
        l.epoch = e;
      }
      l.objects.push_back(o);
    }
    // Every advance_interval() retires: try to advance, then free what is two epochs old.
    void maybe_advance() {
      slot& s = own_slot();
      if (++s.retires_since_advance < advance_interval(owner().config())) return;
      s.retires_since_advance = 0;
      owner().try_advance(s);
      reclaim_expired(owner().epoch());
    }
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
