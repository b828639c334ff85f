// The set contract (structures/structure.hpp, set_structure), checked on every registered set
// structure x every scheme it pairs with (plugins included, through their compiled entries):
// sequential agreement with std::set, refusals, visibility across threads, per-key
// conservation under concurrent updates, and lookups that stay right while the structure
// changes. Each structure's own test file checks what is particular to it (node counts).
//
// A pairing layer (support/pairing_layers.hpp) on the set pairings, compiled once: the tests are
// named set_structure_test/pairing/<scheme>__<structure>.<test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/pairing_layers.hpp"
#include "support/stress_scale.hpp"

namespace smrlab_test::set_contract_layer {
namespace {

using smrlab::erased_domain;
using smrlab::erased_handle;
using smrlab::erased_structure;

// Nodes the structure holds: made, and neither retired nor freed at once.
std::uint64_t nodes_held(const erased_domain& d) {
  const smr::counter_totals c = d.counters();
  return c.allocated - c.retired - c.destroyed;
}

void agrees_with_a_sequential_set(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    EXPECT_TRUE(set->keys().empty());
    EXPECT_FALSE(set->contains(*h, 0));
    std::set<std::uint64_t> model;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t k = rng() % 64;
      switch (rng() % 3) {
        case 0:
          ASSERT_EQ(set->insert(*h, k), model.insert(k).second) << "insert " << k << " at op " << i;
          break;
        case 1:
          ASSERT_EQ(set->remove(*h, k), model.erase(k) == 1) << "remove " << k << " at op " << i;
          break;
        default:
          ASSERT_EQ(set->contains(*h, k), model.count(k) == 1)
              << "contains " << k << " at op " << i;
      }
    }
    EXPECT_EQ(set->keys(), std::vector<std::uint64_t>(model.begin(), model.end()));
    EXPECT_EQ(set->check_structure(), "ok");
    // The extremes of the key space behave like any other key.
    EXPECT_TRUE(set->insert(*h, smr::max_set_key));
    EXPECT_TRUE(set->insert(*h, 0) || model.count(0) == 1);
    EXPECT_TRUE(set->contains(*h, smr::max_set_key));
    EXPECT_EQ(set->keys().back(), smr::max_set_key);
    EXPECT_EQ(set->keys().front(), 0U);
    EXPECT_TRUE(set->remove(*h, smr::max_set_key));
    EXPECT_FALSE(set->contains(*h, smr::max_set_key));
    EXPECT_EQ(set->check_structure(), "ok");
  }
  expect_everything_reclaimed(*d);
}

void duplicates_and_absent_keys_are_refused_leaving_nothing_behind(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    EXPECT_FALSE(set->remove(*h, 7));  // empty
    EXPECT_TRUE(set->insert(*h, 7));
    EXPECT_TRUE(set->insert(*h, 3));
    EXPECT_TRUE(set->insert(*h, 11));
    const std::uint64_t allocated = d->counters().allocated;
    const std::uint64_t held_before = nodes_held(*d);
    EXPECT_FALSE(set->insert(*h, 7));
    EXPECT_FALSE(set->insert(*h, 3));
    EXPECT_FALSE(set->insert(*h, 11));
    EXPECT_EQ(nodes_held(*d), held_before) << "a refused insert left a node behind";
    // Structures written against the contract search before they allocate. A peer library's
    // own structure (only_scheme) may allocate first and free at once: libcds's EllenBinTree
    // makes its leaf before it finds the key present.
    if (p.requirements->only_scheme.empty()) {
      EXPECT_EQ(d->counters().allocated, allocated) << "a refused insert allocated";
    }
    EXPECT_FALSE(set->remove(*h, 5));   // between two keys
    EXPECT_FALSE(set->remove(*h, 12));  // past the last key
    EXPECT_FALSE(set->remove(*h, 0));   // before the first key
    EXPECT_EQ(set->keys(), (std::vector<std::uint64_t>{3, 7, 11}));
    EXPECT_TRUE(set->remove(*h, 7));
    EXPECT_FALSE(set->remove(*h, 7));
    EXPECT_FALSE(set->contains(*h, 7));
    EXPECT_EQ(set->keys(), (std::vector<std::uint64_t>{3, 11}));
    EXPECT_EQ(set->check_structure(), "ok");
  }
  expect_everything_reclaimed(*d);
}

// A key inserted by one thread is seen by another once the first has been joined, and a key it
// removed is not.
void keys_written_by_one_thread_are_seen_by_another(const pairing_entry& p) {
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p, 2));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    std::thread writer([&] {
      const std::unique_ptr<erased_handle> h = d->attach();
      for (std::uint64_t k = 0; k < 100; ++k) ASSERT_TRUE(set->insert(*h, k * 3));
      for (std::uint64_t k = 0; k < 100; k += 2) ASSERT_TRUE(set->remove(*h, k * 3));
    });
    writer.join();
    std::thread reader([&] {
      const std::unique_ptr<erased_handle> h = d->attach();
      for (std::uint64_t k = 0; k < 300; ++k) {
        const bool expected = k % 3 == 0 && (k / 3) % 2 == 1;
        EXPECT_EQ(set->contains(*h, k), expected) << "key " << k;
        EXPECT_EQ(set->insert(*h, k), !expected) << "key " << k;
      }
    });
    reader.join();
    std::vector<std::uint64_t> all(300);
    for (std::uint64_t k = 0; k < 300; ++k) all[k] = k;
    EXPECT_EQ(set->keys(), all);
    EXPECT_EQ(set->check_structure(), "ok");
  }
  expect_everything_reclaimed(*d);
}

// Threads insert and remove a few keys: per key, successful inserts minus successful removes
// (plus the prefill) must be 0 or 1 and say whether the key is in the set at the end. Few keys,
// so that the threads collide on the same nodes, help each other and retry failed CASes; a node
// made by an insert that then found its key present must still be reclaimed.
void concurrent_updates_on_few_keys_conserve_every_key(const pairing_entry& p) {
  const unsigned threads = threads_allowed(p, 4);
  constexpr std::uint64_t keys = 32;
  const int ops = 60000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p, threads));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    std::vector<std::int64_t> expected(keys, 0);
    {
      const std::unique_ptr<erased_handle> h = d->attach();
      for (std::uint64_t k = 0; k < keys; k += 2) {
        ASSERT_TRUE(set->insert(*h, k));
        expected[k] = 1;
      }
    }
    std::vector<std::vector<std::int64_t>> balance(threads, std::vector<std::int64_t>(keys));
    std::latch start(threads);  // so that the threads overlap, rather than run one by one
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        const std::unique_ptr<erased_handle> h = d->attach();
        start.arrive_and_wait();
        std::mt19937_64 rng(id + 1);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          const std::uint64_t op = rng() % 10;
          if (op < 4) {
            balance[id][k] += set->insert(*h, k) ? 1 : 0;
          } else if (op < 8) {
            balance[id][k] -= set->remove(*h, k) ? 1 : 0;
          } else {
            static_cast<void>(set->contains(*h, k));
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    const std::vector<std::uint64_t> present = set->keys();
    std::vector<std::uint64_t> from_balance;
    for (std::uint64_t k = 0; k < keys; ++k) {
      std::int64_t sum = expected[k];
      for (const auto& b : balance) sum += b[k];
      ASSERT_TRUE(sum == 0 || sum == 1) << "key " << k << ": balance " << sum;
      if (sum == 1) from_balance.push_back(k);
    }
    EXPECT_EQ(present, from_balance);
    EXPECT_EQ(set->check_structure(), "ok");
  }
  expect_everything_reclaimed(*d);
}

// Keys that are never removed must always be found, and keys never inserted never found, while
// other threads insert and remove the keys around them: a search that wandered into an unlinked
// part of the structure would get these wrong (or, under ASan, read freed memory).
void lookups_stay_right_while_the_set_changes_around_them(const pairing_entry& p) {
  const unsigned threads = threads_allowed(p, 4);
  constexpr std::uint64_t keys = 64;
  const int ops = 60000 / static_cast<int>(smrlab_test::stress_scale_divisor);
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p, threads));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    {
      const std::unique_ptr<erased_handle> h = d->attach();
      for (std::uint64_t k = 0; k < keys; k += 4) ASSERT_TRUE(set->insert(*h, k));  // stable keys
    }
    std::atomic<int> wrong{0};
    std::latch start(threads);
    std::vector<std::thread> workers;
    for (unsigned id = 0; id < threads; ++id) {
      workers.emplace_back([&, id] {
        const std::unique_ptr<erased_handle> h = d->attach();
        start.arrive_and_wait();
        std::mt19937_64 rng(id + 17);
        for (int i = 0; i < ops; ++i) {
          const std::uint64_t k = rng() % keys;
          if (k % 4 == 0) {
            if (!set->contains(*h, k)) wrong.fetch_add(1);
          } else if (k % 4 == 3) {
            if (set->contains(*h, k + 1000)) wrong.fetch_add(1);  // never inserted
          } else if (rng() % 2 == 0) {
            set->insert(*h, k);
          } else {
            set->remove(*h, k);
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(set->check_structure(), "ok");
    for (std::uint64_t k : set->keys()) EXPECT_NE(k % 4, 3U) << "key " << k;
  }
  expect_everything_reclaimed(*d);
}

// The size in nodes that the structure's requirements state (nodes_per_key, fixed_nodes), which
// the bounds of schemes such as hazard_eras rely on (smr::live_nodes_bound): at rest, at most
// nodes_per_key per key plus fixed_nodes (the lists and the Natarajan-Mittal tree hold exactly
// that; the Ellen et al. tree's update records vary), and at least one node per key.
void holds_the_nodes_its_requirements_state(const pairing_entry& p) {
  const smr::structure_requirements& r = *p.requirements;
  if (r.nodes_per_key == 0) GTEST_SKIP() << "the structure states no nodes per key";
  const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<erased_structure> set = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    const auto stated = [&r](std::uint64_t keys) { return r.nodes_per_key * keys + r.fixed_nodes; };
    const auto expect_within = [&](std::uint64_t keys, const char* when) {
      EXPECT_LE(nodes_held(*d), stated(keys)) << when;
      EXPECT_GE(nodes_held(*d), keys) << when;
    };
    expect_within(0, "empty");
    for (std::uint64_t k = 0; k < 50; ++k) ASSERT_TRUE(set->insert(*h, 3 * k + 1));
    expect_within(50, "50 keys");
    for (std::uint64_t k = 0; k < 50; k += 3) ASSERT_TRUE(set->remove(*h, 3 * k + 1));
    expect_within(33, "33 keys left");
    EXPECT_LE(nodes_held(*d), *smr::live_nodes_bound(r, 33, 1));
  }
  expect_everything_reclaimed(*d);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"set_structure_test",
     set_pairings,
     {
         SMRLAB_LAYER_TEST(agrees_with_a_sequential_set),
         SMRLAB_LAYER_TEST(duplicates_and_absent_keys_are_refused_leaving_nothing_behind),
         SMRLAB_LAYER_TEST(keys_written_by_one_thread_are_seen_by_another),
         SMRLAB_LAYER_TEST(concurrent_updates_on_few_keys_conserve_every_key),
         SMRLAB_LAYER_TEST(lookups_stay_right_while_the_set_changes_around_them),
         SMRLAB_LAYER_TEST(holds_the_nodes_its_requirements_state),
     }});

}  // namespace smrlab_test::set_contract_layer
