// The sweep's dispatch table (harness/pairing_dispatch.hpp), generated one file per pairing by
// cmake/smrlab_pairings.cmake from the configure-time probe: it must hold exactly the pairings the
// registry's traits make compatible, in the registry's order (schemes, then structures), each
// with its code, and the lookup by name must find each of them and nothing else.
#include "harness/pairing_dispatch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/registry.hpp"

namespace {

using name_pair = std::pair<std::string, std::string>;

// What the registry says is compiled: every scheme x structure whose traits fit (a scheme that
// cannot run in this process, the availability hook, is compiled all the same).
std::vector<name_pair> registry_pairings() {
  std::vector<name_pair> out;
  for (const smrlab::scheme_info& s : smrlab::schemes()) {
    for (const smrlab::structure_info& d : smrlab::structures()) {
      if (smrlab::pairing_exists(s, d)) out.emplace_back(s.name, d.name);
    }
  }
  return out;
}

std::vector<name_pair> compiled_names() {
  std::vector<name_pair> out;
  for (const smrlab::pairing_entry& e : smrlab::compiled_pairings()) {
    out.emplace_back(e.scheme, e.structure);
  }
  return out;
}

TEST(pairing_dispatch, holds_exactly_the_registry_pairings_in_order) {
  const std::vector<name_pair> expected = registry_pairings();
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(compiled_names(), expected);
}

TEST(pairing_dispatch, every_entry_has_its_code) {
  for (const smrlab::pairing_entry& e : smrlab::compiled_pairings()) {
    EXPECT_NE(e.run_trial, nullptr) << e.scheme << " x " << e.structure;
    // The bare loop is compiled where its caller, the driver's `overhead` command, is.
    EXPECT_EQ(e.run_bare_loop != nullptr, SMRLAB_WITH_DRIVER != 0)
        << e.scheme << " x " << e.structure;
  }
}

TEST(pairing_dispatch, lookup_finds_each_pairing_and_nothing_else) {
  for (const smrlab::pairing_entry& e : smrlab::compiled_pairings()) {
    EXPECT_EQ(smrlab::find_compiled_pairing(e.scheme, e.structure), &e)
        << e.scheme << " x " << e.structure;
  }
  for (const smrlab::scheme_info& s : smrlab::schemes()) {
    for (const smrlab::structure_info& d : smrlab::structures()) {
      if (!smrlab::pairing_exists(s, d)) {
        EXPECT_EQ(smrlab::find_compiled_pairing(s.name, d.name), nullptr)
            << s.name << " x " << d.name << " is not a pairing";
      }
    }
  }
  EXPECT_EQ(smrlab::find_compiled_pairing("no_such_scheme", "treiber_stack"), nullptr);
  EXPECT_EQ(smrlab::find_compiled_pairing("ebr", "no_such_structure"), nullptr);
}

}  // namespace
