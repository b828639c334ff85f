#include "schemes/ebr/ebr.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_support.hpp"

namespace {

using node = smrlab_test::tracked_node<smr::ebr>;

TEST(ebr, the_epoch_advances_freely_when_no_thread_is_pinned) {
  smr::ebr::domain d;
  const auto e = d.epoch();
  EXPECT_TRUE(d.try_advance());
  EXPECT_TRUE(d.try_advance());
  EXPECT_EQ(d.epoch(), e + 2);
}

TEST(ebr, a_pinned_thread_holds_the_epoch_within_one_step) {
  smr::ebr::domain d;
  smr::ebr::thread_handle h(d);
  {
    const smr::ebr::guard g(h);
    EXPECT_TRUE(d.try_advance());   // the pinned thread announced the current epoch
    EXPECT_FALSE(d.try_advance());  // now it lags one behind: no further advance
    EXPECT_FALSE(d.try_advance());
  }
  EXPECT_TRUE(d.try_advance());
}

TEST(ebr, guards_nest_and_only_the_outermost_unpins) {
  smr::ebr::domain d;
  smr::ebr::thread_handle h(d);
  {
    const smr::ebr::guard outer(h);
    { const smr::ebr::guard inner(h); }
    EXPECT_TRUE(h.pinned());
  }
  EXPECT_FALSE(h.pinned());
}

TEST(ebr, a_stalled_pinned_thread_stops_reclamation_until_it_unpins) {
  smr::domain_config cfg;
  cfg.epoch_advance_interval = 1;
  smr::ebr::domain d(cfg);
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  std::thread stalled([&] {
    smr::ebr::thread_handle h(d);
    {
      const smr::ebr::guard g(h);
      stage = 1;
      while (stage.load() != 2) std::this_thread::yield();
    }
  });
  while (stage.load() != 1) std::this_thread::yield();
  smr::ebr::thread_handle h(d);
  for (int i = 0; i < 1000; ++i) {
    const smr::ebr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_EQ(destroyed.load(), 0) << "freed while a thread pinned before the retire was active";
  EXPECT_EQ(d.counters().unreclaimed(), 1000);
  stage = 2;
  stalled.join();
  for (int i = 0; i < 10; ++i) {
    const smr::ebr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 1000) << "garbage should drain once the stalled thread unpins";
}

TEST(ebr, limbo_lists_of_an_exited_thread_are_reclaimed_by_others) {
  smr::domain_config cfg;
  cfg.epoch_advance_interval = 1;
  smr::ebr::domain d(cfg);
  std::atomic<int> destroyed{0};
  smr::ebr::thread_handle keeper(d);
  std::thread t([&] {
    smr::ebr::thread_handle h(d);
    const smr::ebr::guard g(h);
    for (int i = 0; i < 10; ++i) h.retire(h.make<node>(&destroyed));
    // Exits with nodes in limbo that cannot be freed yet: keeper is not pinned, but the
    // epoch has not moved two steps since.
  });
  t.join();
  for (int i = 0; i < 20; ++i) {
    const smr::ebr::guard g(keeper);
    keeper.retire(keeper.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 10);
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(ebr, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(smrlab_test::most_frees_in_one_retire<smr::ebr>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(smrlab_test::most_frees_in_one_retire<smr::ebr>(smr::free_mode::amortized, 3000), 1);
}

}  // namespace
