// immediate_free: frees a node the moment it is retired. Correct only when a single thread uses
// the domain, so it refuses a second thread. It gives every single-thread comparison a real
// ceiling: the cost of the structure plus the allocator, with memory reused at once.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../domain_base.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"

namespace smr {

struct immediate_free : pointer_scheme_types {
  static constexpr std::string_view name = "immediate_free";
  static constexpr std::string_view description =
      "frees at retire; the single-thread ceiling (refuses more than one thread)";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // with one thread no one can hold an unlinked node
      // With one thread an operation repairs every link to the node it retires before it retires
      // it.
      .safe_global_references = true,
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
      .max_threads = 1,
      .max_threads_reason = "it frees memory at retire, which is safe only single-threaded",
      .bound_formula = "N: one per thread, between its retire and its free",
  };
  // One per thread: a node is counted as retired an instant before its reclaim is counted.
  static std::optional<std::uint64_t> bound(const bound_inputs& in) { return in.threads; }

  struct slot {
    thread_counters counters;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    void reclaim_all_quiescent() { require_quiescent("immediate_free::reclaim_all_quiescent"); }
  };

  class thread_handle : public registered_thread<domain, slot>,
                        public plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d) {
      if (d.registered_threads() > 1) {
        // The base destructor gives the slot back.
        throw std::runtime_error("immediate_free: a second thread registered with the domain; " +
                                 std::string(traits.max_threads_reason));
      }
    }

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      counters().count_retired();
      retired_object::of(p, on_reclaim).reclaim();
      counters().count_reclaimed();
    }
  };

  using guard = no_guard;
};

}  // namespace smr
