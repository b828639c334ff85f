// The structure contract: what the harness and the registry need from a lock-free structure
// written against the scheme contract. A structure is a class template over the scheme.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "schemes/scheme_traits.hpp"

namespace smr {

// Which workload driver exercises the structure.
enum class structure_kind {
  pool,   // insert and remove values with no keys at one place: stacks, queues (push/pop)
  deque,  // push and pop at both ends
  set,    // insert, remove and look up keys: ordered lists, trees
};

inline std::string_view to_string(structure_kind k) {
  switch (k) {
    case structure_kind::pool:
      return "pool";
    case structure_kind::deque:
      return "deque";
    case structure_kind::set:
      return "set";
  }
  return "?";
}

// The order in which a pool gives its values back: lifo (a stack, the newest first) or fifo (a
// queue, the oldest first). A pool declares it as `static constexpr pool_order order`; one that
// declares none is a stack. The linearizability and property layers check a pool against the
// model of its order.
enum class pool_order : std::uint8_t { lifo, fifo };

inline std::string_view to_string(pool_order o) { return o == pool_order::fifo ? "fifo" : "lifo"; }

template <class DS>
constexpr pool_order pool_order_of() {
  if constexpr (requires { DS::order; }) {
    return DS::order;
  } else {
    return pool_order::lifo;
  }
}

// clang-format 14 lays requires-expressions out badly: the concepts keep their own layout.
// clang-format off
template <class DS>
concept structure_identity = requires {
  { DS::name } -> std::convertible_to<std::string_view>;
  { DS::description } -> std::convertible_to<std::string_view>;
  { DS::requirements } -> std::convertible_to<structure_requirements>;
  { DS::kind } -> std::convertible_to<structure_kind>;
};

// A pool structure: push a value, pop some value (or nothing when empty).
template <class DS, class S>
concept pool_structure =
    structure_identity<DS> && std::constructible_from<DS, typename S::domain&> &&
    requires(DS& ds, typename S::thread_handle& h, std::uint64_t v) {
      ds.push(h, v);
      { ds.pop(h) } -> std::same_as<std::optional<std::uint64_t>>;
    };

// A deque: push and pop at both ends; at rest, its values can be read in both directions
// (following next from the left, prev from the right), which validation compares.
template <class DS, class S>
concept deque_structure =
    structure_identity<DS> && std::constructible_from<DS, typename S::domain&> &&
    requires(DS& ds, const DS& cds, typename S::thread_handle& h, std::uint64_t v) {
      ds.push_left(h, v);
      ds.push_right(h, v);
      { ds.pop_left(h) } -> std::same_as<std::optional<std::uint64_t>>;
      { ds.pop_right(h) } -> std::same_as<std::optional<std::uint64_t>>;
      { cds.values_from_left() } -> std::same_as<std::vector<std::uint64_t>>;
      { cds.values_from_right() } -> std::same_as<std::vector<std::uint64_t>>;
    };

// A set of keys: insert (false if present), remove (false if absent), contains. At rest (no
// operation running) it lists its keys in its own order, which validation checks is strictly
// ascending, and reports what is structurally wrong ("ok" when nothing is): a marked node still
// linked, a flagged edge left behind, a key on the wrong side of a router.
template <class DS, class S>
concept set_structure =
    structure_identity<DS> && std::constructible_from<DS, typename S::domain&> &&
    requires(DS& ds, const DS& cds, typename S::thread_handle& h, std::uint64_t key) {
      { ds.insert(h, key) } -> std::same_as<bool>;
      { ds.remove(h, key) } -> std::same_as<bool>;
      { ds.contains(h, key) } -> std::same_as<bool>;
      { cds.keys() } -> std::same_as<std::vector<std::uint64_t>>;
      { cds.check_structure() } -> std::same_as<std::string>;
    };

// Optional for pools and deques (a set must have it): what is structurally wrong at rest, "ok"
// when nothing is. The harness checks it at the end of a trial, at rest and before the drain;
// the test layers after their runs.
template <class DS>
concept has_check_structure = requires(const DS& ds) {
      { ds.check_structure() } -> std::same_as<std::string>;
    };

// Optional: the link an operation reads first (the head, the root, the left anchor). Fault
// injection parks a thread inside an operation holding a protected reference to its target;
// without it, a parked thread holds only the operation's guard.
template <class DS>
concept has_entry_link = requires(const DS& ds) { ds.entry_link(); };
// clang-format on

// Optional for sets: the workload's key range, given at construction to a structure that sizes
// itself by it (a hash map's bucket count), as DS(domain, key_range_hint). The harness builds
// every structure with make_structure_for; the tests' own structures get the default size.
struct key_range_hint {
  std::uint64_t keys = 0;
};

// The structure for a trial over `key_range` keys: sized by it where DS takes the hint.
template <class DS, class Domain>
std::unique_ptr<DS> make_structure_for(Domain& d, std::uint64_t key_range) {
  if constexpr (std::is_constructible_v<DS, Domain&, key_range_hint>) {
    return std::make_unique<DS>(d, key_range_hint{key_range});
  } else {
    return std::make_unique<DS>(d);
  }
}

// Keys a set must accept: [0, max_set_key]. Structures may use larger values as sentinels.
inline constexpr std::uint64_t max_set_key = (std::uint64_t{1} << 62U) - 1;

}  // namespace smr
