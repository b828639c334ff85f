// hazard_eras: Hazard Eras (Ramalhete and Correia, SPAA 2017). A global era clock, starting at 1 (0
// = no era); every node carries its birth era (era_node_base, set in make()); its retire record
// carries the era it was retired in. Each thread owns K era slots, like hazard pointers but holding
// an era instead of an address: DeRefLink loads the pointer, then the clock, and returns when the
// clock equals the era in the thread's newest slot; else it publishes the new era (a seq_cst store,
// the only fence) and re-reads. References read in the same era share its slot (each slot counts
// its references, so K references never need more than K slots), and slots keep their era inside an
// operation, so an era is published only when it changes, not once per reference; the end of the
// outermost operation clears the unused ones. The clock advances every F*n allocations of a thread
// (F = domain_config::epoch_advance_interval, n the registered threads). A scan takes one snapshot
// of every published era into a sorted array and frees each retired node whose lifetime [birth,
// retire] contains none of them (the strict test). A reservation protects only what was read while
// it was current: links out of unlinked nodes are not protected.
//
// Robust: a stalled thread pins only the nodes whose lifetime contains one of its K eras; newer
// garbage is still freed. Bound (derivation): a scan keeps only the pinned nodes P, and the next
// one comes max(R, P) retires later, R = max(scan_threshold_min, 2nK) (once the list doubles when a
// stall pins many, so that scans stay amortised O(1) per retire); so a thread's list holds < R + 2P
// nodes. A node is pinned only if its lifetime contains a published era; at most nK eras are
// published, so P <= nK * A, A the most nodes alive during one era (the live nodes at its start
// plus the at most n*F*n allocated in it). An exited thread's list waits as orphans until a scan
// adopts it, so with n the threads ever registered, unreclaimed <= n * (R + 2nK * A)
// (bound_for_live_nodes()). A depends on the size of the structure: where the workload bounds it
// (a set over a key range, bound_inputs::live_nodes = L), A <= L + F*n*n, since each of the n
// threads allocates at most F*n nodes before it advances the clock, and bound() gives
// n * (R + 2nK * (L + F*n*n)). Elsewhere (a pool or deque, whose size the mix does not bound) it
// returns std::nullopt rather than a number that a large structure could exceed.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../domain_base.hpp"
#include "../era_reclamation.hpp"
#include "../hazard_slots.hpp"
#include "../plain_ref.hpp"
#include "../slot_ref.hpp"
#include "schemes/sync.hpp"

namespace smr {

// The era slots other threads read when they scan. Lives in the thread's registry slot.
using era_array = std::array<sync::atomic<std::uint64_t>, max_hazards_per_thread>;

class era_slots;

// A local reference: relies on one era slot (shared with the references read in the same era)
// while it points at a node.
template <class T>
using era_ref = slot_ref<T, era_slots>;

// One thread's K era slots, owner side. References share a slot when they were read in the same
// era: each slot counts the references relying on it, and a new era takes a slot no reference
// uses. So K references never need more than K slots, and a thread publishes (the one fence)
// only when the era it reads changes, not once per reference.
class era_slots {
 public:
  era_slots(era_array& published, unsigned k) : published_(published), k_(k) {
    if (k == 0 || k > max_hazards_per_thread) {
      throw std::invalid_argument("hazard_eras: hazards_per_thread must be 1.." +
                                  std::to_string(max_hazards_per_thread));
    }
  }
  ~era_slots() { clear_unused(); }  // the registry slot goes back clean
  era_slots(const era_slots&) = delete;
  era_slots& operator=(const era_slots&) = delete;

  unsigned size() const noexcept { return k_; }

  // DeRefLink: returns the pointer once the clock, read after it, equals an era published (with
  // a seq_cst store) before it was read.
  template <class T>
  era_ref<T> protect(const atomic_marked_ptr<T>& link, const sync::atomic<std::uint64_t>& clock) {
    // seq_cst loads (a plain load on x86, ldar on AArch64, as acquire): the pointer load is in
    // the total order S after the era's publication and before the unlinking CAS, so the
    // retirer's later clock load reads an era >= the one published (see publish()).
    marked_ptr<T> p = link.load(std::memory_order_seq_cst);
    if (p) check_room();
    for (;;) {
      if (!p) return none(p);
      // seq_cst: read after the pointer (so >= its birth era, which the publishing release
      // carried) and in S, so that an era equal to a published one was current before it.
      const std::uint64_t e = clock.load(std::memory_order_seq_cst);
      if (cached_[newest_] == e && !weak(newest_)) return use(p, newest_);
      publish(slot_for(e), e);
      p = link.load(std::memory_order_seq_cst);  // seq_cst: as above, after the publication
    }
  }

  // DeRefLink into r (deref_into, schemes/scheme.hpp): when r's slot already holds the era read
  // after the pointer (published strongly, not by make()), r keeps it and nothing is counted or
  // published: the same test as protect()'s, on r's slot. Otherwise r's old reference goes first
  // (link must not lie in its node) and protect() finds a slot.
  template <class T>
  [[gnu::always_inline]] void protect_into(era_ref<T>& r, const atomic_marked_ptr<T>& link,
                                           const sync::atomic<std::uint64_t>& clock) {
    if (r.slot_ >= 0) {
      // seq_cst loads: as in protect().
      const marked_ptr<T> p = link.load(std::memory_order_seq_cst);
      if (p && cached_[r.slot_] == clock.load(std::memory_order_seq_cst) && !weak(r.slot_)) {
        r.p_ = p;
        return;
      }
      r.reset();
    }
    r = protect(link, clock);
  }

  // NewNode: born in era `e`, held under a slot holding `e`. Relaxed store: no one can retire the
  // node before the CAS that publishes it, whose release orders this store before any scan that
  // could free it. protect() does not rely on such a store (weak_).
  template <class T, class... Args>
  era_ref<T> make(std::uint64_t e, Args&&... args) {
    check_room();
    const int i = cached_[newest_] == e ? newest_ : slot_for(e);
    T* p = new T(std::forward<Args>(args)...);
    p->set_birth_era(e);
    if (cached_[i] != e) {
      published_[i].store(e, std::memory_order_relaxed);
      cached_[i] = e;
      weak_ |= bit(i);
      newest_ = i;
    }
    return use(marked_ptr<T>(p), i);
  }

  // Operation scope: inside it, slots keep their era when their references go, for the next
  // reference; the end of the outermost one clears every slot no reference uses.
  void enter() noexcept { ++nesting_; }
  void exit() noexcept {
    if (--nesting_ == 0) clear_unused();
  }

  void release(int i) noexcept {
    --live_;
    if (--uses_[i] == 0 && nesting_ == 0) clear(i);
  }

 private:
  // The structure declared at most K references alive at once (its hazards_per_thread).
  void check_room() const {
    if (live_ == k_) too_many_references();
  }
  [[noreturn]] void too_many_references() const {
    throw std::logic_error("hazard_eras: more than " + std::to_string(k_) +
                           " references alive at once; raise the structure's "
                           "hazards_per_thread");
  }

  // A null pointer needs no era; outside an operation, drop one published on the way.
  template <class T>
  era_ref<T> none(marked_ptr<T> p) noexcept {
    if (nesting_ == 0) clear_unused();
    return era_ref<T>(p, this, -1);
  }
  template <class T>
  era_ref<T> use(marked_ptr<T> p, int i) noexcept {
    ++uses_[i];
    ++live_;
    return era_ref<T>(p, this, i);
  }

  // A slot for era `e`: the newest one if no reference uses it, else any unused one.
  int slot_for(std::uint64_t e) {
    if (uses_[newest_] == 0 || cached_[newest_] == e) return newest_;
    for (unsigned j = 0; j < k_; ++j) {
      if (uses_[j] == 0) return static_cast<int>(j);
    }
    too_many_references();  // not reached: fewer than K references leave a slot unused
  }

  // seq_cst store then seq_cst loads (the StoreLoad of Hazard Eras): the publication precedes the
  // re-read of the pointer in S, and pairs with the unlinking CAS and a scan's loads of the slots.
  void publish(int i, std::uint64_t e) noexcept {
    published_[i].store(e, std::memory_order_seq_cst);
    cached_[i] = e;
    weak_ &= ~bit(i);
    newest_ = i;
  }

  // Release pairs with a scan's load: this thread's reads of the nodes the era protected happen
  // before a scan that sees the slot cleared frees them.
  void clear(int i) noexcept {
    if (cached_[i] == no_era) return;
    published_[i].store(no_era, std::memory_order_release);
    cached_[i] = no_era;
    weak_ &= ~bit(i);
  }

  void clear_unused() noexcept {
    for (unsigned j = 0; j < k_; ++j) {
      if (uses_[j] == 0) clear(static_cast<int>(j));
    }
  }

  static unsigned bit(int i) noexcept { return 1U << static_cast<unsigned>(i); }
  bool weak(int i) const noexcept { return (weak_ & bit(i)) != 0; }

  era_array& published_;
  std::array<std::uint64_t, max_hazards_per_thread> cached_{};  // what published_ holds
  std::array<unsigned, max_hazards_per_thread> uses_{};         // references relying on each
  unsigned k_;
  unsigned live_ = 0;  // references alive
  int newest_ = 0;     // the slot last given an era
  // Slots whose era make() stored relaxed: protect() publishes them again before relying on them.
  unsigned weak_ = 0;
  unsigned nesting_ = 0;
};

// One scan's snapshot of every published era, sorted and unique.
class era_snapshot {
 public:
  // seq_cst loads: they follow the retire's unlinking CAS in S, so they see any era published
  // before a reader's pointer load (store-load pattern with publish()), and acquire a cleared
  // slot's release.
  template <class Registry>
  void take(Registry& registry, unsigned k) {
    eras_.clear();
    registry.for_each_slot([&](const auto& s) {
      for (unsigned j = 0; j < k; ++j) {
        const std::uint64_t e = s.eras[j].load(std::memory_order_seq_cst);
        if (e != no_era) eras_.push_back(e);
      }
    });
    std::sort(eras_.begin(), eras_.end());
    eras_.erase(std::unique(eras_.begin(), eras_.end()), eras_.end());
  }
  // Whether a published era lies in [birth, retire].
  bool pins(std::uint64_t birth, std::uint64_t retire) const noexcept {
    const auto it = std::lower_bound(eras_.begin(), eras_.end(), birth);
    return it != eras_.end() && *it <= retire;
  }

 private:
  std::vector<std::uint64_t> eras_;
};

struct hazard_eras : pointer_scheme_types {
  static constexpr std::string_view name = "hazard_eras";
  static constexpr std::string_view description =
      "hazard eras (Ramalhete and Correia 2017): K era slots per thread, shared by references "
      "read in the same era, published when it changes; birth/retire eras per node";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,  // by the live set, see the header comment
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "N·(R + 2·N·K·A), R = max(2·N·K, scan_threshold_min), A the most nodes alive in one era "
          "<= L + F·N·N for a set of at most L live nodes (no number where L is unknown)",
      .node_metadata = "its birth era; the retire era is in the retire record",
  };

  // The scan threshold R for n registered threads with k slots each.
  static std::uint64_t scan_threshold(unsigned n, unsigned k, unsigned floor) {
    return std::max<std::uint64_t>(2ULL * n * k, floor);
  }
  // n * (R + 2nK * A), A the most nodes alive during one era (header comment).
  static std::uint64_t bound_for_live_nodes(const bound_inputs& in, std::uint64_t a) {
    const std::uint64_t n = in.threads;
    const std::uint64_t k = in.structure.hazards_per_thread;
    return n * (scan_threshold(in.threads, in.structure.hazards_per_thread, in.scan_threshold_min) +
                2 * n * k * a);
  }
  // A number only where the live set is known (header comment): A <= L + F·n·n.
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    if (!in.live_nodes) return std::nullopt;
    const std::uint64_t n = in.threads;
    return bound_for_live_nodes(in,
                                *in.live_nodes + std::uint64_t{in.epoch_advance_interval} * n * n);
  }

  using node_base = era_node_base;
  template <class T>
  using ref = era_ref<T>;

  struct slot {
    era_array eras{};  // no_era, or an era a reference of this thread may rely on
    thread_counters counters;
    era_retired_list retired;  // owner-only
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {
      require_hazards_per_thread(config, "hazard_eras", max_hazards_per_thread);
    }
    ~domain() { reclaim_all_quiescent(); }

    const sync::atomic<std::uint64_t>& clock() const noexcept { return era_; }
    // seq_cst: the retirer's load follows its unlinking CAS in S (see era_slots::protect()).
    std::uint64_t era() const noexcept { return era_.load(std::memory_order_seq_cst); }
    // seq_cst: an RMW in S, so a reader that loads the new era is ordered after it.
    void advance() noexcept { era_.fetch_add(1, std::memory_order_seq_cst); }
    era_orphans& orphans() noexcept { return orphans_; }

    void reclaim_all_quiescent() {
      require_quiescent("hazard_eras::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += reclaim_all(s.retired); });
      n += orphans_.reclaim_all_quiescent();
      teardown_counters().count_reclaimed(n);
    }

   private:
    alignas(64) sync::atomic<std::uint64_t> era_{first_era};
    era_orphans orphans_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          slots_(own_slot().eras, d.config().hazards_per_thread),
          pacing_(d.config()) {
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

    void enter() noexcept { slots_.enter(); }
    void exit() noexcept { slots_.exit(); }

    // DeRefLink.
    template <class T>
    ref<T> deref(const link<T>& l) {
      return slots_.protect(l, owner().clock());
    }

    // DeRefLink in place (deref_into, schemes/scheme.hpp): r keeps its slot.
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      slots_.protect_into(r, l, owner().clock());
    }

    // NewNode: born in the current era and protected like a dereferenced node. Relaxed load:
    // any thread that later reaches the node reads the clock after its publication, so reads an
    // era >= this one (read-read coherence through the publishing release).
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      const std::uint64_t e = owner().clock().load(std::memory_order_relaxed);
      ref<T> r = slots_.make<T>(e, std::forward<Args>(args)...);
      counters().count_allocated();
      if (advance_.count()) advance_era();
      return r;
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      const std::uint64_t birth = static_cast<const era_node_base*>(p)->birth_era();
      r.reset();
      pacing_.step(counters());
      // After the unlinking CAS (seq_cst): every reader that can still reach the node published
      // an era <= this one before it read the pointer.
      const std::uint64_t retire_era = owner().era();
      own_slot().retired.push_back(
          era_retired{birth, retire_era, retired_object::of(p, on_reclaim)});
      counters().count_retired();
      if (own_slot().retired.size() >= next_scan_at_) scan();
    }

    // Frees every retired node of this thread (and adopted orphans) that no published era pins.
    void scan() {
      pacing_.flush(counters());
      domain& d = owner();
      auto& list = own_slot().retired;
      d.orphans().adopt_into(list);
      snapshot_.take(d.registry(), slots_.size());
      const std::size_t n = reclaim_unpinned(
          list, [&](std::uint64_t b, std::uint64_t e) { return snapshot_.pins(b, e); }, pacing_);
      if (n != 0) counters().count_reclaimed(n);
      next_scan_at_ = next_scan_after(list.size());
    }

    // The next scan comes R retires later, or once the list doubles if it kept more than R
    // (a stall pins many): amortised O(1) checks per retire either way.
    std::uint64_t next_scan_after(std::size_t kept) const noexcept {
      return kept + std::max<std::uint64_t>(current_threshold(), kept);
    }
    std::size_t retired_count() noexcept { return own_slot().retired.size(); }
    std::uint64_t current_threshold() const noexcept {
      return scan_threshold(owner().thread_high_water(), slots_.size(),
                            owner().config().scan_threshold_min);
    }

   private:
    void advance_era() {
      owner().advance();
      plan_next_advance();
    }
    void plan_next_advance() {
      advance_.set_period(std::uint64_t{owner().config().epoch_advance_interval} *
                          owner().thread_high_water());
    }

    era_slots slots_;
    era_advance_counter advance_;
    std::uint64_t next_scan_at_ = 0;
    free_pacing pacing_;  // owner-only: frees what a scan found unpinned
    era_snapshot snapshot_;
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
