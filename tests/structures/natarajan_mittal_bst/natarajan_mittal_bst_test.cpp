// What is particular to the Natarajan-Mittal tree: five sentinels, and two nodes per key (a
// leaf and a router). The set contract (agreement with std::set, concurrent conservation,
// lookups under change) is checked for every set structure in
// tests/structures/set_structure_test.cpp.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with
// natarajan_mittal_bst (plugins included), compiled once: the tests are named
// natarajan_mittal_bst_test/pairing/<scheme>__natarajan_mittal_bst.<test>.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "support/pairing_layers.hpp"

namespace smrlab_test::natarajan_mittal_bst_layer {
namespace {

void an_empty_tree_holds_only_its_five_sentinels(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<smrlab::erased_structure> t = d->make_structure();
    EXPECT_TRUE(t->keys().empty());
    EXPECT_EQ(t->check_structure(), "ok");
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_FALSE(t->contains(*h, 0));
    EXPECT_FALSE(t->remove(*h, 0));
    EXPECT_FALSE(t->contains(*h, smr::max_set_key));
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, 5U);
  EXPECT_EQ(c.destroyed, 5U);
}

// Each key adds a leaf and an internal node; removing it retires exactly those two.
void removing_a_key_retires_its_leaf_and_one_router(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t n = 100;
  {
    const std::unique_ptr<smrlab::erased_structure> t = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t->insert(*h, (k * 37) % n));
    EXPECT_EQ(d->counters().allocated, 5 + 2 * n);
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(t->remove(*h, k));
    EXPECT_EQ(d->counters().retired, 2 * n);
    EXPECT_TRUE(t->keys().empty());
    EXPECT_EQ(t->check_structure(), "ok");
  }
  expect_everything_reclaimed(*d);
  EXPECT_EQ(d->counters().destroyed, 5U);
}

}  // namespace

[[maybe_unused]] const bool registered =
    add_pairing_layer({"natarajan_mittal_bst_test",
                       [](const pairing_entry& p) { return p.structure == "natarajan_mittal_bst"; },
                       {SMRLAB_LAYER_TEST(an_empty_tree_holds_only_its_five_sentinels),
                        SMRLAB_LAYER_TEST(removing_a_key_retires_its_leaf_and_one_router)}});

}  // namespace smrlab_test::natarajan_mittal_bst_layer
