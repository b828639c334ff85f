#include "schemes/thread_registry.hpp"

#include <gtest/gtest.h>

namespace {

struct test_slot {
  smr::thread_counters counters;
};

TEST(thread_registry, claims_the_lowest_free_slot_and_reuses_released_ones) {
  smr::thread_registry<test_slot> r(4);
  EXPECT_EQ(r.acquire(), 0U);
  EXPECT_EQ(r.acquire(), 1U);
  EXPECT_EQ(r.acquire(), 2U);
  EXPECT_EQ(r.high_water(), 3U);
  r.release(1);
  EXPECT_EQ(r.active(), 2U);
  EXPECT_EQ(r.acquire(), 1U);
  EXPECT_EQ(r.high_water(), 3U);
}

TEST(thread_registry, refuses_more_threads_than_its_capacity) {
  smr::thread_registry<test_slot> r(2);
  r.acquire();
  r.acquire();
  EXPECT_THROW(r.acquire(), std::runtime_error);
}

TEST(thread_registry, sums_counters_of_past_and_present_threads) {
  smr::thread_registry<test_slot> r(4);
  smr::thread_counters own;
  const unsigned a = r.acquire();
  const unsigned b = r.acquire();
  r[a].counters.count_allocated(5);
  r[a].counters.count_retired(3);
  r[b].counters.count_retired(2);
  r[b].counters.count_reclaimed(4);
  r.release(a);
  own.count_destroyed(1);
  const smr::counter_totals t = smr::sum_counters(r, own);
  EXPECT_EQ(t.allocated, 5U);
  EXPECT_EQ(t.retired, 5U);
  EXPECT_EQ(t.reclaimed, 4U);
  EXPECT_EQ(t.destroyed, 1U);
  EXPECT_EQ(t.unreclaimed(), 1);
}

}  // namespace
