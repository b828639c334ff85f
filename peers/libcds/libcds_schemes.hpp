// libcds_hp and libcds_dhp: libcds's hazard pointers (cds::gc::HP, Michael 2004) and dynamic
// hazard pointers (cds::gc::DHP, Herlihy et al.'s pass-the-buck with growing guard lists) as
// smrlab schemes, so the structures written against the contract run unchanged on a peer's
// reclamation and the two can be compared on identical structure code.
//
// What libcds does and what this adapter does:
//   deref      a cds Guard (one of the thread's hazard slots, taken from libcds's per-thread
//              array) is assigned the pointer, libcds's own publication (store + RMW fence),
//              then the link is re-read until it still holds it: the protect loop of libcds.
//   retire     cds::gc::*::retire(p, disposer); libcds scans when the thread's retired array
//              is full (HP) or its buffer reaches its threshold (DHP).
//   domain     libcds's collector is a process-wide singleton: the domain constructs it and
//              destroys it, so only one libcds domain of a flavour may exist at a time.
//   handle     cds::gc::*::smr::attach_thread / detach_thread, reference-counted per thread.
// Counting: the disposer counts each reclaim on the calling thread's counters (the handle's),
// or on the domain's teardown counters when the collector itself frees at destruction.
#pragma once

#include <cds/gc/dhp.h>
#include <cds/gc/hp.h>
#include <cds/init.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "schemes/domain_base.hpp"
#include "schemes/hazard_pointers/hazard_pointers.hpp"
#include "schemes/marked_ptr.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"

namespace smr_peers {

// The collector of one libcds flavour: how to build it, attach a thread, and which GC type.
struct libcds_hp_collector {
  using gc = cds::gc::HP;
  static void construct(const smr::domain_config& c) {
    // libcds sizes each thread's retired array R up front; R = max(2NK, floor), the threshold of
    // smrlab's hazard_pointers, so both scan equally often and share one bound (N*R).
    cds::gc::hp::smr::construct(c.hazards_per_thread, c.threads + 1, retired_capacity(c));
  }
  static void destruct() { cds::gc::hp::smr::destruct(true); }
  static void attach() { cds::gc::hp::smr::attach_thread(); }
  static void detach() { cds::gc::hp::smr::detach_thread(); }
  static std::uint64_t retired_capacity(const smr::domain_config& c) {
    return smr::hazard_pointers::scan_threshold(c.threads + 1, c.hazards_per_thread,
                                                c.scan_threshold_min);
  }
};

struct libcds_dhp_collector {
  using gc = cds::gc::DHP;
  static void construct(const smr::domain_config& c) {
    cds::gc::dhp::smr::construct(c.hazards_per_thread);
  }
  static void destruct() { cds::gc::dhp::smr::destruct(true); }
  static void attach() { cds::gc::dhp::smr::attach_thread(); }
  static void detach() { cds::gc::dhp::smr::detach_thread(); }
};

template <class Flavour>
struct libcds_scheme {
  using gc = typename Flavour::collector::gc;

  static constexpr std::string_view name = Flavour::name;
  static constexpr std::string_view description = Flavour::description;
  static constexpr smr::scheme_traits traits = Flavour::traits;
  static std::optional<std::uint64_t> bound(const smr::bound_inputs& in) {
    return Flavour::bound(in);
  }

  // The on-reclaim hook travels with the node: libcds's disposer receives only the pointer.
  struct node_base {
    void (*on_reclaim_)() = nullptr;
  };
  template <class T>
  using link = smr::atomic_marked_ptr<T>;

  // A local reference: the pointer and the libcds guard (hazard slot) that protects it. An empty
  // reference holds no slot.
  template <class T>
  class ref {
   public:
    ref() noexcept = default;
    ref(smr::marked_ptr<T> p, typename gc::Guard&& g) noexcept : p_(p), guard_(std::move(g)) {}
    ref(ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)), guard_(std::move(o.guard_)) {}
    ref& operator=(ref&& o) noexcept {
      if (this != &o) {
        reset();
        p_ = std::exchange(o.p_, nullptr);
        guard_ = std::move(o.guard_);  // swaps: o is left with this ref's unlinked guard
      }
      return *this;
    }
    ref(const ref&) = delete;
    ref& operator=(const ref&) = delete;
    ~ref() = default;  // the guard's destructor gives the slot back to libcds

    T* get() const noexcept { return p_.get(); }
    smr::marked_ptr<T> ptr() const noexcept { return p_; }
    std::uintptr_t mark() const noexcept { return p_.mark(); }
    T* operator->() const noexcept { return p_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(p_); }
    // ReleaseRef: the slot is cleared and returned to the thread's free list.
    void reset() noexcept {
      p_ = nullptr;
      guard_.unlink();
    }

   private:
    smr::marked_ptr<T> p_{};
    typename gc::Guard guard_{nullptr};
  };

  struct slot {
    smr::thread_counters counters;
  };

  class domain;
  // Where the calling thread's reclaims are counted: its handle's counters while it has one.
  static inline thread_local smr::thread_counters* reclaim_counters = nullptr;
  static inline thread_local unsigned attach_depth = 0;
  static inline std::atomic<domain*> live{nullptr};

  class domain : public smr::domain_base<slot> {
   public:
    explicit domain(const smr::domain_config& config = {}) : smr::domain_base<slot>(config) {
      domain* expected = nullptr;
      if (!live.compare_exchange_strong(expected, this)) {
        throw std::logic_error(std::string(name) +
                               ": libcds's collector is a process-wide singleton; only one " +
                               std::string(name) + " domain may exist at a time");
      }
      static std::once_flag initialised;
      std::call_once(initialised, [] { cds::Initialize(); });
      Flavour::collector::construct(config);
    }
    ~domain() {
      const collector_scope scope;
      Flavour::collector::destruct();  // frees everything still retired (teardown counters)
      live.store(nullptr);
    }
    domain(const domain&) = delete;
    domain& operator=(const domain&) = delete;

    // libcds frees every retired object only when its collector is destroyed: destroy it and
    // build a fresh one.
    void reclaim_all_quiescent() {
      // Appended rather than operator+: GCC 12 warns (-Warray-bounds, a false positive) on the
      // moved temporary once the per-pairing files inline this.
      std::string operation(name);
      operation += "::reclaim_all_quiescent";
      this->require_quiescent(operation);
      const collector_scope scope;
      Flavour::collector::destruct();
      Flavour::collector::construct(this->config());
    }

    // The counters of a thread without a handle: only the main thread, at construction and
    // when the collector is destroyed.
    smr::thread_counters& teardown() noexcept { return this->teardown_counters(); }
  };

  class thread_handle : public smr::registered_thread<domain, slot>,
                        public smr::atomic_link_writes {
   public:
    explicit thread_handle(domain& d) : smr::registered_thread<domain, slot>(d) {
      if (attach_depth++ == 0) Flavour::collector::attach();
      outer_counters_ = std::exchange(reclaim_counters, &this->counters());
    }
    ~thread_handle() {
      // Detaching scans: what it frees is this thread's reclaim, counted before the slot goes.
      if (--attach_depth == 0) {
        const collector_scope scope;
        Flavour::collector::detach();
      }
      reclaim_counters = outer_counters_;
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // DeRefLink: libcds's protect loop. The guard's assign() stores the hazard and issues
    // libcds's fence (an acq_rel RMW on the thread's record), so the acquire re-read below is
    // ordered after the publication; it pairs with the seq_cst unlinking CAS and libcds's scan.
    template <class T>
    ref<T> deref(const link<T>& l) {
      // A null pointer keeps its mark bits (a deleted node's last link): nothing to protect.
      smr::marked_ptr<T> p = l.load(std::memory_order_acquire);
      if (!p) return ref<T>(p, typename gc::Guard(nullptr));
      typename gc::Guard g;
      for (;;) {
        g.assign(p.get());
        const smr::marked_ptr<T> again = l.load(std::memory_order_acquire);
        // The same node is protected; the marks are the latest ones read.
        if (again.get() == p.get()) return ref<T>(again, std::move(g));
        p = again;
        if (!p) return ref<T>(p, typename gc::Guard(nullptr));
      }
    }

    // NewNode: protected like a dereferenced node, so it stays safe to use once published.
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      T* p = new T(std::forward<Args>(args)...);
      this->counters().count_allocated();
      typename gc::Guard g;
      g.assign(p);
      return ref<T>(smr::marked_ptr<T>(p), std::move(g));
    }

    // DeleteNode: hand the node to libcds with a disposer that runs the hook and counts.
    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      p->on_reclaim_ = reinterpret_cast<void (*)()>(on_reclaim);
      this->counters().count_retired();
      gc::retire(p, &dispose<T>);
    }

   private:
    smr::thread_counters* outer_counters_ = nullptr;
  };

  using guard = smr::no_guard;

  // --- Accounting for libcds's own structures (libcds_treiber_stack, libcds_ellen_bintree) ---
  // Their nodes are allocated and freed by libcds through an allocator (counting_allocator) and
  // retired through the collector type they are instantiated on (counting_gc). A free that
  // happens inside the collector (a scan in retire, a thread's detach, the collector's
  // destruction) is the reclaim of a retired object; any other free is of an object that was
  // never retired (a node a failed insert discards, the tree's teardown) and counts as destroyed.
  static inline thread_local bool inside_collector = false;
  class collector_scope {
   public:
    collector_scope() noexcept : outer_(std::exchange(inside_collector, true)) {}
    ~collector_scope() { inside_collector = outer_; }
    collector_scope(const collector_scope&) = delete;
    collector_scope& operator=(const collector_scope&) = delete;

   private:
    bool outer_;
  };

  // The counters of the calling thread: its handle's, or, on a thread without a handle (the
  // collector's destruction, a structure's construction), the domain's teardown counters.
  static smr::thread_counters& own_counters() noexcept {
    return reclaim_counters != nullptr ? *reclaim_counters : live.load()->teardown();
  }
  static void count_reclaim() noexcept { own_counters().count_reclaimed(); }
  static void count_free() noexcept {
    if (inside_collector) {
      own_counters().count_reclaimed();
    } else {
      own_counters().count_destroyed();
    }
  }

  // The collector type libcds's structures are instantiated on: libcds's own, with retire
  // counted (both of libcds's retire overloads are hidden and forwarded).
  struct counting_gc : gc {
    template <class T>
    static void retire(T* p, void (*func)(void*)) {
      own_counters().count_retired();
      const collector_scope scope;
      gc::retire(p, func);
    }
    template <class Disposer, class T>
    static void retire(T* p) {
      own_counters().count_retired();
      const collector_scope scope;
      gc::template retire<Disposer>(p);
    }
  };

  // std::allocator with each allocation and free counted (see above).
  template <class T>
  struct counting_allocator : std::allocator<T> {
    using value_type = T;
    template <class U>
    struct rebind {
      using other = counting_allocator<U>;
    };
    counting_allocator() noexcept = default;
    template <class U>
    explicit counting_allocator(const counting_allocator<U>& /*unused*/) noexcept {}
    T* allocate(std::size_t n) {
      T* p = std::allocator<T>::allocate(n);
      own_counters().count_allocated();
      return p;
    }
    void deallocate(T* p, std::size_t n) {
      std::allocator<T>::deallocate(p, n);
      count_free();
    }
  };

 private:
  template <class T>
  static void dispose(void* object) {
    T* p = static_cast<T*>(object);
    if (p->on_reclaim_ != nullptr) {
      reinterpret_cast<smr::retired_object::hook<T>>(p->on_reclaim_)(p);
    }
    delete p;
    count_reclaim();
  }
};

struct libcds_hp_flavour {
  using collector = libcds_hp_collector;
  static constexpr std::string_view name = "libcds_hp";
  static constexpr std::string_view description =
      "peer: libcds cds::gc::HP hazard pointers (Michael 2004), R = 2H per thread";
  static constexpr smr::scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .bound_formula =
          "(N+1)·R, R = max(2·(N+1)·K, scan_threshold_min): libcds's retired arrays, sized for the "
          "workers and the main thread",
      .node_metadata = "the on-reclaim hook (libcds's disposer gets only the pointer)",
  };
  // Each thread's retired array holds at most R (libcds scans when it is full): N*R in all, the
  // bound of hazard_pointers with the same R. The adapter sizes libcds for N+1 threads (the
  // workers and the main thread), which is what the bound's N counts.
  static std::optional<std::uint64_t> bound(const smr::bound_inputs& in) {
    const unsigned n = in.threads + 1;
    return std::uint64_t{n} * smr::hazard_pointers::scan_threshold(
                                  n, in.structure.hazards_per_thread, in.scan_threshold_min);
  }
};

struct libcds_dhp_flavour {
  using collector = libcds_dhp_collector;
  static constexpr std::string_view name = "libcds_dhp";
  static constexpr std::string_view description =
      "peer: libcds cds::gc::DHP dynamic hazard pointers (pass-the-buck), growing guard lists";
  static constexpr smr::scheme_traits traits{
      .traverses_deleted_nodes = false,
      .bounded_garbage = false,  // the retired buffer grows with the guards in use
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .node_metadata = "the on-reclaim hook (libcds's disposer gets only the pointer)",
  };
  static std::optional<std::uint64_t> bound(const smr::bound_inputs& /*unused*/) {
    return std::nullopt;
  }
};

using libcds_hp = libcds_scheme<libcds_hp_flavour>;
using libcds_dhp = libcds_scheme<libcds_dhp_flavour>;

}  // namespace smr_peers
