// Tests of schemes/sync.hpp in the ordinary build: each primitive is the standard one, so that a
// scheme written against smr::sync behaves exactly as it did with the std names. (The model
// checker's build replaces the header; its own tests cover that one.)
#include "schemes/sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <type_traits>

namespace {

static_assert(std::is_same_v<smr::sync::atomic<int>, std::atomic<int>>);
static_assert(std::is_same_v<smr::sync::atomic<const void*>, std::atomic<const void*>>);
static_assert(std::is_same_v<smr::sync::mutex, std::mutex>);

TEST(sync, a_mutex_excludes_and_an_atomic_counts_across_threads) {
  smr::sync::mutex m;
  smr::sync::atomic<unsigned> arrived{0};
  unsigned guarded = 0;
  auto work = [&] {
    for (int i = 0; i < 1000; ++i) {
      const std::scoped_lock lock(m);
      ++guarded;
    }
    arrived.fetch_add(1, std::memory_order_release);  // pairs with the acquire below
    while (arrived.load(std::memory_order_acquire) < 2) smr::sync::yield();
  };
  std::thread a(work);
  std::thread b(work);
  a.join();
  b.join();
  EXPECT_EQ(guarded, 2000U);
  EXPECT_EQ(arrived.load(), 2U);
}

// The payload is a relaxed atomic, so that only the fences order it (TSan, which does not model
// fences, would otherwise report the plain payload as a race).
TEST(sync, fences_order_a_message_between_threads) {
  smr::sync::atomic<int> payload{0};
  smr::sync::atomic<bool> ready{false};
  std::thread writer([&] {
    payload.store(42, std::memory_order_relaxed);
    smr::sync::fence(std::memory_order_release);  // pairs with the reader's acquire fence
    ready.store(true, std::memory_order_relaxed);
  });
  while (!ready.load(std::memory_order_relaxed)) smr::sync::yield();
  smr::sync::fence(std::memory_order_acquire);
  EXPECT_EQ(payload.load(std::memory_order_relaxed), 42);
  smr::sync::compiler_fence();
  writer.join();
}

}  // namespace
