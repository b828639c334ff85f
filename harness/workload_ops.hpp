// workload_ops: how the random workload drives each kind of structure (pool: push/pop; deque:
// both ends; set: insert/remove/lookup of keys drawn from a distribution), what each worker
// tallies for validation, and the at-rest check each kind allows. The trial runner and the
// sweep (for the workload's name) share it.
//
// Validation is the same for every kind: what the structure holds at rest must equal what was
// prefilled, plus what workers added, minus what they took (element_checksum). Pools and deques
// add and take unique values; sets add the keys of successful inserts and take the keys of
// successful removes, so a lost, duplicated or resurrected key shows up as a different sum.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/element_checksum.hpp"
#include "structures/structure.hpp"
#include "workloads/key_distribution.hpp"
#include "workloads/op_mix.hpp"

namespace smrlab {

// The workload parameters of one trial. Pools and deques use the mix's insert and remove
// percentages as push and pop; sets also use the key range and distribution.
struct workload_params {
  op_mix mix{};
  std::uint64_t key_range = 1000;
  key_distribution dist{};
};

// What one worker added to and took from the structure.
struct op_tally {
  element_checksum added;
  element_checksum taken;
};

// A tally that keeps nothing: the bare-loop reference (harness/bare_loop.hpp) drives the same
// operations without the trial's validation bookkeeping.
struct no_tally {
  struct nothing {
    void add(std::uint64_t /*v*/) noexcept {}
  };
  nothing added;
  nothing taken;
};

// The name in the CSV's `workload` column. For sets it includes the key range and distribution,
// so that figures never mix them in one panel.
inline std::string workload_name(smr::structure_kind kind, const workload_params& p) {
  const std::string push_pop =
      "push" + std::to_string(p.mix.insert_percent) + "_pop" + std::to_string(p.mix.remove_percent);
  switch (kind) {
    case smr::structure_kind::pool:
      return push_pop;
    case smr::structure_kind::deque:
      return "deque_" + push_pop;
    case smr::structure_kind::set:
      return "insert" + std::to_string(p.mix.insert_percent) + "_remove" +
             std::to_string(p.mix.remove_percent) + "_lookup" +
             std::to_string(p.mix.lookup_percent) + " keys=" + std::to_string(p.key_range) + " " +
             p.dist.describe();
  }
  return "?";
}

// Why a workload cannot drive a kind of structure, or std::nullopt.
inline std::optional<std::string> workload_unsupported(smr::structure_kind kind,
                                                       const workload_params& p) {
  if (kind != smr::structure_kind::set && p.mix.lookup_percent != 0) {
    return "mix " + p.mix.describe() + " has lookups, which a " +
           std::string(smr::to_string(kind)) + " does not have";
  }
  if (kind == smr::structure_kind::set &&
      (p.key_range == 0 || p.key_range - 1 > smr::max_set_key)) {
    return "key range " + std::to_string(p.key_range) + " is outside 1.." +
           std::to_string(smr::max_set_key + 1);
  }
  return std::nullopt;
}

// The number of elements a trial starts with when none is given: 1000 for pools and deques; for
// sets the size at which inserts and removes balance (op_mix::steady_state_size).
inline std::uint64_t default_prefill(smr::structure_kind kind, const workload_params& p) {
  return kind == smr::structure_kind::set ? p.mix.steady_state_size(p.key_range) : 1000;
}

// How the random workload drives each kind of structure. Every driver has:
//   prefill(ds, h, p, count, bits)      fill from the calling thread; returns what went in
//   op(ds, h, p, keys, r, bits, value, tally)
//                                       one operation: r in [0,100) picks it, bits (64 random
//                                       bits) picks the key, value is a fresh unique value
//   at_rest(ds, h, left)                check the structure at rest and tally what it holds
//                                       into `left`; returns "ok" or what is wrong
template <class DS>
struct workload_ops;

// clang-format off
template <class DS>
  requires(DS::kind == smr::structure_kind::pool)
struct workload_ops<DS> {
  // clang-format on
  template <class H, class Next>
  static element_checksum prefill(DS& ds, H& h, const workload_params& /*p*/, std::uint64_t count,
                                  Next&& /*bits*/, unsigned value_thread) {
    element_checksum in;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t v = unique_value(value_thread, i);
      ds.push(h, v);
      in.add(v);
    }
    return in;
  }
  template <class H, class Tally>
  static void op(DS& ds, H& h, const workload_params& p, const key_sampler* /*keys*/, unsigned r,
                 std::uint64_t /*bits*/, std::uint64_t value, Tally& t) {
    if (r < p.mix.insert_percent) {
      // Tallied before the push (which cannot fail; if it throws, the trial fails): after it,
      // the tally's loads would wait for the push's locked CAS.
      t.added.add(value);
      ds.push(h, value);
    } else if (auto v = ds.pop(h)) {
      t.taken.add(*v);
    }
  }
  // The structure's own invariants, where it states them (a queue's tail is its last node);
  // then drain it.
  template <class H>
  static std::string at_rest(DS& ds, H& h, element_checksum& left) {
    std::string verdict = "ok";
    if constexpr (smr::has_check_structure<DS>) verdict = ds.check_structure();
    while (auto v = ds.pop(h)) left.add(*v);
    return verdict;
  }
};

// clang-format off
template <class DS>
  requires(DS::kind == smr::structure_kind::deque)
struct workload_ops<DS> {
  // clang-format on
  template <class H, class Next>
  static element_checksum prefill(DS& ds, H& h, const workload_params& /*p*/, std::uint64_t count,
                                  Next&& /*bits*/, unsigned value_thread) {
    element_checksum in;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t v = unique_value(value_thread, i);
      if (i % 2 == 0) {
        ds.push_left(h, v);
      } else {
        ds.push_right(h, v);
      }
      in.add(v);
    }
    return in;
  }
  // r's parity picks the end, so both ends see pushes and pops.
  template <class H, class Tally>
  static void op(DS& ds, H& h, const workload_params& p, const key_sampler* /*keys*/, unsigned r,
                 std::uint64_t /*bits*/, std::uint64_t value, Tally& t) {
    if (r < p.mix.insert_percent) {
      if (r % 2 == 0) {
        ds.push_left(h, value);
      } else {
        ds.push_right(h, value);
      }
      t.added.add(value);
    } else if (auto v = r % 2 == 0 ? ds.pop_left(h) : ds.pop_right(h)) {
      t.taken.add(*v);
    }
  }
  // Read from the left along next and from the right along prev: the same values, reversed,
  // none twice. Then drain it.
  template <class H>
  static std::string at_rest(DS& ds, H& h, element_checksum& left) {
    const std::vector<std::uint64_t> l = ds.values_from_left();
    std::vector<std::uint64_t> rr = ds.values_from_right();
    std::reverse(rr.begin(), rr.end());
    std::string verdict = "ok";
    if (l != rr) {
      verdict = "the deque reads differently in the two directions: " + std::to_string(l.size()) +
                " values from the left, " + std::to_string(rr.size()) + " from the right";
    } else {
      std::vector<std::uint64_t> sorted = l;
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        verdict = "a value is in the deque twice";
      }
    }
    while (auto v = ds.pop_left(h)) left.add(*v);
    return verdict;
  }
};

// clang-format off
template <class DS>
  requires(DS::kind == smr::structure_kind::set)
struct workload_ops<DS> {
  // clang-format on
  // Distinct keys drawn uniformly from the key range until `count` are in (count <= key range).
  template <class H, class Next>
  static element_checksum prefill(DS& ds, H& h, const workload_params& p, std::uint64_t count,
                                  Next&& bits, unsigned /*value_thread*/) {
    const key_sampler uniform(key_distribution{}, p.key_range);
    element_checksum in;
    count = std::min(count, p.key_range);
    while (in.count < count) {
      const std::uint64_t k = uniform(bits());
      if (ds.insert(h, k)) in.add(k);
    }
    return in;
  }
  template <class H, class Tally>
  static void op(DS& ds, H& h, const workload_params& p, const key_sampler* keys, unsigned r,
                 std::uint64_t bits, std::uint64_t /*value*/, Tally& t) {
    const std::uint64_t k = (*keys)(bits);
    switch (p.mix.pick(r)) {
      case op_kind::insert:
        if (ds.insert(h, k)) t.added.add(k);
        break;
      case op_kind::remove:
        if (ds.remove(h, k)) t.taken.add(k);
        break;
      case op_kind::lookup:
        static_cast<void>(ds.contains(h, k));
        break;
    }
  }
  // The keys in the structure's own order must be strictly ascending, and the structure must
  // have nothing left over from unfinished operations.
  template <class H>
  static std::string at_rest(DS& ds, H& /*h*/, element_checksum& left) {
    const std::vector<std::uint64_t> keys = ds.keys();
    for (const std::uint64_t k : keys) left.add(k);
    const auto out_of_order =
        std::adjacent_find(keys.begin(), keys.end(), [](auto a, auto b) { return a >= b; });
    if (out_of_order != keys.end()) {
      return "keys are not strictly ascending: " + std::to_string(*out_of_order) + " then " +
             std::to_string(*(out_of_order + 1));
    }
    return ds.check_structure();
  }
};

}  // namespace smrlab
