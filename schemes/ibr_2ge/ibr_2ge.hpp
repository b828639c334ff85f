// ibr_2ge: 2GE interval-based reclamation (Wen, Izraelevitz, Cai, Beadle and Scott, PPoPP 2018). A
// global epoch E, starting at 1; every node carries its birth epoch (era_node_base, set in make());
// its retire record carries the epoch it was retired in. Each thread reserves one interval [lower,
// upper] of epochs (idle = both at the maximum): the start of an operation sets both to E;
// DeRefLink loads the pointer, then E, and returns when E equals the thread's upper, else raises
// upper to E (a seq_cst store) and re-reads; the end of the operation sets upper, then lower, back
// to idle. E advances every F*n allocations of a thread (F = domain_config::epoch_advance_interval,
// n the registered threads). A scan takes one snapshot of the intervals (each thread's lower, then
// its upper), merges them into a sorted array of disjoint intervals, and frees each retired node
// whose lifetime [birth, retire] meets none of them (the strict test). Links out of unlinked nodes
// are not protected (treated like hazard pointers).
//
// Robust: a stalled thread pins only the nodes alive during its interval; newer garbage is still
// freed. Bound (derivation): a scan keeps only the pinned nodes P, and the next one comes max(R, P)
// retires later, R = max(scan_threshold_min, 2n) (once the list doubles when a stall pins many, so
// that scans stay amortised O(1) per retire); so a thread's list holds < R + 2P nodes. A node is
// pinned only if its lifetime meets a reserved interval; there are at most n of them, so P <= n *
// A, A the most nodes alive during one reserved interval (the live nodes at its lower epoch plus
// those allocated until its upper one). An exited thread's list waits as orphans until a scan
// adopts it, so with n the threads ever registered, unreclaimed <= n * (R + 2n * A)
// (bound_for_live_nodes()). A depends on the size of the structure and on how many epochs one
// reserved interval spans: an operation raises its upper end at each read while the epoch moves,
// and how far the epoch moves during one operation depends on the other threads' speed, not on
// bound_inputs. So even where the live set is known (bound_inputs::live_nodes), bound() returns
// std::nullopt rather than a number that a slow operation could exceed. The garbage is bounded
// (a stalled thread's interval stops growing), but not by the inputs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "../domain_base.hpp"
#include "../era_reclamation.hpp"
#include "../plain_ref.hpp"
#include "schemes/sync.hpp"

namespace smr {

// One scan's snapshot of the reserved intervals, merged into disjoint ones sorted by epoch.
class interval_snapshot {
 public:
  static constexpr std::uint64_t idle = std::numeric_limits<std::uint64_t>::max();

  // Reads each thread's lower, then its upper. seq_cst loads: they follow the retire's unlinking
  // CAS in S. A lower read as idle means the thread's next operation starts after this load in S,
  // so its loads see the unlink. Otherwise the upper, read after it, is at least that lower (the
  // start stores upper before lower, and this load acquires the lower), and is at least every
  // upper the thread published before one of its pointer loads (store-load pattern with
  // ibr_2ge::thread_handle::raise_upper()). An upper from a later operation, or idle, only
  // widens the interval.
  template <class Registry>
  void take(Registry& registry) {
    raw_.clear();
    registry.for_each_slot([&](const auto& s) {
      const std::uint64_t lo = s.lower.load(std::memory_order_seq_cst);
      if (lo == idle) return;
      const std::uint64_t up = s.upper.load(std::memory_order_seq_cst);
      raw_.push_back({lo, std::max(lo, up)});
    });
    merge();
  }
  // Whether a reserved interval meets [birth, retire].
  bool pins(std::uint64_t birth, std::uint64_t retire) const noexcept {
    const auto it = std::lower_bound(merged_.begin(), merged_.end(), birth,
                                     [](const interval& i, std::uint64_t b) { return i.up < b; });
    return it != merged_.end() && it->lo <= retire;
  }

 private:
  struct interval {
    std::uint64_t lo, up;
  };
  void merge() {
    std::sort(raw_.begin(), raw_.end(),
              [](const interval& a, const interval& b) { return a.lo < b.lo; });
    merged_.clear();
    for (const interval& i : raw_) {
      if (!merged_.empty() && i.lo <= merged_.back().up) {
        merged_.back().up = std::max(merged_.back().up, i.up);
      } else {
        merged_.push_back(i);
      }
    }
  }
  std::vector<interval> raw_;
  std::vector<interval> merged_;  // disjoint, sorted by lo and so by up
};

struct ibr_2ge : pointer_scheme_types {
  static constexpr std::string_view name = "ibr_2ge";
  static constexpr std::string_view description =
      "2GE interval-based reclamation (Wen et al. 2018): one reserved epoch interval per thread, "
      "birth/retire epochs per node";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,  // by the live set, see the header comment
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·(R + 2·N·A), R = max(2·N, scan_threshold_min), A the most nodes alive in one reserved "
          "interval (its span in epochs is not among bound()'s inputs: no number)",
      .node_metadata = "its birth epoch; the retire epoch is in the retire record",
  };

  static constexpr std::uint64_t idle = interval_snapshot::idle;

  // The scan threshold R for n registered threads.
  static std::uint64_t scan_threshold(unsigned n, unsigned floor) {
    return std::max<std::uint64_t>(2ULL * n, floor);
  }
  // n * (R + 2n * A), A the most nodes alive during one reserved interval (header comment).
  static std::uint64_t bound_for_live_nodes(const bound_inputs& in, std::uint64_t a) {
    const std::uint64_t n = in.threads;
    return n * (scan_threshold(in.threads, in.scan_threshold_min) + 2 * n * a);
  }
  // No number from these inputs: the bound grows with the structure's size (header comment).
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }

  using node_base = era_node_base;

  struct slot {
    // The reserved interval; idle in both outside operations. Written by the owner, read by
    // every scan.
    sync::atomic<std::uint64_t> lower{idle};
    sync::atomic<std::uint64_t> upper{idle};
    thread_counters counters;
    era_retired_list retired;  // owner-only
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }

    // seq_cst (a plain load on x86, ldar on AArch64): the loads at the start of an operation,
    // in DeRefLink and at retire are in S, which the safety argument orders (header comments of
    // interval_snapshot::take() and thread_handle::raise_upper()).
    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }
    // seq_cst: an RMW in S, so a reader that loads the new epoch is ordered after it.
    void advance() noexcept { epoch_.fetch_add(1, std::memory_order_seq_cst); }
    // Relaxed, for birth epochs outside operations: whoever later reaches the node reads E after
    // its publication, so reads an epoch >= this one (read-read coherence through the release).
    std::uint64_t epoch_for_birth() const noexcept {
      return epoch_.load(std::memory_order_relaxed);
    }
    era_orphans& orphans() noexcept { return orphans_; }

    void reclaim_all_quiescent() {
      require_quiescent("ibr_2ge::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += reclaim_all(s.retired); });
      n += orphans_.reclaim_all_quiescent();
      teardown_counters().count_reclaimed(n);
    }

   private:
    alignas(64) sync::atomic<std::uint64_t> epoch_{first_era};
    era_orphans orphans_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d), pacing_(d.config()) {
      plan_next_advance();
      next_scan_at_ = current_threshold();
    }
    ~thread_handle() {
      if (!own_slot().retired.empty()) scan();
      pacing_.flush(counters());
      owner().orphans().add(own_slot().retired);
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // Start of an operation: reserve [E, E]. Upper first (relaxed), then lower (seq_cst): a scan
    // that reads the new lower acquires it, so reads an upper >= it; the seq_cst store is the
    // StoreLoad that orders the reservation before this operation's pointer loads.
    void enter() noexcept {
      if (nesting_++ != 0) return;
      slot& s = own_slot();
      const std::uint64_t e = owner().epoch();
      s.upper.store(e, std::memory_order_relaxed);
      s.lower.store(e, std::memory_order_seq_cst);
      upper_ = e;
    }
    // End: upper, then lower, back to idle. Release pairs with a scan's loads: this operation's
    // reads happen before a scan that sees the interval released frees what they read. Upper
    // first, as at the start, so that the lower (the store a scan reads first and synchronizes
    // with) is always written last: a scan that reads this idle lower skips the thread; one that
    // reads the live lower then reads the live upper, or idle, or a later one, which only widen
    // the interval.
    void exit() noexcept {
      if (--nesting_ != 0) return;
      slot& s = own_slot();
      s.upper.store(idle, std::memory_order_release);
      s.lower.store(idle, std::memory_order_release);
      upper_ = idle;
    }

    // DeRefLink: returns the pointer once E, read after it, equals the reserved upper.
    template <class T>
    ref<T> deref(const link<T>& l) {
      const domain& d = owner();
      for (;;) {
        // seq_cst (as acquire on x86 and AArch64): after the reservation in S, before the
        // unlinking CAS of a node it reads, so that node's retire epoch is >= lower.
        const marked_ptr<T> p = l.load(std::memory_order_seq_cst);
        if (!p) return ref<T>(p);
        const std::uint64_t e = d.epoch();  // after the pointer: >= its birth epoch
        if (e == upper_) return ref<T>(p);
        raise_upper(e);
      }
    }

    // NewNode. Inside an operation the node is born at the reserved upper, an epoch no later
    // than the current one (so every reader's epoch is >= it) that this thread's interval
    // already covers; outside, at the current epoch.
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      T* p = new T(std::forward<Args>(args)...);
      p->set_birth_era(nesting_ != 0 ? upper_ : owner().epoch_for_birth());
      counters().count_allocated();
      if (advance_.count()) advance_epoch();
      return ref<T>(marked_ptr<T>(p));
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      const std::uint64_t birth = static_cast<const era_node_base*>(p)->birth_era();
      r.reset();
      pacing_.step(counters());
      // After the unlinking CAS (seq_cst): every thread that can still reach the node reserved
      // a lower <= this epoch before it read the pointer.
      const std::uint64_t retire_epoch = owner().epoch();
      own_slot().retired.push_back(
          era_retired{birth, retire_epoch, retired_object::of(p, on_reclaim)});
      counters().count_retired();
      if (own_slot().retired.size() >= next_scan_at_) scan();
    }

    // Frees every retired node of this thread (and adopted orphans) that no interval pins.
    void scan() {
      pacing_.flush(counters());
      domain& d = owner();
      auto& list = own_slot().retired;
      d.orphans().adopt_into(list);
      snapshot_.take(d.registry());
      const std::size_t n = reclaim_unpinned(
          list, [&](std::uint64_t b, std::uint64_t e) { return snapshot_.pins(b, e); }, pacing_);
      if (n != 0) counters().count_reclaimed(n);
      next_scan_at_ = next_scan_after(list.size());
    }

    bool pinned() const noexcept { return nesting_ != 0; }
    // The next scan comes R retires later, or once the list doubles if it kept more than R
    // (a stall pins many): amortised O(1) checks per retire either way.
    std::uint64_t next_scan_after(std::size_t kept) const noexcept {
      return kept + std::max<std::uint64_t>(current_threshold(), kept);
    }
    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), owner().config().scan_threshold_min);
    }

   private:
    // seq_cst store then the seq_cst re-read of the pointer (the StoreLoad of 2GE-IBR): the
    // raised upper precedes the re-read in S, and pairs with the unlinking CAS and a scan's load.
    void raise_upper(std::uint64_t e) noexcept {
      own_slot().upper.store(e, std::memory_order_seq_cst);
      upper_ = e;
    }
    void advance_epoch() {
      owner().advance();
      plan_next_advance();
    }
    void plan_next_advance() {
      advance_.set_period(std::uint64_t{owner().config().epoch_advance_interval} *
                          owner().thread_high_water());
    }

    unsigned nesting_ = 0;
    std::uint64_t upper_ = idle;  // what own_slot().upper holds
    era_advance_counter advance_;
    std::uint64_t next_scan_at_ = 0;
    free_pacing pacing_;  // owner-only: frees what a scan found unpinned
    interval_snapshot snapshot_;
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
