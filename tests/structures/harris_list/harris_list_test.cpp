// What is particular to Harris's list: one node per key, retired once however it was snipped
// (alone by its remove, or in a chain by a search). The set contract (agreement with std::set,
// concurrent conservation, lookups under change) is checked for every set structure in
// tests/structures/set_structure_test.cpp.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with
// harris_list (plugins included), compiled once: the tests are named
// harris_list_test/pairing/<scheme>__harris_list.<test>.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "support/pairing_layers.hpp"

namespace smrlab_test::harris_list_layer {
namespace {

// Removing each key retires exactly its node; the rest are destroyed with the list; and after
// teardown the counters balance.
void removing_a_key_retires_its_one_node(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t n = 200;
  {
    const std::unique_ptr<smrlab::erased_structure> l = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_EQ(d->counters().allocated, 0U);  // no sentinel node
    for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(l->insert(*h, (k * 37) % n));
    EXPECT_EQ(d->counters().allocated, n);
    for (std::uint64_t k = 0; k < n; k += 2) ASSERT_TRUE(l->remove(*h, k));
    EXPECT_EQ(d->counters().retired, n / 2);
    EXPECT_EQ(l->keys().size(), n / 2);
    EXPECT_EQ(l->check_structure(), "ok");
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, n);
  EXPECT_EQ(c.destroyed, n / 2);
  expect_everything_reclaimed(*d);
  EXPECT_EQ(d->counters().reclaimed, n / 2);
}

}  // namespace

[[maybe_unused]] const bool registered =
    add_pairing_layer({"harris_list_test",
                       [](const pairing_entry& p) { return p.structure == "harris_list"; },
                       {SMRLAB_LAYER_TEST(removing_a_key_retires_its_one_node)}});

}  // namespace smrlab_test::harris_list_layer
