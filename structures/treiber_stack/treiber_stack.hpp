// treiber_stack: Treiber's lock-free stack (1986), written once against the scheme contract.
// Push: CAS the head from the old top to the new node. Pop: dereference the head (a protected
// reference), CAS the head to the top's next, retire the old top. A lost CAS backs off
// exponentially (structures/backoff.hpp). Only link-counting schemes (counted_links) need the
// old top in push and the next in pop protected too. The ABA problem of the
// classic version is what the schemes prevent: a protected top cannot be freed and reused.
// Written in read and write phases (schemes/read_phases.hpp): pop reads the top and its next in
// a restartable read phase and reserves the top for its CAS; push reads nothing it follows.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "schemes/scheme.hpp"
#include "structures/backoff.hpp"
#include "structures/clean_up.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class treiber_stack {
 public:
  using value_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "treiber_stack";
  static constexpr std::string_view description = "Treiber (1986) lock-free stack";
  static constexpr structure_kind kind = structure_kind::pool;
  static constexpr structure_requirements requirements{
      .traverses_deleted_nodes = false,
      .hazards_per_thread = 2,  // push: the new node and the old top; pop: top and its next
      .links_per_node = 1,
      .transient_links = 0,
      .read_write_phases = true,
  };

  struct node : S::node_base {
    explicit node(value_type v) noexcept : value(v) {}
    typename S::template link<node> next;
    value_type value;

    template <class F>
    void for_each_link(F&& f) {
      f(next);
    }

    // Clean-up callback (link-counting schemes with structure callbacks, such as hprc, call it
    // on deleted nodes): make `next` skip deleted successors, so a chain of popped nodes does
    // not keep its members alive through each other. Only a deleted node's next is rewritten,
    // and a pop whose CAS reads a deleted top fails, so no operation observes the change.
    template <class H>
    void clean_up(H& h) {
      skip_deleted_successors(
          h, next, [](node& n) { return H::is_deleted(&n); }, [](node& n) { return &n.next; });
    }
  };

  explicit treiber_stack(typename S::domain& d) : domain_(d) {}
  treiber_stack(const treiber_stack&) = delete;
  treiber_stack& operator=(const treiber_stack&) = delete;

  // Teardown: no operation may run concurrently. All nodes go to the scheme at once (see
  // destroy_unretired in the contract).
  ~treiber_stack() {
    std::vector<node*> nodes;
    // Acquire pairs with the last push's CAS; the threads that wrote the links were joined.
    for (marked_ptr<node> p = head_.load(std::memory_order_acquire); p;
         p = p->next.load(std::memory_order_relaxed)) {
      nodes.push_back(p.get());
    }
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  void push(handle& h, value_type v) {
    const typename S::guard g(h);
    auto n = h.template make<node>(v);
    exponential_backoff<> backoff;
    for (;;) {
      if constexpr (S::traits.counted_links) {
        // Protected, so that link-counting schemes may count the new node's claim on it.
        auto top = h.deref(head_);
        h.store(n->next, top.ptr());
        if (h.cas(head_, top.ptr(), n.ptr())) return;
      } else {
        // The old top is only compared and installed, never dereferenced: a snapshot will do.
        // Acquire pairs with the CAS that published it; the seq_cst CAS below is what orders
        // this push against other operations.
        const marked_ptr<node> top = head_.load(std::memory_order_acquire);
        h.store(n->next, top);
        if (h.cas(head_, top, n.ptr())) return;
      }
      backoff.pause();
    }
  }

  // Forced inline into the caller, so that every scheme's pop is measured alike: where GCC
  // left it out of line (a scheme whose retire is larger), the returned optional went through
  // the stack as a byte store read back by a wider load, a failed store-to-load forward on
  // every pop (about 5 ns at 1 thread, a third of immediate_free's whole operation).
  [[gnu::always_inline]] std::optional<value_type> pop(handle& h) {
    const typename S::guard g(h);
    exponential_backoff<> backoff;
    for (;;) {
      bool popped = false;
      ref top;
      if constexpr (S::traits.counted_links) {
        top = h.deref(head_);
        if (!top) return std::nullopt;
        // Protected, not just read: the CAS's new value must be kept alive by a reference, or
        // a link-counting scheme could count a node that was freed in the meantime.
        auto next = h.deref(top->next);
        popped = h.cas(head_, top.ptr(), next.ptr());
      } else {
        marked_ptr<node> next;
        top = read_top(h, next);
        if (!top) return std::nullopt;
        popped = h.cas(head_, top.ptr(), next);
      }
      if (popped) {
        const value_type v = top->value;
        h.retire(std::move(top));
        return v;
      }
      backoff.pause();
    }
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return head_; }

 private:
  using ref = typename S::template ref<node>;

  // pop's read phase (schemes/read_phases.hpp): the top, reserved for the write phase, and the
  // next read out of it, which the CAS only installs. If the CAS succeeds, head still held top,
  // and top (protected, so never freed and reused) still held this next: a popped node is never
  // pushed again. A function of its own, so that pop stays always_inline where the read phase is
  // no checkpoint (a function that calls sigsetjmp cannot be inlined).
  ref read_top(handle& h, marked_ptr<node>& next) {
    SMR_READ_PHASE(h);
    ref top = h.deref(head_);
    if (!top) {
      smr::end_read_phase(h);
      return top;
    }
    // Acquire pairs with the store that set it in push.
    next = top->next.load(std::memory_order_acquire);
    smr::enter_write_phase(h, top);
    return top;
  }

  typename S::domain& domain_;
  // The one word every operation CASes: on a cache line of its own, so that the nodes the
  // allocator places next to the stack object do not share it.
  alignas(64) typename S::template link<node> head_;
};

}  // namespace smr
