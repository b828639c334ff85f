// The conformance suite: every registered scheme x every compatible structure (plugins
// included, through the generated registry) runs multi-threaded stress trials through the same
// compiled trial runner as `smrlab run` (the pairing's entry in harness/pairing_dispatch.hpp,
// so that its code is compiled once per build and is what the sweep runs), and must validate
// (conservation of elements), reclaim everything it retired, free everything it allocated, and stay
// under its garbage bound. Run under the asan and tsan presets too, this is where reclamation bugs
// surface.
//
// The body of a type-parameterized suite (TYPED_TEST_SUITE_P): cmake/smrlab_pairings.cmake
// generates one file per pairing that includes its scheme's and structure's headers and every
// layer's suite (tests/CMakeLists.txt), and instantiates each on that pairing alone, with the
// layer's name as the prefix:
// the tests are named conformance/pairing/<scheme>__<structure>.<test>.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <thread>

#include "harness/pairing_dispatch.hpp"
#include "harness/trial_types.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test::conformance_layer {

using smrlab_test::stress_scale_divisor;

template <class P>
class pairing : public ::testing::Test {};
TYPED_TEST_SUITE_P(pairing);

// Runs the trial, checks it, and returns it for checks of its own.
template <class S, class DS>
smrlab::trial_result expect_correct_trial(const smrlab::trial_config& cfg) {
  SCOPED_TRACE(::testing::Message() << S::name << " x " << DS::name << " threads=" << cfg.threads);
  const smrlab::pairing_entry* compiled = smrlab::find_compiled_pairing(S::name, DS::name);
  if (compiled == nullptr) {
    ADD_FAILURE() << "no compiled trial runner for this pairing: re-run cmake";
    return {};
  }
  const smrlab::trial_result r = compiled->run_trial(cfg);
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

inline unsigned thread_limit(const smr::scheme_traits& t, unsigned wanted) {
  return t.max_threads == 0 ? wanted : std::min(wanted, t.max_threads);
}

TYPED_TEST_P(pairing, stress_in_ops_mode_validates_and_reclaims_everything) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  for (unsigned threads : {1U, 2U, 4U}) {
    if (thread_limit(S::traits, threads) != threads) continue;
    smrlab::trial_config cfg;
    cfg.threads = threads;
    cfg.mode = smrlab::run_mode::ops;
    cfg.ops_per_thread = 40000 / stress_scale_divisor;
    cfg.warmup_s = 0;
    cfg.prefill = 64;
    cfg.workload.key_range = 128;  // sets: few keys, so operations collide
    cfg.seed = 7 + threads;
    expect_correct_trial<S, DS>(cfg);
  }
}

// More threads than cores: preemption inside operations is where reclamation races show.
TYPED_TEST_P(pairing, oversubscribed_stress_validates_and_reclaims_everything) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  const unsigned threads =
      thread_limit(S::traits, 4 * std::max(1U, std::thread::hardware_concurrency()));
  smrlab::trial_config cfg;
  cfg.threads = threads;
  cfg.mode = smrlab::run_mode::duration;
  cfg.duration_s = 0.3;
  cfg.warmup_s = 0.02;
  cfg.prefill = 16;  // a nearly empty structure: the most contention on the same nodes
  cfg.workload.key_range = 32;
  cfg.seed = 99;
  expect_correct_trial<S, DS>(cfg);
}

// Pops dominate, so the structure keeps running empty: the ABA-prone path.
TYPED_TEST_P(pairing, pop_heavy_stress_on_a_nearly_empty_structure) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  smrlab::trial_config cfg;
  cfg.threads = thread_limit(S::traits, 3);
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 30000 / stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 0;
  cfg.workload.mix = {40, 60, 0};
  cfg.workload.key_range = 64;
  cfg.seed = 3;
  expect_correct_trial<S, DS>(cfg);
}

// Sets: lookups among updates, on skewed keys, so that most operations meet on a few hot keys
// (for pools and deques, whose operations have no keys, a push-heavy mix instead).
TYPED_TEST_P(pairing, skewed_mixed_stress_validates_and_reclaims_everything) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  smrlab::trial_config cfg;
  cfg.threads = thread_limit(S::traits, 4);
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 30000 / stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 100;
  if constexpr (DS::kind == smr::structure_kind::set) {
    cfg.workload.mix = {25, 25, 50};
    cfg.workload.key_range = 200;
    cfg.workload.dist = {smrlab::key_distribution::kind::zipf, 0.99};
  } else {
    cfg.workload.mix = {60, 40, 0};
  }
  cfg.seed = 11;
  expect_correct_trial<S, DS>(cfg);
}

// What the fault tests share: 3 threads, the last one faulty, 32 elements among 64 keys, a
// fixed number of operations, no warm-up. Empty for a single-threaded scheme, which has no other
// thread to observe.
template <class S>
std::optional<smrlab::trial_config> fault_trial(smrlab::fault_plan fault, std::uint64_t seed) {
  const unsigned threads = thread_limit(S::traits, 3);
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
TYPED_TEST_P(pairing, a_thread_parked_inside_an_operation_leaves_the_others_correct) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  const auto cfg = fault_trial<S>({smrlab::fault_plan::kind::park, 1}, 5);
  if (!cfg) return;
  const smrlab::trial_result r = expect_correct_trial<S, DS>(*cfg);
  EXPECT_EQ(r.ops_min_thread, cfg->ops_per_thread);
  EXPECT_EQ(r.total_ops, (cfg->threads - 1) * cfg->ops_per_thread);
}

// A thread preempted inside operations again and again: every 2 ms it sleeps 2 ms holding a
// guard and a protected reference. Everything must still validate and stay within the bound.
TYPED_TEST_P(pairing, a_thread_asleep_inside_operations_again_and_again) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  auto cfg = fault_trial<S>({smrlab::fault_plan::kind::sleep, 1, 2}, 6);
  if (!cfg) return;
  cfg->mode = smrlab::run_mode::duration;  // long enough for several sleeps
  cfg->duration_s = 0.15;
  expect_correct_trial<S, DS>(*cfg);
}

// A thread that leaves halfway, destroying its handle while the others go on: what it retired
// must still be reclaimed (orphan adoption, HelpScan), and the others must stay correct.
TYPED_TEST_P(pairing, a_thread_that_exits_halfway_leaves_nothing_unreclaimed) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  const auto cfg = fault_trial<S>({smrlab::fault_plan::kind::exit, 1}, 8);
  if (!cfg) return;
  const smrlab::trial_result r = expect_correct_trial<S, DS>(*cfg);
  const std::uint64_t stayed = (cfg->threads - 1) * cfg->ops_per_thread;
  EXPECT_EQ(r.ops_min_thread, cfg->ops_per_thread) << "the workers that stayed did all their ops";
  // The exiting worker does at most half of its operations: it may be stopped sooner, when the
  // others finish first.
  EXPECT_GE(r.total_ops, stayed);
  EXPECT_LE(r.total_ops, stayed + cfg->ops_per_thread / 2);
}

REGISTER_TYPED_TEST_SUITE_P(pairing, stress_in_ops_mode_validates_and_reclaims_everything,
                            oversubscribed_stress_validates_and_reclaims_everything,
                            pop_heavy_stress_on_a_nearly_empty_structure,
                            skewed_mixed_stress_validates_and_reclaims_everything,
                            a_thread_parked_inside_an_operation_leaves_the_others_correct,
                            a_thread_asleep_inside_operations_again_and_again,
                            a_thread_that_exits_halfway_leaves_nothing_unreclaimed);

}  // namespace smrlab_test::conformance_layer
