// natarajan_mittal_bst: the lock-free external (leaf-oriented) binary search tree of Natarajan
// and Mittal (PPoPP 2014), written once against the scheme contract.
//
// Keys live in leaves; internal nodes route (left < key <= right). Three sentinel keys above
// every user key (inf0 < inf1 < inf2) keep the root R and its left child S in place forever.
// Edges carry two marks: `flag` (the leaf below is being deleted) and `tag` (the edge is frozen
// because its parent is being removed). A marked edge never changes its pointer again.
//
//   seek(key)  walks from R and records ancestor, successor, parent and leaf: successor is the
//              node entered through the last untagged edge, ancestor its parent.
//   insert     one CAS: parent's clean edge to the leaf -> a new internal node over the old leaf
//              and the new one.
//   remove     injection: flag the edge to the leaf (the linearisation point); cleanup: tag the
//              sibling's edge, then swing ancestor's edge from successor to the sibling. That CAS
//              removes successor ... parent and the flagged leaves below them at once, and the
//              thread whose swing succeeds retires exactly those nodes.
//
// Reclamation. Published hazard-pointer versions of this tree were reported unsafe: a seek can
// pass through nodes that a concurrent cleanup has already unlinked, and a hazard published for
// a node reached that way protects nothing. Under schemes whose traits do not allow following
// links out of unlinked nodes (hazard pointers), the seek therefore validates every step after
// protecting the child, and restarts from the root when the check fails:
//   - the edge it read is clean: a removed internal node has both edges marked (the flag of its
//     deleted leaf and the tag of its frozen edge are set before the swing), so the node was
//     still in the tree when the hazard was visible, and so was the child;
//   - the edge is marked (its pointer is frozen): re-read the edge into the current node if it
//     was clean, or else ancestor's edge, which must still be clean and point at successor —
//     successor ... current are then joined by frozen edges, all still in the tree.
// Each failed check means another thread's CAS succeeded, so the seek stays lock-free.
// Link-counting schemes (hprc) get a clean-up callback that makes a deleted node's edges skip
// deleted internal nodes (to the child behind their tagged edge, which took their place), so
// chains of removed nodes do not pin each other.
#pragma once

#include <algorithm>
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
class natarajan_mittal_bst {
 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "natarajan_mittal_bst";
  static constexpr std::string_view description =
      "Natarajan-Mittal lock-free external BST (PPoPP 2014)";
  static constexpr structure_kind kind = structure_kind::set;
  static constexpr structure_requirements requirements{
      // It validates its seek under schemes that cannot follow links out of unlinked nodes.
      .traverses_deleted_nodes = false,
      // A seek holds ancestor, successor, parent, leaf and the child being read (5); insert adds
      // its two new nodes (7); its help to a remove needs one more, after dropping the child.
      .hazards_per_thread = 7,
      .links_per_node = 2,
      // An insert between attempts holds a router not yet linked whose edge leads to a leaf
      // that another thread may remove and retire meanwhile: one such link per thread.
      .transient_links = 1,
      // A leaf and a router per key, five sentinels (R, S and three leaves); per thread in
      // flight, an insert's two new nodes or a remove's leaf and parent, unlinked together.
      .nodes_per_key = 2,
      .fixed_nodes = 5,
  };

  static constexpr std::uintptr_t flag = 0b01;  // the leaf below this edge is being deleted
  static constexpr std::uintptr_t tag = 0b10;   // this edge is frozen: its parent is leaving

  // Sentinel keys, above every user key.
  static constexpr key_type inf0 = max_set_key + 1;
  static constexpr key_type inf1 = max_set_key + 2;
  static constexpr key_type inf2 = max_set_key + 3;

  struct node : S::node_base {
    explicit node(key_type k) noexcept : key(k) {}
    typename S::template link<node> left;
    typename S::template link<node> right;
    // Written only before the node is published (a failed insert reuses its internal node).
    key_type key;

    template <class F>
    void for_each_link(F&& f) {
      f(left);
      f(right);
    }

    // Clean-up callback (link-counting schemes with structure callbacks, such as hprc, call it
    // on deleted nodes only, which are out of the tree). An edge that points at a deleted
    // internal node is moved to that node's surviving child, the one behind its tagged edge:
    // the swing that removed it put that child in its place, so a seek still passing through
    // here reaches the same region of keys (live nodes' key regions only grow). The edge keeps
    // its own marks, so every CAS that expects a clean edge here still fails. Deleted leaves
    // have no children; they stay until this node goes.
    template <class H>
    void clean_up(H& h) {
      auto deleted = [](node& n) { return H::is_deleted(&n); };
      skip_deleted_successors(h, left, deleted, surviving_edge);
      skip_deleted_successors(h, right, deleted, surviving_edge);
    }

   private:
    // The tagged edge of a removed internal node, or null for a leaf.
    static typename S::template link<node>* surviving_edge(node& n) {
      // seq_cst, like the CAS that tagged the edge (it is set before the swing that removed n).
      if ((n.left.load(std::memory_order_seq_cst).mark() & tag) != 0) return &n.left;
      if ((n.right.load(std::memory_order_seq_cst).mark() & tag) != 0) return &n.right;
      return nullptr;
    }
  };

  explicit natarajan_mittal_bst(typename S::domain& d) : domain_(d) {
    handle h(d);
    auto r = h.template make<node>(inf2);
    auto s = h.template make<node>(inf1);
    auto leaf0 = h.template make<node>(inf0);
    auto leaf1 = h.template make<node>(inf1);
    auto leaf2 = h.template make<node>(inf2);
    h.store(s->left, leaf0.ptr());
    h.store(s->right, leaf1.ptr());
    h.store(r->left, s.ptr());
    h.store(r->right, leaf2.ptr());
    // The anchor is read by operations that start after this constructor returns.
    h.store(root_, r.ptr());
    root_node_ = r.get();
  }
  natarajan_mittal_bst(const natarajan_mittal_bst&) = delete;
  natarajan_mittal_bst& operator=(const natarajan_mittal_bst&) = delete;

  // Teardown: no operation may run concurrently. At rest every removed node was retired, so the
  // nodes reachable from R are exactly the ones never retired; they go to the scheme at once.
  ~natarajan_mittal_bst() {
    std::vector<node*> nodes = reachable_nodes();
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  bool contains(handle& h, key_type key) {
    const typename S::guard g(h);
    seek_record rec;
    seek(h, key, rec);
    return rec.leaf->key == key;
  }

  bool insert(handle& h, key_type key) {
    const typename S::guard g(h);
    ref new_leaf;
    ref new_internal;
    for (;;) {
      seek_record rec;
      seek(h, key, rec);
      node* leaf = rec.leaf.get();
      if (leaf->key == key) {
        // Present. Nodes made by an earlier, failed attempt were never published.
        if (new_internal) h.retire(std::move(new_internal));
        if (new_leaf) h.retire(std::move(new_leaf));
        return false;
      }
      if (!new_leaf) {
        new_leaf = h.template make<node>(key);
        new_internal = h.template make<node>(key);
      }
      new_internal->key = std::max(key, leaf->key);
      const marked_ptr<node> old_leaf(leaf, 0);
      if (key < leaf->key) {
        h.store(new_internal->left, new_leaf.ptr());
        h.store(new_internal->right, old_leaf);
      } else {
        h.store(new_internal->left, old_leaf);
        h.store(new_internal->right, new_leaf.ptr());
      }
      auto& edge = child_edge(*rec.parent(), key);
      if (h.cas(edge, old_leaf, new_internal.ptr())) return true;
      // The edge changed. If it still leads to the leaf but is marked, a remove is in progress
      // there: help it finish, or this insert could wait on a stalled thread. seq_cst, like the
      // CAS that marked it.
      const marked_ptr<node> now = edge.load(std::memory_order_seq_cst);
      if (now.get() == leaf && now.mark() != 0) cleanup(h, key, rec);
    }
  }

  bool remove(handle& h, key_type key) {
    const typename S::guard g(h);
    // The leaf this remove flagged. Held across retries so that it cannot be reclaimed and its
    // address reused by a new leaf, which the check below would mistake for it.
    ref target;
    for (;;) {
      seek_record rec;
      seek(h, key, rec);
      if (!target) {
        // Injection.
        if (rec.leaf->key != key) return false;
        auto& edge = child_edge(*rec.parent(), key);
        const marked_ptr<node> clean(rec.leaf.get(), 0);
        if (h.cas(edge, clean, marked_ptr<node>(rec.leaf.get(), flag))) {
          target = std::move(rec.leaf);  // cleanup needs the rest of the record, not the leaf
          if (cleanup(h, key, rec)) return true;
        } else {
          // seq_cst, like the CAS that marked it.
          const marked_ptr<node> now = edge.load(std::memory_order_seq_cst);
          if (now.get() == rec.leaf.get() && now.mark() != 0) cleanup(h, key, rec);
        }
      } else {
        // Cleanup mode: done once the flagged leaf is out of the tree, whoever removed it.
        if (rec.leaf.get() != target.get()) return true;
        if (cleanup(h, key, rec)) return true;
      }
    }
  }

  // At rest: the keys in the leaves, left to right (sentinels excluded).
  std::vector<key_type> keys() const {
    std::vector<key_type> out;
    walk([&](const node& n, bool is_leaf) {
      if (is_leaf && n.key <= max_set_key) out.push_back(n.key);
    });
    return out;
  }

  // At rest: no edge may still be marked (every remove finishes its cleanup before returning),
  // every internal node has two children, and every leaf lies on the side of each router above
  // it that its key selects (left < router <= right).
  std::string check_structure() const {
    struct frame {
      const node* n;
      key_type lo;  // keys here are >= lo
      key_type hi;  // and < hi
      bool bounded_above;
    };
    std::vector<frame> stack{{root_node_, 0, 0, false}};
    while (!stack.empty()) {
      const frame f = stack.back();
      stack.pop_back();
      // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
      const marked_ptr<node> l = f.n->left.load(std::memory_order_relaxed);
      const marked_ptr<node> r = f.n->right.load(std::memory_order_relaxed);
      if (!l && !r) {
        if (f.n->key < f.lo || (f.bounded_above && f.n->key >= f.hi)) {
          return "leaf " + std::to_string(f.n->key) + " is on the wrong side of a router";
        }
        continue;
      }
      if (!l || !r) return "internal node " + std::to_string(f.n->key) + " has one child";
      if (l.mark() != 0 || r.mark() != 0) {
        return "an edge below node " + std::to_string(f.n->key) +
               " is still flagged or tagged at rest";
      }
      stack.push_back({l.get(), f.lo, f.n->key, true});
      stack.push_back({r.get(), f.n->key, f.hi, f.bounded_above});
    }
    return "ok";
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return root_; }

 private:
  using link = typename S::template link<node>;
  using ref = typename S::template ref<node>;

  // What a seek found. `parent_` is empty while the parent is the successor (the common case:
  // one reference cannot hold two roles).
  struct seek_record {
    ref ancestor;
    ref successor;
    ref parent_;
    ref leaf;
    marked_ptr<node> leaf_edge;  // parent's edge to leaf, with its marks, as last read

    node* parent() const noexcept { return parent_ ? parent_.get() : successor.get(); }
  };

  static link& child_edge(node& n, key_type key) noexcept { return key < n.key ? n.left : n.right; }

  void seek(handle& h, key_type key, seek_record& rec) {
    for (;;) {
      rec.parent_.reset();
      rec.ancestor = h.deref(root_);
      rec.successor = h.deref(rec.ancestor->left);  // S: R's edges never change
      // S's edges are never marked and S is never removed, so its child needs no validation.
      rec.leaf = h.deref(rec.successor->left);
      rec.leaf_edge = rec.leaf.ptr();
      if (descend(h, key, rec)) return;
    }
  }

  // Walks down from rec.leaf to a leaf. Returns false when a validation failed (restart). The
  // references move down with swaps, and `child` takes over the one a step drops, so that
  // deref_into reuses its protection (a hazard or era slot) for the next child: a step takes and
  // gives back none.
  bool descend(handle& h, key_type key, seek_record& rec) {
    using std::swap;
    ref child;  // the reference the last step dropped: an ancestor of rec.leaf, or nothing
    for (;;) {
      deref_into(h, child, child_edge(*rec.leaf.get(), key));
      if (!child) return true;  // rec.leaf is a leaf
      if constexpr (!S::traits.traverses_deleted_nodes) {
        if (!still_in_tree(rec, child.ptr(), key)) return false;
      }
      if ((rec.leaf_edge.mark() & tag) == 0) {
        // Entered through an untagged edge: the old parent becomes the ancestor, the current
        // node the successor (and the parent, which parent_ left empty says).
        if (rec.parent_) {  // the parent was not the successor: it takes the successor's place
          rec.successor.reset();
          swap(rec.successor, rec.parent_);
        }
        swap(rec.ancestor, rec.successor);  // ancestor <- the parent, successor <- the dropped
        swap(rec.successor, rec.leaf);      // successor <- the node, leaf <- the dropped
      } else {
        swap(rec.parent_, rec.leaf);  // parent_ <- the node, leaf <- the old parent_ (or none)
      }
      swap(rec.leaf, child);  // leaf <- the child, child <- the dropped reference
      rec.leaf_edge = rec.leaf.ptr();
    }
  }

  // Hazard-pointer validation (see the file comment): `child` was protected, then read again
  // (with these marks) out of rec.leaf. True if rec.leaf, and so the child, was in the tree at
  // a moment after the protection became visible.
  static bool still_in_tree(const seek_record& rec, marked_ptr<node> child, key_type key) {
    if (child.mark() == 0) return true;  // a removed node has no clean edge
    // The child's edge is frozen; show that rec.leaf itself was still attached. seq_cst: these
    // loads must come after the hazard's publication in protect (store-load).
    if ((rec.leaf_edge.mark() & tag) == 0) {
      return rec.leaf_edge.mark() == 0 &&
             child_edge(*rec.parent(), key).load(std::memory_order_seq_cst) == rec.leaf_edge;
    }
    return child_edge(*rec.ancestor.get(), key).load(std::memory_order_seq_cst) ==
           marked_ptr<node>(rec.successor.get(), 0);
  }

  // Finishes the remove that flagged a leaf below rec's parent (this thread's or another's).
  // Returns true if this thread's swing removed it; the nodes it unlinked are then retired here.
  bool cleanup(handle& h, key_type key, seek_record& rec) {
    node* parent = rec.parent();
    link* kept = &child_edge(*parent, key);
    link* removed = key < parent->key ? &parent->right : &parent->left;
    // seq_cst, like the CAS that flagged it. If the leaf on key's side is not the flagged one,
    // its sibling is: key's side is the one that moves up.
    if ((kept->load(std::memory_order_seq_cst).mark() & flag) != 0) std::swap(kept, removed);
    // Freeze the edge that moves up (set its tag, pointer unchanged).
    for (marked_ptr<node> v = kept->load(std::memory_order_seq_cst);
         (v.mark() & tag) == 0 && !h.cas(*kept, v, v.with_mark(v.mark() | tag));) {
      v = kept->load(std::memory_order_seq_cst);
    }
    ref sibling = h.deref(*kept);  // keeps the CAS's new value alive (link-counting schemes)
    const marked_ptr<node> moved_up(sibling.get(), sibling.ptr().mark() & flag);
    if (!h.cas(child_edge(*rec.ancestor.get(), key), marked_ptr<node>(rec.successor.get(), 0),
               moved_up)) {
      return false;
    }
    // The swing removed successor ... parent along key's path and, below each of them, the
    // flagged leaf that is not on the path (at parent: the one that did not move up). Nobody
    // else retires them, and none can be reclaimed before it is retired here.
    rec.ancestor.reset();
    sibling.reset();
    ref n = std::move(rec.successor);
    while (n.get() != parent) {
      link& on_path = child_edge(*n.get(), key);
      link& off_path = &on_path == &n->left ? n->right : n->left;
      ref next = h.deref(on_path);
      h.retire(h.deref(off_path));
      h.retire(std::move(n));
      n = std::move(next);
    }
    rec.parent_.reset();
    h.retire(h.deref(*removed));
    h.retire(std::move(n));
    return true;
  }

  // At rest: visits every node reachable from R once (the tree has no sharing at rest).
  template <class F>
  void walk(F&& visit) const {
    std::vector<const node*> stack{root_node_};
    while (!stack.empty()) {
      const node* n = stack.back();
      stack.pop_back();
      // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
      const marked_ptr<node> l = n->left.load(std::memory_order_relaxed);
      const marked_ptr<node> r = n->right.load(std::memory_order_relaxed);
      visit(*n, !l && !r);
      if (r) stack.push_back(r.get());
      if (l) stack.push_back(l.get());
    }
  }

  std::vector<node*> reachable_nodes() {
    std::vector<node*> out;
    walk([&](const node& n, bool /*is_leaf*/) { out.push_back(const_cast<node*>(&n)); });
    return out;
  }

  typename S::domain& domain_;
  link root_;
  node* root_node_ = nullptr;
};

}  // namespace smr
