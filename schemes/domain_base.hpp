// domain_base and registered_thread: the parts every domain and thread handle share — the
// thread registry, the per-thread counters, quiescent teardown bookkeeping, and the RAII
// registration of a thread. Schemes derive from these and add their own state.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "counters.hpp"
#include "scheme_traits.hpp"
#include "thread_registry.hpp"

namespace smr {

template <class Slot>
class domain_base {
 public:
  explicit domain_base(const domain_config& config)
      : config_(config), registry_(config.max_threads) {}
  domain_base(const domain_base&) = delete;
  domain_base& operator=(const domain_base&) = delete;

  // Totals over all threads, past and present. Safe to call concurrently with operations.
  counter_totals counters() const { return sum_counters(registry_, own_); }

  // Frees nodes that were never retired (still linked into a structure being destroyed). Only
  // for teardown, with no concurrent operation on the structure. A structure passes all its
  // nodes at once: link-counting schemes first drop every count the nodes' links hold, while
  // all of them are still alive, then free them.
  template <class T>
  void destroy_unretired(std::span<T* const> nodes) {
    for (T* node : nodes) {
      delete node;
      own_.count_destroyed();
    }
  }
  template <class T>
  void destroy_unretired(T* node) {
    destroy_unretired(std::span<T* const>(&node, 1));
  }

  const domain_config& config() const noexcept { return config_; }
  unsigned registered_threads() const noexcept { return registry_.active(); }
  unsigned thread_high_water() const noexcept { return registry_.high_water(); }

  // Slots are visible to the scheme's handle type.
  thread_registry<Slot>& registry() noexcept { return registry_; }

 protected:
  void require_quiescent(std::string_view operation) const {
    if (registry_.active() != 0) {
      throw std::logic_error(std::string(operation) + " needs a quiescent domain, but " +
                             std::to_string(registry_.active()) + " thread(s) are registered");
    }
  }
  // Counts objects reclaimed by quiescent teardown; only called with no thread registered.
  thread_counters& teardown_counters() noexcept { return own_; }

 private:
  domain_config config_;
  thread_registry<Slot> registry_;
  thread_counters own_;
};

// RAII registration of the calling thread with a domain: claims a slot, gives it back.
template <class Domain, class Slot>
class registered_thread {
 public:
  explicit registered_thread(Domain& d)
      : domain_(d), index_(d.registry().acquire()), slot_(d.registry()[index_]) {}
  ~registered_thread() { domain_.registry().release(index_); }
  registered_thread(const registered_thread&) = delete;
  registered_thread& operator=(const registered_thread&) = delete;

  Domain& owner() const noexcept { return domain_; }
  thread_counters& counters() noexcept { return slot_.counters; }

 protected:
  Slot& own_slot() noexcept { return slot_; }
  unsigned index() const noexcept { return index_; }

 private:
  Domain& domain_;
  unsigned index_;
  Slot& slot_;
};

}  // namespace smr
