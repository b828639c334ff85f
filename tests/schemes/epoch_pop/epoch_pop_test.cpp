#include "schemes/epoch_pop/epoch_pop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace {

using ep = smr::epoch_pop;
using node = smrlab_test::tracked_node<ep>;

smr::domain_config config() {
  smr::domain_config c;
  c.hazards_per_thread = 2;
  c.scan_threshold_min = 1;  // R = max(2H, 8·max(1, N − 1)): 8 at 2 threads
  c.epoch_advance_interval = 1;
  return c;
}

// With no thread holding the epoch back, the epoch pass frees everything and nobody is pinged.
TEST(epoch_pop, without_a_stalled_thread_it_is_ebr_and_never_pings) {
  ep::domain d(config());
  std::atomic<bool> stop{false};
  std::thread idle([&] {
    ep::thread_handle h(d);  // registered, never inside an operation
    while (!stop.load()) std::this_thread::yield();
  });
  {
    ep::thread_handle h(d);
    for (int i = 0; i < 2000; ++i) {
      const ep::guard g(h);
      h.retire(h.make<node>());
    }
    EXPECT_LT(h.retired_count(), h.current_threshold());
  }  // leaving pings no one either: what is left is orphaned with its epochs
  stop = true;
  idle.join();
  EXPECT_EQ(d.counters().pings, 0U);
}

// A thread parked inside an operation holds the epoch back: the fallback pings it, and frees
// everything but the node it holds, so garbage stays under the bound (ebr's would grow).
TEST(epoch_pop, a_thread_parked_inside_an_operation_does_not_make_garbage_unbounded) {
  ep::domain d(config());
  std::atomic<int> destroyed{0};
  std::atomic<bool> parked{false};
  std::atomic<bool> stop{false};
  ep::link<node> shared;
  ep::thread_handle owner(d);
  {
    auto n = owner.make<node>(&destroyed, 5);
    owner.store(shared, n.ptr());
  }
  std::thread stalled([&] {
    ep::thread_handle h(d);
    const ep::guard g(h);
    auto held = h.deref(shared);
    parked = true;
    while (!stop.load()) std::this_thread::yield();
    EXPECT_EQ(held->value, 5);  // ASan would flag a use after free
  });
  while (!parked.load()) std::this_thread::yield();
  {
    const ep::guard g(owner);
    auto r = owner.deref(shared);
    ASSERT_TRUE(owner.cas(shared, r.ptr(), smr::marked_ptr<node>()));
    owner.retire(std::move(r));
  }
  std::size_t peak = 0;
  for (int i = 0; i < 5000; ++i) {
    const ep::guard g(owner);
    owner.retire(owner.make<node>(&destroyed));
    peak = std::max(peak, owner.retired_count());
  }
  EXPECT_LE(peak, owner.current_threshold());
  EXPECT_GT(d.counters().pings, 0U);
  EXPECT_LE(
      static_cast<std::uint64_t>(d.counters().unreclaimed()),
      *ep::bound({.threads = 2, .structure = {.hazards_per_thread = 2}, .scan_threshold_min = 1}));
  EXPECT_GE(destroyed.load(), 5000 - static_cast<int>(owner.current_threshold()));
  stop = true;
  stalled.join();
}

TEST(epoch_pop, counters_balance_after_concurrent_retires_and_exits) {
  std::atomic<int> destroyed{0};
  {
    ep::domain d(config());
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        ep::thread_handle h(d);
        for (int i = 0; i < 3000; ++i) {
          const ep::guard g(h);
          h.retire(h.make<node>(&destroyed));
        }
      });
    }
    for (auto& t : threads) t.join();
    smrlab_test::expect_everything_reclaimed(d);
    EXPECT_EQ(d.counters().retired, 9000U);
  }
  EXPECT_EQ(destroyed.load(), 9000);
}

}  // namespace
