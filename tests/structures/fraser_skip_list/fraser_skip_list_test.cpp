// What is particular to the skip list: no sentinel node, one node per key whatever its height,
// every level sorted and a sub-sequence of the one below, each node's count of the levels that
// link it, and the references an operation holds (hazards_per_thread). check_structure() checks
// the levels and the counts at rest. The set contract (agreement with std::set, concurrent
// conservation, lookups under change) is checked for every set structure in
// tests/structures/set_structure_test.cpp.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with
// fraser_skip_list (plugins included), compiled once: the tests are named
// fraser_skip_list_test/pairing/<scheme>__fraser_skip_list.<test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/pairing_layers.hpp"
#include "support/stress_scale.hpp"

namespace smrlab_test::fraser_skip_list_layer {
namespace {

using smrlab::erased_domain;
using smrlab::erased_handle;
using smrlab::erased_structure;

// The head is links in the list object, not a node: an empty list allocates nothing.
void an_empty_list_allocates_no_node(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<erased_structure> l = d->make_structure();
    EXPECT_TRUE(l->keys().empty());
    EXPECT_EQ(l->check_structure(), "ok");
    const std::unique_ptr<erased_handle> h = d->attach();
    EXPECT_FALSE(l->contains(*h, 0));
    EXPECT_FALSE(l->remove(*h, 0));
    EXPECT_FALSE(l->contains(*h, smr::max_set_key));
    EXPECT_FALSE(l->remove(*h, smr::max_set_key));
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, 0U);
  EXPECT_EQ(c.destroyed, 0U);
}

// Enough keys for a dozen levels, inserted out of order (the extremes of the key space
// included): every level stays sorted, a sub-sequence of the one below, and counted
// (check_structure), the keys come back ascending, and removing a key retires exactly its one
// node, at once (the remove's last search snips it at every level). After teardown the counters
// balance.
void many_keys_keep_every_level_sorted_and_each_removal_retires_one_node(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t n = 4000;
  {
    const std::unique_ptr<erased_structure> l = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    std::vector<std::uint64_t> inserted;
    for (std::uint64_t k = 0; k < n - 1; ++k) {
      const std::uint64_t key = (k * 7919) % (n - 1) * 5;  // every key once, out of order
      ASSERT_TRUE(l->insert(*h, key));
      inserted.push_back(key);
    }
    ASSERT_TRUE(l->insert(*h, smr::max_set_key));
    inserted.push_back(smr::max_set_key);
    EXPECT_EQ(d->counters().allocated, n);
    EXPECT_FALSE(l->insert(*h, inserted[n / 2]));
    EXPECT_FALSE(l->insert(*h, smr::max_set_key));
    EXPECT_EQ(d->counters().allocated, n);  // a key found present makes no node
    EXPECT_EQ(l->check_structure(), "ok");
    std::sort(inserted.begin(), inserted.end());
    EXPECT_EQ(l->keys(), inserted);
    for (std::uint64_t i = 0; i < n; i += 2) {
      ASSERT_TRUE(l->remove(*h, inserted[i]));
      ASSERT_EQ(d->counters().retired, i / 2 + 1) << "removing " << inserted[i];
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      EXPECT_EQ(l->contains(*h, inserted[i]), i % 2 == 1) << "key " << inserted[i];
      if (inserted[i] < smr::max_set_key) {
        EXPECT_FALSE(l->contains(*h, inserted[i] + 1)) << "key " << inserted[i] + 1;
      }
    }
    EXPECT_FALSE(l->remove(*h, inserted[0]));
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

// The same few keys removed and inserted again many times, each time as a new node of a new
// height; emptied, the list holds nothing at any level.
void reinserting_the_same_keys_makes_one_node_each_time(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  constexpr std::uint64_t rounds = 500;
  constexpr std::uint64_t keys = 3;
  {
    const std::unique_ptr<erased_structure> l = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    for (std::uint64_t r = 0; r < rounds; ++r) {
      for (std::uint64_t k = 0; k < keys; ++k) ASSERT_TRUE(l->insert(*h, k * 10));
      ASSERT_EQ(l->check_structure(), "ok") << "round " << r;
      for (std::uint64_t k = 0; k < keys; ++k) ASSERT_TRUE(l->remove(*h, ((r + k) % keys) * 10));
    }
    EXPECT_TRUE(l->keys().empty());
    EXPECT_EQ(l->check_structure(), "ok");
    EXPECT_EQ(d->counters().allocated, rounds * keys);
    EXPECT_EQ(d->counters().retired, rounds * keys);
  }
  expect_everything_reclaimed(*d);
  EXPECT_EQ(d->counters().destroyed, 0U);
}

// Threads insert, remove and look up keys of a small range, so that inserts link upper levels
// of nodes that removes are marking, and removes snip what inserts are still linking. Each
// operation must stay within the references the list declares (a hazard-pointer scheme throws
// std::logic_error past hazards_per_thread: declaring 3 instead of 4 fails here and in the
// many-keys test above, whose inserts of tall nodes hold their node across three more). At rest
// every level is clean and counted (check_structure), and every node made is either in the list or
// was retired, once.
void stress(const pairing_entry& p, std::uint64_t keys, unsigned seed) {
  const unsigned threads = threads_allowed(p, 4);
  const int ops = 40000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p, threads));
  {
    const std::unique_ptr<erased_structure> l = d->make_structure();
    std::vector<std::string> errors(threads);
    std::latch start(threads);  // so that the threads overlap, rather than run one by one
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        const std::unique_ptr<erased_handle> h = d->attach();
        start.arrive_and_wait();
        std::mt19937_64 rng(seed + id);
        try {
          for (int i = 0; i < ops; ++i) {
            const std::uint64_t k = rng() % keys;
            const std::uint64_t op = rng() % 8;
            if (op < 3) {
              l->insert(*h, k);
            } else if (op < 6) {
              l->remove(*h, k);
            } else {
              l->contains(*h, k);
            }
          }
        } catch (const std::logic_error& e) {
          errors[id] = e.what();
        }
      });
    }
    for (auto& w : workers) w.join();
    for (const std::string& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(l->check_structure(), "ok");
    const std::vector<std::uint64_t> present = l->keys();
    EXPECT_TRUE(std::is_sorted(present.begin(), present.end()));
    const smr::counter_totals c = d->counters();
    EXPECT_EQ(c.allocated, present.size() + c.retired);
  }
  expect_everything_reclaimed(*d);
}

void concurrent_updates_on_few_keys_stay_within_k_and_leave_every_level_clean(
    const pairing_entry& p) {
  stress(p, 8, 101);
}

void concurrent_updates_on_many_keys_stay_within_k_and_leave_every_level_clean(
    const pairing_entry& p) {
  stress(p, 512, 202);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"fraser_skip_list_test",
     [](const pairing_entry& p) { return p.structure == "fraser_skip_list"; },
     {SMRLAB_LAYER_TEST(an_empty_list_allocates_no_node),
      SMRLAB_LAYER_TEST(many_keys_keep_every_level_sorted_and_each_removal_retires_one_node),
      SMRLAB_LAYER_TEST(reinserting_the_same_keys_makes_one_node_each_time),
      SMRLAB_LAYER_TEST(concurrent_updates_on_few_keys_stay_within_k_and_leave_every_level_clean),
      SMRLAB_LAYER_TEST(
          concurrent_updates_on_many_keys_stay_within_k_and_leave_every_level_clean)}});

}  // namespace smrlab_test::fraser_skip_list_layer
