#include "schemes/hp_pop/hp_pop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace {

using hp = smr::hp_pop;
using node = smrlab_test::tracked_node<hp>;

smr::domain_config hazards(unsigned k) {
  smr::domain_config c;
  c.hazards_per_thread = k;
  c.scan_threshold_min = 1;
  return c;
}

void publish(hp::thread_handle& h, hp::link<node>& shared, std::atomic<int>* destroyed, int v) {
  auto n = h.make<node>(destroyed, v);
  h.store(shared, n.ptr());
}

void unlink_and_retire(hp::thread_handle& h, hp::link<node>& shared) {
  auto r = h.deref(shared);
  ASSERT_TRUE(h.cas(shared, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

smr::counter_totals totals(const hp::domain& d) { return d.counters(); }

// The reader's hazard is only in its own thread-local slot until the owner's scan pings it:
// the node survives the scans, and is freed by the first scan after the reader let go.
TEST(hp_pop, a_node_held_by_another_thread_survives_scans_until_released) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  hp::link<node> shared;
  hp::thread_handle owner(d);
  publish(owner, shared, &destroyed, 1);
  std::thread reader([&] {
    hp::thread_handle h(d);
    auto held = h.deref(shared);
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
    EXPECT_EQ(held->value, 1);  // still alive: ASan would flag a use after free
    held.reset();
    stage = 3;
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const std::uint64_t pings_before = totals(d).pings;
  unlink_and_retire(owner, shared);
  for (int i = 0; i < 5; ++i) owner.retire(owner.make<node>(&destroyed));
  owner.scan();
  EXPECT_EQ(destroyed.load(), 5);
  EXPECT_EQ(owner.retired_count(), 1U);
  EXPECT_EQ(totals(d).pings, pings_before + 1) << "one scan, one ping to the one other thread";
  stage = 2;
  while (stage.load() != 3) std::this_thread::yield();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 6);
  stage = 4;
  reader.join();
}

// A thread asleep inside an operation still answers: the kernel runs its handler, which
// publishes what it holds, and the scan frees the rest.
TEST(hp_pop, a_thread_asleep_holding_a_node_answers_the_ping) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  std::atomic<bool> holding{false};
  std::atomic<bool> stop{false};
  hp::link<node> shared;
  hp::thread_handle owner(d);
  publish(owner, shared, &destroyed, 7);
  std::thread sleeper([&] {
    hp::thread_handle h(d);
    auto held = h.deref(shared);
    holding = true;
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(held->value, 7);
  });
  while (!holding.load()) std::this_thread::yield();
  unlink_and_retire(owner, shared);
  for (int i = 0; i < 3; ++i) owner.retire(owner.make<node>(&destroyed));
  owner.scan();
  EXPECT_EQ(destroyed.load(), 3);
  stop = true;
  sleeper.join();
  owner.scan();
  EXPECT_EQ(destroyed.load(), 4);
}

TEST(hp_pop, the_retire_list_stays_under_the_threshold_and_the_bound) {
  hp::domain d(hazards(2));
  hp::thread_handle h(d);
  std::size_t peak = 0;
  for (int i = 0; i < 5000; ++i) {
    h.retire(h.make<node>());
    peak = std::max(peak, h.retired_count());
  }
  EXPECT_LT(peak, h.current_threshold());
  EXPECT_LE(
      static_cast<std::uint64_t>(d.counters().unreclaimed()),
      *hp::bound({.threads = 1, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 1}));
}

TEST(hp_pop, bound_is_threads_times_the_scan_threshold) {
  const smr::bound_inputs in{
      .threads = 4, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64};
  EXPECT_EQ(hp::bound(in), 4U * 8U * 3U * 64U);  // R = max(2*4*2, 8*(4-1)*64)
  // One thread pings no one: R is still 8 floors, not 2·N·K.
  EXPECT_EQ(
      hp::bound({.threads = 1, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 64}),
      8U * 64U);
  // Many hazards: 2·N·K wins.
  EXPECT_EQ(
      hp::bound({.threads = 2, .structure = {.hazards_per_thread = 16}, .scan_threshold_min = 1}),
      2U * (2U * 2U * 16U));
}

TEST(hp_pop, nodes_left_by_an_exited_thread_are_adopted_and_freed) {
  hp::domain d(hazards(2));
  std::atomic<int> destroyed{0};
  hp::link<node> shared;
  hp::thread_handle reader(d);
  publish(reader, shared, &destroyed, 1);
  auto held = reader.deref(shared);
  std::thread t([&] {
    hp::thread_handle h(d);
    unlink_and_retire(h, shared);
  });  // exits while `held` protects the node: it becomes an orphan
  t.join();
  EXPECT_EQ(destroyed.load(), 0);
  held.reset();
  reader.scan();
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(hp_pop, counters_balance_after_concurrent_retires) {
  std::atomic<int> destroyed{0};
  {
    hp::domain d(hazards(2));
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        hp::thread_handle h(d);
        for (int i = 0; i < 3000; ++i) h.retire(h.make<node>(&destroyed));
      });
    }
    for (auto& t : threads) t.join();
    smrlab_test::expect_everything_reclaimed(d);
    EXPECT_EQ(d.counters().retired, 9000U);
  }
  EXPECT_EQ(destroyed.load(), 9000);
}

}  // namespace
