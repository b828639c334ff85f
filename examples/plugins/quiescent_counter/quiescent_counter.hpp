// quiescent_counter: an example scheme plugin, small enough to read in one sitting. One global
// counter holds the number of operations in flight. A node is unlinked before it is retired,
// so once a thread sees the counter at zero after retiring, every operation that could have
// reached the node has ended: the thread frees its whole retire list. Correct, but the counter
// is one contended cache line, and under load it is rarely zero, so garbage is unbounded. It
// shows how a scheme reuses the shared pieces (pointer_scheme_types, domain_base,
// registered_thread, plain_link_operations, enter_exit_guard).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "schemes/domain_base.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/scheme.hpp"
#include "schemes/sync.hpp"

namespace smrlab_examples {

struct quiescent_counter : smr::pointer_scheme_types {
  static constexpr std::string_view name = "quiescent_counter";
  static constexpr std::string_view description =
      "example plugin: frees a thread's retired nodes when no operation is in flight";
  static constexpr smr::scheme_traits traits{
      .traverses_deleted_nodes = true,  // nothing is freed while any operation runs
      .bounded_garbage = false,
      .robust_to_stalled_threads = false,
      .type_stable_memory = false,
      .needs_structure_callbacks = false,
      .counted_links = false,
  };
  static std::optional<std::uint64_t> bound(const smr::bound_inputs& /*unused*/) {
    return std::nullopt;
  }

  struct slot {
    smr::thread_counters counters;
    smr::retired_list retired;  // owner-only; left in the slot for its next owner on exit
    unsigned nesting = 0;
  };

  class domain : public smr::domain_base<slot> {
   public:
    explicit domain(const smr::domain_config& config = {}) : smr::domain_base<slot>(config) {}
    ~domain() { reclaim_all_quiescent(); }

    void reclaim_all_quiescent() {
      require_quiescent("quiescent_counter::reclaim_all_quiescent");
      std::size_t n = 0;
      registry().for_each_slot([&](slot& s) { n += smr::reclaim_all(s.retired); });
      teardown_counters().count_reclaimed(n);
    }

    // seq_cst RMWs: the increment is ordered before the operation's loads of shared pointers;
    // the decrement releases the operation's accesses to whoever later reads zero.
    void enter() noexcept { in_flight_.fetch_add(1, std::memory_order_seq_cst); }
    void exit() noexcept { in_flight_.fetch_sub(1, std::memory_order_seq_cst); }
    // seq_cst: ordered after the unlinking CAS of every node the caller retired.
    bool quiescent() const noexcept { return in_flight_.load(std::memory_order_seq_cst) == 0; }

   private:
    alignas(64) smr::sync::atomic<std::uint64_t> in_flight_{0};
  };

  class thread_handle : public smr::registered_thread<domain, slot>,
                        public smr::plain_link_operations<thread_handle> {
   public:
    explicit thread_handle(domain& d) : smr::registered_thread<domain, slot>(d) {}
    ~thread_handle() { reclaim_if_quiescent(); }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    void enter() noexcept {
      if (own_slot().nesting++ == 0) owner().enter();
    }
    void exit() {
      if (--own_slot().nesting != 0) return;
      owner().exit();
      reclaim_if_quiescent();
    }

    template <class T>
    void retire(ref<T>&& r, smr::retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      own_slot().retired.push_back(smr::retired_object::of(p, on_reclaim));
      counters().count_retired();
    }

   private:
    void reclaim_if_quiescent() {
      if (own_slot().nesting == 0 && !own_slot().retired.empty() && owner().quiescent()) {
        counters().count_reclaimed(smr::reclaim_all(own_slot().retired));
      }
    }
  };

  using guard = smr::enter_exit_guard<thread_handle>;
};

}  // namespace smrlab_examples
