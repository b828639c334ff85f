// The bounded DFS on programs small enough to count by hand: how many executions each
// preemption bound has.
#include "modelcheck/strategies.hpp"

#include <gtest/gtest.h>

#include "schemes/sync.hpp"

namespace smr::modelcheck {
namespace {

// Executions of `threads` threads running body, every one within `bound` preemptions.
std::size_t count_executions(unsigned threads, const std::function<void(unsigned)>& body,
                             unsigned bound, memory_model model = memory_model::sc) {
  bounded_dfs s(bound);
  execution_options o;
  o.model = model;
  std::size_t n = 0;
  do {
    const execution_result r = run_execution(threads, body, s, o);
    EXPECT_FALSE(r.failure) << *r.failure;
    EXPECT_LE(r.preemptions, bound);
    ++n;
  } while (s.advance());
  return n;
}

TEST(bounded_dfs, without_preemptions_each_order_of_whole_threads_runs_once) {
  sync::atomic<int> counter{0};
  const auto body = [&](unsigned /*t*/) {
    counter.fetch_add(1);
    counter.fetch_add(1);
  };
  EXPECT_EQ(count_executions(2, body, 0), 2U);  // 2! orders
  EXPECT_EQ(count_executions(3, body, 0), 6U);  // 3!
}

TEST(bounded_dfs, a_bound_past_the_steps_explores_every_interleaving) {
  sync::atomic<int> counter{0};
  const auto body = [&](unsigned /*t*/) {
    counter.fetch_add(1);
    counter.fetch_add(1);
  };
  // Each thread has three steps (its start, and one before each fetch_add): C(6, 3) = 20.
  EXPECT_EQ(count_executions(2, body, 6), 20U);
  // One preemption: the 2 orders with none, plus those with exactly one switch away from a
  // thread that could go on, which is fewer than all 20.
  const std::size_t one = count_executions(2, body, 1);
  EXPECT_GT(one, 2U);
  EXPECT_LT(one, 20U);
}

TEST(pct, the_same_seed_gives_the_same_choices_and_another_seed_other_ones) {
  sync::atomic<int> counter{0};
  const auto body = [&](unsigned /*t*/) {
    for (int i = 0; i < 4; ++i) counter.fetch_add(1);
  };
  const auto schedule_of = [&](std::uint64_t seed) {
    pct s(seed, 3);
    s.begin(3, 15);
    return run_execution(3, body, s, execution_options{}).schedule;
  };
  EXPECT_EQ(schedule_of(5), schedule_of(5));
  bool differs = false;
  for (std::uint64_t seed = 6; seed < 16 && !differs; ++seed)
    differs = schedule_of(seed) != schedule_of(5);
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace smr::modelcheck
