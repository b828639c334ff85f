// The trial runner must notice a broken structure: a stack that loses elements is reported by
// the conservation check, not silently measured.
#include "harness/trial.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "schemes/ebr/ebr.hpp"
#include "structures/treiber_stack/treiber_stack.hpp"

namespace {

// A Treiber stack that silently drops every 100th push.
template <class S>
class lossy_stack : public smr::treiber_stack<S> {
 public:
  using smr::treiber_stack<S>::treiber_stack;
  void push(typename S::thread_handle& h, std::uint64_t v) {
    if (pushes_.fetch_add(1) % 100 == 99) return;
    smr::treiber_stack<S>::push(h, v);
  }

 private:
  std::atomic<std::uint64_t> pushes_{0};
};

TEST(run_trial, reports_a_structure_that_loses_elements) {
  smrlab::trial_config cfg;
  cfg.threads = 2;
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 5000;
  cfg.warmup_s = 0;
  const auto r = smrlab::run_trial<smr::ebr, lossy_stack<smr::ebr>>(cfg);
  EXPECT_NE(r.valid, "ok");
  EXPECT_NE(r.valid.find("conservation"), std::string::npos);
  EXPECT_EQ(r.teardown, "ok");
}

TEST(run_trial, counts_exactly_the_requested_operations_in_ops_mode) {
  smrlab::trial_config cfg;
  cfg.threads = 2;
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 3000;
  cfg.warmup_s = 0.01;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_EQ(r.total_ops, 6000U);
  EXPECT_EQ(r.ops_min_thread, 3000U);
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
  EXPECT_GT(r.samples, 0U);
}

TEST(run_trial, stops_at_the_memory_cap_and_says_so) {
  smrlab::trial_config cfg;
  cfg.threads = 1;
  cfg.duration_s = 5;
  cfg.warmup_s = 0;
  cfg.memory_cap_bytes = 1;  // any process is above one byte
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_EQ(smrlab::to_string(r.status), "memory_cap");
  EXPECT_LT(r.elapsed_s, 4.0);
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
}

}  // namespace

namespace {

// Fault injection, park: the parked worker is inside its operation before any other worker
// runs one, so an epoch scheme reclaims nothing retired during the trial, while the other
// workers still do exactly their operations. At teardown everything is reclaimed.
TEST(run_trial, a_parked_worker_holds_back_every_epoch_reclamation) {
  smrlab::trial_config cfg;
  cfg.threads = 3;
  cfg.fault = {smrlab::fault_plan::kind::park, 1};
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 20000;
  cfg.warmup_s = 0;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_EQ(smrlab::to_string(r.status), "ok") << r.message;
  EXPECT_EQ(r.total_ops, 40000U) << "the parked worker does no operations";
  EXPECT_EQ(r.ops_min_thread, 20000U) << "fairness is over the workers that ran";
  EXPECT_GT(r.at_end.retired, 0U);
  EXPECT_EQ(r.at_end.reclaimed, 0U) << "an epoch advanced past a thread inside an operation";
  EXPECT_EQ(r.unreclaimed_end, static_cast<std::int64_t>(r.at_end.retired));
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
}

TEST(run_trial, the_memory_series_records_the_phase_of_each_sample) {
  smrlab::trial_config cfg;
  cfg.threads = 1;
  cfg.duration_s = 0.05;
  cfg.warmup_s = 0.02;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  ASSERT_FALSE(r.timeseries.empty());
  int last = smrlab::trial_detail::starting;
  for (const auto& s : r.timeseries) {
    EXPECT_GE(s.phase, last) << "phases go forward";
    EXPECT_NE(smrlab::trial_detail::phase_name(s.phase), "?");
    last = s.phase;
  }
}

}  // namespace
