// ellen_bst: the non-blocking external (leaf-oriented) binary search tree of Ellen, Fatourou,
// Ruppert and van Breugel ("Non-blocking binary search trees", PODC 2010), written once against
// the scheme contract. A set of keys.
//
// Keys live in leaves; an internal node routes (left < key <= right). The root is an internal
// node keyed inf2 over the leaves inf1 and inf2, above every user key, so it never leaves and
// every user leaf has a parent and a grandparent. Each internal node has an `update` field: a
// pointer to an Info record with the state in its two low bits (CLEAN, IFLAG, DFLAG, MARK).
//
//   search(k)  from the root to a leaf; records gp, p, l and the update fields of gp and p as
//              read before their children.
//   insert     iflag: CAS p.update from its clean value to <IFLAG, I>, I = {p, l, new internal
//              over a new leaf and a copy of l}; ichild: CAS p's child from l to the new
//              internal node; iunflag: CAS p.update to <CLEAN, I>.
//   remove     dflag: CAS gp.update to <DFLAG, D>, D = {gp, p, l, p's update}; mark: CAS
//              p.update from D's copy to <MARK, D> (p's children never change again); dchild:
//              CAS gp's child from p to l's sibling; dunflag. A failed mark backtracks: CAS
//              gp.update back to <CLEAN, D>.
//   helping    whoever meets a flagged or marked update field finishes that operation first.
//
// One node type serves as internal node, leaf and Info record (the contract allocates one node
// type per structure): an Info record keeps its fields in the same links (info_p is `left`,
// info_l `right`, info_new_internal or info_pupdate `update`, info_gp `gp`). Every node is
// written before it is published and only its update and child links change afterwards.
//
// Reclamation. Leaves, internal nodes and Info records are retired once, each by the thread
// whose CAS takes it out:
//   - the dchild winner retires p and l;
//   - an Info record is retired by the thread whose iflag, dflag or mark CAS displaces it from
//     an update field (a DInfo is displaced only from gp's: its MARK in p is frozen), and with
//     an IInfo goes the leaf its insert replaced. That leaf is retired with its IInfo, not by
//     the ichild winner, so that it cannot be freed and its address reused while the IInfo is
//     still in p.update: a helper that finds p still flagged by the IInfo knows the leaf is
//     the one the IInfo names, and its ichild CAS can only succeed on that leaf.
//   - A flag CAS that fails leaves the new Info record and nodes unpublished; they are kept for
//     the next attempt, and retired when the operation ends without using them.
// Under schemes that cannot follow links out of removed nodes (hazard pointers), every step is
// validated after its protection, as the HP versions (libcds, smr-benchmark) do:
//   - search: after protecting l, p's update must not be MARK and p's child must still be l
//     (an unmarked internal node is in the tree, since a removal marks it first), else the
//     search restarts; a MARK found at p is helped through gp, then the search restarts;
//   - helping an Info record read from a flagged update field: the record is alive while the
//     field holds it (it is retired only once displaced), and each node it names is protected,
//     then the field is checked again, and gp's child for a remove's p;
//   - a MARK names a DInfo that may already be retired: it is helped only after checking that
//     gp still holds <DFLAG, D> (then D is alive), else left alone.
// The search also protects the Info records of gp's and p's update values, which the flag
// CASes expect: held, they cannot be freed and reused at the same address (an ABA that would
// let a flag CAS succeed on a changed node).
// Links of nodes and Info records point at each other (p.update holds I, and I.p is p), which
// link counting never frees: the tree requires uncounted links, so valois_rc and hprc are
// refused (smrlab list says why).
//
// Memory orders: the proof is under sequential consistency, and every link access inside an
// operation is seq_cst (on x86 a seq_cst load is a plain load); only the quiescent readers and
// the destructor use weaker orders, each with its reason.
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
#include "structures/structure.hpp"

namespace smr {

template <class S>
class ellen_bst {
 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;

  static constexpr std::string_view name = "ellen_bst";
  static constexpr std::string_view description =
      "Ellen-Fatourou-Ruppert-van Breugel non-blocking external BST (PODC 2010)";
  static constexpr structure_kind kind = structure_kind::set;
  static constexpr structure_requirements requirements{
      // The search validates every step under schemes that cannot follow links out of removed
      // nodes.
      .traverses_deleted_nodes = false,
      // At most ten references at once. A search holds gp, p, l and the Info records of gp's
      // and p's updates (5); a MARK it meets is helped with l dropped and two more (6). An
      // insert keeps its four new nodes across attempts, so its searches hold up to 10; helping
      // p's update holds gp, p, that record and three more (help_delete), with the four: 10;
      // after a failed iflag, p, the four and p's record, plus three: 10. A remove keeps its
      // DInfo across attempts: its search and helping hold at most 8.
      .hazards_per_thread = 10,
      .links_per_node = 4,
      .transient_links = 1,
      // Per key a leaf and an internal node, whose update field holds an Info record, and an
      // IInfo's replaced leaf, which waits for the record's displacement; five for the
      // sentinels (the root, its two leaves, the root's record and its replaced leaf). In flight
      // per thread: an insert's four new nodes.
      .nodes_per_key = 4,
      .fixed_nodes = 5,
      .cyclic_links = true,
  };

  // The state in an update field's two low bits.
  static constexpr std::uintptr_t clean = 0;
  static constexpr std::uintptr_t iflag = 1;
  static constexpr std::uintptr_t dflag = 2;
  static constexpr std::uintptr_t mark = 3;

  // Sentinel keys, above every user key.
  static constexpr key_type inf1 = max_set_key + 1;
  static constexpr key_type inf2 = max_set_key + 2;

  enum class node_role : std::uint8_t { leaf, internal, insert_info, delete_info };

  struct node : S::node_base {
    node(node_role r, key_type k) noexcept : key(k), role(r) {}

    // An internal node's children and update field; an Info record's fields (see the
    // accessors below).
    typename S::template link<node> left;
    typename S::template link<node> right;
    typename S::template link<node> update;
    typename S::template link<node> gp;
    // Written only before the node is published (a failed insert reuses its nodes).
    key_type key;
    node_role role;

    typename S::template link<node>& info_p() noexcept { return left; }
    typename S::template link<node>& info_l() noexcept { return right; }
    typename S::template link<node>& info_new_internal() noexcept { return update; }
    typename S::template link<node>& info_pupdate() noexcept { return update; }
    typename S::template link<node>& info_gp() noexcept { return gp; }

    template <class F>
    void for_each_link(F&& f) {
      f(left);
      f(right);
      f(update);
      f(gp);
    }
  };

  explicit ellen_bst(typename S::domain& d) : domain_(d) {
    handle h(d);
    auto root = h.template make<node>(node_role::internal, inf2);
    auto leaf1 = h.template make<node>(node_role::leaf, inf1);
    auto leaf2 = h.template make<node>(node_role::leaf, inf2);
    h.store(root->left, leaf1.ptr());
    h.store(root->right, leaf2.ptr());
    // The anchor is read by operations that start after this constructor returns.
    h.store(root_, root.ptr());
    root_node_ = root.get();
  }
  ellen_bst(const ellen_bst&) = delete;
  ellen_bst& operator=(const ellen_bst&) = delete;

  // Teardown: no operation may run concurrently. At rest every removed node and displaced Info
  // record was retired; what is reachable (the tree, the Info records in its update fields, and
  // the leaf each IInfo among them replaced) was not, and goes to the scheme at once.
  ~ellen_bst() {
    std::vector<node*> nodes;
    walk([&](node& n) {
      nodes.push_back(&n);
      node* info = load_quiescent(n.update).get();
      if (info == nullptr) return;
      nodes.push_back(info);
      if (info->role == node_role::insert_info) nodes.push_back(load_quiescent(info->right).get());
    });
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  bool contains(handle& h, key_type key) {
    const typename S::guard g(h);
    search_record rec;
    search(h, key, rec);
    return rec.l->key == key;
  }

  bool insert(handle& h, key_type key) {
    const typename S::guard g(h);
    fresh_insert fresh;
    for (;;) {
      search_record rec;
      search(h, key, rec);
      if (rec.l->key == key) {
        fresh.retire_unused(h);
        return false;
      }
      if (rec.pupdate.mark() != clean) {
        rec.l.reset();  // to stay within k while helping
        rec.gpinfo.reset();
        help_update(h, rec.gp, rec.p, std::move(rec.pinfo));
        continue;
      }
      rec.gp.reset();
      rec.gpinfo.reset();
      prepare_insert(h, fresh, key, rec);
      const marked_ptr<node> flagged(fresh.info.get(), iflag);
      if (h.cas(rec.p->update, rec.pupdate, flagged)) {
        retire_displaced(h, std::move(rec.pinfo));
        help_insert(h, rec.p, fresh.info);
        fresh.published();
        return true;
      }
      // Another operation is under way at p: help it, then search again.
      rec.pinfo.reset();
      rec.l.reset();
      help_update(h, ref{}, rec.p, h.deref(rec.p->update));
    }
  }

  bool remove(handle& h, key_type key) {
    const typename S::guard g(h);
    ref info;  // the DInfo, made once and kept across attempts until published
    for (;;) {
      search_record rec;
      search(h, key, rec);
      if (rec.l->key != key) {
        if (info) h.retire(std::move(info));
        return false;
      }
      if (rec.gpupdate.mark() != clean) {
        rec.l.reset();  // to stay within k while helping
        rec.pinfo.reset();
        help_update(h, ref{}, rec.gp, std::move(rec.gpinfo));
        continue;
      }
      if (rec.pupdate.mark() != clean) {
        rec.l.reset();
        rec.gpinfo.reset();
        help_update(h, rec.gp, rec.p, std::move(rec.pinfo));
        continue;
      }
      if (!info) info = h.template make<node>(node_role::delete_info, key_type{0});
      h.store(info->info_gp(), rec.gp.ptr());
      h.store(info->info_p(), rec.p.ptr());
      h.store(info->info_l(), rec.l.ptr());
      h.store(info->info_pupdate(), rec.pupdate);
      if (h.cas(rec.gp->update, rec.gpupdate, marked_ptr<node>(info.get(), dflag))) {
        retire_displaced(h, std::move(rec.gpinfo));
        rec.pinfo.reset();
        rec.l.reset();
        const ref published = std::move(info);
        const delete_outcome done = help_delete(h, rec.gp, published);
        // A helper finished first: the remove took effect exactly when p carries its mark
        // (frozen once set; p is held, so it may be read even if retired meanwhile).
        if (done == delete_outcome::took_effect || (done == delete_outcome::finished_by_another &&
                                                    rec.p->update.load(std::memory_order_seq_cst) ==
                                                        marked_ptr<node>(published.get(), mark))) {
          return true;
        }
        // Backtracked: p changed under the remove. The DInfo stays in gp.update (clean) until
        // the next flag there displaces and retires it, and the next attempt makes a new one.
        continue;
      }
      rec.gpinfo.reset();
      rec.pinfo.reset();
      help_update(h, ref{}, rec.gp, h.deref(rec.gp->update));
    }
  }

  // At rest: the keys in the leaves, left to right (sentinels excluded).
  std::vector<key_type> keys() const {
    std::vector<key_type> out;
    walk([&](node& n) {
      if (n.role == node_role::leaf && n.key <= max_set_key) out.push_back(n.key);
    });
    return out;
  }

  // At rest: every internal node has two children and a clean update field, every node's key
  // lies in the range its routers give it (left < router <= right), and the sentinels are in
  // place.
  std::string check_structure() const {
    struct frame {
      node* n;
      key_type lo;  // keys here are >= lo
      key_type hi;  // and < hi
      bool bounded_above;
    };
    if (load_quiescent(root_).get() != root_node_ || root_node_->key != inf2) {
      return "the root sentinel moved";
    }
    std::vector<frame> stack{{root_node_, 0, 0, false}};
    while (!stack.empty()) {
      const frame f = stack.back();
      stack.pop_back();
      const node& n = *f.n;
      if (n.key < f.lo || (f.bounded_above && n.key >= f.hi)) {
        return "key " + std::to_string(n.key) + " is outside its routers' range";
      }
      if (n.role == node_role::leaf) continue;
      if (n.role != node_role::internal) return "an Info record is linked as a child";
      if (load_quiescent(n.update).mark() != clean) {
        return "internal node " + std::to_string(n.key) + " has a flagged or marked update";
      }
      node* l = load_quiescent(n.left).get();
      node* r = load_quiescent(n.right).get();
      if (l == nullptr || r == nullptr) {
        return "internal node " + std::to_string(n.key) + " lacks a child";
      }
      stack.push_back({r, n.key, f.hi, f.bounded_above});
      stack.push_back({l, f.lo, n.key, true});
    }
    const std::vector<key_type> k = keys();
    if (!std::is_sorted(k.begin(), k.end())) return "leaf keys not ascending";
    if (std::adjacent_find(k.begin(), k.end()) != k.end()) return "a key is in two leaves";
    return "ok";
  }

  // The link an operation reads first; a thread parked inside an operation by fault injection
  // (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept { return root_; }

 private:
  using link = typename S::template link<node>;
  using ref = typename S::template ref<node>;

  // What search returns: the last three nodes of the path, and gp's and p's update fields as
  // read before their children, with the Info records those values name held.
  struct search_record {
    ref gp;
    ref p;
    ref l;
    ref gpinfo;
    ref pinfo;
    marked_ptr<node> gpupdate;
    marked_ptr<node> pupdate;
  };

  // An insert's new nodes, made on its first attempt that needs them and reused by the next
  // ones until one is published.
  struct fresh_insert {
    ref leaf;
    ref sibling;
    ref internal;
    ref info;

    void published() noexcept {
      leaf.reset();
      sibling.reset();
      internal.reset();
      info.reset();
    }
    void retire_unused(handle& h) {
      for (ref* r : {&leaf, &sibling, &internal, &info}) {
        if (*r) h.retire(std::move(*r));
      }
    }
  };

  static link& child(node& parent, key_type key) noexcept {
    return key < parent.key ? parent.left : parent.right;
  }

  template <class L>
  static marked_ptr<node> load_quiescent(const L& l) {
    // Acquire pairs with the seq_cst CASes and stores that wrote the link; at rest the writers
    // have been joined anyway.
    return l.load(std::memory_order_acquire);
  }

  // ------------------------------------------------------------------ search
  void search(handle& h, key_type key, search_record& rec) {
    for (;;) {
      if (try_search(h, key, rec)) return;
      rec = search_record{};
    }
  }

  // One pass from the root; false when a validation failed (the caller starts again).
  bool try_search(handle& h, key_type key, search_record& rec) {
    rec.l = h.deref(root_);
    while (rec.l->role == node_role::internal) {
      rec.gp = std::move(rec.p);
      rec.gpinfo = std::move(rec.pinfo);
      rec.gpupdate = rec.pupdate;
      rec.p = std::move(rec.l);
      rec.pinfo = h.deref(rec.p->update);
      rec.pupdate = rec.pinfo.ptr();
      rec.l = h.deref(child(*rec.p.get(), key));
      if constexpr (!S::traits.traverses_deleted_nodes) {
        if (!step_still_in_tree(rec, key)) {
          if (rec.pupdate.mark() == mark && rec.gp) {
            rec.l.reset();
            help_marked_found_at(h, rec.gp, rec.p, std::move(rec.pinfo));
          }
          return false;
        }
      }
    }
    return true;
  }

  // After l's protection became visible: p is still unmarked (so in the tree) and still points
  // at l, so l was in the tree then, and the protection holds.
  static bool step_still_in_tree(const search_record& rec, key_type key) {
    const marked_ptr<node> now = rec.p->update.load(std::memory_order_seq_cst);
    if (now.mark() == mark || rec.pupdate.mark() == mark) return false;
    return child(*rec.p.get(), key).load(std::memory_order_seq_cst).get() == rec.l.get();
  }

  // ------------------------------------------------------------------ insert
  // Writes the attempt's new nodes: a leaf for key, a copy of l, an internal node over both
  // (keyed by the larger key), and the IInfo naming p, l and the new internal node.
  void prepare_insert(handle& h, fresh_insert& fresh, key_type key, const search_record& rec) {
    if (!fresh.leaf) {
      fresh.leaf = h.template make<node>(node_role::leaf, key);
      fresh.sibling = h.template make<node>(node_role::leaf, key_type{0});
      fresh.internal = h.template make<node>(node_role::internal, key_type{0});
      fresh.info = h.template make<node>(node_role::insert_info, key_type{0});
    }
    const key_type old_key = rec.l->key;
    fresh.sibling->key = old_key;
    fresh.internal->key = std::max(key, old_key);
    const bool new_goes_left = key < old_key;
    h.store(fresh.internal->left, (new_goes_left ? fresh.leaf : fresh.sibling).ptr());
    h.store(fresh.internal->right, (new_goes_left ? fresh.sibling : fresh.leaf).ptr());
    h.store(fresh.info->info_p(), rec.p.ptr());
    h.store(fresh.info->info_l(), rec.l.ptr());
    h.store(fresh.info->info_new_internal(), fresh.internal.ptr());
  }

  // HelpInsert: p.update held <IFLAG, info> when info was protected. ichild, then iunflag.
  void help_insert(handle& h, const ref& p, const ref& info) {
    ref l = h.deref(info->info_l());
    ref internal = h.deref(info->info_new_internal());
    const marked_ptr<node> flagged(info.get(), iflag);
    // Still flagged: the leaf has not been retired (that waits for the IInfo's displacement),
    // and the new internal node cannot have been removed (that needs p flagged for a delete).
    if (p->update.load(std::memory_order_seq_cst) != flagged) return;
    h.cas(child(*p.get(), l->key), l.ptr(), internal.ptr());
    h.cas(p->update, flagged, marked_ptr<node>(info.get(), clean));
  }

  // ------------------------------------------------------------------ remove
  // What help_delete did, for the remove that owns the DInfo.
  enum class delete_outcome : std::uint8_t { took_effect, backtracked, finished_by_another };

  // HelpDelete: gp.update held <DFLAG, info> when info was protected. Mark p, then finish
  // (help_marked); or, when p changed, backtrack. Says which; nothing is read after a retire
  // (immediate_free frees at once). The paper helps the operation that changed p
  // before backtracking; here the remove's next attempt helps it (from its search record), so
  // that helping never nests and the references held stay bounded. Holds at most three
  // references besides the caller's.
  delete_outcome help_delete(handle& h, const ref& gp, const ref& info) {
    const marked_ptr<node> flagged(info.get(), dflag);
    ref p = h.deref(info->info_p());
    // Done already (unflagged, or backtracked): p may be retired, so it is not read.
    if (gp->update.load(std::memory_order_seq_cst) != flagged) {
      return delete_outcome::finished_by_another;
    }
    if (gp->left.load(std::memory_order_seq_cst).get() != p.get() &&
        gp->right.load(std::memory_order_seq_cst).get() != p.get()) {
      // p left gp. If gp is still flagged by this DInfo, it was flagged all along (a DInfo flags
      // once), so this remove's dchild took p out, and only the unflag is left. Otherwise the
      // remove may have been backtracked before another remove took p out.
      if (h.cas(gp->update, flagged, marked_ptr<node>(info.get(), clean))) {
        return delete_outcome::took_effect;
      }
      return delete_outcome::finished_by_another;
    }
    // p is in the tree, so not retired. Held, the record p's update named when the remove
    // read it cannot be reused at its address while the mark CAS expects it.
    const marked_ptr<node> expected = info->info_pupdate().load(std::memory_order_seq_cst);
    const marked_ptr<node> marked(info.get(), mark);
    ref expected_info = h.deref(info->info_pupdate());
    if (p->update.load(std::memory_order_seq_cst) == expected &&
        h.cas(p->update, expected, marked)) {
      retire_displaced(h, std::move(expected_info));
      help_marked(h, gp, p, info);
      return delete_outcome::took_effect;
    }
    expected_info.reset();
    if (p->update.load(std::memory_order_seq_cst) == marked) {
      help_marked(h, gp, p, info);
      return delete_outcome::took_effect;
    }
    h.cas(gp->update, flagged, marked_ptr<node>(info.get(), clean));  // backtrack
    return delete_outcome::backtracked;
  }

  // HelpMarked: p is marked by info and gp holds <DFLAG, info> (or held it and has since
  // removed p). dchild: swing gp's child from p to l's sibling; its winner retires p and l.
  // Then dunflag.
  void help_marked(handle& h, const ref& gp, const ref& p, const ref& info) {
    node* l = info->info_l().load(std::memory_order_seq_cst).get();
    // p's children are frozen by the mark.
    const marked_ptr<node> right = p->right.load(std::memory_order_seq_cst);
    const marked_ptr<node> sibling =
        right.get() == l ? p->left.load(std::memory_order_seq_cst) : right;
    link& edge = gp->left.load(std::memory_order_seq_cst).get() == p.get() ? gp->left : gp->right;
    if (h.cas(edge, marked_ptr<node>(p.get(), 0), sibling)) {
      // Only this thread retires them, so both are still alive: fresh references to retire
      // (the callers keep theirs).
      ref removed_parent = h.deref(info->info_p());
      ref removed_leaf = h.deref(info->info_l());
      h.retire(std::move(removed_parent));
      h.retire(std::move(removed_leaf));
    }
    h.cas(gp->update, marked_ptr<node>(info.get(), dflag), marked_ptr<node>(info.get(), clean));
  }

  // ------------------------------------------------------------------ helping
  // Helps whatever operation `info` (read from owner.update, and protected) is doing at owner.
  // gp is owner's parent when the caller knows it: under the hazard-pointer family a MARK can be
  // helped only through it (the DInfo may already be retired); under the others the DInfo says.
  void help_update(handle& h, const ref& gp, const ref& owner, ref info) {
    switch (info.ptr().mark()) {
      case iflag:
        help_insert(h, owner, info);
        return;
      case dflag:
        help_delete(h, owner, info);
        return;
      case mark:
        if (gp) {
          help_marked_found_at(h, gp, owner, std::move(info));
        } else if constexpr (S::traits.traverses_deleted_nodes) {
          // Under these schemes the DInfo is safe to read: owner was in the tree at some time
          // during this operation, and the DInfo is retired only after owner leaves it. Its gp
          // is owner's parent.
          ref info_gp = h.deref(info->info_gp());
          help_marked_found_at(h, info_gp, owner, std::move(info));
        }
        return;
      default:
        return;
    }
  }

  // A MARK at p, found with gp: the DInfo may already be retired, unless gp still holds
  // <DFLAG, info> (it is retired only once displaced from there).
  void help_marked_found_at(handle& h, const ref& gp, const ref& p, ref info) {
    const marked_ptr<node> flagged(info.get(), dflag);
    if (gp->update.load(std::memory_order_seq_cst) != flagged) return;
    help_marked(h, gp, p, info);
  }

  // The Info record a successful flag or mark CAS displaced: retired by that CAS's winner, and
  // with an IInfo the leaf its insert replaced (ichild is done once the record is clean).
  void retire_displaced(handle& h, ref displaced) {
    if (!displaced) return;
    if (displaced->role == node_role::insert_info) {
      ref replaced_leaf = h.deref(displaced->info_l());
      h.retire(std::move(replaced_leaf));
    }
    h.retire(std::move(displaced));
  }

  // ------------------------------------------------------------------ at rest
  // Every node of the tree, internal nodes before their children.
  template <class F>
  void walk(F&& visit) const {
    std::vector<node*> stack{load_quiescent(root_).get()};
    while (!stack.empty()) {
      node* n = stack.back();
      stack.pop_back();
      visit(*n);
      if (n->role != node_role::internal) continue;
      stack.push_back(load_quiescent(n->right).get());
      stack.push_back(load_quiescent(n->left).get());
    }
  }

  typename S::domain& domain_;
  link root_;
  node* root_node_ = nullptr;
};

}  // namespace smr
