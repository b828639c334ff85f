// What is particular to the Ellen et al. tree: besides leaves and internal nodes, every update
// leaves an Info record in an update field, and an insert's replaced leaf waits for its record;
// each must be retired once displaced, or the tree would hold four nodes per key it ever had.
// The set contract (agreement with std::set, concurrent conservation, lookups under change) is
// checked for every set structure in tests/structures/set_structure_test.cpp.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with ellen_bst
// (plugins included), compiled once: the tests are named
// ellen_bst_test/pairing/<scheme>__ellen_bst.<test>.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "support/pairing_layers.hpp"

namespace smrlab_test::ellen_bst_layer {
namespace {

// Inserting 200 keys and removing them all leaves the three sentinels plus at most the root's
// last record and the leaf it replaced: every other leaf, internal node and Info record was
// retired, and after teardown everything is reclaimed.
void removing_every_key_retires_the_nodes_and_records_it_made(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t n = 200;
  {
    const std::unique_ptr<smrlab::erased_structure> t = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_EQ(d->counters().allocated, 3U);  // the root and its two sentinel leaves
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t->insert(*h, (k * 37) % n));
    EXPECT_EQ(t->check_structure(), "ok");
    EXPECT_EQ(t->keys().size(), n);
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t->remove(*h, (k * 53) % n));
    EXPECT_EQ(t->check_structure(), "ok");
    EXPECT_TRUE(t->keys().empty());
    const smr::counter_totals c = d->counters();
    // Four nodes per insert (leaf, copy of the old leaf, internal node, IInfo), one DInfo per
    // remove.
    EXPECT_EQ(c.allocated, 3 + 5 * n);
    EXPECT_LE(c.allocated - c.retired, 5U);
  }
  expect_everything_reclaimed(*d);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"ellen_bst_test",
     [](const pairing_entry& p) { return p.structure == "ellen_bst"; },
     {SMRLAB_LAYER_TEST(removing_every_key_retires_the_nodes_and_records_it_made)}});

}  // namespace smrlab_test::ellen_bst_layer
