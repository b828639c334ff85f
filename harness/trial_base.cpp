#include "harness/trial_base.hpp"

#include <algorithm>
#include <utility>

#include "harness/worker_placement.hpp"

namespace smrlab::trial_detail {

namespace {

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception in a worker";
  }
}

}  // namespace

trial_base::trial_base(const trial_config& cfg)
    : cfg_(cfg),
      active_(cfg.fault.active_threads(cfg.threads)),
      workers_(cfg.threads),
      watch_(cfg.threads) {}

// The workers are joined by stop_workers(); a trial that threw before then (the builder or the
// prefill) started none.
trial_base::~trial_base() = default;

// ------------------------------------------------------------------ 3. the sampler
void trial_base::start_sampler(counters_reader counters) {
  counters_ = std::move(counters);
  origin_ = clock::now();
  sampler_.emplace(counters_, phase_, origin_, cfg_.sample_interval_s, cfg_.memory_cap_bytes);
  boundary_samples_.push_back(sampler_->read_at_rest(boundary_probe_));
  // Ops mode has no set length: room for 10 s, after which the vector grows.
  const double expected_s = cfg_.warmup_s + (cfg_.mode == run_mode::ops ? 10.0 : cfg_.duration_s);
  sampler_->start(sampler_->samples_in(expected_s));
}

// ------------------------------------------------------------------ the workers
void trial_base::start_workers(const std::function<void(unsigned)>& worker) {
  threads_.reserve(cfg_.threads);
  for (unsigned i = 0; i < cfg_.threads; ++i) threads_.emplace_back(worker, i);
  // Acquire: pairs with each worker's release of `ready` (a parked worker's comes once it is
  // inside its operation) or of `stopped` (a worker that failed).
  while (ready_.load(std::memory_order_acquire) + stopped_.load(std::memory_order_acquire) <
         cfg_.threads) {
    std::this_thread::yield();
  }
}

void trial_base::fail_worker(worker_state& me, std::exception_ptr error) {
  me.error = std::move(error);
  me.progress.watched.store(false, std::memory_order_relaxed);  // read only for a verdict
  // Release: the main thread's acquire of the phase then sees the error.
  phase_.store(stop, std::memory_order_release);
  stopped_.fetch_add(1, std::memory_order_acq_rel);
}

bool trial_base::trial_stopped() const {
  // Acquire: pairs with the main thread's release of `stop`, like every worker's wait.
  return phase_.load(std::memory_order_acquire) >= stop;
}

// ------------------------------------------------------------------ 2. warm up, measure
bool trial_base::interrupted() const {
  return cfg_.interrupt != nullptr && cfg_.interrupt->load(std::memory_order_relaxed);
}

bool trial_base::should_stop() const {
  return interrupted() || sampler_->cap_hit() || phase_.load(std::memory_order_acquire) >= stop;
}

void trial_base::run_for(double seconds, const std::function<bool()>& done, bool watching) {
  const auto until = clock::now() + std::chrono::duration<double>(seconds);
  while (clock::now() < until && !should_stop() && !done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (watching) poll_progress();
  }
}

void trial_base::poll_progress() {
  watch_.poll(clock::now(),
              [&](std::size_t i) -> const worker_progress& { return workers_[i].progress; });
}

void trial_base::warm_up_and_measure() {
  auto never = [] { return false; };
  phase_.store(warmup, std::memory_order_release);
  run_for(cfg_.warmup_s, never, false);
  int expected = warmup;
  phase_.compare_exchange_strong(expected, measure, std::memory_order_acq_rel);
  t_start_ = clock::now();
  unreclaimed_at_start_ = counters_().unreclaimed();
  poll_progress();
  if (cfg_.mode == run_mode::duration) {
    run_for(cfg_.duration_s, never, true);
  } else {
    // Parked and exiting workers do not complete their operations.
    run_for(
        1e9, [&] { return completed_.load(std::memory_order_acquire) >= active_; }, true);
  }
  poll_progress();
  t_watched_ = clock::now();
  expected = measure;
  phase_.compare_exchange_strong(expected, stop, std::memory_order_acq_rel);
}

void trial_base::stop_workers() {
  // Acquire: pairs with each worker's acq_rel increment of `stopped`.
  while (stopped_.load(std::memory_order_acquire) < cfg_.threads) std::this_thread::yield();
  t_end_ = clock::now();
  r_.at_end = counters_();
  r_.unreclaimed_end = r_.at_end.unreclaimed();
  sampler_->stop();
  boundary_samples_.push_back(sampler_->read_at_rest(boundary_probe_));
  phase_.store(teardown, std::memory_order_release);
  for (auto& t : threads_) t.join();
}

// ------------------------------------------------------------------ results
// Ops mode ends when the last worker completes its operations, timed by the workers
// themselves: the main thread only polls for it (in 2 ms slices), which would round short
// trials up to the slice.
trial_base::clock::time_point trial_base::measured_end() const {
  if (cfg_.mode != run_mode::ops) return t_end_;
  auto last = t_start_;
  for (unsigned id = 0; id < active_; ++id) {
    if (workers_[id].finished == clock::time_point{}) return t_end_;
    last = std::max(last, workers_[id].finished);
  }
  return last;
}

void trial_base::collect_memory() {
  sampler_report& rep = sampler_->report();
  r_.samples = rep.samples.size();
  r_.sampler_cpu_s = rep.cpu_s;
  r_.sampler_max_gap_s = rep.max_gap_s;
  r_.unreclaimed_peak = std::max({rep.unreclaimed_peak, r_.unreclaimed_end, unreclaimed_at_start_});
  r_.rss_peak_bytes = rep.rss_peak_bytes;
  r_.pool_bytes_peak = rep.pool_bytes_peak;
  r_.allocator_bytes_peak = rep.allocator_bytes_peak;
  // Without samples in the measured phase: the mean of its first and last counts.
  r_.unreclaimed_mean = rep.measured_samples > 0
                            ? static_cast<double>(rep.measured_unreclaimed_sum) /
                                  static_cast<double>(rep.measured_samples)
                            : static_cast<double>(unreclaimed_at_start_ + r_.unreclaimed_end) / 2.0;
  if (!cfg_.keep_timeseries) return;
  // The boundary readings frame the sampler's series: the first before it, the last after.
  r_.timeseries.reserve(rep.samples.size() + 2);
  r_.timeseries.push_back(boundary_samples_.front());
  r_.timeseries.insert(r_.timeseries.end(), rep.samples.begin(), rep.samples.end());
  r_.timeseries.push_back(boundary_samples_.back());
}

// Throughput and fairness are over the workers that ran the workload, not the parked ones.
void trial_base::collect_counts() {
  r_.elapsed_s = std::chrono::duration<double>(measured_end() - t_start_).count();
  collect_memory();
  r_.ops_min_thread = active_ == 0 ? 0 : UINT64_MAX;
  expected_left_ = prefilled_;
  for (unsigned id = 0; id < cfg_.threads; ++id) {
    const worker_state& w = workers_[id];
    r_.total_ops += w.measured_ops;
    if (id < active_) {
      r_.ops_min_thread = std::min(r_.ops_min_thread, w.measured_ops);
      r_.ops_max_thread = std::max(r_.ops_max_thread, w.measured_ops);
    }
    expected_left_ += w.tally.added;
    expected_left_ -= w.tally.taken;
    r_.bindings.push_back(w.binding);
    if (w.error && r_.status != trial_status::error) {
      r_.status = trial_status::error;
      r_.message = what_of(w.error);
    }
  }
  r_.worker_max_stall_s = watch_.longest_stall_s();
}

void trial_base::judge_status() {
  if (r_.status != trial_status::ok) return;
  if (sampler_->cap_hit()) {
    r_.status = trial_status::memory_cap;
    r_.message = "resident memory exceeded the cap of " + std::to_string(cfg_.memory_cap_bytes) +
                 " bytes; the trial was stopped early";
  } else if (interrupted()) {
    r_.status = trial_status::interrupted;
  } else if (auto why = watch_.verdict(
                 r_.total_ops, std::chrono::duration<double>(t_watched_ - t_start_).count())) {
    r_.status = trial_status::no_progress;
    r_.message = *why;
  }
}

// ------------------------------------------------------------------ 5. validate, tear down
// What is left must equal prefilled + added - taken, and the structure must pass its kind's
// at-rest check.
void trial_base::judge_contents(std::string at_rest, const element_checksum& left) {
  r_.valid = std::move(at_rest);
  if (left != expected_left_ && r_.valid == "ok") {
    r_.valid = "element conservation failed: expected " + expected_left_.describe() + ", found " +
               left.describe();
  }
}

// Everything retired must be reclaimed, everything allocated freed.
void trial_base::judge_teardown(const smr::counter_totals& last) {
  std::string problems;
  if (last.retired != last.reclaimed) {
    problems += "retired " + std::to_string(last.retired) + " but reclaimed " +
                std::to_string(last.reclaimed) + " after draining; ";
  }
  if (last.allocated != last.reclaimed + last.destroyed) {
    problems += "allocated " + std::to_string(last.allocated) + " but freed " +
                std::to_string(last.reclaimed + last.destroyed) + "; ";
  }
  if (!problems.empty()) {
    problems.resize(problems.size() - 2);
    r_.teardown = problems;
  }
}

}  // namespace smrlab::trial_detail
