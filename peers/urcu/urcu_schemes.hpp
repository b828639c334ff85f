// urcu_memb and urcu_qsbr: liburcu's userspace RCU (Desnoyers et al. 2012) as smrlab schemes, so
// the structures written against the contract run unchanged on a peer's reclamation.
//   urcu_memb  the operation guard is rcu_read_lock/unlock of the "memb" flavour (sys_membarrier
//              on the update side when the kernel has it, a full fence on the read side when not);
//   urcu_qsbr  quiescent-state-based: read-side locks are empty, and the guard's end announces a
//              quiescent state (urcu_qsbr_quiescent_state), once per operation.
// Both retire with call_rcu: liburcu's call_rcu thread waits for a grace period and then runs the
// callback, which runs the hook, frees the node and counts the reclaim. reclaim_all_quiescent is
// rcu_barrier, which waits until every callback queued so far has run.
//
// The read-side fast paths are liburcu's inline versions (_LGPL_SOURCE), as liburcu recommends
// for performance: that inlines LGPL-2.1 code into the binaries that include this header.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#define SMRLAB_URCU_DEFINED_LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>
#ifdef SMRLAB_URCU_DEFINED_LGPL_SOURCE
#undef _LGPL_SOURCE
#undef SMRLAB_URCU_DEFINED_LGPL_SOURCE
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "schemes/domain_base.hpp"
#include "schemes/marked_ptr.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"

// Each flavour's header declares the generic call_rcu/barrier API once (its include guard keeps
// the second flavour's mapping out), so the flavours' update-side tables, exported by
// liburcu-memb and liburcu-qsbr, are named here directly.
extern "C" {
extern const struct rcu_flavor_struct urcu_memb_flavor;
extern const struct rcu_flavor_struct urcu_qsbr_flavor;
}

namespace smr_peers {

struct urcu_memb_flavour {
  static constexpr std::string_view name = "urcu_memb";
  static constexpr std::string_view description =
      "peer: liburcu urcu-memb (read-side lock, sys_membarrier grace periods), call_rcu";
  static void read_lock() noexcept { urcu_memb_read_lock(); }
  static void read_unlock() noexcept { urcu_memb_read_unlock(); }
  static void end_of_operation() noexcept {}
  static void register_thread() noexcept { urcu_memb_register_thread(); }
  static void unregister_thread() noexcept { urcu_memb_unregister_thread(); }
  static const rcu_flavor_struct& update() noexcept { return urcu_memb_flavor; }
};

struct urcu_qsbr_flavour {
  static constexpr std::string_view name = "urcu_qsbr";
  static constexpr std::string_view description =
      "peer: liburcu urcu-qsbr (quiescent state announced after each operation), call_rcu";
  static void read_lock() noexcept { urcu_qsbr_read_lock(); }
  static void read_unlock() noexcept { urcu_qsbr_read_unlock(); }
  // Between two operations a thread holds no reference: a quiescent state.
  static void end_of_operation() noexcept { urcu_qsbr_quiescent_state(); }
  static void register_thread() noexcept { urcu_qsbr_register_thread(); }
  static void unregister_thread() noexcept { urcu_qsbr_unregister_thread(); }
  static const rcu_flavor_struct& update() noexcept { return urcu_qsbr_flavor; }
};

template <class Flavour>
struct urcu_scheme : smr::pointer_scheme_types {
  static constexpr std::string_view name = Flavour::name;
  static constexpr std::string_view description = Flavour::description;
  static constexpr smr::scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing is freed before a grace period ends
      .bounded_garbage = false,
      .robust_to_stalled_threads =
          false,  // a reader stalled inside an operation stops grace periods
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .node_metadata = "call_rcu's rcu_head, the owning domain and the on-reclaim hook",
  };
  static std::optional<std::uint64_t> bound(const smr::bound_inputs& /*unused*/) {
    return std::nullopt;
  }

  class domain;

  // Per node: the rcu_head call_rcu queues, the domain that counts the reclaim and the hook.
  struct node_base {
    rcu_head head_{};
    domain* owner_ = nullptr;
    void (*on_reclaim_)() = nullptr;
  };

  struct slot {
    smr::thread_counters counters;
  };

  class domain : public smr::domain_base<slot> {
   public:
    explicit domain(const smr::domain_config& config = {}) : smr::domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }
    domain(const domain&) = delete;
    domain& operator=(const domain&) = delete;

    // rcu_barrier: every callback queued so far has run (their reclaims are counted). Skipped
    // when every node this domain retired is already counted reclaimed: none of its callbacks
    // is pending, and a barrier (a wait for the call_rcu thread's next batch, about 20 ms)
    // would change nothing. With no thread registered the retired counts are final.
    void reclaim_all_quiescent() {
      // Appended rather than operator+: GCC 12 warns (-Warray-bounds, a false positive) on the
      // moved temporary once the per-pairing files inline this (as in libcds_schemes.hpp).
      std::string operation(name);
      operation += "::reclaim_all_quiescent";
      this->require_quiescent(operation);
      if (counters().unreclaimed() == 0) return;
      Flavour::update().barrier();
    }

    // Callbacks run on liburcu's call_rcu thread (one per process by default), which is their
    // counter's only writer; counters() adds it in. Relaxed load and store by that one writer,
    // the release pairs with the acquire in counters().
    void count_callback_reclaim() noexcept {
      callback_reclaimed_.store(callback_reclaimed_.load(std::memory_order_relaxed) + 1,
                                std::memory_order_release);
    }
    smr::counter_totals counters() const {
      smr::counter_totals t = smr::domain_base<slot>::counters();
      t.reclaimed += callback_reclaimed_.load(std::memory_order_acquire);
      return t;
    }

   private:
    alignas(64) std::atomic<std::uint64_t> callback_reclaimed_{0};
  };

  class thread_handle : public smr::registered_thread<domain, slot>,
                        public smr::plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : smr::registered_thread<domain, slot>(d) {
      if (registrations++ == 0) Flavour::register_thread();
    }
    ~thread_handle() {
      if (--registrations == 0) Flavour::unregister_thread();
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // Re-entrant: only the outermost guard locks, and only its end is a quiescent state.
    void enter() noexcept {
      if (nesting++ == 0) Flavour::read_lock();
    }
    void exit() noexcept {
      if (--nesting != 0) return;
      Flavour::read_unlock();
      Flavour::end_of_operation();
    }

    // DeleteNode: call_rcu runs reclaim<T> after a grace period, on liburcu's call_rcu thread.
    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      p->owner_ = &this->owner();
      p->on_reclaim_ = reinterpret_cast<void (*)()>(on_reclaim);
      this->counters().count_retired();
      Flavour::update().update_call_rcu(&p->head_, &reclaim<T>);
    }

   private:
    // A thread may hold handles of several urcu domains; liburcu registers it once.
    static inline thread_local unsigned registrations = 0;
    unsigned nesting = 0;

    template <class T>
    static void reclaim(rcu_head* head) {
      // head_ is the first member of node_base, a base of T without virtual functions.
      auto* base =
          reinterpret_cast<node_base*>(reinterpret_cast<char*>(head) - offsetof(node_base, head_));
      T* p = static_cast<T*>(base);
      domain* d = p->owner_;
      if (p->on_reclaim_ != nullptr) {
        reinterpret_cast<smr::retired_object::hook<T>>(p->on_reclaim_)(p);
      }
      delete p;
      d->count_callback_reclaim();
    }
  };

  using guard = smr::enter_exit_guard<thread_handle>;
};

using urcu_memb = urcu_scheme<urcu_memb_flavour>;
using urcu_qsbr = urcu_scheme<urcu_qsbr_flavour>;

}  // namespace smr_peers
