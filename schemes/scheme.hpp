// The scheme contract: the vocabulary every reclamation scheme provides, shaped after the
// interface of Gidenstam et al. (DeRefLink, ReleaseRef, CompareAndSwapRef, StoreRef, NewNode,
// DeleteNode), so epoch, hazard-pointer and link-counting schemes all fit and a structure is
// written once. Expressed as C++20 concepts, split so that a plugin that misses a part fails
// with the name of that part. See schemes/README.md for a walk-through.
//
//   S::name, S::description     the scheme's registry name and one-line description
//   S::traits                   scheme_traits: what the scheme guarantees (scheme_traits.hpp)
//   S::bound(bound_inputs)      bound on unreclaimed objects, or std::nullopt
//   S::node_base                base class of every node (per-node metadata)
//   S::link<T>                  a shared pointer field with two mark bits; load() snapshots it
//   S::ref<T>                   a local, protected, move-only reference; reset() is ReleaseRef
//   S::domain(domain_config)    one scheme instance: thread registry, retired lists, counters
//   S::thread_handle(domain&)   RAII registration of the calling thread
//   S::guard(thread_handle&)    the scope of one data-structure operation
//   h.deref(link) -> ref        DeRefLink
//   deref_into(h, r, link)      DeRefLink into an existing ref, reusing what it holds (optional
//                               h.deref_into; see below)
//   h.cas(link, exp, desired)   CompareAndSwapRef (marked_ptr values; desired is kept alive by
//                               a ref the caller holds)
//   h.store(link, value)        StoreRef, for links no other thread writes concurrently
//   h.make<T>(args...) -> ref   NewNode
//   h.retire(ref&&[, hook])     DeleteNode: reclaim when safe; runs hook(T*) then ~T
//   d.counters()                allocated / retired / reclaimed / destroyed totals
//   d.reclaim_all_quiescent()   with no thread registered, reclaim everything retired
//   d.destroy_unretired(span)   free a structure's never-retired nodes at teardown, all at once:
//                               link-counting schemes drop the counts their links hold, reclaim
//                               what that frees, and only then free them
//   SMR_READ_PHASE(h), smr::enter_write_phase(h, refs...)
//                               the read and write phases of NBR-style schemes (optional for
//                               structures, no-ops for other schemes; read_phases.hpp)
//   node_for_scheme<N, S>       what S needs of a node type N: for_each_link(f), and where
//                               S::traits.needs_structure_callbacks, clean_up(h) (check_node)
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "counters.hpp"
#include "marked_ptr.hpp"
#include "read_phases.hpp"
#include "retired_object.hpp"
#include "scheme_traits.hpp"

namespace smr {

namespace contract_detail {
// A minimal node used to check a scheme's templates.
template <class S>
struct probe_node : S::node_base {
  typename S::template link<probe_node> next;
  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
};
}  // namespace contract_detail

// A node type that tells schemes about its links.
template <class N>
concept linked_node = requires(N& n) {
  n.for_each_link([](auto& /*link*/) {});
};

// A node type with the clean-up callback of Gidenstam et al. (structures/clean_up.hpp): a scheme
// with the trait needs_structure_callbacks (hprc) calls n.clean_up(h), h its thread handle, on
// deleted nodes, so that their links skip other deleted nodes; its garbage bound rests on it.
template <class N, class H>
concept has_clean_up_callback = requires(N& n, H& h) {
  n.clean_up(h);
};

// What scheme S needs of a node type N: its links, and where S calls the structure's callbacks,
// the clean-up callback. There is no silent default: a node with nothing to clean up (no link
// that can point at a deleted node) says so with an empty clean_up.
template <class N, class S>
concept node_for_scheme = linked_node<N> &&
    (!S::traits.needs_structure_callbacks || has_clean_up_callback<N, typename S::thread_handle>);

template <class S>
concept scheme_identity = requires(const bound_inputs& b) {
  { S::name } -> std::convertible_to<std::string_view>;
  { S::description } -> std::convertible_to<std::string_view>;
  { S::traits } -> std::convertible_to<scheme_traits>;
  { S::bound(b) } -> std::same_as<std::optional<std::uint64_t>>;
};

template <class S>
concept scheme_types = requires {
  typename S::domain;
  typename S::thread_handle;
  typename S::guard;
  typename S::node_base;
  typename S::template link<contract_detail::probe_node<S>>;
  typename S::template ref<contract_detail::probe_node<S>>;
};

template <class S>
concept scheme_lifecycle =
    std::constructible_from<typename S::domain, const domain_config&> &&
    std::constructible_from<typename S::thread_handle, typename S::domain&> &&
    !std::copy_constructible<typename S::thread_handle> &&
    std::constructible_from<typename S::guard, typename S::thread_handle&> &&
    requires(typename S::domain & d, const typename S::domain& cd,
             std::span<contract_detail::probe_node<S>* const> nodes) {
  { cd.counters() } -> std::same_as<counter_totals>;
  d.reclaim_all_quiescent();
  d.destroy_unretired(nodes);
};

template <class R, class T>
concept local_reference =
    std::default_initializable<R> && std::move_constructible<R> && !std::copy_constructible<R> &&
    requires(const R& cr, R& r) {
  { cr.get() } -> std::same_as<T*>;
  { cr.ptr() } -> std::same_as<marked_ptr<T>>;
  static_cast<bool>(cr);
  r.reset();
};

template <class L, class T>
concept shared_link = requires(const L& l) {
  { l.load(std::memory_order_acquire) } -> std::same_as<marked_ptr<T>>;
};

template <class S>
concept scheme_operations = requires(typename S::thread_handle& h,
                                     typename S::template link<contract_detail::probe_node<S>>& l,
                                     typename S::template ref<contract_detail::probe_node<S>>&& r,
                                     marked_ptr<contract_detail::probe_node<S>> p,
                                     retired_object::hook<contract_detail::probe_node<S>> hook) {
  {
    h.deref(std::as_const(l))
    } -> std::same_as<typename S::template ref<contract_detail::probe_node<S>>>;
  { h.cas(l, p, p) } -> std::same_as<bool>;
  h.store(l, p);
  {
    h.template make<contract_detail::probe_node<S>>()
    } -> std::same_as<typename S::template ref<contract_detail::probe_node<S>>>;
  h.retire(std::move(r));
  h.retire(std::move(r), hook);
};

template <class S>
concept reclamation_scheme = scheme_identity<S> && scheme_types<S> && scheme_lifecycle<S> &&
    local_reference<typename S::template ref<contract_detail::probe_node<S>>,
                    contract_detail::probe_node<S>> &&
    shared_link<typename S::template link<contract_detail::probe_node<S>>,
                contract_detail::probe_node<S>> && scheme_operations<S>;

// Optional part of the contract, the availability hook: a scheme that cannot run in every
// process (it needs a system call that may be missing or refused, as hp_asym and ebr_asym need
// membarrier) declares `static std::optional<std::string> unavailable()`, which returns why not,
// in one line, or std::nullopt. The registry asks it once per process (harness/registry.hpp); a
// scheme without it is always available, so existing schemes and plugins need no change.
template <class S>
concept reports_availability = requires {
  { S::unavailable() } -> std::same_as<std::optional<std::string>>;
};

// Optional part of the contract, protection in place: `h.deref_into(r, link)` leaves r
// protecting what link holds, as `r = h.deref(link)` would, but reuses what r holds for it (its
// hazard or era slot), so that a traversal that carries its references along hop by hop takes
// and gives back no slot per hop (folly's hazptr_holder::reset_protection). r's old node is
// unprotected from the call on, so link must not lie in that node. Structures call the free
// function deref_into(h, r, link), which uses the member where a scheme has one and otherwise
// drops r's old reference first and then derefs (so it never needs one reference more than the
// structure declared); existing schemes and plugins need no change.
template <class H, class R, class L>
concept derefs_in_place = requires(H& h, R& r, const L& l) {
  h.deref_into(r, l);
};

template <class H, class R, class L>
[[gnu::always_inline]] inline void deref_into(H& h, R& r, const L& l) {
  if constexpr (derefs_in_place<H, R, L>) {
    h.deref_into(r, l);
  } else {
    r.reset();
    r = h.deref(l);
  }
}

// Why S cannot run in this process, or std::nullopt (always, for a scheme without the hook).
template <class S>
std::optional<std::string> unavailable_reason() {
  if constexpr (reports_availability<S>) {
    return S::unavailable();
  } else {
    return std::nullopt;
  }
}

// Checks each part separately so a non-conforming plugin gets the name of what is missing.
template <class S>
consteval bool check_scheme() {
  static_assert(scheme_identity<S>,
                "scheme contract: needs static `name`, `description`, `traits` (scheme_traits) "
                "and `bound(const bound_inputs&) -> std::optional<std::uint64_t>`");
  static_assert(scheme_types<S>,
                "scheme contract: needs nested types domain, thread_handle, guard, node_base, "
                "and templates link<T>, ref<T>");
  static_assert(scheme_lifecycle<S>,
                "scheme contract: domain(const domain_config&), thread_handle(domain&) "
                "(not copyable), guard(thread_handle&), domain::counters(), "
                "domain::reclaim_all_quiescent(), domain::destroy_unretired(std::span<T* const>)");
  static_assert(local_reference<typename S::template ref<contract_detail::probe_node<S>>,
                                contract_detail::probe_node<S>>,
                "scheme contract: ref<T> must be default-constructible, movable, not copyable, "
                "with get(), ptr(), explicit bool and reset()");
  static_assert(shared_link<typename S::template link<contract_detail::probe_node<S>>,
                            contract_detail::probe_node<S>>,
                "scheme contract: link<T> needs load(std::memory_order) -> marked_ptr<T>");
  static_assert(scheme_operations<S>,
                "scheme contract: thread_handle needs deref(link), cas(link, marked_ptr, "
                "marked_ptr) -> bool, store(link, marked_ptr), make<T>(args...) -> ref<T>, "
                "retire(ref&&) and retire(ref&&, hook)");
  return true;
}

// Checks node_for_scheme<N, S> part by part, so a node type that misses one gets its name. A
// scheme that walks a node's links or calls its callbacks asserts this where it first meets the
// node type (make<T>), as hprc does.
template <class S, class N>
consteval bool check_node() {
  static_assert(linked_node<N>,
                "node contract: the scheme walks the node's links, and this node type has no "
                "`template <class F> void for_each_link(F&& f)` calling f on each link");
  static_assert(
      !S::traits.needs_structure_callbacks || has_clean_up_callback<N, typename S::thread_handle>,
      "node contract: the scheme has needs_structure_callbacks and calls the node's "
      "clean-up callback `template <class H> void clean_up(H& h)` on deleted nodes "
      "(structures/clean_up.hpp); this node type has none (misspelt?), and without it "
      "the scheme's garbage bound does not hold. A node with nothing to clean up "
      "declares an empty one");
  return true;
}

}  // namespace smr
