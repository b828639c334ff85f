// hprc: the combined hazard-pointer + reference-count scheme of Gidenstam, Papatriantafilou,
// Sundell and Tsigas ("Efficient and Reliable Lock-Free Memory Reclamation Based on Reference
// Counting", ISPAN 2005; IEEE TPDS 20(8), 2009; libcds's HRC until 2014).
//
// Local references are hazard pointers (cheap dereference, no count traffic). Shared links are
// counted: each node carries mm_ref (links pointing at it), mm_trace and mm_del; only StoreRef
// and CompareAndSwapRef change mm_ref. DeleteNode puts the node on the thread's deletion list
// (DL). When the DL is full: CleanUpLocal (the structure's clean-up callback on each own DL
// node, so their links skip deleted nodes), Scan (free every DL node with mm_ref == 0, its trace
// confirmed and no hazard on it; a node another thread holds a claim on is terminated and kept,
// marked done, until the claims drop), and CleanUpAll (clean up other threads' DL nodes under a
// claim). HelpScan processes the deletion lists of threads that exited. Since clean-up breaks
// chains of deleted nodes, the scheme can follow links out of deleted nodes, and garbage is
// bounded: N^2 * (k + l_max + alpha + 1) deleted-but-unreclaimed nodes, with each DL sized
// N * (k + l_max + alpha + 1). Cyclic garbage is not supported (terminate breaks the cycles the
// structures here create).
//
// Memory orders: the algorithm and its bound are proven under sequential consistency, and the
// decision to free a node rests on store-load patterns between threads, so the operations below
// are seq_cst and each group says which operations it is ordered against. On x86 a seq_cst load
// is a plain load and an RMW is a locked instruction whatever its order; what seq_cst costs is
// the fence of each seq_cst store (four per retire, one per count_link, Scan's trace and entry
// stores). The groups, tagged at each operation:
//   (H1) Scan's free decision. Scan stores mm_trace = true, then re-loads mm_ref; count_link
//     does mm_ref += 1, then stores mm_trace = false. If Scan's re-load misses the increment,
//     the single total order puts the linker's trace store after Scan's, so Scan's mark cannot
//     overwrite it; under acquire/release it could, and Scan could free a linked node. The
//     final check (mm_ref == 0, trace set, no hazard) also needs the link writes
//     (cas, store) and uncount_link's decrement in that order: a DeRefLink that published its
//     hazard and then re-read the link before the unlinking write is seen by a Scan that saw
//     the decrement (hazard_slots.hpp: publish_and_reread, collect_hazards). Needed.
//   (H2) The claims on a deletion-list entry. CleanUpAll does claims += 1, then re-loads node;
//     Scan stores node = null, then loads claims. Dekker's pattern: at least one of them sees
//     the other's write, so Scan never frees a node that a cleaner is cleaning up. Needed.
//     The cleaner's claims -= 1 after its clean-up also orders its uses of the node before a
//     Scan that reads claims == 0 and frees it (release/acquire would do for that half).
//   (H3) Publishing an entry to CleanUpAll. retire stores done = false, then node = n; Scan
//     stores done = true, then node = n again; CleanUpAll loads node, then done. Release on the
//     node stores and acquire on the first node load would do (done relaxed behind them). Kept
//     seq_cst: node is also H2's variable, and one order keeps the argument in one total order.
//   (H4) mm_del: retire's store, is_deleted()'s load in the structures' clean-up callbacks.
//     A stale false only skips a clean-up step, which is never unsafe; but the bound's argument
//     (a clean-up pass skips every node deleted before it began) is stated over one total order.
//     Kept seq_cst. retire's mm_trace = false repeats the paper's DeleteNode: the trace is false
//     already (only Scan sets it, on nodes in a deletion list), so any order would do; kept.
//   (H5) Reads of the holder's own writes: CleanUpLocal's and Scan's loads of node and done in
//     a list this thread holds (written only by its holder; the registry's claim orders a
//     taken-over slot's previous owner before). Relaxed would do; kept seq_cst, a plain load.
//   (H6) terminate's load of a link before its clearing CAS: relaxed would do, the CAS checks
//     the value; kept seq_cst, a plain load.
// The orders that are not seq_cst (the deletion list's publication, the teardown) each say
// what they pair with. Weakening H3 to H6 would make retire's four fenced stores plain ones on
// x86 (the loads cost nothing either way). Not done: the bound's argument (H4) is the paper's,
// under SC, and such a change should first pass the model checker under TSO (smrlab check).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../domain_base.hpp"
#include "../free_pacing.hpp"
#include "../hazard_slots.hpp"
#include "../marked_ptr.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"
#include "../scheme.hpp"
#include "schemes/sync.hpp"

namespace smr {

struct hprc {
  static constexpr std::string_view name = "hprc";
  static constexpr std::string_view description =
      "hazard pointers + reference counts (Gidenstam, Papatriantafilou, Sundell, Tsigas 2005)";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,  // clean-up keeps links of deleted nodes safe to follow
      .safe_global_references = true,   // a node is freed only when no link counts it (mm_ref 0)
      .bounded_garbage = true,
      .robust_to_stalled_threads = true,
      .type_stable_memory = false,
      .needs_structure_callbacks = true,
      .counted_links = true,
      .bound_formula =
          "N²·(k + l_max + α + 1), k including the 3 hazards its clean-up callbacks may use",
      .node_metadata =
          "a reference count, trace and deleted flags, and the node's clean-up operations",
  };

  // Hazards the scheme itself needs beyond the structure's k: a structure's clean-up callback,
  // run from DeleteNode or CleanUpAll while the operation still holds its own references.
  static constexpr unsigned clean_up_hazards = 3;
  static unsigned hazards_for(unsigned structure_k) { return structure_k + clean_up_hazards; }

  // Entries of one thread's deletion list: N * (k + l_max + alpha + 1).
  static std::uint64_t deletion_list_capacity(unsigned n, unsigned k, unsigned l_max,
                                              unsigned alpha) {
    return std::uint64_t{n} * (hazards_for(k) + l_max + alpha + 1);
  }
  // N^2 * (k + l_max + alpha + 1), with k the hazards per thread the scheme really uses.
  static std::optional<std::uint64_t> bound(const bound_inputs& in) {
    return std::uint64_t{in.threads} *
           deletion_list_capacity(in.threads, in.structure.hazards_per_thread,
                                  in.structure.links_per_node, in.structure.transient_links);
  }

  class thread_handle;

  // Per-node metadata. mm_ops is set by make(): the type-erased callbacks of the node's type.
  struct node_ops;
  struct node_base {
    sync::atomic<std::int64_t> mm_ref{0};
    sync::atomic<bool> mm_trace{false};
    sync::atomic<bool> mm_del{false};
    const node_ops* mm_ops = nullptr;
  };

  struct node_ops {
    void (*clean_up)(node_base*, thread_handle&);
    void (*terminate)(node_base*, thread_handle&, bool concurrent);
    void (*destroy)(node_base*, void (*hook)());
  };

  template <class T>
  using link = atomic_marked_ptr<T>;
  template <class T>
  using ref = hazard_ref<T>;

  // One entry of a deletion list. node and claims are read by other threads (CleanUpAll);
  // done tells them the node was terminated and must not be cleaned up any more.
  struct dl_entry {
    sync::atomic<node_base*> node{nullptr};
    sync::atomic<unsigned> claims{0};
    sync::atomic<bool> done{false};
    // Owner-only.
    std::uint32_t next = 0;
    void (*hook)() = nullptr;
  };
  static constexpr std::uint32_t end_of_list = UINT32_MAX;

  struct slot {
    hazard_array hazards{};
    thread_counters counters;
    // The deletion list, allocated by the slot's first owner and kept for the domain's life so
    // other threads' claims always point at valid entries. Release/acquire: see dl_of().
    sync::atomic<dl_entry*> dl{nullptr};
    std::unique_ptr<dl_entry[]> dl_storage;
    // Owner-only (or held by a thread that took over the slot of an exited one).
    std::uint32_t dlist = end_of_list;
    std::uint32_t dcount = 0;
    std::vector<std::uint32_t> free_entries;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {})
        : domain_base<slot>(config),
          k_(hazards_for(config.hazards_per_thread)),
          capacity_(static_cast<std::uint32_t>(
              hprc::deletion_list_capacity(std::max(1U, config.threads), config.hazards_per_thread,
                                           config.links_per_node, config.transient_links))) {
      if (k_ > max_hazards_per_thread) {
        throw std::invalid_argument(
            "hprc: the structure needs " + std::to_string(config.hazards_per_thread) +
            " hazards, more than " + std::to_string(max_hazards_per_thread - clean_up_hazards));
      }
    }
    ~domain() { reclaim_all_quiescent(); }

    unsigned hazards_per_thread() const noexcept { return k_; }

    // Teardown of nodes still in a structure: first drop the claims their links hold (so the
    // deleted nodes they point at can be reclaimed), while all of them are alive; then free.
    template <class T>
    void destroy_unretired(std::span<T* const> nodes) {
      for (T* node : nodes) {
        node->for_each_link([](auto& l) {
          using target_type =
              std::remove_pointer_t<decltype(l.load(std::memory_order_relaxed).get())>;
          // Relaxed: quiescent teardown; the threads that wrote the links were joined.
          node_base* target =
              l.exchange(marked_ptr<target_type>(), std::memory_order_relaxed).get();
          if (target != nullptr) target->mm_ref.fetch_sub(1, std::memory_order_relaxed);
        });
      }
      // Retired nodes that only these nodes' links kept alive are reclaimed now, while every
      // node their own links may point at is still alive.
      if (registered_threads() == 0) reclaim_all_quiescent();
      for (T* node : nodes) {
        delete node;
        teardown_counters().count_destroyed();
      }
    }
    template <class T>
    void destroy_unretired(T* node) {
      destroy_unretired(std::span<T* const>(&node, 1));
    }

    std::uint32_t deletion_list_capacity() const noexcept { return capacity_; }

    // With no thread registered: clean up and scan every deletion list until nothing more can
    // be freed (a freed node's terminate may release the last link to another).
    void reclaim_all_quiescent();

    // The slot's deletion list, or null if the slot never had one. Acquire pairs with the
    // release store of its first owner.
    static dl_entry* dl_of(const slot& s) noexcept { return s.dl.load(std::memory_order_acquire); }

   private:
    friend class thread_handle;
    unsigned k_;
    std::uint32_t capacity_;
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d),
          hazards_(own_slot().hazards, d.k_, name),
          pacing_(d.config()) {
      ensure_deletion_list(own_slot());
    }
    ~thread_handle() {
      // Free what can be freed; the rest stays in the slot for HelpScan or the next owner.
      if (own_slot().dcount != 0) {
        clean_up_local(own_slot());
        scan(own_slot());
      }
      pacing_.flush(counters());
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // DeRefLink.
    template <class T>
    ref<T> deref(const link<T>& l) {
      return hazards_.protect(l);
    }

    // DeRefLink in place (deref_into, schemes/scheme.hpp): r keeps its slot.
    template <class T>
    void deref_into(ref<T>& r, const link<T>& l) {
      hazards_.protect_into(r, l);
    }

    // CompareAndSwapRef: on success, +1 on the new node (clearing its trace) and -1 on the old.
    // Counts change only when the pointer does (not for a change of mark alone). The CAS is
    // seq_cst (plain_ref.hpp; H1): an unlinking write in the order Scan's checks assume.
    template <class T>
    bool cas(link<T>& l, marked_ptr<T> expected, marked_ptr<T> desired) {
      if (!atomic_link_writes::cas(l, expected, desired)) return false;
      if (expected.get() != desired.get()) {
        count_link(desired.get());
        uncount_link(expected.get());
      }
      return true;
    }

    // StoreRef, for links no other thread writes concurrently. An exchange, for the old value
    // to uncount; seq_cst (H1), as the CAS: it may unlink a node that a DeRefLink re-reads.
    template <class T>
    void store(link<T>& l, marked_ptr<T> value) {
      const marked_ptr<T> old = l.exchange(value, std::memory_order_seq_cst);
      if (old.get() != value.get()) {
        count_link(value.get());
        uncount_link(old.get());
      }
    }

    // NewNode: count 0, flags clear, protected by a hazard. The node type must have its links
    // and its clean-up callback (check_node, schemes/scheme.hpp): Scan and CleanUpAll call it
    // through ops_of<T>, and a node without it would compile and quietly lose the bound.
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      static_assert(check_node<hprc, T>());
      ref<T> r = hazards_.make<T>(std::forward<Args>(args)...);
      T* p = r.get();
      if (static_cast<void*>(static_cast<node_base*>(p)) != static_cast<void*>(p)) {
        throw std::logic_error("hprc: node_base must be the first base of a node type");
      }
      p->mm_ops = &ops_of<T>;
      counters().count_allocated();
      return r;
    }

    // DeleteNode.
    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      node_base* n = r.get();
      r.reset();
      pacing_.step(counters());
      n->mm_del.store(true, std::memory_order_seq_cst);     // H4: is_deleted()
      n->mm_trace.store(false, std::memory_order_seq_cst);  // H4: the paper's; already false
      slot& s = own_slot();
      if (s.free_entries.empty()) make_room(s);
      const std::uint32_t idx = s.free_entries.back();
      s.free_entries.pop_back();
      dl_entry& e = s.dl_storage[idx];
      // H3: CleanUpAll loads node, then done; it sees this done, not the entry's last one.
      e.done.store(false, std::memory_order_seq_cst);
      e.hook = reinterpret_cast<void (*)()>(on_reclaim);
      e.node.store(n, std::memory_order_seq_cst);
      e.next = s.dlist;
      s.dlist = idx;
      ++s.dcount;
      counters().count_retired();
      if (s.dcount == owner().capacity_) make_room(s);
    }

    std::uint32_t deletion_list_size() noexcept { return own_slot().dcount; }

    // For the structures' clean-up callbacks: whether DeleteNode was called on the node.
    // H4: pairs with retire's store of mm_del.
    static bool is_deleted(const node_base* n) noexcept {
      return n->mm_del.load(std::memory_order_seq_cst);
    }

   private:
    friend class domain;

    // The DeleteNode loop: CleanUpLocal, Scan, CleanUpAll until the list has room.
    void make_room(slot& s) {
      const std::uint32_t full = owner().capacity_;
      for (unsigned round = 0; s.dcount >= full; ++round) {
        clean_up_local(s);
        scan(s);
        if (s.dcount < full) break;
        clean_up_all();
        scan(s);
        // Only when more threads run than the domain was sized for can a list stay full:
        // give the other threads a chance to release what pins these nodes.
        if (s.dcount >= full && round > 2) sync::yield();
      }
    }

    void ensure_deletion_list(slot& s) {
      if (domain::dl_of(s) != nullptr) return;
      const std::uint32_t cap = owner().capacity_;
      s.dl_storage = std::make_unique<dl_entry[]>(cap);
      s.free_entries.clear();
      for (std::uint32_t i = cap; i > 0; --i) s.free_entries.push_back(i - 1);
      s.dlist = end_of_list;
      s.dcount = 0;
      // Release pairs with dl_of()'s acquire in other threads' CleanUpAll.
      s.dl.store(s.dl_storage.get(), std::memory_order_release);
    }

    // H1: the increment, then the trace cleared, against Scan's trace mark, then its re-load.
    static void count_link(node_base* n) {
      if (n == nullptr) return;
      n->mm_ref.fetch_add(1, std::memory_order_seq_cst);
      n->mm_trace.store(false, std::memory_order_seq_cst);
    }
    // H1: after the unlinking write; a Scan that sees the count at zero then sees the hazards
    // of the DeRefLinks that read the link before that write.
    static void uncount_link(node_base* n) {
      if (n != nullptr) n->mm_ref.fetch_sub(1, std::memory_order_seq_cst);
    }

    // H5: a list this thread holds; node and done are its own writes.
    void clean_up_local(slot& s) {
      for (std::uint32_t i = s.dlist; i != end_of_list; i = s.dl_storage[i].next) {
        node_base* n = s.dl_storage[i].node.load(std::memory_order_seq_cst);
        if (n != nullptr && !s.dl_storage[i].done.load(std::memory_order_seq_cst)) {
          n->mm_ops->clean_up(n, *this);
        }
      }
    }

    // CleanUpAll: clean up every other thread's DL nodes under a claim on the entry, so the
    // owner's Scan does not free the node meanwhile.
    void clean_up_all() {
      const std::uint32_t cap = owner().capacity_;
      owner().registry().for_each_slot([&](slot& other) {
        if (&other == &own_slot()) return;
        dl_entry* dl = domain::dl_of(other);
        if (dl == nullptr) return;
        for (std::uint32_t i = 0; i < cap; ++i) {
          // H3: node, then done, against the owner's done, then node (retire, Scan).
          node_base* n = dl[i].node.load(std::memory_order_seq_cst);
          if (n == nullptr || dl[i].done.load(std::memory_order_seq_cst)) continue;
          // H2: claim, then re-load node, against Scan's null store, then its load of claims.
          dl[i].claims.fetch_add(1, std::memory_order_seq_cst);
          if (dl[i].node.load(std::memory_order_seq_cst) == n) n->mm_ops->clean_up(n, *this);
          dl[i].claims.fetch_sub(1, std::memory_order_seq_cst);
        }
      });
    }

    // Scan one deletion list (this thread's, or an exited thread's it holds). Returns how many
    // nodes it released (free_pacing.hpp: freed now, or queued to be freed at later retires).
    std::size_t scan(slot& s) {
      pacing_.flush(counters());
      dl_entry* dl = s.dl_storage.get();
      // Mark the candidates: a node whose count is zero gets its trace set, then the count is
      // checked again. A CAS that links the node meanwhile clears the trace. The node loads are
      // H5 (this list is held), the count and trace accesses H1.
      for (std::uint32_t i = s.dlist; i != end_of_list; i = dl[i].next) {
        node_base* n = dl[i].node.load(std::memory_order_seq_cst);
        if (n->mm_ref.load(std::memory_order_seq_cst) == 0) {
          n->mm_trace.store(true, std::memory_order_seq_cst);
          if (n->mm_ref.load(std::memory_order_seq_cst) != 0) {
            n->mm_trace.store(false, std::memory_order_seq_cst);
          }
        }
      }
      collect_hazards(owner().registry(), owner().k_, hazards_seen_);
      std::uint32_t kept = end_of_list;
      std::uint32_t kept_count = 0;
      std::size_t released = 0;
      std::size_t freed = 0;
      std::uint32_t i = s.dlist;
      while (i != end_of_list) {
        dl_entry& e = dl[i];
        const std::uint32_t next = e.next;
        node_base* n = e.node.load(std::memory_order_seq_cst);  // H5
        // H1: still unlinked, not linked since the mark, and no hazard on it.
        if (n->mm_ref.load(std::memory_order_seq_cst) == 0 &&
            n->mm_trace.load(std::memory_order_seq_cst) && hazards_seen_.count(n) == 0) {
          // H2: null the entry, then look for claims, against CleanUpAll's claim, then re-load.
          e.node.store(nullptr, std::memory_order_seq_cst);
          if (e.claims.load(std::memory_order_seq_cst) == 0) {
            n->mm_ops->terminate(n, *this, false);
            freed += pacing_.release(retired_object::erased(n, &destroy_erased, e.hook));
            e.hook = nullptr;
            ++released;
            s.free_entries.push_back(i);
            i = next;
            continue;
          }
          // Another thread is cleaning it up: drop its claims now, free it on a later scan.
          n->mm_ops->terminate(n, *this, true);
          // H3: done, then the node back; a cleaner that loads the node then sees done.
          e.done.store(true, std::memory_order_seq_cst);
          e.node.store(n, std::memory_order_seq_cst);
        }
        e.next = kept;
        kept = i;
        ++kept_count;
        i = next;
      }
      s.dlist = kept;
      s.dcount = kept_count;
      if (freed != 0) counters().count_reclaimed(freed);
      if (&s == &own_slot()) help_scan();
      return released;
    }

    // HelpScan: process the deletion lists left by threads that exited, taking each over for
    // the duration (the registry's claim keeps a new thread from taking that slot meanwhile).
    void help_scan() {
      auto& reg = owner().registry();
      const unsigned n = reg.high_water();
      for (unsigned j = 0; j < n; ++j) {
        slot& other = reg[j];
        if (&other == &own_slot() || reg.in_use(j) || domain::dl_of(other) == nullptr) continue;
        if (!reg.try_acquire(j)) continue;
        if (other.dcount != 0) {
          clean_up_local(other);
          scan(other);
        }
        reg.release(j);
      }
    }

    // The structure's clean-up callback (make() checked that T has one).
    template <class T>
    static void clean_up_thunk(node_base* n, thread_handle& h) {
      static_cast<T*>(n)->clean_up(h);
    }
    // TerminateNode: drop every claim the node's links hold.
    template <class T>
    static void terminate_thunk(node_base* n, thread_handle& h, bool concurrent) {
      static_cast<T*>(n)->for_each_link([&](auto& l) {
        using target = std::remove_pointer_t<decltype(l.load(std::memory_order_relaxed).get())>;
        if (!concurrent) {
          h.store(l, marked_ptr<target>());
          return;
        }
        for (;;) {
          const marked_ptr<target> old = l.load(std::memory_order_seq_cst);  // H6
          if (h.cas(l, old, marked_ptr<target>())) return;
        }
      });
    }
    template <class T>
    static void destroy_thunk(node_base* n, void (*hook)()) {
      T* t = static_cast<T*>(n);
      if (hook != nullptr) reinterpret_cast<retired_object::hook<T>>(hook)(t);
      delete t;
    }
    static void destroy_erased(void* n, void (*hook)()) {
      auto* node = static_cast<node_base*>(n);
      node->mm_ops->destroy(node, hook);
    }
    template <class T>
    static constexpr node_ops ops_of{&clean_up_thunk<T>, &terminate_thunk<T>, &destroy_thunk<T>};

    hazard_slots hazards_;
    std::unordered_set<const void*> hazards_seen_;
    free_pacing pacing_;  // owner-only: frees what a scan found unreferenced
  };

  using guard = no_guard;
};

inline void hprc::domain::reclaim_all_quiescent() {
  require_quiescent("hprc::reclaim_all_quiescent");
  {
    thread_handle h(*this);  // registers; every other slot is free to take over
    for (bool progress = true; progress;) {
      progress = false;
      const unsigned n = registry().high_water();
      for (unsigned j = 0; j < n; ++j) {
        slot& s = registry()[j];
        if (&s == &h.own_slot() || dl_of(s) == nullptr || s.dcount == 0) continue;
        if (!registry().try_acquire(j)) continue;
        h.clean_up_local(s);
        progress |= h.scan(s) != 0;
        registry().release(j);
      }
      if (h.own_slot().dcount != 0) progress |= h.scan(h.own_slot()) != 0;
    }
  }
}

}  // namespace smr
