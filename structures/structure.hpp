// The structure contract: what the harness and the registry need from a lock-free structure
// written against the scheme contract. A structure is a class template over the scheme.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "schemes/scheme_traits.hpp"

namespace smr {

// Which workload driver exercises the structure.
enum class structure_kind {
  pool,   // insert and remove values with no keys at one place: stacks, queues (push/pop)
  deque,  // push and pop at both ends
};

inline std::string_view to_string(structure_kind k) {
  switch (k) {
    case structure_kind::pool:
      return "pool";
    case structure_kind::deque:
      return "deque";
  }
  return "?";
}

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

}  // namespace smr
