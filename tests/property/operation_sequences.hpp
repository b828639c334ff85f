// The operations of the property layer (structure_properties_layer.cpp), how a counterexample
// prints them, their generators for each structure kind, and the driver that runs a property and
// reports its shrunk counterexample as a gtest failure.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "structures/structure.hpp"

namespace smrlab_test::property_layer {

enum class op_kind : std::uint8_t {
  push,
  pop,
  push_left,
  push_right,
  pop_left,
  pop_right,
  insert,
  remove,
  contains,
};

// One operation; `value` is the pushed value or the key (unused by pops).
struct op {
  op_kind kind = op_kind::pop;
  std::uint64_t value = 0;
};

// How rapidcheck prints a counterexample: "push(3)", "pop_left", "insert(7)".
std::ostream& operator<<(std::ostream& os, const op& o);

// Keys of set sequences: a small range, so that operations hit present and absent keys.
inline constexpr std::uint64_t set_key_limit = 16;
// Values of pool and deque sequences: small (they shrink towards 0) but mostly distinct.
inline constexpr std::uint64_t value_limit = 1000;

// Inside a property: a random sequence of the operations valid for a structure of `kind`,
// which rapidcheck draws, records in the counterexample, and shrinks when the property fails.
std::vector<op> draw_operations(smr::structure_kind kind);

// What RC_GTEST_PROP expands to, usable in a layer's test: runs `property` (100 cases unless
// RC_PARAMS says otherwise) and fails the running test with the shrunk counterexample.
void check_in_gtest(const std::function<void()>& property);

}  // namespace smrlab_test::property_layer
