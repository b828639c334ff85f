// The trial runner must notice a broken structure: a stack that loses elements is reported by
// the conservation check, not silently measured.
#include "harness/trial.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

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

namespace {

// A Treiber stack whose operations never complete while `hold` is set: the trial's workers do
// no work at all.
template <class S>
class stuck_stack : public smr::treiber_stack<S> {
 public:
  using smr::treiber_stack<S>::treiber_stack;
  static inline std::atomic<bool> hold{false};
  void push(typename S::thread_handle& h, std::uint64_t v) {
    while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    smr::treiber_stack<S>::push(h, v);
  }
  std::optional<std::uint64_t> pop(typename S::thread_handle& h) {
    while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return smr::treiber_stack<S>::pop(h);
  }
};

// Holds the stack's operations for as long as the trial runs.
struct holding_operations {
  holding_operations() { stuck_stack<smr::ebr>::hold.store(true); }
  ~holding_operations() { stuck_stack<smr::ebr>::hold.store(false); }
};

TEST(run_trial, a_trial_that_completed_no_operation_is_never_ok) {
  smrlab::trial_config cfg;
  cfg.threads = 1;
  cfg.prefill = 0;
  cfg.duration_s = 0.3;
  cfg.warmup_s = 0;
  smrlab::trial_result r;
  {
    holding_operations held;
    // The worker is stuck in its first operation; released once the trial has stopped it.
    std::thread release([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      stuck_stack<smr::ebr>::hold.store(false);
    });
    r = smrlab::run_trial<smr::ebr, stuck_stack<smr::ebr>>(cfg);
    release.join();
  }
  // The operation that was stuck completes once released, after the measured phase: at most that
  // one is counted, and the worker made no progress for the whole phase.
  EXPECT_LE(r.total_ops, 1U);
  EXPECT_EQ(smrlab::to_string(r.status), "no_progress");
  EXPECT_TRUE(r.message.find("no operation completed") != std::string::npos ||
              r.message.find("worker 0 completed no operation") != std::string::npos)
      << r.message;
  EXPECT_GE(r.worker_max_stall_s, 0.25);
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
}

// A Treiber stack in which worker thread 0's 1000th operation sleeps for 800 ms: in a 500 ms
// measured phase, that worker makes no progress for most of it while the other goes on.
template <class S>
class stalling_stack : public smr::treiber_stack<S> {
 public:
  using smr::treiber_stack<S>::treiber_stack;
  void push(typename S::thread_handle& h, std::uint64_t v) {
    // unique_value(thread, sequence) puts the worker's id in the top bits.
    if (v == smrlab::unique_value(0, 1000))
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
    smr::treiber_stack<S>::push(h, v);
  }
};

TEST(run_trial, a_worker_that_stalls_for_most_of_the_measured_phase_is_no_progress) {
  smrlab::trial_config cfg;
  cfg.threads = 2;
  cfg.duration_s = 0.5;
  cfg.warmup_s = 0;
  cfg.workload.mix = {100, 0, 0};  // every operation a push: the 1000th is worker 0's sleep
  const auto r = smrlab::run_trial<smr::ebr, stalling_stack<smr::ebr>>(cfg);
  EXPECT_GT(r.total_ops, 0U);
  EXPECT_EQ(smrlab::to_string(r.status), "no_progress") << r.message;
  EXPECT_NE(r.message.find("worker 0 completed no operation"), std::string::npos) << r.message;
  EXPECT_GE(r.worker_max_stall_s, 0.25);
  EXPECT_EQ(r.valid, "ok");
}

TEST(run_trial, an_ordinary_trial_is_ok_and_reports_its_longest_stall) {
  smrlab::trial_config cfg;
  cfg.threads = 2;
  cfg.duration_s = 0.1;
  cfg.warmup_s = 0.01;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_EQ(smrlab::to_string(r.status), "ok") << r.message;
  EXPECT_GE(r.worker_max_stall_s, 0.0);
  EXPECT_LT(r.worker_max_stall_s, r.elapsed_s + 0.01);
}

TEST(run_trial, without_a_sampler_only_the_boundary_readings_are_recorded) {
  smrlab::trial_config cfg;
  cfg.threads = 1;
  cfg.duration_s = 0.05;
  cfg.warmup_s = 0;
  cfg.sample_interval_s = 0;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_EQ(smrlab::to_string(r.status), "ok") << r.message;
  EXPECT_EQ(r.samples, 0U);
  EXPECT_EQ(r.sampler_cpu_s, 0.0);
  EXPECT_EQ(r.sampler_max_gap_s, 0.0);
  ASSERT_EQ(r.timeseries.size(), 2U) << "one reading before the workers start, one after";
  EXPECT_EQ(r.timeseries.front().phase, smrlab::trial_detail::starting);
  EXPECT_EQ(r.timeseries.back().phase, smrlab::trial_detail::stop);
  EXPECT_GT(r.rss_peak_bytes, 0U);
  EXPECT_GE(r.unreclaimed_peak, r.unreclaimed_end);
}

TEST(run_trial, the_sampler_reports_its_cost_and_reads_no_heap_locking_probe_mid_trial) {
  smrlab::trial_config cfg;
  cfg.threads = 1;
  cfg.duration_s = 0.1;
  cfg.warmup_s = 0.01;
  cfg.sample_interval_s = 0.002;
  const auto r = smrlab::run_trial<smr::ebr, smr::treiber_stack<smr::ebr>>(cfg);
  EXPECT_GT(r.samples, 0U);
  EXPECT_GT(r.sampler_cpu_s, 0.0);
  EXPECT_GT(r.sampler_max_gap_s, 0.0);
  ASSERT_EQ(r.timeseries.size(), r.samples + 2);
  const smrlab::allocator_stats probe;
  if (probe.source() != "none") {
    EXPECT_TRUE(r.timeseries.front().allocator_bytes.has_value());
    EXPECT_TRUE(r.timeseries.back().allocator_bytes.has_value());
    EXPECT_TRUE(r.allocator_bytes_peak.has_value());
  }
  for (std::size_t i = 1; i + 1 < r.timeseries.size(); ++i) {
    if (probe.locks_the_heap()) {
      EXPECT_FALSE(r.timeseries[i].allocator_bytes.has_value());
    }
  }
}

}  // namespace
