// qsbr: quiescent-state-based reclamation (McKenney and Slingwine; liburcu's QSBR flavour),
// native. A global epoch E; each thread publishes the epoch it saw at its last quiescent state,
// or `offline`. The end of each outermost operation is a quiescent state: the thread reads E
// and, only when E moved since its last one, publishes it (a store and a full fence); otherwise
// it costs one load. Protection is plain loads. A node retired at epoch t is freed once every
// online thread has published an epoch > t. A thread that waits outside operations (the
// harness's barriers, the end of its run: smr::offline_while_waiting) goes offline and holds
// nothing back; a thread stalled inside an operation stops all reclamation, so garbage is
// unbounded and the scheme is not robust.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "../domain_base.hpp"
#include "../free_pacing.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct qsbr : pointer_scheme_types {
  static constexpr std::string_view name = "qsbr";
  static constexpr std::string_view description =
      "quiescent-state-based reclamation: a quiescent state at the end of each operation, "
      "offline while waiting";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing retired during an operation is freed
      .bounded_garbage = false,
      .robust_to_stalled_threads = false,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }

  static constexpr std::uint64_t offline = std::numeric_limits<std::uint64_t>::max();

  struct tagged {
    std::uint64_t epoch;  // E when it was retired, after it was unlinked
    retired_object object;
  };

  struct slot {
    // The epoch seen at the last quiescent state, or `offline`. Written by the owner, read by
    // every thread that scans.
    sync::atomic<std::uint64_t> seen{offline};
    thread_counters counters;
    // Owner-only state.
    unsigned nesting = 0;
    unsigned retires_since_scan = 0;
    std::vector<tagged> retired;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }

    // seq_cst: with the unlinking CAS (seq_cst) before it in the single total order, and the
    // full fence after each publication in publish(), a thread that saw a later epoch at a
    // quiescent state cannot reach what was unlinked before this load (see publish()).
    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }
    void advance() noexcept { epoch_.fetch_add(1, std::memory_order_seq_cst); }

    // The smallest epoch an online thread has published (`offline` when none is online).
    // Each load synchronizes with the release of a publication or of going offline, so what a
    // thread did before it happens-before what the caller frees afterwards. seq_cst, not just
    // acquire: a thread coming online publishes and fences (publish()); either that fence
    // precedes the caller's unlink in the total order, and the thread's loads see the unlink,
    // or the unlink precedes this load, and this load sees the publication.
    std::uint64_t oldest_seen() {
      std::uint64_t oldest = offline;
      registry().for_each_slot([&](const slot& s) {
        oldest = std::min(oldest, s.seen.load(std::memory_order_seq_cst));
      });
      return oldest;
    }

    void add_orphans(std::vector<tagged>& retired) {
      const std::scoped_lock lock(orphans_mutex_);
      for (tagged& t : retired) orphans_.push_back(std::move(t));
      retired.clear();
      has_orphans_.store(!orphans_.empty(), std::memory_order_relaxed);  // a hint only
    }

    // Releases the orphans (left by exited threads) retired before `oldest` into the caller's
    // pacing; the caller counts what is freed as its own reclaims.
    std::size_t reclaim_orphans(std::uint64_t oldest, free_pacing& pacing) {
      if (!has_orphans_.load(std::memory_order_relaxed)) return 0;
      const std::unique_lock lock(orphans_mutex_, std::try_to_lock);
      if (!lock.owns_lock()) return 0;
      const std::size_t n = release_older_than(orphans_, oldest, pacing);
      has_orphans_.store(!orphans_.empty(), std::memory_order_relaxed);
      return n;
    }

    void reclaim_all_quiescent() {
      require_quiescent("qsbr::reclaim_all_quiescent");
      std::size_t n = 0;
      free_pacing at_once;
      registry().for_each_slot(
          [&](slot& s) { n += release_older_than(s.retired, offline, at_once); });
      n += release_older_than(orphans_, offline, at_once);
      has_orphans_.store(false, std::memory_order_relaxed);
      teardown_counters().count_reclaimed(n);
    }

    // Releases the entries retired at an epoch < `oldest` (free_pacing.hpp), keeps the rest;
    // returns how many were freed now.
    static std::size_t release_older_than(std::vector<tagged>& list, std::uint64_t oldest,
                                          free_pacing& pacing) {
      std::size_t n = 0;
      std::erase_if(list, [&](const tagged& t) {
        if (t.epoch >= oldest) return false;
        n += pacing.release(t.object);
        return true;
      });
      return n;
    }

   private:
    alignas(64) sync::atomic<std::uint64_t> epoch_{1};
    alignas(64) sync::mutex orphans_mutex_;
    std::vector<tagged> orphans_;
    sync::atomic<bool> has_orphans_{false};
  };

  class thread_handle : public registered_thread<domain, slot>,
                        public plain_link_operations<thread_handle> {
   public:
    // Online from registration, so that the first operation is protected (IBR's and
    // pop_setbench's QSBR leave a new thread offline until its first quiescent state).
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d), pacing_(d.config()) {
      go_online();
    }
    ~thread_handle() {
      go_offline();
      domain& d = owner();
      d.advance();
      scan();
      pacing_.flush(counters());
      d.add_orphans(own_slot().retired);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    void enter() noexcept { ++own_slot().nesting; }
    // The end of the outermost operation is a quiescent state.
    void exit() noexcept {
      slot& s = own_slot();
      if (--s.nesting != 0) return;
      quiescent_state();
    }
    bool pinned() noexcept { return own_slot().nesting != 0; }

    // A quiescent state: nothing read before it is used after it. Costs one load unless the
    // epoch moved since the last one.
    void quiescent_state() noexcept {
      slot& s = own_slot();
      const std::uint64_t e = owner().epoch();
      // Relaxed: only this thread writes `seen`.
      if (s.seen.load(std::memory_order_relaxed) != e) publish(s, e);
    }

    // Waiting outside operations (smr::offline_while_waiting): hold no grace period back.
    // Release pairs with the loads in domain::oldest_seen(): this thread's earlier accesses
    // happen-before whatever a scan then frees.
    void go_offline() noexcept { own_slot().seen.store(offline, std::memory_order_release); }
    void go_online() noexcept {
      slot& s = own_slot();
      publish(s, owner().epoch());
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      pacing_.step(counters());
      slot& s = own_slot();
      // The node was unlinked before this load (the unlinking CAS is seq_cst); a thread can
      // still reach it only while it has published an epoch <= this one.
      s.retired.push_back(tagged{owner().epoch(), retired_object::of(p, on_reclaim)});
      counters().count_retired();
      if (++s.retires_since_scan >= owner().config().epoch_advance_interval) {
        s.retires_since_scan = 0;
        owner().advance();
        scan();
      }
    }

   private:
    // Publishes `e` as the epoch this thread has seen. The seq_cst store releases this
    // thread's earlier accesses (pairs with the loads in domain::oldest_seen()); the full
    // fence after it is the StoreLoad that keeps the next operation's loads after the
    // publication: every unlink ordered before this thread's load of `e` (seq_cst, see
    // domain::epoch()) is then visible to those loads, so they cannot reach a node that a
    // scan relying on this publication frees.
    static void publish(slot& s, std::uint64_t e) noexcept {
      s.seen.store(e, std::memory_order_seq_cst);
      sync::fence(std::memory_order_seq_cst);
    }

    // Walks this thread's list only when the oldest published epoch moved since the last walk:
    // everything retired since then is tagged with an epoch >= that oldest one, so nothing more
    // could be freed. Without this a stalled thread made every scan walk the whole (growing)
    // list, and throughput collapsed (0.05x `none` on the stack with park:1). Orphans are tried
    // every time: an exiting thread may have left old ones.
    //
    // The oldest epoch is clamped to the epoch read before it. Everything retired after that
    // read, by any thread, is tagged with an epoch >= it, so it stays. Unclamped, a scan that
    // found no other thread online got `offline` and freed every orphan, including those an
    // exiting thread added after the scan's read, retired while a thread that came online
    // meanwhile could still hold them (found by the model checker: qsbr x treiber_stack, 3
    // threads x 3 operations, SC, 2 preemptions).
    void scan() {
      pacing_.flush(counters());
      const std::uint64_t now = owner().epoch();
      const std::uint64_t oldest = std::min(owner().oldest_seen(), now);
      std::size_t n = 0;
      if (oldest != last_walk_oldest_) {
        last_walk_oldest_ = oldest;
        n += domain::release_older_than(own_slot().retired, oldest, pacing_);
      }
      n += owner().reclaim_orphans(oldest, pacing_);
      if (n != 0) counters().count_reclaimed(n);
    }

    std::uint64_t last_walk_oldest_ = 0;  // owner-only: the oldest epoch at the last walk
    free_pacing pacing_;                  // owner-only: frees what a scan found safe
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
