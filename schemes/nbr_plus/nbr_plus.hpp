// nbr_plus: neutralization-based reclamation with NBR+'s low watermark (Singh, Brown and
// Mashtizadeh, "NBR: Neutralization Based Reclamation", PPoPP 2021). Operations are read phases,
// restartable from a checkpoint, and write phases that touch only what they reserved
// (schemes/read_phases.hpp); so it pairs only with structures that declare read_write_phases.
//
//   read phase   SMR_READ_PHASE: sigsetjmp(checkpoint, 0), clear the reservations, phase = read.
//                Plain loads; nothing published.
//   write phase  enter_write_phase(refs...): publish the refs in the reservation slots, then
//                phase = write (compiler fences: only this thread's handler reads the phase).
//   retire       into the thread's bag (preallocated). At R = max(2·N·K, 8·max(1, N − 1)·floor)
//                (snapshot_scan.hpp's ping_scan_threshold, floor = scan_threshold_min):
//                announce (round count odd), ping every other thread (schemes/thread_ping.hpp)
//                and wait for each acknowledgement, announce (even), read every reservation
//                once into a sorted array, free the rest of the bag. A pinged thread in a read
//                phase acknowledges and siglongjmps to its checkpoint: it restarts and cannot
//                reach what was unlinked before the ping. One in a write phase has published its
//                reservations before its phase said so, and acknowledges; the acknowledgement
//                (release) orders them before the reclaimer's reads.
//   NBR+         at R/2 the bag is bookmarked and every thread's round count snapshot (an RMW,
//                so a round that starts later is ordered after this thread's unlinks). Once one
//                thread's count passed the snapshot rounded up to even by 2, a whole round
//                neutralised everyone after the bookmark: the prefix is freed against the
//                current reservations, with no ping of this thread's own.
//
// Always waits for acknowledgement (correctness first: without it a reader on another CPU could
// reserve a node the reclaimer has already read past). Outside any phase (a guard with no read
// phase: the harness's parked thread, the contract's tests) deref publishes a hazard pointer into
// a free reservation slot, so such a thread holds back only what it references.
//
// Traits. traverses_deleted_nodes: true in the read phase (a node retired while a reader could
// reach it is freed only after that reader restarted) and for reserved nodes; not for a link
// read in the write phase, which is a value only. Bounded: each bag stays below R, and a reclaim
// keeps at most the N·K reserved nodes, so at most N·R are unreclaimed. Robust: a stalled thread
// in a read phase is neutralised (a sleeping one is woken by the signal), in a write phase or
// outside one it holds its K reservations only.
#pragma once

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "../domain_base.hpp"
#include "../free_pacing.hpp"
#include "../plain_ref.hpp"
#include "../read_phases.hpp"
#include "../retired_object.hpp"
#include "../snapshot_scan.hpp"
#include "../thread_ping.hpp"
#include "schemes/nbr_plus/nbr_bag.hpp"
#include "schemes/nbr_plus/nbr_reservations.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct nbr_plus {
  static constexpr std::string_view name = "nbr_plus";
  static constexpr std::string_view description =
      "NBR+ neutralization-based reclamation (Singh, Brown, Mashtizadeh 2021), signal pings "
      "with acknowledgement, low watermark";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // in the read phase (see the file comment)
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .restarts_read_phases = true,
      .bound_formula =
          "N·R, R = max(2·N·K, 8·max(1, N − 1)·scan_threshold_min): each bag below R, a reclaim "
          "keeps the N·K reserved",
  };

  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return ping_scan_threshold(n, k, floor);  // snapshot_scan.hpp
  }
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min);
  }

  struct node_base {};
  template <class T>
  using link = atomic_marked_ptr<T>;
  template <class T>
  using ref = nbr_ref<T>;

  struct slot {
    reservation_array reservations{};
    // Reclaim rounds announced: odd while one is under way. Others snapshot it (NBR+).
    sync::atomic<std::uint64_t> rounds{0};
    thread_counters counters;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      require_hazards_per_thread(config, "nbr_plus", max_reservations_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    counter_totals counters() const {
      counter_totals t = domain_base<slot>::counters();
      pings_.add_totals_to(t);
      return t;
    }
    ping_group& pings() noexcept { return pings_; }

    void add_orphans(retired_list& list) {
      if (list.empty()) return;
      const std::scoped_lock lock(orphans_mutex_);
      orphans_.insert(orphans_.end(), list.begin(), list.end());
      list.clear();
      // Relaxed: a hint; the mutex orders the list itself.
      has_orphans_.store(true, std::memory_order_relaxed);
    }
    void adopt_orphans(retired_list& list) {
      // Relaxed: a hint; a missed one is adopted by a later reclaim.
      if (!has_orphans_.load(std::memory_order_relaxed)) return;
      const std::unique_lock lock(orphans_mutex_, std::try_to_lock);
      if (!lock.owns_lock()) return;
      list.insert(list.end(), orphans_.begin(), orphans_.end());
      orphans_.clear();
      has_orphans_.store(false, std::memory_order_relaxed);  // relaxed: under the mutex
    }

    void reclaim_all_quiescent() {
      require_quiescent("nbr_plus::reclaim_all_quiescent");
      // Every handle handed what its last reclaim kept over as orphans.
      const std::size_t n = reclaim_all(orphans_);
      has_orphans_.store(false, std::memory_order_relaxed);  // relaxed: quiescent
      teardown_counters().count_reclaimed(n);
    }

   private:
    ping_group pings_;
    alignas(64) sync::mutex orphans_mutex_;
    retired_list orphans_;
    sync::atomic<bool> has_orphans_{false};
  };

  class thread_handle;
  using guard = enter_exit_guard<thread_handle>;

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    static constexpr bool restarts_read_phases = true;

    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          slots_(own_slot().reservations, d.config().hazards_per_thread),
          pacing_(d.config()),
          bag_(initial_capacity(d.config())),
          receiver_(d.pings(), &on_ping, this) {
      threshold_ = current_threshold();
      snapshot_.reserve(d.config().max_threads);
      reserved_.reserve(std::size_t{d.config().max_threads} * slots_.size());
    }
    ~thread_handle() {
      if (!bag_.empty()) reclaim();
      pacing_.flush(counters());
      owner().add_orphans(bag_.items());
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // DeRefLink: in a phase a plain load (acquire pairs with the release or seq_cst write that
    // published the node); outside one, a hazard pointer.
    template <class T>
    [[gnu::always_inline]] ref<T> deref(const link<T>& l) {
      if (phase_ != outside) [[likely]]
        return ref<T>(l.load(std::memory_order_acquire));
      return slots_.protect(l);
    }
    template <class T>
    [[gnu::always_inline]] void deref_into(ref<T>& r, const link<T>& l) {
      if (phase_ != outside) [[likely]] {
        r.assign(l.load(std::memory_order_acquire));  // acquire: as in deref
      } else {
        r.reset();
        r = slots_.protect(l);
      }
    }

    // NewNode. Not in a read phase (a restart would leak the node).
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      check_not_in_read_phase("make");
      T* p = new T(std::forward<Args>(args)...);
      counters().count_allocated();
      return ref<T>(marked_ptr<T>(p));
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      check_not_in_read_phase("retire");
      T* p = r.get();
      r.reset();
      pacing_.step(counters());
      bag_.push(retired_object::of(p, on_reclaim));
      counters().count_retired();
      if (bag_.size() >= threshold_) {
        reclaim();
        threshold_ = current_threshold();
      } else if (bag_.size() >= threshold_ / 2) {
        low_watermark();
      }
    }

    // The read and write phases (schemes/read_phases.hpp; the structures reach them through
    // SMR_READ_PHASE and smr::enter_write_phase).
    sigjmp_buf& read_phase_checkpoint() noexcept { return checkpoint_; }
    // Before a checkpoint is (re)taken: no ping may jump to a half-written one. What a read phase
    // left unfinished is not used again, so nothing needs reserving.
    void before_checkpoint() noexcept {
      if (phase_ == read) set_phase(write);
    }
    void begin_read_phase(bool restarted) {
      if (restarted) after_restart();
      slots_.clear();
      slots_.set_in_phase(true);
      set_phase(read);
    }
    template <class... P>
    void enter_write_phase(P... ptrs) {
      if constexpr (read_phase_checks) {
        if (phase_ == outside) fail("enter_write_phase outside a read phase");
      }
      slots_.reserve(static_cast<const void*>(ptrs)...);
      set_phase(write);
    }

    // The operation guard (re-entrant).
    void enter() noexcept { ++nesting_; }
    void exit() noexcept {
      if (--nesting_ != 0) return;
      if constexpr (read_phase_checks) {
        if (phase_ == read) fail("an operation ended inside its read phase");
      }
      set_phase(outside);
      slots_.set_in_phase(false);
      slots_.clear();
    }

    // Pings every other thread, then frees every retired node of this thread (and adopted
    // orphans) that no reservation holds.
    void reclaim() {
      pacing_.flush(counters());
      owner().adopt_orphans(bag_.items());
      announce_round();  // odd: under way
      owner().pings().ping_others(&receiver_);
      announce_round();  // even: everyone was neutralised or acknowledged since the first
      free_unreserved(bag_.size());
    }

    std::size_t retired_count() const noexcept { return bag_.size(); }
    std::uint64_t restarts() const noexcept { return restarts_; }
    std::uint64_t low_watermark_frees() const noexcept { return low_watermark_frees_; }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), slots_.size(),
                            owner().config().scan_threshold_min);
    }

   private:
    enum : int { outside = 0, read = 1, write = 2 };

    static std::size_t initial_capacity(const domain_config& c) {
      return scan_threshold(c.threads, c.hazards_per_thread, c.scan_threshold_min) + 1;
    }

    // The ping callback, in this thread's signal handler: a read phase is neutralised (it
    // acknowledges, then jumps back to its checkpoint); otherwise the reservations are already
    // published and the ping group acknowledges on return.
    static void on_ping(void* context) noexcept {
      auto& h = *static_cast<thread_handle*>(context);
      if (h.phase_ != read) return;
      h.receiver_.acknowledge();
      siglongjmp(h.checkpoint_, 1);
    }
    void after_restart() {
      sync::unblock_pings_after_jump();
      ++restarts_;
      // The jump left the handler before it served this thread's other receivers (another
      // domain's, another scheme's): one more ping to itself serves them.
      sync::send_ping(sync::this_ping_thread());
    }
    // Only this thread's signal handler reads the phase: compiler fences keep the reservations'
    // stores on their side of it.
    void set_phase(int p) noexcept {
      sync::compiler_fence(std::memory_order_seq_cst);
      phase_ = p;
      sync::compiler_fence(std::memory_order_seq_cst);
    }
    void check_not_in_read_phase(const char* what) const noexcept {
      if constexpr (read_phase_checks) {
        if (phase_ == read) fail(what);
      }
    }
    [[noreturn]] static void fail(const char* what) noexcept {
      std::fprintf(stderr, "nbr_plus: %s in a read phase (schemes/read_phases.hpp)\n", what);
      std::abort();
    }

    void announce_round() {
      // acq_rel: the acquire half reads the snapshots others took with fetch_add(0) (release),
      // so their unlinks before a snapshot happen before this round's pings; the release half
      // pairs with their acquire loads in low_watermark(): the acknowledgements this round
      // waited for (and the reservations they ordered) happen before their reads.
      own_slot().rounds.fetch_add(1, std::memory_order_acq_rel);
    }

    // NBR+: bookmark at the low watermark; free the prefix once a round by another thread has
    // neutralised everyone since.
    void low_watermark() {
      if (bag_.bookmark() == 0) {
        bag_.set_bookmark();
        take_snapshot();
      } else if (someone_completed_a_round()) {
        ++low_watermark_frees_;
        pacing_.flush(counters());
        free_unreserved(bag_.bookmark());
      }
    }
    void take_snapshot() {
      snapshot_.clear();
      owner().registry().for_each_slot([&](slot& s) {
        // acq_rel RMW (adds nothing): a later round's first announcement reads it, so this
        // thread's unlinks of the bookmarked nodes happen before that round's pings.
        const std::uint64_t r = s.rounds.fetch_add(0, std::memory_order_acq_rel);
        snapshot_.push_back((r + 1) & ~std::uint64_t{1});  // rounded up to even
      });
    }
    bool someone_completed_a_round() {
      bool done = false;
      std::size_t i = 0;
      owner().registry().for_each_slot([&](slot& s) {
        if (done || i >= snapshot_.size()) return;
        // Acquire pairs with announce_round's release: the round's acknowledgements happen
        // before the reservation reads that follow.
        if (&s != &own_slot() && s.rounds.load(std::memory_order_acquire) >= snapshot_[i] + 2) {
          done = true;
        }
        ++i;
      });
      return done;
    }

    // Reads every reservation once into a sorted array, and frees [0, end) of the bag but those.
    void free_unreserved(std::size_t end) {
      collect_reservations();
      auto reserved = [this](const void* p) {
        return std::binary_search(reserved_.begin(), reserved_.end(), p);
      };
      const std::size_t n = bag_.free_unreserved(end, reserved, pacing_);
      if (n != 0) counters().count_reclaimed(n);
    }
    void collect_reservations() {
      reserved_.clear();
      const unsigned k = slots_.size();
      owner().registry().for_each_slot([&](const slot& s) {
        for (unsigned j = 0; j < k; ++j) {
          // seq_cst: pairs with the hazard-pointer publication outside a phase (store-load with
          // the unlinking CAS); in a phase the acknowledgement already ordered the stores.
          const void* p = s.reservations[j].load(std::memory_order_seq_cst);
          if (p != nullptr) reserved_.push_back(p);
        }
      });
      std::sort(reserved_.begin(), reserved_.end());
    }

    nbr_reservations slots_;
    free_pacing pacing_;
    nbr_bag bag_;
    sigjmp_buf checkpoint_{};
    volatile std::sig_atomic_t phase_ = outside;  // read by this thread's signal handler only
    unsigned nesting_ = 0;
    std::uint64_t threshold_ = 0;
    std::uint64_t restarts_ = 0;
    std::uint64_t low_watermark_frees_ = 0;
    std::vector<std::uint64_t> snapshot_;  // NBR+: rounds rounded up to even, by slot
    std::vector<const void*> reserved_;    // the last reclaim's reservations, sorted
    ping_group::receiver receiver_;        // last: leaves the group before the rest goes
  };
};

}  // namespace smr
