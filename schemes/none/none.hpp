// none: no reclamation. Retired nodes are kept until the domain is drained at teardown, so no
// memory is ever reused during a trial. The throughput baseline; not a true ceiling, since it
// pays for fresh pages on every allocation (see immediate_free for the single-thread ceiling).
#pragma once

#include <deque>
#include <optional>
#include <string_view>

#include "../domain_base.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"

namespace smr {

struct none : pointer_scheme_types {
  static constexpr std::string_view name = "none";
  static constexpr std::string_view description =
      "no reclamation: retired nodes are freed only when the domain is torn down";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing is freed during a run
      .safe_global_references = true,   // likewise
      .bounded_garbage = false,
      .robust_to_stalled_threads = true,  // stalls cannot hold back what is never reclaimed
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }

  struct slot {
    thread_counters counters;
    // Written by the slot's owner; read only at quiescent teardown. A deque, not a vector: the
    // list grows for the whole trial, and a vector's doubling would copy it again and again,
    // work that a no-reclamation baseline must not do.
    std::deque<retired_object> retired;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }

    void reclaim_all_quiescent() {
      require_quiescent("none::reclaim_all_quiescent");
      registry().for_each_slot(
          [&](slot& s) { teardown_counters().count_reclaimed(reclaim_all(s.retired)); });
    }
  };

  class thread_handle : public registered_thread<domain, slot>,
                        public plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : registered_thread<domain, slot>(d) {}

    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      own_slot().retired.push_back(retired_object::of(p, on_reclaim));
      counters().count_retired();
    }
  };

  using guard = no_guard;
};

}  // namespace smr
