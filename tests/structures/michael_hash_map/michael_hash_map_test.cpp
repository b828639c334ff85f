// What is particular to Michael's hash map: keys spread over buckets, each bucket a
// Harris-Michael list holding only the keys that hash to it, and one node per key. The set
// contract (agreement with std::set, concurrent conservation, lookups under change) is checked
// for every set structure in tests/structures/set_structure_test.cpp.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with
// michael_hash_map (plugins included), compiled once: the tests are named
// michael_hash_map_test/pairing/<scheme>__michael_hash_map.<test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "support/pairing_layers.hpp"

namespace smrlab_test::michael_hash_map_layer {
namespace {

// Many more keys than the default 64 buckets, in an order unrelated to the hash: every bucket's
// check passes (its keys ascend and hash to it), the keys come back ascending, and removing
// each key retires exactly its node.
void keys_spread_over_buckets_and_each_removal_retires_one_node(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t n = 1000;
  {
    const std::unique_ptr<smrlab::erased_structure> m = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_EQ(d->counters().allocated, 0U);  // buckets are links, not nodes
    std::vector<std::uint64_t> inserted;
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t key = (k * 7919) % n * 3;  // every key once, out of order
      ASSERT_TRUE(m->insert(*h, key));
      inserted.push_back(key);
    }
    EXPECT_FALSE(m->insert(*h, inserted.front()));
    EXPECT_EQ(d->counters().allocated, n);  // a key found present makes no node
    EXPECT_EQ(m->check_structure(), "ok");
    std::sort(inserted.begin(), inserted.end());
    EXPECT_EQ(m->keys(), inserted);
    for (std::uint64_t i = 0; i < n; i += 2) ASSERT_TRUE(m->remove(*h, inserted[i]));
    for (std::uint64_t i = 0; i < n; ++i) EXPECT_EQ(m->contains(*h, inserted[i]), i % 2 == 1);
    EXPECT_FALSE(m->remove(*h, inserted[0]));
    EXPECT_EQ(d->counters().retired, n / 2);
    EXPECT_EQ(m->keys().size(), n / 2);
    EXPECT_EQ(m->check_structure(), "ok");
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, n);
  EXPECT_EQ(c.destroyed, n / 2);
  expect_everything_reclaimed(*d);
  EXPECT_EQ(d->counters().reclaimed, n / 2);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"michael_hash_map_test",
     [](const pairing_entry& p) { return p.structure == "michael_hash_map"; },
     {SMRLAB_LAYER_TEST(keys_spread_over_buckets_and_each_removal_retires_one_node)}});

}  // namespace smrlab_test::michael_hash_map_layer
