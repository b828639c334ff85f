// valois_rc: lock-free reference counting after Valois (1995), with the corrections of Michael
// and Scott ("Correction of a memory management method for lock-free data structures",
// Rochester TR 599, 1995).
//
// Every node has a count, in steps of 2, with a claim bit in bit 0. The count includes the local
// references (ref<T>) and the references stored in shared links.
//   deref   SafeRead: read the link, add 2 to the node's count, re-read the link; if it no longer
//           holds the node, release and retry.
//   release subtract 2; the thread that takes the count to zero claims the node with
//           CAS(0 -> 1), runs the on-reclaim hook, releases the node's own links (with an
//           explicit work list, not recursion: chains of deleted nodes can be long), runs the
//           destructor, and puts the slot on a free list.
//   make    take a slot from the free list, construct the node, and make the count 1 with
//           fetch_add(1) from the claimed state (Michael & Scott: a store would erase the +2 of
//           a straggling SafeRead that hit the free slot, and its later release would free a
//           live node).
//   retire  DeleteNode: mark the node retired (so its reclamation is counted) and release.
//
// Counting: `reclaimed` counts only nodes that were retired. A node whose count drops to zero
// without a retire (made and dropped) is recycled the same way and counted as `destroyed`, a
// never-retired node freed, so that allocated = reclaimed + destroyed holds at teardown.
//
// SafeRead's fetch-and-add may land on a node that was already reclaimed and even reused, so the
// count must stay valid forever: memory is type-stable. The count lives in a header outside the
// object, in slots of a per-type pool owned by the domain that returns no memory to the
// allocator before the domain is destroyed. The pool's bytes are reported as pool_bytes.
//
// Known weaknesses, which are what the experiments show: one reference held by a stalled thread
// pins a whole chain of deleted nodes (each holds the next through its links), so garbage is
// unbounded; and cyclic garbage is never reclaimed while threads run (reclaim_all_quiescent()
// breaks such cycles at teardown). This scheme does not call the structures' clean-up or
// terminate callbacks: releasing a reclaimed node's links is its own job, done through
// for_each_link.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define SMR_VALOIS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMR_VALOIS_ASAN 1
#endif
#endif
#if defined(SMR_VALOIS_ASAN)
#include <sanitizer/asan_interface.h>
#endif

#include "../domain_base.hpp"
#include "../plain_ref.hpp"
#include "../retired_object.hpp"
#include "../scheme.hpp"
#include "schemes/sync.hpp"

namespace smr {

namespace valois_detail {

class pool_base;

using erased_hook = void (*)();
// The hook field doubles as the "retired" flag: nullptr = never retired; this sentinel =
// retired without a hook; anything else = retired with that hook.
inline void retired_without_hook() {}

// The header of every pool slot. It lies before the object and outlives it: constructing or
// destroying the object never touches it.
struct alignas(16) slot_header {
  // 2 per reference (local refs and links), bit 0 = claimed (free, or being reclaimed).
  // A fresh slot is free: count 0, claimed.
  sync::atomic<std::uint64_t> count{1};
  pool_base* pool = nullptr;    // set once when the slot is carved out of a chunk
  slot_header* next = nullptr;  // free list or pending-reclaim list; only its owner touches it
  erased_hook hook = nullptr;   // see retired_without_hook
};

inline constexpr std::uint64_t one_ref = 2;
inline constexpr std::uint64_t claim_bit = 1;
// Objects start right after the header, so their alignment may not exceed the header's.
inline constexpr std::size_t slot_alignment = alignof(slot_header);
inline constexpr std::size_t object_offset = sizeof(slot_header);
static_assert(object_offset % slot_alignment == 0);
// No thread's free-list cache: the shared list (quiescent teardown).
inline constexpr unsigned no_cache = ~0U;
// Node types (over all domains of a process) that may use the scheme.
inline constexpr unsigned max_node_types = 64;

// The header of the slot holding `object` (an address returned by make()).
inline slot_header* header_of(const void* object) noexcept {
  return reinterpret_cast<slot_header*>(
      const_cast<std::byte*>(static_cast<const std::byte*>(object)) - object_offset);
}
inline void* storage_of(slot_header* h) noexcept {
  return reinterpret_cast<std::byte*>(h) + object_offset;
}
template <class T>
T* object_of(slot_header* h) noexcept {
  return std::launder(static_cast<T*>(storage_of(h)));
}

// Under ASan, the object part of a free slot is poisoned (the header never is: stragglers'
// SafeReads may touch it at any time), so a structure that uses a reclaimed node is caught even
// though the memory stays in the pool.
inline void poison_object(slot_header* h, std::size_t bytes) noexcept {
#if defined(SMR_VALOIS_ASAN)
  ASAN_POISON_MEMORY_REGION(storage_of(h), bytes);
#else
  (void)h;
  (void)bytes;
#endif
}
inline void unpoison_object(slot_header* h, std::size_t bytes) noexcept {
#if defined(SMR_VALOIS_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(storage_of(h), bytes);
#else
  (void)h;
  (void)bytes;
#endif
}

// A small id per node type, indexing the domain's pools.
inline sync::atomic<unsigned> next_node_type_id{0};
template <class T>
unsigned node_type_id() {
  // Relaxed: only uniqueness matters; the pool for the id is published by its own atomic.
  static const unsigned id = next_node_type_id.fetch_add(1, std::memory_order_relaxed);
  return id;
}

// Where a thread's releases go: its counters, its free-list cache, and the nodes it has claimed
// and not yet dismantled (the explicit work list that replaces recursion).
struct release_context {
  thread_counters* counters = nullptr;
  unsigned cache = no_cache;
  slot_header* pending = nullptr;
  bool draining = false;
};

// A singly linked list of free slots, through slot_header::next.
struct chain {
  slot_header* head = nullptr;
  std::size_t size = 0;
  void push(slot_header* h) noexcept {
    h->next = head;
    head = h;
    ++size;
  }
  slot_header* pop() noexcept {
    slot_header* h = head;
    head = h->next;
    --size;
    return h;
  }
};

// The type-stable pool of one node type. Chunks of slots are carved on demand and freed only when
// the pool (with its domain) is destroyed.
//
// Free lists: each thread has a cache of at most two chains of `batch` slots (no ABA: only the
// owner touches it), and a mutex-protected depot exchanges whole chains between threads. A thread
// that frees more than it allocates (a consumer) hands full chains to the depot, and a producer
// takes them from there, so an imbalance between threads recycles slots instead of growing the
// pool without bound; a thread's cache never holds more than 2 * batch slots.
class pool_base {
 public:
  static constexpr std::size_t batch = 64;
  static constexpr std::size_t chunk_slots = 4 * batch;
  static constexpr std::size_t chunk_alignment = 64;

  pool_base(unsigned threads, std::size_t stride)
      : stride_(stride), caches_(std::make_unique<cache[]>(threads)) {}
  pool_base(const pool_base&) = delete;
  pool_base& operator=(const pool_base&) = delete;
  virtual ~pool_base() {
    for (std::byte* c : chunks_) {
#if defined(SMR_VALOIS_ASAN)
      ASAN_UNPOISON_MEMORY_REGION(c, chunk_slots * stride_);
#endif
      ::operator delete (c, std::align_val_t{chunk_alignment});
    }
  }

  // Bytes of a slot after its header: the object's room.
  std::size_t object_bytes() const noexcept { return stride_ - object_offset; }

  // The claimed node in slot h: run its hook, release its links, destroy it, free the slot.
  virtual void reclaim(slot_header* h, release_context& ctx) noexcept = 0;
  // Quiescent only: exchange every link of the live node in h with null and release the targets.
  virtual void break_links(slot_header* h, release_context& ctx) noexcept = 0;
  // Quiescent only: the headers of the nodes the links of the live node in h point at.
  virtual void link_targets(slot_header* h, std::vector<slot_header*>& out) = 0;

  // A free slot (claimed, count 0 plus any stragglers' transient +2s).
  slot_header* take(unsigned thread) {
    cache& c = caches_[thread];
    if (c.loaded.head == nullptr) {
      if (c.spare.head != nullptr) {
        std::swap(c.loaded, c.spare);
      } else {
        c.loaded = take_chain();
      }
    }
    return c.loaded.pop();
  }

  // Puts a free slot on the cache of `thread`, or on the depot for no_cache.
  void give(slot_header* h, unsigned thread) {
    if (thread == no_cache) {
      const std::scoped_lock lock(mutex_);
      loose_.push(h);
      if (loose_.size == batch) depot_.push_back(std::exchange(loose_, chain{}));
      return;
    }
    cache& c = caches_[thread];
    if (c.loaded.size == batch) {
      if (c.spare.head != nullptr) give_chain(c.spare);
      c.spare = std::exchange(c.loaded, chain{});
    }
    c.loaded.push(h);
  }

  // Hands the cache of an exiting thread to the depot.
  void flush(unsigned thread) {
    give_chain(caches_[thread].loaded);
    give_chain(caches_[thread].spare);
  }

  std::uint64_t bytes() const noexcept {
    // Relaxed: a statistic; nothing is published with it.
    return bytes_.load(std::memory_order_relaxed);
  }

  // Quiescent only: every slot ever carved.
  template <class F>
  void for_each_slot(F&& f) {
    const std::scoped_lock lock(mutex_);
    for (std::byte* c : chunks_) {
      for (std::size_t i = 0; i < chunk_slots; ++i) {
        f(std::launder(reinterpret_cast<slot_header*>(c + i * stride_)));
      }
    }
  }

 private:
  struct alignas(64) cache {
    chain loaded;  // allocations pop from here, frees push here
    chain spare;   // empty, or a full chain
  };

  void give_chain(chain& c) {
    if (c.head == nullptr) return;
    const std::scoped_lock lock(mutex_);
    depot_.push_back(std::exchange(c, chain{}));
  }

  chain take_chain() {
    const std::scoped_lock lock(mutex_);
    if (!depot_.empty()) {
      const chain c = depot_.back();
      depot_.pop_back();
      return c;
    }
    if (loose_.head != nullptr) return std::exchange(loose_, chain{});
    return carve();
  }

  // Allocates a chunk (the mutex is held): one chain for the caller, the rest to the depot.
  chain carve() {
    chunks_.reserve(chunks_.size() + 1);
    depot_.reserve(depot_.size() + chunk_slots / batch);
    const std::size_t bytes = chunk_slots * stride_;
    auto* mem = static_cast<std::byte*>(::operator new (bytes, std::align_val_t{chunk_alignment}));
    chunks_.push_back(mem);
    // Relaxed: a statistic; nothing is published with it.
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
    chain mine;
    chain current;
    for (std::size_t i = 0; i < chunk_slots; ++i) {
      auto* h = ::new (static_cast<void*>(mem + i * stride_)) slot_header{};
      h->pool = this;
      poison_object(h, object_bytes());
      current.push(h);
      if (current.size == batch) {
        if (mine.head == nullptr) {
          mine = std::exchange(current, chain{});
        } else {
          depot_.push_back(std::exchange(current, chain{}));
        }
      }
    }
    return mine;
  }

  std::size_t stride_;
  std::unique_ptr<cache[]> caches_;  // one per thread-registry slot
  sync::mutex mutex_;                // guards everything below
  std::vector<chain> depot_;
  chain loose_;  // single slots freed at quiescent teardown
  std::vector<std::byte*> chunks_;
  sync::atomic<std::uint64_t> bytes_{0};
};

// Release: drop one reference to the node in slot h. The thread that takes the count to zero
// claims the node and reclaims it; nodes whose counts drop to zero meanwhile (through the links
// of a reclaimed node) go on the context's pending list and are reclaimed by the same loop.
inline void release(release_context& ctx, slot_header* h) noexcept {
  // acq_rel: the release half orders this thread's uses of the node before its reclaim by
  // whichever thread takes the count to zero; the acquire half is that thread's side. Every
  // write of the count is a read-modify-write, so all earlier decrements head release sequences
  // that reach the last one.
  if (h->count.fetch_sub(one_ref, std::memory_order_acq_rel) != one_ref) return;
  // Michael & Scott: claim with CAS(0 -> 1). If it fails, a SafeRead added 2 since our
  // decrement; it will see that the link changed and release, and its own decrement to zero
  // will claim the node. acq_rel on success: acquire pairs with the releases of every earlier
  // decrement (including a resurrecting SafeRead's); release keeps this claim in the release
  // sequence seen by the next allocation. Relaxed on failure: nothing is read.
  std::uint64_t zero = 0;
  if (!h->count.compare_exchange_strong(zero, claim_bit, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
    return;
  }
  h->next = ctx.pending;
  ctx.pending = h;
  if (ctx.draining) return;  // an outer release on this thread is already draining the list
  ctx.draining = true;
  while (ctx.pending != nullptr) {
    slot_header* n = ctx.pending;
    ctx.pending = n->next;
    n->pool->reclaim(n, ctx);
  }
  ctx.draining = false;
}

template <class T>
class pool final : public pool_base {
 public:
  static constexpr std::size_t stride =
      (object_offset + sizeof(T) + slot_alignment - 1) / slot_alignment * slot_alignment;

  explicit pool(unsigned threads) : pool_base(threads, stride) {}

  void reclaim(slot_header* h, release_context& ctx) noexcept override {
    T* object = object_of<T>(h);
    const erased_hook hook = h->hook;
    if (hook != nullptr && hook != &retired_without_hook) {
      reinterpret_cast<retired_object::hook<T>>(hook)(object);
    }
    release_links(object, ctx);
    object->~T();
    poison_object(h, object_bytes());
    h->hook = nullptr;
    // A retired node is reclaimed; a node dropped without retire is freed as never-retired.
    if (hook != nullptr) {
      ctx.counters->count_reclaimed();
    } else {
      ctx.counters->count_destroyed();
    }
    give(h, ctx.cache);
  }

  void break_links(slot_header* h, release_context& ctx) noexcept override {
    release_links(object_of<T>(h), ctx);
  }

  void link_targets(slot_header* h, std::vector<slot_header*>& out) override {
    if constexpr (linked_node<T>) {
      object_of<T>(h)->for_each_link([&](auto& l) {
        // Relaxed: quiescent, no other thread runs.
        const auto target = l.load(std::memory_order_relaxed);
        if (target.get() != nullptr) out.push_back(header_of(target.get()));
      });
    }
  }

 private:
  static void release_links(T* object, release_context& ctx) noexcept {
    if constexpr (linked_node<T>) {
      object->for_each_link([&](auto& l) {
        // Relaxed: the node is claimed (or, at quiescent teardown, unreachable), so no other
        // thread holds a reference to it and none reads or writes its links; the release of the
        // target orders what follows.
        const auto old = l.exchange({}, std::memory_order_relaxed);
        if (old.get() != nullptr) release(ctx, header_of(old.get()));
      });
    }
  }
};

}  // namespace valois_detail

struct valois_rc {
  static constexpr std::string_view name = "valois_rc";
  static constexpr std::string_view description =
      "lock-free reference counting (Valois 1995, Michael & Scott correction), type-stable pool";
  static constexpr scheme_traits traits{
      .traverses_deleted_nodes = true,     // a counted reference keeps the whole chain alive
      .safe_global_references = true,      // a node is freed when no link or reference counts it
      .bounded_garbage = false,            // a held reference pins a chain; cycles are never freed
      .robust_to_stalled_threads = false,  // a stalled thread's ref pins a chain
      .type_stable_memory = true,          // slots return to the pool, never to the allocator
      .needs_structure_callbacks = false,  // links are released through for_each_link
      .counted_links = true,
      .max_threads = 0,
      .node_metadata =
          "a reference count with a claim bit, in the pool slot's header before the node "
          "(node_base is empty)",
  };
  static std::optional<std::uint64_t> bound(const bound_inputs& /*unused*/) { return std::nullopt; }

  // The count lives in the pool slot's header, not in the node.
  struct node_base {};
  template <class T>
  using link = atomic_marked_ptr<T>;
  using guard = no_guard;

  struct slot {
    thread_counters counters;
  };

  class thread_handle;

  // A counted local reference: holds 2 in the node's count while it points at one.
  template <class T>
  class ref {
   public:
    ref() noexcept = default;
    ref(ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)), owner_(o.owner_) {}
    ref& operator=(ref&& o) noexcept {
      if (this != &o) {
        reset();
        p_ = std::exchange(o.p_, nullptr);
        owner_ = o.owner_;
      }
      return *this;
    }
    ref(const ref&) = delete;
    ref& operator=(const ref&) = delete;
    ~ref() { reset(); }

    T* get() const noexcept { return p_.get(); }
    marked_ptr<T> ptr() const noexcept { return p_; }
    std::uintptr_t mark() const noexcept { return p_.mark(); }
    T* operator->() const noexcept { return p_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(p_); }
    // ReleaseRef.
    void reset() noexcept;

   private:
    friend class thread_handle;
    ref(marked_ptr<T> p, thread_handle* owner) noexcept : p_(p), owner_(owner) {}
    marked_ptr<T> p_{};
    thread_handle* owner_ = nullptr;
  };

  class domain : public domain_base<slot> {
   public:
    explicit domain(const domain_config& config = {}) : domain_base<slot>(config) {}
    ~domain() {
      reclaim_all_quiescent();
      for (auto& p : pools_) {
        // Acquire pairs with the release store in pool_for().
        delete p.load(std::memory_order_acquire);
      }
    }

    // Totals over all threads, plus the bytes of every pool.
    counter_totals counters() const {
      counter_totals t = domain_base<slot>::counters();
      t.pool_bytes = pool_bytes();
      return t;
    }

    std::uint64_t pool_bytes() const noexcept {
      std::uint64_t bytes = 0;
      for (const auto& p : pools_) {
        // Acquire pairs with the release store that published the pool.
        if (const auto* pool = p.load(std::memory_order_acquire)) bytes += pool->bytes();
      }
      return bytes;
    }

    // Teardown of a node still in a structure: destructor, slot back to the pool, no count
    // handling (the structure's other nodes, which hold counts on it, are torn down too, and its
    // own links are dropped with it: a retired node that only they held stays counted as
    // unreclaimed). A node whose count already dropped to zero without a retire was recycled and
    // counted as destroyed then; its slot is free, and this does nothing.
    // Teardown of nodes still in a structure. First every count the nodes' links hold is
    // dropped, as plain decrements while all of them are alive: nothing is claimed or recycled
    // here, and a retired node that only these nodes pointed at is left at count zero for
    // reclaim_all_quiescent() to reclaim. Then each node is destroyed and its slot freed.
    template <class T>
    void destroy_unretired(std::span<T* const> nodes) {
      auto recycled = [](const T* node) {
        // Acquire pairs with the claim of a node recycled earlier (its destruction happened
        // before).
        return (valois_detail::header_of(node)->count.load(std::memory_order_acquire) &
                valois_detail::claim_bit) != 0;
      };
      for (T* node : nodes) {
        if (recycled(node)) continue;
        node->for_each_link([](auto& l) {
          using target_type =
              std::remove_pointer_t<decltype(l.load(std::memory_order_relaxed).get())>;
          // Relaxed: quiescent teardown; the threads that wrote the links were joined.
          const auto target = l.exchange(marked_ptr<target_type>(), std::memory_order_relaxed);
          if (target) {
            valois_detail::header_of(target.get())
                ->count.fetch_sub(valois_detail::one_ref, std::memory_order_relaxed);
          }
        });
      }
      // Retired nodes that only these nodes' links kept alive are reclaimed now, while every
      // node their own links may point at is still alive.
      if (registered_threads() == 0) reclaim_all_quiescent();
      for (T* node : nodes) {
        if (recycled(node)) continue;
        valois_detail::slot_header* h = valois_detail::header_of(node);
        node->~T();
        valois_detail::poison_object(h, h->pool->object_bytes());
        h->hook = nullptr;
        // Release: no operation runs at teardown, so no SafeRead holds a transient +2; the slot
        // is free, and the next allocation acquires this through the depot's mutex.
        h->count.store(valois_detail::claim_bit, std::memory_order_release);
        teardown_counters().count_destroyed();
        h->pool->give(h, valois_detail::no_cache);
      }
    }
    template <class T>
    void destroy_unretired(T* node) {
      destroy_unretired(std::span<T* const>(&node, 1));
    }

    // With no thread registered. Acyclic garbage needs nothing here: a node whose count reaches
    // zero is reclaimed at once, and releases its links, so a chain of retired nodes goes with
    // its head. What can be left is retired nodes still counted: by cycles of garbage (the
    // scheme's known weakness), or by links of nodes that are not garbage. Cycles are broken
    // here; a retired node held from outside the garbage stays, and stays counted unreclaimed.
    void reclaim_all_quiescent() {
      require_quiescent("valois_rc::reclaim_all_quiescent");
      using valois_detail::slot_header;
      auto live = [](const slot_header* h) {
        // Relaxed: quiescent; the threads that wrote the counts were joined.
        return (h->count.load(std::memory_order_relaxed) & valois_detail::claim_bit) == 0;
      };
      auto refs = [](const slot_header* h) {
        // Relaxed: as above.
        return h->count.load(std::memory_order_relaxed) / valois_detail::one_ref;
      };
      // 1. The garbage: retired nodes still alive.
      std::vector<slot_header*> garbage;
      for_each_pool([&](valois_detail::pool_base& p) {
        p.for_each_slot([&](slot_header* h) {
          if (live(h) && h->hook != nullptr) garbage.push_back(h);
        });
      });
      if (garbage.empty()) return;
      // 2. Links among the garbage, and how many of each node's references they account for.
      std::unordered_map<const slot_header*, std::size_t> index;
      for (std::size_t i = 0; i < garbage.size(); ++i) index.emplace(garbage[i], i);
      std::vector<std::size_t> first(garbage.size() + 1);
      std::vector<std::size_t> edges;
      std::vector<std::uint64_t> internal(garbage.size(), 0);
      std::vector<slot_header*> targets;
      for (std::size_t i = 0; i < garbage.size(); ++i) {
        first[i] = edges.size();
        targets.clear();
        garbage[i]->pool->link_targets(garbage[i], targets);
        for (slot_header* t : targets) {
          if (auto it = index.find(t); it != index.end()) {
            edges.push_back(it->second);
            ++internal[it->second];
          }
        }
      }
      first[garbage.size()] = edges.size();
      // 3. Nodes referenced from outside the garbage are held, and so is all they reach.
      std::vector<char> held(garbage.size(), 0);
      std::vector<std::size_t> work;
      for (std::size_t i = 0; i < garbage.size(); ++i) {
        if (refs(garbage[i]) > internal[i]) {
          held[i] = 1;
          work.push_back(i);
        }
      }
      while (!work.empty()) {
        const std::size_t i = work.back();
        work.pop_back();
        for (std::size_t e = first[i]; e < first[i + 1]; ++e) {
          if (held[edges[e]] == 0) {
            held[edges[e]] = 1;
            work.push_back(edges[e]);
          }
        }
      }
      // 4. The rest is referenced only by itself: cycles, and what hangs off them. Breaking the
      // links of each such node drops every count among them to zero, and each is reclaimed by
      // the ordinary release path (counted as reclaimed on the teardown counters). The node being
      // broken is held meanwhile: closing the cycle would otherwise reclaim it in the middle of
      // its own for_each_link.
      valois_detail::release_context ctx{&teardown_counters(), valois_detail::no_cache};
      for (std::size_t i = 0; i < garbage.size(); ++i) {
        slot_header* h = garbage[i];
        if (held[i] != 0 || !live(h)) continue;
        // Relaxed: quiescent, no other thread runs.
        h->count.fetch_add(valois_detail::one_ref, std::memory_order_relaxed);
        h->pool->break_links(h, ctx);
        valois_detail::release(ctx, h);
      }
    }

    // The pool of node type T, created on first use.
    template <class T>
    valois_detail::pool<T>& pool_for() {
      const unsigned id = valois_detail::node_type_id<T>();
      if (id >= valois_detail::max_node_types) {
        throw std::length_error("valois_rc: more than " +
                                std::to_string(valois_detail::max_node_types) +
                                " node types use the scheme");
      }
      // Acquire pairs with the release store below.
      valois_detail::pool_base* p = pools_[id].load(std::memory_order_acquire);
      if (p == nullptr) {
        const std::scoped_lock lock(pools_mutex_);
        // Relaxed: the mutex orders this against the store of whoever created it.
        p = pools_[id].load(std::memory_order_relaxed);
        if (p == nullptr) {
          p = new valois_detail::pool<T>(registry().capacity());
          // Release pairs with the acquire loads above and in pool_bytes(): the pool is seen
          // constructed.
          pools_[id].store(p, std::memory_order_release);
        }
      }
      return static_cast<valois_detail::pool<T>&>(*p);
    }

    // Hands the free-list caches of an exiting thread to the depots.
    void flush_caches(unsigned thread) {
      for_each_pool([&](valois_detail::pool_base& p) { p.flush(thread); });
    }

   private:
    template <class F>
    void for_each_pool(F&& f) {
      for (auto& p : pools_) {
        // Acquire pairs with the release store in pool_for().
        if (auto* pool = p.load(std::memory_order_acquire)) f(*pool);
      }
    }

    std::array<sync::atomic<valois_detail::pool_base*>, valois_detail::max_node_types> pools_{};
    sync::mutex pools_mutex_;
  };

  class thread_handle : public registered_thread<domain, slot> {
   public:
    explicit thread_handle(domain& d)
        : registered_thread<domain, slot>(d), ctx_{&counters(), index()} {}
    ~thread_handle() { owner().flush_caches(index()); }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // DeRefLink = SafeRead.
    template <class T>
    ref<T> deref(const link<T>& l) {
      for (;;) {
        // Acquire pairs with the write that published the node (its header was initialised
        // before any pointer into its chunk was).
        const marked_ptr<T> p = l.load(std::memory_order_acquire);
        if (p.get() == nullptr) return ref<T>(p, this);
        valois_detail::slot_header* h = valois_detail::header_of(p.get());
        // acq_rel: if this lands after the decrement that removed the link's count, acquire
        // synchronises with it, so the re-read below sees the link write that preceded it and
        // fails; release keeps the count's release sequence intact.
        h->count.fetch_add(valois_detail::one_ref, std::memory_order_acq_rel);
        // Acquire: see above; and if the node was reused and published again here, pairs with
        // that publication.
        const marked_ptr<T> q = l.load(std::memory_order_acquire);
        if (q.get() == p.get()) return ref<T>(q, this);
        valois_detail::release(ctx_, h);
      }
    }

    // CompareAndSwapRef. Only a change of pointer moves counts; a mark-only change does not.
    template <class T>
    bool cas(link<T>& l, marked_ptr<T> expected, marked_ptr<T> desired) {
      const bool moves = expected.get() != desired.get();
      if (moves && desired.get() != nullptr) add_ref(desired.get());
      marked_ptr<T> seen = expected;
      // seq_cst: the structures' linearisation points, as in every scheme.
      if (l.compare_exchange_strong(seen, desired, std::memory_order_seq_cst,
                                    std::memory_order_seq_cst)) {
        if (moves && expected.get() != nullptr) release_object(expected.get());
        return true;
      }
      if (moves && desired.get() != nullptr) release_object(desired.get());
      return false;
    }

    // StoreRef, for links no other thread writes concurrently. The old target loses the link's
    // count, the new one gains it; a mark-only change touches no count.
    template <class T>
    void store(link<T>& l, marked_ptr<T> value) {
      // Relaxed: only the pointer is compared; the CAS below decides.
      marked_ptr<T> current = l.load(std::memory_order_relaxed);
      // seq_cst: as every link write of the scheme.
      if (current.get() == value.get() &&
          l.compare_exchange_strong(current, value, std::memory_order_seq_cst,
                                    std::memory_order_seq_cst)) {
        return;
      }
      if (value.get() != nullptr) add_ref(value.get());
      // seq_cst: as every link write of the scheme.
      const marked_ptr<T> old = l.exchange(value, std::memory_order_seq_cst);
      if (old.get() != nullptr) release_object(old.get());
    }

    // NewNode.
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      static_assert(alignof(T) <= valois_detail::slot_alignment,
                    "valois_rc: node alignment above 16 is not supported");
      valois_detail::pool<T>& pool = owner().template pool_for<T>();
      valois_detail::slot_header* h = pool.take(index());
      h->hook = nullptr;
      T* object = nullptr;
      valois_detail::unpoison_object(h, pool.object_bytes());
      try {
        // Constructed while the slot is still claimed: no straggler can take it to zero.
        object = ::new (valois_detail::storage_of(h)) T(std::forward<Args>(args)...);
      } catch (...) {
        valois_detail::poison_object(h, pool.object_bytes());
        pool.give(h, index());
        throw;
      }
      // Michael & Scott: 1 + 2k -> 2 + 2k, count 1 (this ref) plus the k transient references of
      // stragglers' SafeReads, which they will release; a store of 2 would lose them. acq_rel:
      // part of the count's release sequence like every write of it.
      h->count.fetch_add(1, std::memory_order_acq_rel);
      counters().count_allocated();
      return ref<T>(marked_ptr<T>(object), this);
    }

    // DeleteNode: mark the node retired (its reclamation is then counted, and the hook runs
    // before the destructor) and release the reference. The node is reclaimed when its count
    // reaches zero.
    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      if (p == nullptr) return;
      valois_detail::slot_header* h = valois_detail::header_of(p);
      // Plain write: read only by the thread that claims the node, after its acquire on the
      // count, which this thread's release in r.reset() precedes.
      h->hook = on_reclaim != nullptr ? reinterpret_cast<valois_detail::erased_hook>(on_reclaim)
                                      : &valois_detail::retired_without_hook;
      counters().count_retired();
      r.reset();
    }

    // ReleaseRef on the node at `object` (what ref::reset calls; public so that tests can play
    // the part of a straggling SafeRead).
    void release_object(const void* object) noexcept {
      valois_detail::release(ctx_, valois_detail::header_of(object));
    }

   private:
    static void add_ref(const void* object) noexcept {
      // Relaxed: the caller holds a reference (or a link of a node it holds keeps one), so the
      // count is above zero and cannot reach it meanwhile; an increment from a held reference
      // needs no order, as in shared_ptr's copy.
      valois_detail::header_of(object)->count.fetch_add(valois_detail::one_ref,
                                                        std::memory_order_relaxed);
    }

    valois_detail::release_context ctx_;
  };

  // Internals, for tests: the raw count word of the node at `object` (2 per reference, bit 0 =
  // claimed).
  static std::uint64_t raw_count(const void* object) noexcept {
    // Acquire: a test reads it after the operations it checks.
    return valois_detail::header_of(object)->count.load(std::memory_order_acquire);
  }
};

template <class T>
void valois_rc::ref<T>::reset() noexcept {
  if (p_.get() != nullptr) owner_->release_object(p_.get());
  p_ = nullptr;
}

static_assert(check_scheme<valois_rc>());

}  // namespace smr
