// Tests of harness/worker_placement.hpp: a worker is bound only on this machine's topology, to
// the PU its plan gives it, and where it ran is read back; the plan is recorded either way.
#include "harness/worker_placement.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "harness/topology.hpp"

namespace {

smrlab::trial_config config_with_plan(const smrlab::topology* machine) {
  smrlab::trial_config cfg;
  cfg.machine = machine;
  smrlab::thread_slot first;
  first.thread = 0;
  first.pu = 0;
  smrlab::thread_slot unbound;
  unbound.thread = 1;
  cfg.placement_plan = {first, unbound};
  return cfg;
}

// Places worker `id` on a thread of its own, so that the test's thread stays unbound.
smrlab::worker_binding placed_on_a_new_thread(const smrlab::trial_config& cfg, unsigned id) {
  smrlab::worker_binding b;
  std::thread([&] {
    b = smrlab::place_worker(cfg, id);
    smrlab::record_where_it_ran(cfg, b);
  }).join();
  return b;
}

TEST(worker_placement, without_a_machine_only_the_plan_is_recorded) {
  const smrlab::trial_config cfg = config_with_plan(nullptr);
  const smrlab::worker_binding b = placed_on_a_new_thread(cfg, 0);
  EXPECT_EQ(b.planned_pu, 0);
  EXPECT_FALSE(b.bound);
  EXPECT_FALSE(b.memory_bound);
  EXPECT_EQ(b.ran_on_pu, -1);
  EXPECT_EQ(b.numa_node, -1);
}

TEST(worker_placement, a_synthetic_topology_is_never_bound) {
  const smrlab::topology synthetic("synthetic:pack:1 core:4 pu:2");
  smrlab::trial_config cfg = config_with_plan(&synthetic);
  cfg.membind = smrlab::mem_policy::local;
  const smrlab::worker_binding b = placed_on_a_new_thread(cfg, 0);
  EXPECT_EQ(b.planned_pu, 0);
  EXPECT_FALSE(b.bound);
  EXPECT_FALSE(b.memory_bound);
  EXPECT_EQ(b.ran_on_pu, -1);
}

TEST(worker_placement, a_worker_past_the_plan_or_unplanned_is_left_unbound) {
  const smrlab::topology here;
  const smrlab::trial_config cfg = config_with_plan(&here);
  for (unsigned id : {1U, 7U}) {
    const smrlab::worker_binding b = placed_on_a_new_thread(cfg, id);
    EXPECT_EQ(b.planned_pu, -1) << "worker " << id;
    EXPECT_FALSE(b.bound) << "worker " << id;
    EXPECT_GE(b.ran_on_pu, 0) << "worker " << id << ": where it ran is read back anyway";
  }
}

TEST(worker_placement, on_this_machine_the_worker_runs_on_its_planned_pu) {
  const smrlab::topology here;
  ASSERT_TRUE(here.is_this_system());
  const smrlab::trial_config cfg = config_with_plan(&here);
  const smrlab::worker_binding b = placed_on_a_new_thread(cfg, 0);
  EXPECT_EQ(b.planned_pu, 0);
  EXPECT_TRUE(b.bound);
  EXPECT_EQ(b.ran_on_pu, 0);
  EXPECT_GE(b.numa_node, 0);
}

}  // namespace
