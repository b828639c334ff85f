// michael_scott_queue: the lock-free FIFO queue of Michael and Scott (PODC 1996), written once
// against the scheme contract. A singly linked list from head_ to tail_ whose first node is a
// dummy: the values are in the nodes after it.
//
//   push   link a new node after the last one (CAS of its null next), then swing tail_ to it
//          (a CAS that may fail: whoever finds tail_ lagging swings it on, one node at a time).
//   pop    read head_ (the dummy), tail_ and the dummy's next; empty when next is null; when
//          head_ and tail_ meet with a next behind them, swing tail_ on first (so head_ never
//          passes tail_); else read next's value, CAS head_ from the dummy to next (next becomes
//          the dummy) and retire the old dummy.
//
// Reclamation. pop reads next's value and push reads the last node's next, so both nodes are
// protected, and each is validated by re-reading the anchor it came from (head_, tail_): a
// protected node that an anchor still points at is in the queue, so is the node its next leads
// to. A node off the queue is never followed (traverses_deleted_nodes = false). A retired dummy
// still points at its successor; under link-counting schemes the clean-up callback moves that
// link past successors retired too, so a stale dummy does not keep every later one alive.
// Written in read and write phases (schemes/read_phases.hpp): each attempt reads in a
// restartable read phase, then reserves the nodes its CASes touch.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schemes/scheme.hpp"
#include "structures/backoff.hpp"
#include "structures/clean_up.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class michael_scott_queue {
 public:
  using value_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "michael_scott_queue";
  static constexpr std::string_view description = "Michael-Scott (1996) lock-free FIFO queue";
  static constexpr structure_kind kind = structure_kind::pool;
  static constexpr pool_order order = pool_order::fifo;
  static constexpr structure_requirements requirements{
      .traverses_deleted_nodes = false,
      // push: the new node, the last node and (counted links) its next; pop: the dummy, its
      // next and (counted links) the lagging tail's next it helps install.
      .hazards_per_thread = 3,
      .links_per_node = 1,
      .transient_links = 0,
      // The dummy and, per thread in flight, a push's new node.
      .read_write_phases = true,
  };

  struct node : S::node_base {
    explicit node(value_type v) noexcept : value(v) {}
    typename S::template link<node> next;
    value_type value;  // written before the node is published; the dummy's is meaningless

    template <class F>
    void for_each_link(F&& f) {
      f(next);
    }

    // Clean-up callback (link-counting schemes with structure callbacks, such as hprc, call it
    // on deleted nodes, which are off the queue): make `next` skip deleted successors. An
    // operation that reads a deleted node's next validates its anchor afterwards, which no
    // longer points at the node, so no operation acts on the rewritten link.
    template <class H>
    void clean_up(H& h) {
      skip_deleted_successors(
          h, next, [](node& n) { return H::is_deleted(&n); }, [](node& n) { return &n.next; });
    }
  };

  explicit michael_scott_queue(typename S::domain& d) : domain_(d) {
    handle h(d);
    auto dummy = h.template make<node>(value_type{0});
    // Read by operations that start after this constructor returns.
    h.store(head_, dummy.ptr());
    h.store(tail_, dummy.ptr());
  }
  michael_scott_queue(const michael_scott_queue&) = delete;
  michael_scott_queue& operator=(const michael_scott_queue&) = delete;

  // Teardown: no operation may run concurrently. The dummy and the nodes behind it are the ones
  // never retired; they go to the scheme at once (destroy_unretired in the contract).
  ~michael_scott_queue() {
    std::vector<node*> nodes;
    for_each_node([&](node& n, marked_ptr<node> /*next*/) { nodes.push_back(&n); });
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  void push(handle& h, value_type v) {
    const typename S::guard g(h);
    auto n = h.template make<node>(v);  // before any read phase: nothing is made in one
    exponential_backoff<> backoff;
    while (!try_push(h, n)) backoff.pause();
  }

  std::optional<value_type> pop(handle& h) {
    const typename S::guard g(h);
    exponential_backoff<> backoff;
    for (;;) {
      std::optional<value_type> v;
      switch (try_pop(h, v)) {
        case attempt::done:
          return v;
        case attempt::helped:  // tail_ moved on: try again at once
          continue;
        case attempt::lost:
          backoff.pause();
      }
    }
  }

  // At rest: the values from the front (oldest) to the back.
  std::vector<value_type> values() const {
    std::vector<value_type> out;
    bool dummy = true;
    for_each_node([&](const node& n, marked_ptr<node> /*next*/) {
      if (!dummy) out.push_back(n.value);
      dummy = false;
    });
    return out;
  }

  // At rest: tail_ is the last node (every push swings it before returning, and a pop that
  // found it lagging swung it), and no link is marked.
  std::string check_structure() const {
    std::string problem;
    const node* last = nullptr;
    for_each_node([&](const node& n, marked_ptr<node> next) {
      if (next.mark() != 0 && problem.empty()) problem = "a next link is marked at rest";
      last = &n;
    });
    if (!problem.empty()) return problem;
    // Relaxed: quiescent; the threads that wrote the anchors were joined before this runs.
    if (tail_.load(std::memory_order_relaxed).get() != last) {
      return "tail does not point at the last node at rest";
    }
    return "ok";
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return head_; }

 private:
  using link = typename S::template link<node>;
  using ref = typename S::template ref<node>;

  enum class attempt { done, helped, lost };

  // One attempt to link n after the last node; false if another push got there first.
  bool try_push(handle& h, const ref& n) {
    SMR_READ_PHASE(h);
    ref last = h.deref(tail_);
    // tail_ always holds a node (the dummy at least). Saying so drops deref's null path, on
    // which GCC warns (-Wstringop-overflow) about the load below.
    assert(last && "michael_scott_queue: tail_ holds no node");
    if (!last) __builtin_unreachable();
    // Acquire pairs with the CAS that linked the successor in (its fields were written before).
    const marked_ptr<node> next = last->next.load(std::memory_order_acquire);
    // Validation: tail_ still held `last` after its protection became visible, so `last` was in
    // the queue then. seq_cst: store-load with the protection (a seq_cst store under hazard
    // pointers), and pairs with the CASes that move tail_.
    if (tail_.load(std::memory_order_seq_cst) != last.ptr()) {
      smr::end_read_phase(h);
      return false;
    }
    if (next) {
      // tail_ lags: swing it on. Counted links protect the successor the CAS installs.
      if constexpr (S::traits.counted_links) {
        auto successor = h.deref(last->next);
        smr::enter_write_phase(h, last, successor);
        h.cas(tail_, last.ptr(), successor.ptr());
      } else {
        smr::enter_write_phase(h, last);
        h.cas(tail_, last.ptr(), next);
      }
      return false;
    }
    smr::enter_write_phase(h, last, n);
    if (!h.cas(last->next, marked_ptr<node>(), n.ptr())) return false;
    // Linked (the linearisation point). Swing tail_; a failure means another thread did.
    h.cas(tail_, last.ptr(), n.ptr());
    return true;
  }

  // One attempt to pop into v: done (v holds the value, or nothing when empty), helped (tail_
  // lagged behind head_'s successor and was swung on), lost (another pop won).
  attempt try_pop(handle& h, std::optional<value_type>& v) {
    SMR_READ_PHASE(h);
    ref dummy = h.deref(head_);
    assert(dummy && "michael_scott_queue: head_ holds no node");  // the dummy, as tail_ in try_push
    if (!dummy) __builtin_unreachable();
    // seq_cst: a load of the anchor, ordered after the protections as the validation below.
    const marked_ptr<node> last = tail_.load(std::memory_order_seq_cst);
    ref next = h.deref(dummy->next);
    // Validation: head_ still held the dummy after next's protection became visible, so the
    // dummy was in the queue then, and next with it. seq_cst: as in try_push.
    if (head_.load(std::memory_order_seq_cst) != dummy.ptr()) {
      smr::end_read_phase(h);
      return attempt::lost;
    }
    if (!next) {
      smr::end_read_phase(h);
      return attempt::done;  // empty (the linearisation point: the read of the null next)
    }
    if (dummy.get() == last.get()) {
      // head_ and tail_ meet with a node behind them: swing tail_ on before head_ may pass it.
      smr::enter_write_phase(h, dummy, next);
      h.cas(tail_, last, next.ptr());
      return attempt::helped;
    }
    smr::enter_write_phase(h, dummy, next);
    // Read before the CAS: once next is the dummy, a later pop may retire it.
    const value_type value = next->value;
    if (!h.cas(head_, dummy.ptr(), next.ptr())) return attempt::lost;
    v = value;
    h.retire(std::move(dummy));
    return attempt::done;
  }

  // At rest: visits every node from head_ (the dummy) on, with the value of its next link.
  template <class F>
  void for_each_node(F&& visit) const {
    // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
    for (marked_ptr<node> p = head_.load(std::memory_order_relaxed); p;) {
      const marked_ptr<node> next = p->next.load(std::memory_order_relaxed);
      visit(*p.get(), next);
      p = next;
    }
  }

  typename S::domain& domain_;
  // Pushes CAS tail_, pops head_: each on a cache line of its own.
  alignas(64) link head_;
  alignas(64) link tail_;
};

}  // namespace smr
