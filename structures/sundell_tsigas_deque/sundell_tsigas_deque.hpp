// sundell_tsigas_deque: the lock-free deque of Sundell and Tsigas ("Lock-free and practical
// doubly linked list-based deques using single-word compare-and-swap", OPODIS 2004; "Lock-free
// deques and doubly linked lists", JPDC 68(7), 2008), written once against the scheme contract.
//
// A doubly linked list between two sentinels, head and tail. The next links form the list;
// prev links are hints that helpers repair. Bit 0 of a link is the deletion mark. Push links
// the new node into the next chain with one CAS, then points its successor's prev at it
// (push_common). Pop marks the node's next, then its prev (mark_prev), unlinks it from the next
// chain (help_delete), repairs the successor's prev (help_insert), redirects the popped node's
// own links past deleted neighbours (remove_cross_reference), and retires it. The helpers walk
// through deleted nodes by following the links stored inside them, so the deque requires the
// scheme trait traverses_deleted_nodes (a hazard does not protect links read out of an unlinked
// node).
//
// It also requires safe_global_references, as the paper assumes: a link must keep its target
// alive, because a thread may reach a node after the node's pop has retired it. When x's pop has
// marked x.prev while it points at n, n's pop cannot repair x.prev (help_insert stops at the
// mark), so it retires n with x.prev frozen at n; x is still in the next chain until x's pop
// unlinks it, and a thread that starts then reaches x (or x through tail.prev) and follows
// x.prev to n. A push's push_common can also point next.prev at its node after a pop retired it.
// Under an epoch scheme or Hyaline that thread started after the retire, so nothing protects n
// for it (ThreadSanitizer caught hyaline freeing n under such a reader). The deque therefore runs
// on the link-counting schemes (valois_rc, hprc), on none, and on immediate_free with one
// thread; the registry refuses it elsewhere, with this reason.
//
// This is the paper's OPODIS version of help_delete / help_insert: a deleted `prev` met while
// walking is unlinked from the node before it (`last`) in place, with no recursive helping, so
// the number of references one operation holds is bounded (requirements.hazards_per_thread).
// As in Gidenstam's implementation, a walk that reaches the tail sentinel stops (the node it
// was looking for is then no longer linked), where the pseudo-code would read a null next.
//
// Reclamation interface (Gidenstam et al.): READ_NODE / READ_DEL_NODE are h.deref (READ_NODE
// treats a marked link as null), RELEASE_NODE is ref::reset, the CAS and StoreRef are h.cas and
// h.store, which do the paper's COPY_REF / RELEASE_NODE count adjustments themselves, and
// DeleteNode is h.retire. For link-counting schemes the node supplies the clean-up callback
// (node::clean_up); terminate is generic (the scheme drops the links found by for_each_link).
//
// Memory orders: the algorithm is proven under sequential consistency, and some of its checks
// are store-load patterns between threads (push_common's CAS of next.prev then its load of
// node.prev, against a pop's mark of node.prev then its load of next.prev in help_insert; the
// same between help_insert's CAS of node.prev and its re-check of prev.prev). So every link
// load inside an operation is seq_cst; on x86 a seq_cst load is a plain load. Only the
// quiescent readers and the destructor use weaker orders, each with its reason.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "schemes/scheme.hpp"
#include "structures/backoff.hpp"
#include "structures/clean_up.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class sundell_tsigas_deque {
 public:
  using value_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "sundell_tsigas_deque";
  static constexpr std::string_view description =
      "Sundell & Tsigas (2004/2008) lock-free deque: doubly linked, prev links are repaired "
      "hints; helpers follow links out of deleted nodes";
  static constexpr structure_kind kind = structure_kind::deque;
  static constexpr structure_requirements requirements{
      .traverses_deleted_nodes = true,
      // A thread may reach a node after its pop retired it, through a link still pointing at it
      // (see the header comment): only schemes whose links keep their targets alive.
      .safe_global_references = true,
      // k = 5: the most references alive at once. help_delete holds the popped node, last, prev,
      // next and one temporary (the prev2 / next2 it reads, or the ref mark_prev holds); a pop's
      // help_insert holds the popped node, next, prev, last and one temporary; push_right's
      // help_insert holds the new node, tail, prev, last and one temporary. Everything else
      // holds fewer (push_common 4, remove_cross_reference 3, node::clean_up 2). Operations drop
      // their refs to the sentinels before calling help_delete, to stay within 5.
      .hazards_per_thread = 5,
      .links_per_node = 2,  // prev and next
      // alpha = 1 (per thread): next links of live nodes never point at a retired node (a pop
      // unlinks its node from the next chain before it retires it). A live node's prev can: a
      // thread CASes next.prev to a node (push_common) or node.prev to prev (help_insert), and
      // that node may be popped and retired before the thread's re-check (node.prev marked /
      // prev.prev marked) sends it back to repair the link. Each thread is inside at most one
      // such window at a time; once it leaves, no live prev points at a retired node.
      .transient_links = 1,
  };

  struct node : S::node_base {
    explicit node(value_type v) noexcept : value(v) {}

    typename S::template link<node> prev;
    typename S::template link<node> next;
    value_type value;

    template <class F>
    void for_each_link(F&& f) {
      f(prev);
      f(next);
    }

    // Gidenstam et al.'s clean-up callback, called by link-counting schemes on a retired node:
    // point prev and next at the nearest live neighbours, skipping any number of deleted nodes,
    // so that chains of garbage do not keep each other alive. Several threads may clean the
    // same node at once, so every change is a CAS. Holds at most two refs.
    template <class H>
    void clean_up(H& h) {
      // A node is deleted once its next carries the mark (the pop's first step); the sentinels
      // never are. Both links of a retired node carry the deletion mark (the pop marked next,
      // help_delete marked prev) and keep it.
      auto deleted = [](node& n) { return n.next.load(std::memory_order_seq_cst).is_marked(); };
      skip_deleted_successors(h, prev, deleted, [](node& n) { return &n.prev; });
      skip_deleted_successors(h, next, deleted, [](node& n) { return &n.next; });
    }
  };

  explicit sundell_tsigas_deque(typename S::domain& d) : domain_(d) {
    handle h(d);
    auto head = h.template make<node>(value_type{0});
    auto tail = h.template make<node>(value_type{0});
    h.store(head->next, unmarked(tail));
    h.store(tail->prev, unmarked(head));
    // The anchors are only read after this constructor, which happens before any operation.
    h.store(head_anchor_, unmarked(head));
    h.store(tail_anchor_, unmarked(tail));
    head_ = head.get();
    tail_ = tail.get();
  }
  sundell_tsigas_deque(const sundell_tsigas_deque&) = delete;
  sundell_tsigas_deque& operator=(const sundell_tsigas_deque&) = delete;

  // Teardown: no operation may run concurrently. At rest every popped node has been unlinked
  // from the next chain and retired, so the chain from head holds exactly the live nodes and
  // the two sentinels. They go to the scheme at once: a link-counting scheme drops the counts
  // their links hold (prev links may point at retired nodes) and reclaims what that frees
  // before it frees any of them (see destroy_unretired in the contract).
  ~sundell_tsigas_deque() {
    std::vector<node*> nodes;
    // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
    for (node* p = head_; p != nullptr; p = p->next.load(std::memory_order_relaxed).get()) {
      nodes.push_back(p);
    }
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  void push_left(handle& h, value_type v) {
    const typename S::guard g(h);
    ref n = h.template make<node>(v);
    ref next;
    {
      ref head = h.deref(head_anchor_);
      next = h.deref(head->next);  // head.next is never marked: READ_NODE
      backoff bo;
      for (;;) {
        if (head->next.load(std::memory_order_seq_cst) != unmarked(next)) {
          next.reset();
          next = h.deref(head->next);
          continue;
        }
        // n is not yet published: no other thread writes its links.
        h.store(n->prev, unmarked(head));
        h.store(n->next, unmarked(next));
        if (h.cas(head->next, unmarked(next), unmarked(n))) break;
        bo.pause();
      }
    }
    push_common(h, std::move(n), std::move(next));
  }

  void push_right(handle& h, value_type v) {
    const typename S::guard g(h);
    ref n = h.template make<node>(v);
    ref tail = h.deref(tail_anchor_);
    ref prev = h.deref(tail->prev);  // tail.prev is never marked: READ_NODE
    backoff bo;
    for (;;) {
      if (prev->next.load(std::memory_order_seq_cst) != unmarked(tail)) {
        prev = help_insert(h, std::move(prev), tail.get());
        continue;
      }
      h.store(n->prev, unmarked(prev));
      h.store(n->next, unmarked(tail));
      if (h.cas(prev->next, unmarked(tail), unmarked(n))) break;
      bo.pause();
    }
    prev.reset();
    push_common(h, std::move(n), std::move(tail));
  }

  std::optional<value_type> pop_left(handle& h) {
    const typename S::guard g(h);
    ref n;
    backoff bo;
    for (;;) {
      {
        ref head = h.deref(head_anchor_);
        n = h.deref(head->next);  // head.next is never marked: READ_NODE
      }
      if (n.get() == tail_) return std::nullopt;
      ref succ = h.deref(n->next);
      if (succ.ptr().is_marked()) {
        // n is being popped by another thread: help unlink it, then look again.
        succ.reset();
        help_delete(h, n);
        n.reset();
        continue;
      }
      // succ is held so that it stays alive as the CAS's desired value.
      if (h.cas(n->next, unmarked(succ), marked(succ))) break;
      succ.reset();
      n.reset();
      bo.pause();
    }
    help_delete(h, n);
    {
      // n.next is marked, so it no longer changes: it is n's successor at the time of the mark
      // (READ_DEL_NODE).
      ref next = h.deref(n->next);
      help_insert(h, h.deref(head_anchor_), next.get());
    }
    return finish_pop(h, std::move(n));
  }

  std::optional<value_type> pop_right(handle& h) {
    const typename S::guard g(h);
    ref tail = h.deref(tail_anchor_);
    ref n = h.deref(tail->prev);  // tail.prev is never marked: READ_NODE
    backoff bo;
    for (;;) {
      if (n->next.load(std::memory_order_seq_cst) != unmarked(tail)) {
        // tail.prev is stale, or n is being deleted: repair tail.prev and take its new value.
        n = help_insert(h, std::move(n), tail.get());
        continue;
      }
      if (n.get() == head_) return std::nullopt;
      if (h.cas(n->next, unmarked(tail), marked(tail))) break;
      bo.pause();
    }
    tail.reset();
    help_delete(h, n);
    {
      ref next = h.deref(tail_anchor_);
      help_insert(h, h.deref(n->prev), next.get());  // READ_DEL_NODE: n.prev is marked
    }
    return finish_pop(h, std::move(n));
  }

  // Quiescent only (no concurrent operation): the values from left to right following next,
  // skipping marked nodes.
  std::vector<value_type> values_from_left() const {
    std::vector<value_type> out;
    // Acquire pairs with the seq_cst CASes and release stores that wrote the links; at rest
    // the caller has joined the writers anyway.
    node* p = head_->next.load(std::memory_order_acquire).get();
    while (p != tail_) {
      const marked_ptr<node> next = p->next.load(std::memory_order_acquire);  // as above
      if (!next.is_marked()) out.push_back(p->value);
      p = next.get();
    }
    return out;
  }

  // Quiescent only: the values from right to left following prev, skipping marked nodes.
  std::vector<value_type> values_from_right() const {
    std::vector<value_type> out;
    node* p = tail_->prev.load(std::memory_order_acquire).get();  // as in values_from_left
    while (p != head_) {
      // Acquire: as in values_from_left.
      if (!p->next.load(std::memory_order_acquire).is_marked()) out.push_back(p->value);
      p = p->prev.load(std::memory_order_acquire).get();
    }
    return out;
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return head_anchor_; }

 private:
  using ref = typename S::template ref<node>;
  using ptr = marked_ptr<node>;

  static ptr unmarked(const ref& r) noexcept { return ptr(r.get()); }
  static ptr marked(const ref& r) noexcept { return ptr(r.get(), 1); }

  // Back-off between failed CAS attempts: exponential spinning from 1 to 64 hints, then yielding
  // (the suite runs oversubscribed too).
  using backoff = exponential_backoff<1, 64>;

  // The end of both pops: break the popped node's links to deleted neighbours, then DeleteNode.
  std::optional<value_type> finish_pop(handle& h, ref n) {
    const value_type v = n->value;
    remove_cross_reference(h, n);
    h.retire(std::move(n));
    return v;
  }

  // HelpSetMark on x.prev (MarkPrev): set the deletion mark, keeping the pointer. The target
  // is held by a ref so that it stays alive as the CAS's desired value.
  void mark_prev(handle& h, node& x) {
    for (;;) {
      ref p = h.deref(x.prev);
      if (p.ptr().is_marked()) return;
      if (h.cas(x.prev, unmarked(p), marked(p))) return;
    }
  }

  // The walk step shared by help_delete and help_insert when `prev` turns out to be deleted
  // (its next is marked). If a live node `last` was seen pointing at prev, unlink prev from it
  // in place; otherwise step left along prev.prev.
  void step_back_from_deleted(handle& h, ref& prev, ref& last) {
    if (last) {
      mark_prev(h, *prev.get());
      {
        ref next2 = h.deref(prev->next);  // READ_DEL_NODE: prev.next is marked
        // Failure means last no longer points at prev: someone else unlinked it.
        h.cas(last->next, unmarked(prev), unmarked(next2));
      }
      prev = std::move(last);
    } else {
      prev = h.deref(prev->prev);  // READ_DEL_NODE
    }
  }

  // HelpDelete: n's next is marked. Marks n's prev, then unlinks n from the next chain (or
  // finds that another thread already did). Holds n (the caller's) plus at most four refs.
  void help_delete(handle& h, const ref& n) {
    mark_prev(h, *n.get());
    ref last;
    ref prev = h.deref(n->prev);  // READ_DEL_NODE
    ref next = h.deref(n->next);  // READ_DEL_NODE
    backoff bo;
    for (;;) {
      if (prev.get() == next.get()) return;  // the walk passed n: it is already unlinked
      if (next->next.load(std::memory_order_seq_cst).is_marked()) {
        // next is being deleted too: make sure its prev is marked, then move right past it.
        mark_prev(h, *next.get());
        next = h.deref(next->next);  // READ_DEL_NODE
        continue;
      }
      ref prev2 = h.deref(prev->next);
      if (prev2.ptr().is_marked()) {  // READ_NODE would return null: prev is deleted
        prev2.reset();
        step_back_from_deleted(h, prev, last);
        continue;
      }
      if (!prev2) return;  // prev is the tail sentinel: the walk passed n, already unlinked
      if (prev2.get() != n.get()) {
        last = std::move(prev);
        prev = std::move(prev2);
        continue;
      }
      prev2.reset();
      if (h.cas(prev->next, unmarked(n), unmarked(next))) return;
      bo.pause();
    }
  }

  // HelpInsert: makes n.prev point at n's predecessor in the next chain, starting the search
  // from `prev`, a node left of n. Returns a ref to the predecessor found (or to the node the
  // search stopped at, when n turned out to be deleted). Holds at most three refs besides the
  // caller's.
  ref help_insert(handle& h, ref prev, node* n) {
    ref last;
    backoff bo;
    for (;;) {
      ref prev2 = h.deref(prev->next);
      if (prev2.ptr().is_marked()) {  // READ_NODE would return null: prev is deleted
        prev2.reset();
        step_back_from_deleted(h, prev, last);
        continue;
      }
      if (!prev2) break;  // prev is the tail sentinel: n is no longer linked
      const ptr link1 = n->prev.load(std::memory_order_seq_cst);
      if (link1.is_marked()) break;  // n is being deleted: its pop repairs the prev links
      if (prev2.get() != n) {
        last = std::move(prev);
        prev = std::move(prev2);
        continue;
      }
      prev2.reset();
      if (link1.get() == prev.get()) break;  // already right
      if (prev->next.load(std::memory_order_seq_cst) == ptr(n) &&
          h.cas(n->prev, link1, unmarked(prev))) {
        // prev may have been deleted just before the CAS, leaving n.prev pointing at it:
        // check, and if so start over from prev (whose prev is then marked).
        if (!prev->prev.load(std::memory_order_seq_cst).is_marked()) break;
      }
      bo.pause();
    }
    return prev;
  }

  // PushCommon: n was just linked directly before `next` in the next chain; point next.prev at n,
  // unless n or next is being deleted or another push got between them (those operations then
  // repair next.prev).
  void push_common(handle& h, ref n, ref next) {
    backoff bo;
    for (;;) {
      const ptr link1 = next->prev.load(std::memory_order_seq_cst);
      if (link1.is_marked() || n->next.load(std::memory_order_seq_cst) != unmarked(next)) return;
      if (h.cas(next->prev, link1, unmarked(n))) {
        // n may have been popped before the CAS, which could have left next.prev at n: repair.
        if (n->prev.load(std::memory_order_seq_cst).is_marked()) {
          help_insert(h, std::move(n), next.get());
        }
        return;
      }
      bo.pause();
    }
  }

  // RemoveCrossReference: n has been popped (both links marked, so every other writer's CAS on
  // them fails). Redirect n.prev and n.next past fully deleted neighbours (prev marked), so
  // that chains of deleted nodes do not keep each other alive under reference counting.
  void remove_cross_reference(handle& h, const ref& n) {
    for (;;) {
      {
        ref prev = h.deref(n->prev);
        if (prev->prev.load(std::memory_order_seq_cst).is_marked()) {
          ref prev2 = h.deref(prev->prev);  // READ_DEL_NODE
          h.cas(n->prev, marked(prev), marked(prev2));
          continue;
        }
      }
      {
        ref next = h.deref(n->next);
        if (next->prev.load(std::memory_order_seq_cst).is_marked()) {
          ref next2 = h.deref(next->next);  // READ_DEL_NODE
          h.cas(n->next, marked(next), marked(next2));
          continue;
        }
      }
      return;
    }
  }

  typename S::domain& domain_;
  // The sentinels; they live until the destructor. The anchors hold the same two pointers, so
  // that an operation can take a ref to a sentinel with h.deref like to any other node.
  node* head_ = nullptr;
  node* tail_ = nullptr;
  typename S::template link<node> head_anchor_;
  typename S::template link<node> tail_anchor_;
};

}  // namespace smr
