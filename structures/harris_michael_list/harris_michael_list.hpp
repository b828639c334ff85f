// harris_michael_list: the lock-free ordered linked list of Harris (DISC 2001) in the variant of
// Michael (SPAA 2002), written once against the scheme contract. A set of keys.
//
// Nodes are sorted by key, strictly ascending from head_. A node is removed in two steps: its
// `next` link is marked (bit 0b01: the logical deletion, the linearisation point of remove),
// then the link that points at it is swung past it. Every link is changed only by a CAS that
// expects it unmarked, so a marked link never changes again (except its pointer under the
// link-counting clean-up, see node::clean_up), and nothing is ever linked after a marked node.
//
//   find(key)  walks from head_ and stops at the first unmarked node whose key is >= key,
//              holding a reference to it (cur) and to the node whose link points at it (prev;
//              none while that link is head_). After protecting cur's successor it checks
//              that prev's link still holds <unmarked, cur>, and restarts from head_ otherwise:
//              cur was then still in the list when its successor's protection became visible,
//              so the successor was too (Michael's validation; what makes it safe under hazard
//              pointers, whose protection is worth nothing for a node that was already
//              unlinked). A marked node it meets is unlinked on the way: CAS prev from
//              <0, cur> to <0, next>; the thread whose CAS succeeds, and only it, retires the
//              node; a failed CAS restarts.
//   insert     find; present -> false; else link a new node between prev and cur with one CAS
//              (retrying the find when it fails).
//   remove     find; absent -> false; else mark cur's next, then try to unlink cur once; if
//              that CAS fails, one more find unlinks it (it unlinks every marked node it meets,
//              and cur is the only node with its key). Either way, cur is out of the list when
//              remove returns.
//   contains   the same find: Harris's read-only traversal of marked chains would follow links
//              out of unlinked nodes, which hazard pointers do not protect.
//
// Read and write phases (schemes/read_phases.hpp): each pass of find is a read phase, from its
// checkpoint in find; it ends by reserving prev and cur (what insert and remove write through),
// or, to unlink a marked node on the way, prev, cur and its successor. Under a scheme that
// restarts read phases (NBR) a pass that unlinked a node starts again from head_, in a new read
// phase; under every other scheme it goes on, and the phase calls compile to nothing.
//
// Link-counting schemes (hprc) get a clean-up callback that makes a deleted node's next skip
// deleted successors, so chains of removed nodes do not pin each other.
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
class harris_michael_list {
 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "harris_michael_list";
  static constexpr std::string_view description =
      "Harris-Michael lock-free ordered list (Harris 2001; Michael 2002)";
  static constexpr structure_kind kind = structure_kind::set;
  static constexpr structure_requirements requirements{
      // find validates prev's link after protecting each node, and restarts when it changed.
      .traverses_deleted_nodes = false,
      // k = 4: find holds prev, cur and cur's successor (3); insert keeps its new node across
      // the find it retries after a failed CAS (4). remove holds prev, cur and next (3) and
      // drops them before its last find.
      .hazards_per_thread = 4,
      .links_per_node = 1,
      // An insert between attempts holds a node not yet linked whose next may point at a node
      // that another thread retires meanwhile: one live link to a deleted node per thread.
      .transient_links = 1,
      // One node per key, no sentinel node (head_ is a link); an insert's new node or a
      // remove's unlinked one in flight per thread.
      .nodes_per_key = 1,
      .fixed_nodes = 0,
      .read_write_phases = true,
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
    // on deleted nodes only): make `next` skip deleted successors, so a chain of removed nodes
    // does not keep its members alive through each other. The link keeps this node's own mark
    // while its pointer changes. That is safe because only unlinked nodes are cleaned up: a
    // node is retired after it was unlinked (or, for an insert's node, without ever being
    // linked), and it is unlinked only once its next is marked. Every operation that still
    // holds such a node either validates `prev->next == <0, cur>` with it as prev (fails: the
    // link is marked, and stays marked here), or CASes its next expecting an unmarked value
    // (fails for the same reason); so no operation acts on the pointer it sees there. (A
    // never-linked node is held by no one but the insert that retired it.)
    template <class H>
    void clean_up(H& h) {
      skip_deleted_successors(
          h, next, [](node& n) { return H::is_deleted(&n); }, [](node& n) { return &n.next; });
    }
  };

  explicit harris_michael_list(typename S::domain& d) : domain_(d) {}
  harris_michael_list(const harris_michael_list&) = delete;
  harris_michael_list& operator=(const harris_michael_list&) = delete;

  // Teardown: no operation may run concurrently. At rest every removed node was unlinked and
  // retired, so the nodes reachable from head_ are exactly the ones never retired; they go to
  // the scheme at once (see destroy_unretired in the contract).
  ~harris_michael_list() {
    std::vector<node*> nodes;
    for_each_reachable([&](node& n, marked_ptr<node> /*next*/) { nodes.push_back(&n); });
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  bool contains(handle& h, key_type key) {
    const typename S::guard g(h);
    position pos;
    return find(h, key, pos);
  }

  bool insert(handle& h, key_type key) {
    const typename S::guard g(h);
    // Made once, on the first attempt that needs it, and kept across retries.
    ref fresh;
    for (;;) {
      position pos;
      if (find(h, key, pos)) {
        // Present. A node made by an earlier, failed attempt was never linked: retire it, so
        // that it is reclaimed (and counted) like every other node.
        if (fresh) h.retire(std::move(fresh));
        return false;
      }
      if (!fresh) fresh = h.template make<node>(key);
      const marked_ptr<node> at(pos.cur.get(), 0);
      // `fresh` is not shared yet; the successor is protected by pos.cur (link-counting schemes
      // count this link on it).
      h.store(fresh->next, at);
      if (h.cas(link_after(pos.prev), at, fresh.ptr())) return true;
    }
  }

  bool remove(handle& h, key_type key) {
    const typename S::guard g(h);
    for (;;) {
      position pos;
      if (!find(h, key, pos)) return false;
      // Protected, not just read: the unlinking CAS's new value must be kept alive by a
      // reference (link-counting schemes count it).
      ref next = h.deref(pos.cur->next);
      if (next.ptr().is_marked(deleted)) continue;  // another remove won; find unlinks it
      const marked_ptr<node> clean_next(next.get(), 0);
      // The linearisation point: mark cur's next (its pointer stays; no count changes).
      if (!h.cas(pos.cur->next, clean_next, clean_next.with_mark(deleted))) continue;
      if (h.cas(link_after(pos.prev), marked_ptr<node>(pos.cur.get(), 0), clean_next)) {
        next.reset();
        pos.prev.reset();
        h.retire(std::move(pos.cur));
      } else {
        // prev changed: let a find unlink cur (whoever's CAS succeeds retires it). Drop the
        // references first, to stay within k.
        next.reset();
        pos = position{};
        find(h, key, pos);
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

  // At rest: no reachable node may be marked (every remove unlinks the node it marked before it
  // returns), and keys must be strictly ascending and within [0, max_set_key].
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

  // Where a find stopped: cur is the first unmarked node with a key >= the one sought (empty at
  // the end of the list), prev the node whose next pointed at it (empty when that is head_).
  struct position {
    ref prev;
    ref cur;
  };

  enum class find_result { absent, found, retry };

  // Michael's Find: true if a node with the key is in the list; pos says where.
  bool find(handle& h, key_type key, position& pos) {
    for (;;) {
      SMR_READ_PHASE(h);  // a neutralised pass restarts here, in this frame
      const find_result r = try_find(h, key, pos);
      if (r != find_result::retry) return r == find_result::found;
    }
  }

  // One pass from head_; retry when a validation or an unlinking CAS failed. The pass keeps its
  // three references in locals (not in pos, which the caller's frame holds) and moves them
  // along with swaps: next takes over the reference a hop drops, and deref_into reuses its
  // protection (a hazard or era slot) for the next node, so a hop takes and gives back none.
  find_result try_find(handle& h, key_type key, position& pos) {
    using std::swap;
    pos = position{};  // what a caller's pos held counts against k too
    ref prev;
    ref cur;
    ref next;  // the reference the last hop dropped, reused for cur's successor
    // head_ is never marked, and deref re-reads it until it holds the node protected.
    deref_into(h, cur, head_);
    for (;;) {
      if (!cur) return found_at(h, pos, prev, cur, find_result::absent);
      deref_into(h, next, cur->next);  // next held prev's node, or nothing: not cur's
      // Validation: prev still holds <unmarked, cur> after next's protection became visible.
      // seq_cst: store-load with the hazard publication in deref (a seq_cst store this load
      // must not move above), and pairs with the seq_cst CASes that change the link.
      if (link_after(prev).load(std::memory_order_seq_cst) != marked_ptr<node>(cur.get(), 0)) {
        return find_result::retry;
      }
      if (!next.ptr().is_marked(deleted)) {
        if (cur->key >= key) {
          return found_at(h, pos, prev, cur,
                          cur->key == key ? find_result::found : find_result::absent);
        }
        swap(prev, cur);  // prev <- cur; cur holds the old prev until the next swap
      } else {
        // cur is deleted: unlink it. next is held by a reference, as the CAS requires.
        smr::enter_write_phase(h, prev, cur, next);
        if (!h.cas(link_after(prev), marked_ptr<node>(cur.get(), 0),
                   marked_ptr<node>(next.get(), 0))) {
          return find_result::retry;
        }
        h.retire(std::move(cur));
        // The write ended the read phase; a new one starts from head_.
        if constexpr (read_phases_restart<handle>) return find_result::retry;
      }
      // cur <- next (its mark, cur's deleted bit, is ignored: only get() is used); next <- the
      // dropped reference.
      swap(cur, next);
    }
  }

  // The link that points at the node after `prev` (head_ while there is none).
  link& link_after(const ref& prev) noexcept { return prev ? prev->next : head_; }

  // Where a pass stopped: ends the read phase reserving prev and cur (the nodes insert and
  // remove write through), and moves the references into the caller's position.
  static find_result found_at(handle& h, position& pos, ref& prev, ref& cur, find_result r) {
    smr::enter_write_phase(h, prev, cur);
    pos.prev = std::move(prev);
    pos.cur = std::move(cur);
    return r;
  }

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
  link head_;
};

}  // namespace smr
