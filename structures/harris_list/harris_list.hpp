// harris_list: the lock-free ordered linked list of Harris (DISC 2001), as he wrote it, written
// once against the scheme contract. A set of keys.
//
// Nodes are sorted by key, strictly ascending from head_. A node is removed in two steps: its
// `next` link is marked (bit 0b01: the logical deletion, the linearisation point of remove), then
// it is snipped out. Every link is changed only by a CAS that expects it unmarked, so a marked
// link never changes again (except its pointer under the link-counting clean-up).
//
//   search(key)  walks from head_, remembering the last unmarked node (left; none while that is
//                head_) and the value its link held (left_next); passes over marked nodes and
//                smaller keys by following links, those read out of marked nodes included;
//                stops at right, the first unmarked node whose key is >= key (or the end). If
//                left_next is not right, a chain of marked nodes lies between them: one CAS of
//                left's link from left_next to right snips the whole chain, and the thread whose
//                CAS succeeds, and only it, retires every node of the chain, walking its frozen
//                links. A failed CAS, or a right that was marked meanwhile, restarts.
//   insert       search; present -> false; else link a new node between left and right with one
//                CAS (retrying the search when it fails).
//   remove       search; absent -> false; else mark right's next, then try to snip right alone;
//                if that CAS fails, one more search snips it (with whatever chain it is in).
//   contains     the same search.
//
// Reclamation. The search follows links out of marked nodes, which may already be snipped and
// retired: re-reading a frozen link always succeeds, so a hazard published for its target
// proves nothing. The list therefore requires traverses_deleted_nodes: schemes that protect a
// whole operation (epochs, intervals, Hyaline, reference counts) pair with it; hazard pointers
// do not (smrlab list says why). Link-counting schemes (hprc) get a clean-up callback that makes
// a deleted node's next skip deleted successors, so chains of removed nodes do not pin each other.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schemes/scheme.hpp"
#include "structures/clean_up.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class harris_list {
 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "harris_list";
  static constexpr std::string_view description =
      "Harris (2001) lock-free ordered list: searches snip whole chains of marked nodes";
  static constexpr structure_kind kind = structure_kind::set;
  static constexpr structure_requirements requirements{
      // The search follows links out of marked nodes that may be snipped and retired already.
      .traverses_deleted_nodes = true,
      // The search holds left, the current node and its successor (3), and the chain's first
      // node while it snips (4); insert keeps its new node across the searches it retries (5).
      .hazards_per_thread = 5,
      .links_per_node = 1,
      // An insert between attempts holds a node not yet linked whose next may point at a node
      // that another thread retires meanwhile.
      .transient_links = 1,
      // One node per key, no sentinel node (head_ is a link); an insert's new node or a
      // remove's snipped one in flight per thread.
      .nodes_per_key = 1,
      .fixed_nodes = 0,
  };

  // The mark on a node's own next: the node is logically deleted.
  static constexpr std::uintptr_t deleted = 0b01;

  struct node : S::node_base {
    explicit node(key_type k) noexcept : key(k) {}
    typename S::template link<node> next;
    const key_type key;

    template <class F>
    void for_each_link(F&& f) {
      f(next);
    }

    // Clean-up callback (link-counting schemes with structure callbacks, such as hprc, call it
    // on deleted nodes, which are snipped out): make `next` skip deleted successors, keeping its
    // mark. No operation acts on the pointer of a marked link: a snip CAS expects left's link
    // unmarked, and a chain is retired by the one thread that snipped it, which read the chain's
    // links before retiring each node.
    template <class H>
    void clean_up(H& h) {
      skip_deleted_successors(
          h, next, [](node& n) { return H::is_deleted(&n); }, [](node& n) { return &n.next; });
    }
  };

  explicit harris_list(typename S::domain& d) : domain_(d) {}
  harris_list(const harris_list&) = delete;
  harris_list& operator=(const harris_list&) = delete;

  // Teardown: no operation may run concurrently. At rest every removed node was snipped and
  // retired (every remove searches until its node is out), so the nodes reachable from head_ are
  // exactly the ones never retired; they go to the scheme at once.
  ~harris_list() {
    std::vector<node*> nodes;
    for_each_reachable([&](node& n, marked_ptr<node> /*next*/) { nodes.push_back(&n); });
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  bool contains(handle& h, key_type key) {
    const typename S::guard g(h);
    position pos;
    return search(h, key, pos);
  }

  bool insert(handle& h, key_type key) {
    const typename S::guard g(h);
    ref fresh;  // made on the first attempt that needs it, kept across retries
    for (;;) {
      position pos;
      if (search(h, key, pos)) {
        // Present. A node made by an earlier, failed attempt was never linked: retire it, so
        // that it is reclaimed (and counted) like every other node.
        if (fresh) h.retire(std::move(fresh));
        return false;
      }
      if (!fresh) fresh = h.template make<node>(key);
      const marked_ptr<node> at(pos.right.get(), 0);
      // `fresh` is not shared yet; its successor is protected by pos.right.
      h.store(fresh->next, at);
      if (h.cas(link_after(pos.left), at, fresh.ptr())) return true;
    }
  }

  bool remove(handle& h, key_type key) {
    const typename S::guard g(h);
    for (;;) {
      position pos;
      if (!search(h, key, pos)) return false;
      // Protected, not just read: the snipping CAS's new value must be kept alive by a reference
      // (link-counting schemes count it).
      ref next = h.deref(pos.right->next);
      if (next.ptr().is_marked(deleted)) continue;  // another remove won; a search snips it
      const marked_ptr<node> clean_next(next.get(), 0);
      // The linearisation point: mark right's next (its pointer stays).
      if (!h.cas(pos.right->next, clean_next, clean_next.with_mark(deleted))) continue;
      if (h.cas(link_after(pos.left), marked_ptr<node>(pos.right.get(), 0), clean_next)) {
        next.reset();
        pos.left.reset();
        h.retire(std::move(pos.right));
      } else {
        // left's link changed: a search snips right (whoever's CAS succeeds retires it). Drop the
        // references first, to stay within k.
        next.reset();
        pos = position{};
        search(h, key, pos);
      }
      return true;
    }
  }

  // At rest: the keys in list order.
  std::vector<key_type> keys() const {
    std::vector<key_type> out;
    for_each_reachable([&](const node& n, marked_ptr<node> /*next*/) { out.push_back(n.key); });
    return out;
  }

  // At rest: no reachable node may be marked (every remove searches until its node is snipped),
  // and keys must be strictly ascending and within [0, max_set_key].
  std::string check_structure() const {
    // Relaxed: quiescent; the threads that wrote the link were joined before this runs.
    if (head_.load(std::memory_order_relaxed).mark() != 0) return "head link is marked";
    std::string problem;
    bool first = true;
    key_type previous = 0;
    for_each_reachable([&](const node& n, marked_ptr<node> next) {
      if (!problem.empty()) return;
      if (n.key > max_set_key) {
        problem = "key " + std::to_string(n.key) + " is above max_set_key";
      } else if (!first && n.key <= previous) {
        problem = "keys not strictly ascending: " + std::to_string(n.key) + " after " +
                  std::to_string(previous);
      } else if (next.mark() != 0) {
        problem = "node " + std::to_string(n.key) + " is still marked at rest";
      }
      first = false;
      previous = n.key;
    });
    return problem.empty() ? "ok" : problem;
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return head_; }

 private:
  using link = typename S::template link<node>;
  using ref = typename S::template ref<node>;

  // Where a search stopped: right is the first unmarked node with a key >= the one sought
  // (empty at the end of the list), left the last unmarked node before it (empty when that is
  // head_), and left's link pointed at right when the search returned.
  struct position {
    ref left;
    ref right;
  };

  enum class search_result { absent, found, retry };

  bool search(handle& h, key_type key, position& pos) {
    for (;;) {
      const search_result r = try_search(h, key, pos);
      if (r != search_result::retry) return r == search_result::found;
    }
  }

  // One pass from head_. The references move along with swaps, and `next` takes over the one a
  // hop drops, so that deref_into reuses its protection for the next node. `chain` keeps a
  // reference to the first node of a marked chain after left (left_next's node) until the
  // snip: under schemes that protect only what a reference holds (reference counts), a node
  // passed over and let go could be freed and reused at the same address, linked after left
  // again, and snipped by mistake (an ABA the CAS could not see).
  search_result try_search(handle& h, key_type key, position& pos) {
    using std::swap;
    pos = position{};  // what a caller's position held counts against k too
    ref left;
    marked_ptr<node> left_next;  // left's link (or head_) as read: unmarked
    ref chain;                   // left_next's node, while it is marked
    ref cur;
    ref next;
    deref_into(h, cur, head_);  // head_ is never marked
    left_next = cur.ptr();
    for (;;) {
      if (!cur) break;  // the end: right is empty
      deref_into(h, next, cur->next);
      if (!next.ptr().is_marked(deleted)) {
        if (cur->key >= key) break;  // right = cur
        swap(left, cur);             // left <- cur; cur holds the old left until the swap below
        left_next = marked_ptr<node>(next.get(), 0);
        chain.reset();
        swap(cur, next);  // cur <- the successor; next <- the dropped reference
      } else if (!chain) {
        // cur is marked and follows left directly: the first node of a chain. Keep it.
        chain = std::move(cur);
        cur = std::move(next);
      } else {
        swap(cur, next);  // pass over a marked node (Harris's traversal)
      }
    }
    next.reset();
    if (chain && !snip(h, left, left_next, std::move(chain), cur)) return search_result::retry;
    // Right must still be unmarked: a remove that marked it meanwhile needs it snipped first.
    // seq_cst, like the CAS that marks it.
    if (cur && cur->next.load(std::memory_order_seq_cst).is_marked(deleted)) {
      return search_result::retry;
    }
    const bool found = cur && cur->key == key;
    pos.left = std::move(left);
    pos.right = std::move(cur);
    return found ? search_result::found : search_result::absent;
  }

  // Swings left's link from first (the chain's first marked node, held by `chain`) to right,
  // and retires the chain [first, right) if that CAS succeeded. False when left's link moved on.
  bool snip(handle& h, const ref& left, marked_ptr<node> first, ref chain, const ref& right) {
    if (!h.cas(link_after(left), first, marked_ptr<node>(right.get(), 0))) return false;
    // Every node from first up to right is marked, and a marked link never changes: following
    // them visits exactly the chain this search passed over, which no other thread can snip
    // (left was its only unmarked predecessor). Each link is read before its node is retired.
    while (chain.get() != right.get()) {
      ref after = h.deref(chain->next);
      h.retire(std::move(chain));
      chain = std::move(after);
    }
    return true;
  }

  // The link that points at the node after `left` (head_ while there is none).
  link& link_after(const ref& left) noexcept { return left ? left->next : head_; }

  // At rest: visits every node reachable from head_, with the value of its next link.
  template <class F>
  void for_each_reachable(F&& visit) const {
    // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
    for (marked_ptr<node> p = head_.load(std::memory_order_relaxed); p;) {
      const marked_ptr<node> next = p->next.load(std::memory_order_relaxed);
      visit(*p.get(), next);
      p = next;
    }
  }

  typename S::domain& domain_;
  alignas(64) link head_;
};

}  // namespace smr
