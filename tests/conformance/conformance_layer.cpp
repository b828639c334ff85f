// The conformance suite: every registered scheme x every compatible structure (plugins
// included, through the generated registry) runs multi-threaded stress trials through the same
// compiled trial runner as `smrlab run` (the pairing's entry in harness/pairing_dispatch.hpp,
// so that its code is compiled once per build and is what the sweep runs), and must validate
// (conservation of elements), reclaim everything it retired, free everything it allocated, and stay
// under its garbage bound. Run under the asan and tsan presets too, this is where reclamation bugs
// surface.
//
// A pairing layer (support/pairing_layers.hpp), compiled once: the tests are named
// conformance/pairing/<scheme>__<structure>.<test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <thread>

#include "harness/pairing_dispatch.hpp"
#include "harness/trial_types.hpp"
#include "support/pairing_layers.hpp"
#include "support/stress_scale.hpp"

namespace smrlab_test::conformance_layer {
namespace {

using smrlab_test::stress_scale_divisor;

// Runs the trial, checks it, and returns it for checks of its own.
smrlab::trial_result expect_correct_trial(const pairing_entry& p, const smrlab::trial_config& cfg) {
  SCOPED_TRACE(::testing::Message()
               << p.scheme << " x " << p.structure << " threads=" << cfg.threads);
  const smrlab::trial_result r = p.run_trial(cfg);
  // no_progress judges the measurement, not the scheme: a worker that completed nothing for most
  // of the measured phase, by the wall clock, which is what a loaded 2-core machine does to an
  // oversubscribed trial. Correctness must not depend on the clock, so the trial passes here if
  // it validates below; any other status (an error, the memory cap) fails it.
  const std::string_view status = smrlab::to_string(r.status);
  EXPECT_TRUE(status == "ok" || status == "no_progress") << status << ": " << r.message;
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
  EXPECT_GT(r.total_ops, 0U);
  EXPECT_GE(r.unreclaimed_peak, 0);
  EXPECT_EQ(r.at_end.unreclaimed(), r.unreclaimed_end);
  if (r.bound) {
    EXPECT_LE(static_cast<std::uint64_t>(r.unreclaimed_peak), *r.bound)
        << "observed unreclaimed peak exceeds the scheme's own bound";
  }
  return r;
}

void stress_in_ops_mode_validates_and_reclaims_everything(const pairing_entry& p) {
  for (unsigned threads : {1U, 2U, 4U}) {
    if (threads_allowed(p, threads) != threads) continue;
    smrlab::trial_config cfg;
    cfg.threads = threads;
    cfg.mode = smrlab::run_mode::ops;
    cfg.ops_per_thread = 40000 / stress_scale_divisor;
    cfg.warmup_s = 0;
    cfg.prefill = 64;
    cfg.workload.key_range = 128;  // sets: few keys, so operations collide
    cfg.seed = 7 + threads;
    expect_correct_trial(p, cfg);
  }
}

// More threads than cores: preemption inside operations is where reclamation races show.
void oversubscribed_stress_validates_and_reclaims_everything(const pairing_entry& p) {
  const unsigned threads =
      threads_allowed(p, 4 * std::max(1U, std::thread::hardware_concurrency()));
  smrlab::trial_config cfg;
  cfg.threads = threads;
  cfg.mode = smrlab::run_mode::duration;
  cfg.duration_s = 0.3;
  cfg.warmup_s = 0.02;
  cfg.prefill = 16;  // a nearly empty structure: the most contention on the same nodes
  cfg.workload.key_range = 32;
  cfg.seed = 99;
  expect_correct_trial(p, cfg);
}

// Pops dominate, so the structure keeps running empty: the ABA-prone path.
void pop_heavy_stress_on_a_nearly_empty_structure(const pairing_entry& p) {
  smrlab::trial_config cfg;
  cfg.threads = threads_allowed(p, 3);
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 30000 / stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 0;
  cfg.workload.mix = {40, 60, 0};
  cfg.workload.key_range = 64;
  cfg.seed = 3;
  expect_correct_trial(p, cfg);
}

// Sets: lookups among updates, on skewed keys, so that most operations meet on a few hot keys
// (for pools and deques, whose operations have no keys, a push-heavy mix instead).
void skewed_mixed_stress_validates_and_reclaims_everything(const pairing_entry& p) {
  smrlab::trial_config cfg;
  cfg.threads = threads_allowed(p, 4);
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 30000 / stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 100;
  if (p.kind == smr::structure_kind::set) {
    cfg.workload.mix = {25, 25, 50};
    cfg.workload.key_range = 200;
    cfg.workload.dist = {smrlab::key_distribution::kind::zipf, 0.99};
  } else {
    cfg.workload.mix = {60, 40, 0};
  }
  cfg.seed = 11;
  expect_correct_trial(p, cfg);
}

// What the fault tests share: 3 threads, the last one faulty, 32 elements among 64 keys, a
// fixed number of operations, no warm-up. Empty for a single-threaded scheme, which has no other
// thread to observe.
std::optional<smrlab::trial_config> fault_trial(const pairing_entry& p, smrlab::fault_plan fault,
                                                std::uint64_t seed) {
  const unsigned threads = threads_allowed(p, 3);
  if (threads < 2) return std::nullopt;
  smrlab::trial_config cfg;
  cfg.threads = threads;
  cfg.fault = fault;
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 20000 / stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 32;
  cfg.workload.key_range = 64;
  cfg.seed = seed;
  return cfg;
}

// A thread parked inside an operation for the whole trial (the stall experiment's fault): the
// others must still run correctly, a bounded scheme must stay under its bound although one
// thread never scans or advances, and once the parked thread leaves, everything is reclaimed.
void a_thread_parked_inside_an_operation_leaves_the_others_correct(const pairing_entry& p) {
  const auto cfg = fault_trial(p, {smrlab::fault_plan::kind::park, 1}, 5);
  if (!cfg) return;
  const smrlab::trial_result r = expect_correct_trial(p, *cfg);
  EXPECT_EQ(r.ops_min_thread, cfg->ops_per_thread);
  EXPECT_EQ(r.total_ops, (cfg->threads - 1) * cfg->ops_per_thread);
}

// A thread preempted inside operations again and again: every 2 ms it sleeps 2 ms holding a
// guard and a protected reference. Everything must still validate and stay within the bound.
void a_thread_asleep_inside_operations_again_and_again(const pairing_entry& p) {
  auto cfg = fault_trial(p, {smrlab::fault_plan::kind::sleep, 1, 2}, 6);
  if (!cfg) return;
  cfg->mode = smrlab::run_mode::duration;  // long enough for several sleeps
  cfg->duration_s = 0.15;
  expect_correct_trial(p, *cfg);
}

// A thread that leaves halfway, destroying its handle while the others go on: what it retired
// must still be reclaimed (orphan adoption, HelpScan), and the others must stay correct.
void a_thread_that_exits_halfway_leaves_nothing_unreclaimed(const pairing_entry& p) {
  const auto cfg = fault_trial(p, {smrlab::fault_plan::kind::exit, 1}, 8);
  if (!cfg) return;
  const smrlab::trial_result r = expect_correct_trial(p, *cfg);
  const std::uint64_t stayed = (cfg->threads - 1) * cfg->ops_per_thread;
  EXPECT_EQ(r.ops_min_thread, cfg->ops_per_thread) << "the workers that stayed did all their ops";
  // The exiting worker does at most half of its operations: it may be stopped sooner, when the
  // others finish first.
  EXPECT_GE(r.total_ops, stayed);
  EXPECT_LE(r.total_ops, stayed + cfg->ops_per_thread / 2);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"conformance",
     every_pairing,
     {
         SMRLAB_LAYER_TEST(stress_in_ops_mode_validates_and_reclaims_everything),
         SMRLAB_LAYER_TEST(oversubscribed_stress_validates_and_reclaims_everything),
         SMRLAB_LAYER_TEST(pop_heavy_stress_on_a_nearly_empty_structure),
         SMRLAB_LAYER_TEST(skewed_mixed_stress_validates_and_reclaims_everything),
         SMRLAB_LAYER_TEST(a_thread_parked_inside_an_operation_leaves_the_others_correct),
         SMRLAB_LAYER_TEST(a_thread_asleep_inside_operations_again_and_again),
         SMRLAB_LAYER_TEST(a_thread_that_exits_halfway_leaves_nothing_unreclaimed),
     }});

}  // namespace smrlab_test::conformance_layer
