// From names to the compiled code of one scheme x structure pairing: the trial runner and the
// bare-loop reference, instantiated for every compatible pairing of the generated registry.
// The sweep, the overhead measurement and the tests that run trials by name go through here, so
// that no other file instantiates the cross product.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "harness/bare_loop_types.hpp"
#include "harness/trial_types.hpp"

namespace smrlab {

struct pairing_entry {
  std::string_view scheme;
  std::string_view structure;
  trial_result (*run_trial)(const trial_config&);
  bare_loop_result (*run_bare_loop)(const trial_config&);
};

// Every compatible pairing, in the registry's order (schemes, then structures).
std::span<const pairing_entry> compiled_pairings();

// The named pairing, or nullptr when it does not exist (unregistered or incompatible).
const pairing_entry* find_compiled_pairing(std::string_view scheme, std::string_view structure);

}  // namespace smrlab
