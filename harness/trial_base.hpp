// What a trial (harness/trial.hpp) does that does not depend on its scheme and structure,
// compiled once (trial_base.cpp) instead of in each pairing's dispatch file: the phases and
// their clock, the workers' start and stop, the sampler, the progress watch, the counts, the
// status verdict, and the wording of the conservation and teardown checks. trial_runner<S, DS>
// derives from it and adds the steps that touch the domain and the structure (build, prefill,
// the workers' operations, validation, teardown).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/element_checksum.hpp"
#include "harness/memory_sampler.hpp"
#include "harness/progress_watch.hpp"
#include "harness/trial_types.hpp"
#include "harness/workload_ops.hpp"
#include "schemes/counters.hpp"

namespace smrlab::trial_detail {

struct alignas(64) worker_state {
  std::uint64_t measured_ops = 0;
  // Ops mode: when this worker completed its operations (the trial ends at the last one).
  std::chrono::steady_clock::time_point finished{};
  op_tally tally;
  worker_binding binding;
  std::exception_ptr error;
  worker_progress progress;  // what the progress watch reads
};

inline void wait_until(const std::atomic<int>& phase, int at_least) {
  while (phase.load(std::memory_order_acquire) < at_least) std::this_thread::yield();
}

class trial_base {
 public:
  using clock = std::chrono::steady_clock;
  using counters_reader = std::function<smr::counter_totals()>;

  trial_base(const trial_base&) = delete;
  trial_base& operator=(const trial_base&) = delete;

 protected:
  explicit trial_base(const trial_config& cfg);
  ~trial_base();

  // 3. The sampler, reading the domain's counters through `counters` (set by the builder). The
  // first reading is taken here, before any worker runs, so that a probe that locks the heap
  // (allocator_stats::locks_the_heap) is read at least once without stalling anyone.
  void start_sampler(counters_reader counters);
  // Starts a thread per worker running `worker(id)`, and waits until each is ready (inside its
  // operation, for a parked one) or has stopped.
  void start_workers(const std::function<void(unsigned)>& worker);
  // A worker's failure: recorded for the verdict, and the trial stopped.
  void fail_worker(worker_state& me, std::exception_ptr error);
  bool trial_stopped() const;

  // 2. Warm up, measure (for the duration, or until the active workers completed their
  // operations), then signal the stop.
  void warm_up_and_measure();
  // Waits for every worker to stop, reads the counters at the end of measurement, stops the
  // sampler, takes the closing boundary reading, and lets the workers go.
  void stop_workers();
  // Throughput, fairness, memory and the expected contents, from the workers' records.
  void collect_counts();
  // An error stays an error; then the memory cap, an interrupt, and a trial that did no work.
  void judge_status();
  // 5. What validation and teardown found, in words: the structure's own at-rest verdict and
  // the contents left against the expected ones; the counters after draining.
  void judge_contents(std::string at_rest, const element_checksum& left);
  void judge_teardown(const smr::counter_totals& last);

  const trial_config& cfg_;
  const unsigned active_;  // workers that run the workload (not parked or otherwise faulty)
  trial_result r_;
  element_checksum prefilled_;

  std::atomic<int> phase_{starting};
  std::atomic<unsigned> ready_{0};
  std::atomic<unsigned> stopped_{0};
  std::atomic<unsigned> completed_{0};  // ops mode: workers that completed their operations
  std::vector<worker_state> workers_;

 private:
  bool interrupted() const;
  bool should_stop() const;
  // Sleeps in short slices so that a cap, an interrupt or a worker error ends the phase early;
  // in the measured phase each slice also polls the progress watch.
  void run_for(double seconds, const std::function<bool()>& done, bool watching);
  void poll_progress();
  clock::time_point measured_end() const;
  void collect_memory();

  std::vector<std::thread> threads_;
  progress_watch watch_;
  counters_reader counters_;
  std::optional<memory_sampler<counters_reader>> sampler_;
  allocator_stats boundary_probe_{1.0};  // the boundary readings: no rationing
  std::vector<memory_sample> boundary_samples_;
  element_checksum expected_left_;
  clock::time_point origin_{};
  clock::time_point t_start_{};
  clock::time_point t_watched_{};  // the last poll of the watch, just before the stop signal
  clock::time_point t_end_{};
  std::int64_t unreclaimed_at_start_ = 0;
};

}  // namespace smrlab::trial_detail
