// workload_ops: how the random workload drives each kind of structure (pool: push/pop; deque:
// both ends), and the at-rest check each kind allows. The trial runner and the registry (for
// the workload's name) share it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "structures/structure.hpp"

namespace smrlab {

// How the random workload drives each kind of structure. `r` is the percent drawn for the
// operation; deques use its parity to pick the end, so both ends see pushes and pops.
template <class DS>
struct workload_ops;

template <class DS>
  requires(DS::kind == smr::structure_kind::pool)
struct workload_ops<DS> {
  static constexpr std::string_view name = "push50_pop50";
  template <class H>
  static void prefill(DS& ds, H& h, std::uint64_t v, std::uint64_t /*i*/) {
    ds.push(h, v);
  }
  template <class H>
  static void push(DS& ds, H& h, std::uint64_t v, unsigned /*r*/) {
    ds.push(h, v);
  }
  template <class H>
  static std::optional<std::uint64_t> pop(DS& ds, H& h, unsigned /*r*/) {
    return ds.pop(h);
  }
  static std::string check_at_rest(const DS& /*ds*/) { return "ok"; }
};

template <class DS>
  requires(DS::kind == smr::structure_kind::deque)
struct workload_ops<DS> {
  static constexpr std::string_view name = "deque_uniform";
  template <class H>
  static void prefill(DS& ds, H& h, std::uint64_t v, std::uint64_t i) {
    if (i % 2 == 0) {
      ds.push_left(h, v);
    } else {
      ds.push_right(h, v);
    }
  }
  template <class H>
  static void push(DS& ds, H& h, std::uint64_t v, unsigned r) {
    if (r % 2 == 0) {
      ds.push_left(h, v);
    } else {
      ds.push_right(h, v);
    }
  }
  template <class H>
  static std::optional<std::uint64_t> pop(DS& ds, H& h, unsigned r) {
    return r % 2 == 0 ? ds.pop_left(h) : ds.pop_right(h);
  }
  // Read from the left along next and from the right along prev: the same values, reversed.
  static std::string check_at_rest(const DS& ds) {
    const std::vector<std::uint64_t> l = ds.values_from_left();
    std::vector<std::uint64_t> rr = ds.values_from_right();
    std::reverse(rr.begin(), rr.end());
    if (l != rr) {
      return "the deque reads differently in the two directions: " + std::to_string(l.size()) +
             " values from the left, " + std::to_string(rr.size()) + " from the right";
    }
    std::vector<std::uint64_t> sorted = l;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return "a value is in the deque twice";
    }
    return "ok";
  }
};

}  // namespace smrlab
