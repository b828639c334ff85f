#include "schemes/ebr_asym/ebr_asym.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_support.hpp"

namespace {

using ebr = smr::ebr_asym;
using node = smrlab_test::tracked_node<ebr>;

smr::domain_config advance_every(unsigned retires) {
  smr::domain_config cfg;
  cfg.epoch_advance_interval = retires;
  return cfg;
}

TEST(ebr_asym, is_available_on_a_kernel_with_private_expedited_membarrier) {
  EXPECT_EQ(ebr::unavailable().has_value(), smr::asymmetric_fence::unavailable().has_value());
  if (const auto why = ebr::unavailable()) {
    EXPECT_NE(why->find("ebr_asym"), std::string::npos);
    EXPECT_THROW(ebr::domain{}, std::runtime_error) << "never falls back";
  }
}

TEST(ebr_asym, the_epoch_advances_freely_when_no_thread_is_pinned) {
  ebr::domain d;
  ebr::thread_handle h(d);
  const auto e = d.epoch();
  EXPECT_TRUE(h.try_advance());
  EXPECT_TRUE(h.try_advance());
  EXPECT_EQ(d.epoch(), e + 2);
}

TEST(ebr_asym, each_advance_attempt_runs_exactly_one_heavy_fence) {
  ebr::domain d(advance_every(4));
  ebr::thread_handle h(d);
  const std::uint64_t before = d.heavy_fences();
  EXPECT_TRUE(h.try_advance());
  EXPECT_EQ(d.heavy_fences(), before + 1);
  const unsigned interval = ebr::advance_interval(d.config());  // 8 * 4
  EXPECT_EQ(interval, 32U);
  for (unsigned i = 0; i < interval * 5; ++i) {
    const ebr::guard g(h);
    h.retire(h.make<node>());
  }
  EXPECT_EQ(d.heavy_fences(), before + 1 + 5);
  EXPECT_EQ(h.heavy_fences(), d.heavy_fences());
}

TEST(ebr_asym, entering_an_operation_runs_no_heavy_fence) {
  ebr::domain d;
  ebr::thread_handle h(d);
  for (int i = 0; i < 1000; ++i) const ebr::guard g(h);
  EXPECT_EQ(d.heavy_fences(), 0U);
}

TEST(ebr_asym, a_pinned_thread_holds_the_epoch_within_one_step) {
  ebr::domain d;
  ebr::thread_handle pinned(d);
  ebr::thread_handle other(d);
  {
    const ebr::guard g(pinned);
    EXPECT_TRUE(other.try_advance());   // the pinned thread announced the current epoch
    EXPECT_FALSE(other.try_advance());  // now it lags one behind: no further advance
  }
  EXPECT_TRUE(other.try_advance());
}

TEST(ebr_asym, an_advance_that_a_lagging_thread_forbids_pays_no_heavy_fence) {
  ebr::domain d;
  ebr::thread_handle pinned(d);
  ebr::thread_handle other(d);
  const ebr::guard g(pinned);
  EXPECT_TRUE(other.try_advance());
  const std::uint64_t fences = d.heavy_fences();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(other.try_advance());
  EXPECT_EQ(d.heavy_fences(), fences);
}

TEST(ebr_asym, guards_nest_and_only_the_outermost_unpins) {
  ebr::domain d;
  ebr::thread_handle h(d);
  {
    const ebr::guard outer(h);
    { const ebr::guard inner(h); }
    EXPECT_TRUE(h.pinned());
  }
  EXPECT_FALSE(h.pinned());
}

TEST(ebr_asym, a_stalled_pinned_thread_stops_reclamation_until_it_unpins) {
  ebr::domain d(advance_every(1));
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  std::thread stalled([&] {
    ebr::thread_handle h(d);
    {
      const ebr::guard g(h);
      stage = 1;
      while (stage.load() != 2) std::this_thread::yield();
    }
  });
  while (stage.load() != 1) std::this_thread::yield();
  ebr::thread_handle h(d);
  for (int i = 0; i < 1000; ++i) {
    const ebr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_EQ(destroyed.load(), 0) << "freed while a thread pinned before the retire was active";
  EXPECT_EQ(d.counters().unreclaimed(), 1000);
  stage = 2;
  stalled.join();
  for (unsigned i = 0; i < 3 * ebr::advance_interval(d.config()); ++i) {  // two advances at least
    const ebr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 1000) << "garbage should drain once the stalled thread unpins";
}

TEST(ebr_asym, limbo_lists_of_an_exited_thread_are_reclaimed_by_others) {
  ebr::domain d(advance_every(1));
  std::atomic<int> destroyed{0};
  ebr::thread_handle keeper(d);
  std::thread t([&] {
    ebr::thread_handle h(d);
    const ebr::guard g(h);
    for (int i = 0; i < 10; ++i) h.retire(h.make<node>(&destroyed));
  });  // exits with nodes in limbo that cannot be freed yet
  t.join();
  for (int i = 0; i < 20; ++i) {
    const ebr::guard g(keeper);
    keeper.retire(keeper.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 10);
}

TEST(ebr_asym, counters_balance_after_concurrent_retires) {
  std::atomic<int> destroyed{0};
  {
    ebr::domain d(advance_every(8));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        ebr::thread_handle h(d);
        for (int i = 0; i < 2000; ++i) {
          const ebr::guard g(h);
          h.retire(h.make<node>(&destroyed));
        }
      });
    }
    for (auto& t : threads) t.join();
    smrlab_test::expect_everything_reclaimed(d);
    EXPECT_EQ(d.counters().retired, 8000U);
  }
  EXPECT_EQ(destroyed.load(), 8000);
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(ebr_asym, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(smrlab_test::most_frees_in_one_retire<smr::ebr_asym>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(smrlab_test::most_frees_in_one_retire<smr::ebr_asym>(smr::free_mode::amortized, 3000),
            1);
}

}  // namespace
