// The test layers that run on every pairing (plugins included): each layer is a source compiled
// once, whose tests take the pairing's compiled entry (harness/pairing_dispatch.hpp) and reach
// its scheme and structure through it (harness/erased_pairing.hpp). Nothing here is instantiated
// per pairing, so a pairing costs the build one file, its dispatch file, in every preset, and
// adding a layer or a pairing recompiles no other.
//
// A layer registers itself from its source, at namespace scope, each test a function of the
// pairing named as the test is:
//   const bool registered = smrlab_test::add_pairing_layer(
//       {"conformance", smrlab_test::every_pairing, {SMRLAB_LAYER_TEST(stress_in_ops_mode)}});
// and the test program (pairing_layers_main.cpp) turns every layer x every compiled pairing it
// applies to into GoogleTest tests named <layer>/pairing/<scheme>__<structure>.<test>, one
// GoogleTest suite per layer and pairing (what ctest runs as one test:
// cmake/smrlab_gtest_suites.cmake). A pairing whose scheme cannot run in this process (the
// availability hook, smr::unavailable_reason) gets its tests registered as skipped, with the
// scheme's reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/erased_pairing.hpp"
#include "harness/pairing_dispatch.hpp"
#include "support/reclamation_checks.hpp"

namespace smrlab_test {

using smrlab::pairing_entry;

struct layer_test {
  std::string_view name;
  void (*run)(const pairing_entry&);
};

// {"f", &f}: a test named after its function.
#define SMRLAB_LAYER_TEST(function) \
  ::smrlab_test::layer_test { #function, &function }

struct pairing_layer {
  std::string_view name;
  bool (*applies)(const pairing_entry&);
  std::vector<layer_test> tests;
};

// Adds a layer (returns true, for a namespace-scope initializer).
bool add_pairing_layer(pairing_layer layer);

// Registers the tests of every added layer on every compiled pairing it applies to; call after
// InitGoogleTest and before RUN_ALL_TESTS.
void register_pairing_layer_tests();

// The usual predicates of pairing_layer::applies.
bool every_pairing(const pairing_entry& p);
bool set_pairings(const pairing_entry& p);

// `wanted` threads, or fewer where the scheme allows fewer (immediate_free: one).
unsigned threads_allowed(const pairing_entry& p, unsigned wanted);

// The domain configuration for the pairing's structure and `threads` threads (smr::config_for).
smr::domain_config config_for(const pairing_entry& p, unsigned threads = 1);

// What the name of a pairing reads in test names and reports: <scheme>__<structure>.
std::string pairing_id(const pairing_entry& p);

}  // namespace smrlab_test
