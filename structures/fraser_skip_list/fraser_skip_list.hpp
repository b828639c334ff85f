// fraser_skip_list: the lock-free skip list of Fraser (PhD thesis, 2004) in the form Herlihy and
// Shavit give it (The Art of Multiprocessor Programming, LockFreeSkipList; Herlihy, Lev,
// Luchangco and Shavit), written once against the scheme contract. A set of keys.
//
// Why this variant. Fraser's own code commits a remove by clearing a value field and searches by
// following links out of marked nodes, passing whole marked runs and snipping them with one CAS:
// that is safe only under schemes that protect a whole operation (epochs). Herlihy and Shavit's
// find unlinks one marked node at a time, with a CAS on an unmarked predecessor's link, and never
// leaves a node through a marked link, which is Michael's list traversal (harris_michael_list.hpp)
// at each level. With Michael's validation added per step, a traversal only ever dereferences
// nodes it proved reachable after protecting them, so the list pairs with hazard pointers too.
//
// Layout. Every node has max_height links (the contract allocates sizeof(node)), a key and a
// height in [1, max_height]; links[i] is its successor at level i, and its mark bit 0b01 says the
// node is deleted at level i. A level is a sorted list from head_[i] (links in the list object,
// never marked: no sentinel nodes) to null. Level i's nodes are a sub-sequence of level i-1's.
//
// Heights are geometric with p = 1/2, capped at max_height = 20 (enough levels for about 2^20
// keys). A height is a hash of the new node's address and key, not a draw from a generator: the
// model checker runs threads as fibers that share a thread_local, and replays an execution only
// if every execution makes the same choices (its arena gives the same addresses each time); a
// shared counter would be a contended write per insert. Addresses and keys are not chosen
// against the hash, so in a sweep the heights are as good as random.
//
//   search(key, stop)  from the top level down to `stop`, holding three references (pred, curr,
//              succ; pred empty stands for head_). At each level: protect curr (restart if
//              pred's link was marked: pred, validated at a higher level, may be deleted here by
//              now), protect its successor, then check that pred's link still holds <unmarked,
//              curr>, else restart from the top (Michael's validation). A curr whose link at this
//              level is marked is snipped with one CAS of pred's link from <0, curr> to <0, succ>;
//              a failed CAS restarts. Stops at the first unmarked node with key >= the one sought,
//              then moves down from pred. Where curr is null, a seq_cst re-read of pred's link
//              stands in for the validation. No arrays of preds and succs are kept across levels:
//              they would need 2 * max_height hazards.
//   insert     search to level 0; present -> false. Else link a new node at level 0 with one
//              CAS (the linearisation point), then each level i = 1 .. height-1 from a fresh
//              search to level i: re-point the node's links[i] at the level's successor with a
//              CAS that expects it unmarked (Fraser's step; the book's add omits it), then CAS
//              pred's link to the node. It stops at the first level whose link it finds marked:
//              a remove has begun, and marks every level top down.
//   remove     search to level 0; absent -> false. Else mark the node's links top down, level 0
//              last: the level-0 mark CAS is the linearisation point, and the thread whose CAS
//              succeeds owns the removal (a remove that finds it marked returns false: the key
//              went absent inside its interval). The owner then searches for the key once more,
//              which snips the node at every level still linking it.
//   contains   the same search: the book's wait-free contains reads links out of marked nodes,
//              which hazard pointers do not protect.
//
// Why a traversal is safe under hazard pointers (traverses_deleted_nodes = false). At each level
// a node is linked once (by its inserter) and unlinked at most once (the snip: after it no
// unmarked node points at the node, so no other snip can succeed, and nobody links it at that
// level again). Every node that is unmarked at level i and was linked there is reachable at level
// i. pred came from a higher level, where it was linked, so it was linked at level i before (an
// insert goes up a level only after linking the one below). So when deref reads pred's link
// unmarked after curr's protection was published, pred was reachable at level i then, and curr
// too (a marked link is frozen and proves nothing: restart). When the validation reads pred's
// link unmarked and pointing at curr, after succ's protection was published, curr was reachable
// then; it was reachable when it was entered too, so also when the link to succ was read, in
// between, and succ with it. A reachable node is not retired (below).
//
// Retirement, exactly once, and only when no level links the node and none will again. Each node
// has an atomic count refs = 1 (the inserter's, held until it has finished linking or gave up)
// + the levels at which it is linked. It starts at 2: the inserter and level 0, while the node is
// still private (an insert that finds the key present retires a node no one has seen). Before
// its link CAS at an upper level the inserter adds 1, and takes it back if the CAS fails (never
// the last unit: its own remains); each successful snip at a level subtracts 1; the inserter
// subtracts its own when it stops linking. Whoever takes refs to 0 retires the node. The count
// never rises from 0 (only the inserter adds, while it holds its unit), so it reaches 0 once, and
// then every link CAS was matched by a snip: the node is unreachable at every level.
// Every level is snipped: the owner of a removal searches for the key after its level-0 mark;
// that search meets the node at every level that linked it (the node has the key it looks for,
// and an unmarked node of the same key can only come after it) and snips it. A level the
// inserter links after that search passed is the inserter's: after its last link it reads its
// node's level-0 link (seq_cst, like the search's loads and both CASes). Unmarked: the mark, and
// the owner's search after it, come later than every link it made. Marked: the owner's search
// may have passed, so the inserter searches for the key itself before it drops its unit.
//
// Counted links (hprc, valois_rc): every value a cas() or store() installs is held by a
// reference (the successor a snip or a link installs, the new node); a mark CAS changes no
// pointer, which no scheme counts. hprc gets a clean-up callback that makes each level's link of
// a deleted node skip deleted successors, so chains of removed nodes do not pin each other.
//
// Not written in read and write phases (read_write_phases = false): nbr_plus is refused.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "schemes/scheme.hpp"
#include "schemes/sync.hpp"
#include "structures/clean_up.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class fraser_skip_list {
 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;

  // Levels per node: 2^20 keys fill the levels at p = 1/2.
  static constexpr unsigned max_height = 20;

  static constexpr std::string_view name = "fraser_skip_list";
  static constexpr std::string_view description =
      "Fraser's lock-free skip list as Herlihy-Shavit present it (2004; AMP 14.4), validated per "
      "level";
  static constexpr structure_kind kind = structure_kind::set;
  static constexpr structure_requirements requirements{
      // A search validates pred's link after protecting each node, and restarts when it changed.
      .traverses_deleted_nodes = false,
      // k = 4: a search holds pred, curr and succ (3); an insert keeps its new node across the
      // searches for its upper levels and its retries (4). A remove drops its node before its
      // last search (3).
      .hazards_per_thread = 4,
      .links_per_node = max_height,
      // Live (not yet retired) nodes whose links may point at a retired node: an insert's node
      // between attempts (its links[i] re-pointed at a successor that is removed meanwhile), and
      // a removed node that is snipped at some levels and still linked at others, whose snipped
      // levels' links may lead to retired nodes until the removal's (or its inserter's) last
      // search. One such node per thread, up to max_height links each.
      .transient_links = max_height,
      // One node per key, no sentinel node (head_ is links); per thread in flight, an insert's
      // new node or a removed node not yet snipped at every level.
      .nodes_per_key = 1,
      .fixed_nodes = 0,
      .read_write_phases = false,
  };

  // The mark on a node's own links[i]: the node is deleted at level i.
  static constexpr std::uintptr_t deleted = 0b01;

  struct node : S::node_base {
    explicit node(key_type k) noexcept : key(k), height(height_for(this, k)) {}
    const key_type key;
    const std::uint32_t height;
    // 1 while the inserter is linking, + the levels that link the node (file comment).
    sync::atomic<std::uint32_t> refs{2};
    std::array<typename S::template link<node>, max_height> links;

    // Levels at or above height are never written (null).
    template <class F>
    void for_each_link(F&& f) {
      for (std::uint32_t i = 0; i < height; ++i) f(links[i]);
    }

    // Clean-up callback (link-counting schemes with structure callbacks, such as hprc, call it
    // on deleted nodes only): make each level's link skip deleted successors, each time to the
    // deleted node's own link at that level. The links keep their marks. Only retired nodes are
    // cleaned up: a retired node is unlinked at every level and marked at every level (or it
    // was never linked, and only its inserter held it). An operation that still holds it
    // validates pred's link with it as pred (fails: marked), snips it with a CAS on a pred that
    // no longer points at it (fails), or marks it (finds it marked); none acts on the pointers
    // it sees here.
    template <class H>
    void clean_up(H& h) {
      for (std::uint32_t i = 0; i < height; ++i) {
        skip_deleted_successors(
            h, links[i], [](node& n) { return H::is_deleted(&n); },
            [i](node& n) { return i < n.height ? &n.links[i] : nullptr; });
      }
    }

   private:
    // Geometric(1/2) in [1, max_height]: one plus the trailing zeros of a hash of the node's
    // address and key (splitmix64's finaliser), capped (file comment: why not a generator).
    static std::uint32_t height_for(const void* where, key_type k) noexcept {
      std::uint64_t z = reinterpret_cast<std::uintptr_t>(where) ^ (k * 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
      z ^= z >> 31U;
      return 1U + static_cast<std::uint32_t>(
                      std::countr_zero(z | (std::uint64_t{1} << (max_height - 1U))));
    }
  };

  explicit fraser_skip_list(typename S::domain& d) : domain_(d) {}
  fraser_skip_list(const fraser_skip_list&) = delete;
  fraser_skip_list& operator=(const fraser_skip_list&) = delete;

  // Teardown: no operation may run concurrently. Every node reachable at some level was never
  // retired (its count is the levels that link it), and every node never retired is reachable:
  // they go to the scheme at once. All levels are walked, not only level 0, so that even a
  // structure that check_structure() rejects is freed exactly once.
  ~fraser_skip_list() {
    std::vector<node*> nodes;
    for (unsigned i = 0; i < max_height; ++i) {
      for_each_at_level(i, [&](node& n, marked_ptr<node> /*next*/) { nodes.push_back(&n); });
    }
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
    domain_.destroy_unretired(std::span<node* const>(nodes));
  }

  bool contains(handle& h, key_type key) {
    const typename S::guard g(h);
    position pos;
    return search(h, key, 0, pos);
  }

  bool insert(handle& h, key_type key) {
    const typename S::guard g(h);
    // Made once, on the first attempt that needs it, and kept across retries.
    ref fresh;
    for (;;) {
      position pos;
      if (search(h, key, 0, pos)) {
        // Present. A node made by an earlier, failed attempt was never linked: retire it, so
        // that it is reclaimed (and counted) like every other node.
        if (fresh) h.retire(std::move(fresh));
        return false;
      }
      if (!fresh) fresh = h.template make<node>(key);
      const marked_ptr<node> at(pos.curr.get(), 0);
      // `fresh` is not shared yet; the successor is protected by pos.curr (link-counting schemes
      // count this link on it).
      h.store(fresh->links[0], at);
      // The linearisation point. refs already counts level 0 (it starts at 2).
      if (h.cas(link_after(pos.pred, 0), at, fresh.ptr())) break;
    }
    link_upper_levels(h, fresh);
    return true;
  }

  bool remove(handle& h, key_type key) {
    const typename S::guard g(h);
    position pos;
    if (!search(h, key, 0, pos)) return false;
    ref victim = std::move(pos.curr);
    pos.pred.reset();
    // Top down, level 0 last. A level not yet linked is marked too: its inserter then stops.
    for (std::uint32_t i = victim->height - 1; i > 0; --i) mark(h, victim->links[i]);
    // seq_cst: seeds the CAS; like every access the retirement argument orders (file comment).
    marked_ptr<node> v = victim->links[0].load(std::memory_order_seq_cst);
    for (;;) {
      // Another remove's mark came first, after this search saw the node unmarked: the key was
      // absent just after it, inside this operation.
      if (v.is_marked(deleted)) return false;
      // The linearisation point (the pointer stays; no count changes).
      if (h.cas(victim->links[0], v, v.with_mark(deleted))) break;
      v = victim->links[0].load(std::memory_order_seq_cst);  // seq_cst: as above
    }
    // Snip it at every level still linking it (the last snip retires it, if the inserter is
    // done). The reference goes first, to stay within k.
    victim.reset();
    search(h, key, 0, pos);
    return true;
  }

  // At rest: the keys of level 0, in order.
  std::vector<key_type> keys() const {
    std::vector<key_type> out;
    for_each_at_level(0, [&](const node& n, marked_ptr<node> /*next*/) { out.push_back(n.key); });
    return out;
  }

  // At rest: at every level, keys strictly ascending within [0, max_set_key], no node marked,
  // and every node taller than the level; each level a sub-sequence of the one below; no link at
  // or above a node's height; and each node's count equal to the levels that link it (every
  // insert has dropped its own unit, every removed node is snipped everywhere).
  std::string check_structure() const {
    std::unordered_map<const node*, std::uint32_t> levels_linking;
    std::vector<const node*> below;  // the previous level's nodes, in order
    for (unsigned i = 0; i < max_height; ++i) {
      // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
      if (head_[i].load(std::memory_order_relaxed).mark() != 0) {
        return "head link " + std::to_string(i) + " is marked";
      }
      std::string problem;
      std::vector<const node*> here;
      std::size_t in_below = 0;
      for_each_at_level(i, [&](const node& n, marked_ptr<node> next) {
        if (!problem.empty()) return;
        const std::string at = "level " + std::to_string(i) + ": node " + std::to_string(n.key);
        if (n.key > max_set_key) {
          problem = at + " is above max_set_key";
        } else if (!here.empty() && n.key <= here.back()->key) {
          problem = at + " follows " + std::to_string(here.back()->key) + " (not ascending)";
        } else if (n.height <= i) {
          problem = at + " has height " + std::to_string(n.height);
        } else if (next.mark() != 0) {
          problem = at + " is still marked at rest";
        } else if (i > 0) {
          while (in_below < below.size() && below[in_below] != &n) ++in_below;
          if (in_below == below.size()) {
            problem = at + " is not linked at level " + std::to_string(i - 1);
          }
        }
        here.push_back(&n);
        ++levels_linking[&n];
      });
      if (!problem.empty()) return problem;
      below = std::move(here);
    }
    for (const auto& [n, levels] : levels_linking) {
      for (std::uint32_t i = n->height; i < max_height; ++i) {
        // Relaxed: quiescent, as above.
        if (n->links[i].load(std::memory_order_relaxed) != marked_ptr<node>()) {
          return "node " + std::to_string(n->key) + " has a link above its height";
        }
      }
      // Relaxed: quiescent, as above.
      const std::uint32_t refs = n->refs.load(std::memory_order_relaxed);
      if (refs != levels) {
        return "node " + std::to_string(n->key) + " counts " + std::to_string(refs) +
               " links, and " + std::to_string(levels) + " levels link it";
      }
    }
    return "ok";
  }

  // The link an operation reads first and protects: head_'s highest non-null link, the one a
  // search enters (head_[0] when the list is empty). A thread parked inside an operation by
  // fault injection (workloads/fault_injection.hpp) holds a protected reference to its target.
  const typename S::template link<node>& entry_link() const noexcept {
    unsigned i = max_height - 1;
    // Relaxed: only chooses the link; the caller's deref reads it again with the scheme's own
    // protection.
    while (i > 0 && !head_[i].load(std::memory_order_relaxed)) --i;
    return head_[i];
  }

 private:
  using link = typename S::template link<node>;
  using ref = typename S::template ref<node>;

  // Where a search stopped at its level: curr is the first unmarked node with a key >= the one
  // sought (empty at the end of the level), pred the node whose link pointed at it (empty when
  // that is head_).
  struct position {
    ref pred;
    ref curr;
  };

  // Returns true if level `stop`'s curr has the key (the answer of contains at level 0).
  bool search(handle& h, key_type key, unsigned stop, position& pos) {
    pos = position{};  // what a caller's pos held counts against k too
    for (;;) {
      if (try_search(h, key, stop, pos)) return pos.curr && pos.curr->key == key;
    }
  }

  // One pass from the top; false when a validation or a snip failed (restart). The three
  // references move along with swaps, and deref_into reuses a dropped reference's protection (a
  // hazard or era slot) for the next node, so a hop takes and gives back none.
  bool try_search(handle& h, key_type key, unsigned stop, position& pos) {
    using std::swap;
    ref pred;  // empty: head_
    ref curr;
    ref succ;
    for (unsigned i = max_height - 1;; --i) {
      link* at = &link_after(pred, i);
      // Empty top levels cost one load: head_'s links are never marked. seq_cst, as the re-read
      // of a null below.
      if (!pred && !at->load(std::memory_order_seq_cst)) {
        curr.reset();
      } else {
        // curr's old node is level i+1's curr, and `at` lies in pred.
        deref_into(h, curr, *at);
        if (!entered(curr)) return false;
        for (;;) {
          if (!curr) {
            // The end of the level. seq_cst re-read, in place of the validation: unmarked, pred
            // was reachable, and pred the last node (an absent answer rests on it); and the
            // order against a late link of an insert whose node a removal's search must meet
            // (file comment).
            const marked_ptr<node> now = at->load(std::memory_order_seq_cst);
            if (now.mark() != 0) return false;
            if (!now) break;
            deref_into(h, curr, *at);
            if (!entered(curr)) return false;
            continue;
          }
          // succ's old node is not curr's, or curr protects it as well (at a level's start it
          // may still hold the node curr entered).
          deref_into(h, succ, curr->links[i]);
          // Validation: pred still holds <unmarked, curr> after succ's protection became visible.
          // seq_cst: store-load with the hazard publication in deref (a seq_cst store this load
          // must not move above), and pairs with the seq_cst CASes that change the link.
          if (at->load(std::memory_order_seq_cst) != marked_ptr<node>(curr.get(), 0)) return false;
          if (succ.ptr().is_marked(deleted)) {
            // curr is deleted at this level: snip it. succ is held by a reference, as the CAS
            // requires.
            if (!h.cas(*at, marked_ptr<node>(curr.get(), 0), marked_ptr<node>(succ.get(), 0))) {
              return false;
            }
            drop_unit(h, curr);
          } else if (curr->key < key) {
            swap(pred, curr);  // pred <- curr; curr holds the old pred until the next swap
            at = &pred->links[i];
          } else {
            break;
          }
          // curr <- succ (its mark is ignored: only get() is used); succ <- the dropped one.
          swap(curr, succ);
        }
      }
      if (i == stop) {
        pos.pred = std::move(pred);
        pos.curr = std::move(curr);
        return true;
      }
    }
  }

  // Whether curr, just dereferenced out of pred's link, may be followed: the value deref read
  // after curr's protection became visible must be unmarked. pred came down from a higher level
  // or was validated a while ago, and may be deleted at this level by now: its link is then
  // frozen, and may point at a node that was snipped and freed before the protection (deref's
  // own re-read of a frozen link always succeeds). Unmarked, pred was linked and unmarked at
  // this level then, so reachable, and curr with it. (A hop to succ needs no such check: the
  // validation of pred's link after succ's protection covers it.)
  static bool entered(const ref& curr) noexcept { return curr.ptr().mark() == 0; }

  // After the level-0 link: the node's upper levels, then the inserter's own unit (file
  // comment). Holds fresh and, in a search, three more.
  void link_upper_levels(handle& h, ref& fresh) {
    bool linked_above = false;
    for (std::uint32_t i = 1; i < fresh->height && link_level(h, fresh, i); ++i) {
      linked_above = true;
    }
    // seq_cst: the retirement argument's order (file comment): against the remove's level-0 mark
    // CAS and its search's seq_cst loads.
    if (linked_above && fresh->links[0].load(std::memory_order_seq_cst).is_marked(deleted)) {
      position pos;
      search(h, fresh->key, 0, pos);  // snips fresh wherever the removal's search missed it
    }
    drop_unit(h, fresh);
  }

  // Links fresh at level i. False, linking nothing, once its link there is marked.
  bool link_level(handle& h, ref& fresh, std::uint32_t i) {
    link& own = fresh->links[i];
    for (;;) {
      position pos;
      search(h, fresh->key, i, pos);
      const marked_ptr<node> succ(pos.curr.get(), 0);
      // seq_cst: seeds the CAS; the remove's marks are seq_cst CASes.
      const marked_ptr<node> old = own.load(std::memory_order_seq_cst);
      if (old.is_marked(deleted)) return false;
      // Re-point at this level's successor (held by pos.curr). Only a remove's mark can make it
      // fail: nobody else writes a link of a node that is not yet linked at that level.
      if (old != succ && !h.cas(own, old, succ)) return false;
      // seq_cst: a locked RMW on x86 whatever the order; keeps the count's argument in the one
      // order of the CASes around it (this add before the link CAS, a snip before its subtract).
      fresh->refs.fetch_add(1, std::memory_order_seq_cst);
      if (h.cas(link_after(pos.pred, i), succ, fresh.ptr())) return true;
      // Never the last unit: the inserter's own remains. seq_cst: as the add.
      fresh->refs.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  // Takes one unit off n's count: a snip's, or the inserter's own. Whoever takes it to zero
  // retires the node; otherwise n keeps its reference.
  static void drop_unit(handle& h, ref& n) {
    // seq_cst: as the add in link_level.
    if (n->refs.fetch_sub(1, std::memory_order_seq_cst) == 1) h.retire(std::move(n));
  }

  // Marks l (a remove's), unless it is marked already. seq_cst loads: they seed the CAS, and
  // pair with the inserter's re-pointing CAS.
  static void mark(handle& h, link& l) {
    for (marked_ptr<node> v = l.load(std::memory_order_seq_cst);
         !v.is_marked(deleted) && !h.cas(l, v, v.with_mark(deleted));) {
      v = l.load(std::memory_order_seq_cst);
    }
  }

  // The link at level i that points at the node after `pred` (head_[i] while there is none).
  link& link_after(const ref& pred, unsigned i) noexcept {
    return pred ? pred->links[i] : head_[i];
  }

  // At rest: visits every node reachable at level i, with the value of its link there.
  template <class F>
  void for_each_at_level(unsigned i, F&& visit) const {
    // Relaxed: quiescent; the threads that wrote the links were joined before this runs.
    for (marked_ptr<node> p = head_[i].load(std::memory_order_relaxed); p;) {
      const marked_ptr<node> next = p->links[i].load(std::memory_order_relaxed);
      visit(*p.get(), next);
      p = next;
    }
  }

  typename S::domain& domain_;
  std::array<link, max_height> head_;
};

}  // namespace smr
