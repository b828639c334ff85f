// The explorer: a failure found with the fewest preemptions, by DFS and by PCT within a fixed
// budget, and its schedule replayed to the same failure.
#include "modelcheck/explorer.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "modelcheck/schedule_string.hpp"
#include "schemes/sync.hpp"

namespace smr::modelcheck {
namespace {

// Two threads each add one with a load and a store: the lost update needs one preemption.
struct lost_update {
  std::shared_ptr<sync::atomic<int>> x = std::make_shared<sync::atomic<int>>(0);
  program make() const {
    program p;
    p.threads = 2;
    auto v = x;
    p.set_up = [v] { v->store(0); };
    p.thread = [v](unsigned) {
      v->store(v->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    };
    p.finish = [v]() -> std::optional<std::string> {
      if (v->load() != 2) return "lost update: " + std::to_string(v->load());
      return std::nullopt;
    };
    p.abandon = [] {};
    return p;
  }
};

TEST(explore, dfs_finds_a_lost_update_with_the_fewest_preemptions) {
  const program p = lost_update{}.make();
  exploration_options o;
  o.max_preemptions = 2;
  const exploration_report r = explore(p, o);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->what, "lost update: 1");
  EXPECT_EQ(r.failure->preemptions, 1U);
  EXPECT_EQ(r.bound_completed, 0U);  // bound 0 was explored, and found nothing
}

TEST(explore, a_failing_schedule_replays_to_the_same_failure) {
  const program p = lost_update{}.make();
  const exploration_report r = explore(p, exploration_options{});
  ASSERT_TRUE(r.failure.has_value());
  std::string error;
  const auto schedule = decode_schedule(r.failure->schedule, error);
  ASSERT_TRUE(schedule.has_value()) << error;
  const execution_result again = replay(p, memory_model::sc, *schedule, false);
  ASSERT_TRUE(again.failure.has_value());
  EXPECT_EQ(*again.failure, r.failure->what);
  EXPECT_EQ(again.schedule, *schedule);
  EXPECT_FALSE(again.stopped);
}

TEST(explore, a_schedule_that_does_not_fit_the_program_stops_the_replay) {
  const program p = lost_update{}.make();
  const execution_result r = replay(p, memory_model::sc, {{5, false}}, false);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_TRUE(r.stopped);
}

TEST(explore, pct_finds_a_lost_update_within_a_fixed_budget) {
  const program p = lost_update{}.make();
  exploration_options o;
  o.strategy = strategy_kind::pct;
  o.pct_depth = 2;
  o.budget = 200;
  o.seed = 7;
  const exploration_report r = explore(p, o);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->what, "lost update: 1");
}

TEST(explore, a_crash_inside_an_execution_prints_the_schedule_so_far) {
  program p;
  p.threads = 2;
  p.set_up = [] {};
  auto flag = std::make_shared<sync::atomic<int>>(0);
  p.thread = [flag](unsigned t) {
    flag->fetch_add(1);
    if (t == 1) std::abort();  // a failed assert, say
  };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  EXPECT_DEATH(explore(p, exploration_options{}),
               "modelcheck: signal 6 at step [0-9]+, in the execution whose schedule so far is "
               "\\(for --replay\\):\n  0\\*2\\.1\\*2");
}

}  // namespace
}  // namespace smr::modelcheck
