// One trial of one scheme x structure pairing (DESIGN.md, "The harness"):
//   1. build the domain and the structure, prefill, start and pin the workers, warm up;
//   2. measure for a duration or a fixed number of operations per thread;
//   3. a sampler thread records unreclaimed objects and RSS every --sample-interval (1 ms by
//      default; harness/memory_sampler.hpp), and a progress watch (harness/progress_watch.hpp)
//      marks a trial in which no operation completed, or a worker stalled, as no_progress;
//   4. inject the fault asked for (workloads/fault_injection.hpp: workers parked or periodically
//      asleep inside an operation, or leaving halfway), and stop at the end, on a memory cap,
//      or on an interrupt;
//   5. validate the structure (conservation of elements), tear down, and check that everything
//      retired was reclaimed and everything allocated was freed.
// The conformance tests call the same function, so the harness and the tests share one
// definition of a correct trial.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/element_checksum.hpp"
#include "harness/memory_sampler.hpp"
#include "harness/op_rng.hpp"
#include "harness/progress_watch.hpp"
#include "harness/topology.hpp"
#include "harness/trial_types.hpp"
#include "harness/worker_placement.hpp"
#include "harness/workload_ops.hpp"
#include "schemes/offline_while_waiting.hpp"
#include "schemes/scheme.hpp"
#include "structures/structure.hpp"
#include "workloads/fault_injection.hpp"

namespace smrlab {

namespace trial_detail {

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

// Fault injection, park and sleep: enter an operation (its guard, and a protected reference to
// the target of the structure's entry link, as an operation's first step takes), call `entered`,
// and stay inside the operation, asleep, until `leave()` says so. A stalled thread uses no CPU,
// so it does not slow the others down.
template <class S, class DS, class Entered, class Leave>
void park_inside_operation(const DS& ds, typename S::thread_handle& h, Entered&& entered,
                           Leave&& leave) {
  const typename S::guard g(h);
  auto stay = [&] {
    entered();
    while (!leave()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  if constexpr (smr::has_entry_link<DS>) {
    [[maybe_unused]] const auto held = h.deref(ds.entry_link());
    stay();
  } else {
    stay();
  }
}

// One trial, as named steps. Each step is a member function; run() calls them in order.
template <class S, class DS>
class trial_runner {
 public:
  using clock = std::chrono::steady_clock;

  explicit trial_runner(const trial_config& cfg)
      : cfg_(cfg),
        active_(cfg.fault.active_threads(cfg.threads)),
        workers_(cfg.threads),
        watch_(cfg.threads) {}

  trial_result run() {
    build();
    prefill();
    start_sampler();
    start_workers();
    warm_up_and_measure();
    stop_workers();
    collect_counts();
    judge_status();
    validate();
    tear_down();
    return std::move(r_);
  }

 private:
  // ------------------------------------------------------------------ 1. build and prefill
  void build() {
    const smr::domain_config dc = smr::config_for(DS::requirements, cfg_.threads);
    r_.bound = S::bound(smr::bound_inputs{cfg_.threads, DS::requirements, dc.scan_threshold_min});
    domain_ = std::make_unique<typename S::domain>(dc);
    structure_ = std::make_unique<DS>(*domain_);
    // Sets draw keys from the distribution; built once (a Zipf sampler sums a series), shared.
    if constexpr (DS::kind == smr::structure_kind::set) {
      keys_.emplace(cfg_.workload.dist, cfg_.workload.key_range);
    }
  }

  // From this thread, with a handle released before the workers register.
  void prefill() {
    typename S::thread_handle h(*domain_);
    op_rng rng(cfg_.seed * 1000003ULL + cfg_.threads);
    prefilled_ = workload_ops<DS>::prefill(
        *structure_, h, cfg_.workload, cfg_.prefill, [&] { return rng.next(); }, cfg_.threads);
  }

  // ------------------------------------------------------------------ 3. the sampler
  // The first reading is taken here, before any worker runs, so that a probe that locks the heap
  // (allocator_stats::locks_the_heap) is read at least once without stalling anyone.
  void start_sampler() {
    origin_ = clock::now();
    sampler_.emplace([d = domain_.get()] { return d->counters(); }, phase_, origin_,
                     cfg_.sample_interval_s, cfg_.memory_cap_bytes);
    boundary_samples_.push_back(sampler_->read_at_rest(boundary_probe_));
    sampler_->start();
  }

  // ------------------------------------------------------------------ the workers
  void start_workers() {
    threads_.reserve(cfg_.threads);
    for (unsigned i = 0; i < cfg_.threads; ++i) threads_.emplace_back([this, i] { worker(i); });
    // Acquire: pairs with each worker's release of `ready` (a parked worker's comes once it is
    // inside its operation) or of `stopped` (a worker that failed).
    while (ready_.load(std::memory_order_acquire) + stopped_.load(std::memory_order_acquire) <
           cfg_.threads) {
      std::this_thread::yield();
    }
  }

  void worker(unsigned id) {
    worker_state& me = workers_[id];
    try {
      me.binding = place_worker(cfg_, id);
      // Optional so that an exiting worker can destroy it halfway through the trial.
      std::optional<typename S::thread_handle> h(std::in_place, *domain_);
      run_workload(id, me, h);
      // Leaving halfway: the handle goes now, while the others still run; what this worker
      // retired is the scheme's to reclaim (orphan adoption, HelpScan).
      if (cfg_.fault.exits(id, cfg_.threads)) h.reset();
      record_where_it_ran(cfg_, me.binding);
      stopped_.fetch_add(1, std::memory_order_acq_rel);
      // Keep the handle until the main thread has read the counters at the end of measurement.
      wait_offline_until(teardown, h);
    } catch (...) {
      me.error = std::current_exception();
      me.progress.watched.store(false, std::memory_order_relaxed);  // read only for a verdict
      // Release: the main thread's acquire of the phase then sees the error.
      phase_.store(stop, std::memory_order_release);
      stopped_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  // Waits for the phase outside any operation: offline, for a scheme whose threads can go
  // offline (smr::offline_while_waiting), so that a waiting worker holds back no reclamation.
  void wait_offline_until(int at_least, std::optional<typename S::thread_handle>& h) const {
    if (!h) {
      wait_until(phase_, at_least);
      return;
    }
    const smr::offline_while_waiting<typename S::thread_handle> offline(*h);
    wait_until(phase_, at_least);
  }

  bool trial_stopped() const {
    // Acquire: pairs with the main thread's release of `stop`, like every worker's wait.
    return phase_.load(std::memory_order_acquire) >= stop;
  }

  // Enters the trial (a parked worker: inside its operation, for good), then runs operations
  // until the trial stops, its operations are done (ops mode) or it leaves halfway (exit fault).
  void run_workload(unsigned id, worker_state& me, std::optional<typename S::thread_handle>& h) {
    const bool parked = cfg_.fault.parks(id, cfg_.threads);
    const bool sleeps = cfg_.fault.sleeps(id, cfg_.threads);
    const bool exits = cfg_.fault.exits(id, cfg_.threads);
    // Faulty workers stall on purpose; the watch looks at the others only. Relaxed: read only
    // for a verdict, after the workers started.
    if (parked || sleeps || exits) me.progress.watched.store(false, std::memory_order_relaxed);
    if (parked) {
      // Ready only once inside its operation: the release pairs with the main thread's acquire
      // of `ready` before it starts the warm-up, so no worker runs an operation before the
      // parked thread's guard and hazard are published.
      park_inside_operation<S>(
          *structure_, *h, [&] { ready_.fetch_add(1, std::memory_order_acq_rel); },
          [&] { return trial_stopped(); });
      return;
    }
    ready_.fetch_add(1, std::memory_order_acq_rel);
    wait_offline_until(warmup, h);
    if (sleeps || exits) {
      operation_loop<true>(id, me, *h, sleeps, exits);
    } else {
      operation_loop<false>(id, me, *h, false, false);
    }
  }

  // The hot loop. Only a worker with a sleep or exit fault pays for the fault checks; the
  // validation tally is kept local and handed over when the worker stops.
  template <bool WithFaults>
  void operation_loop(unsigned id, worker_state& me, typename S::thread_handle& h, bool sleeps,
                      bool exits) {
    op_rng rng(cfg_.seed * 1000003ULL + id);
    const key_sampler* keys = keys_ ? &*keys_ : nullptr;
    const bool ops_mode = cfg_.mode == run_mode::ops;
    const std::uint64_t ops_per_thread = cfg_.ops_per_thread;
    const auto period = std::chrono::milliseconds(cfg_.fault.period_ms);
    auto next_sleep = clock::now() + period;
    clock::time_point measure_seen{};
    op_tally tally;
    std::uint64_t sequence = 0;
    std::uint64_t ops = 0;
    std::uint64_t ops_at_measure = 0;
    bool measuring = false;
    // Exiting workers leave halfway through the measured phase (or their operations).
    auto halfway = [&] {
      if (ops_mode) return 2 * (ops - ops_at_measure) >= ops_per_thread;
      return clock::now() - measure_seen >= std::chrono::duration<double>(cfg_.duration_s / 2);
    };
    for (;;) {
      // Relaxed: only a signal to stop or to start counting; nothing is published with it.
      const int ph = phase_.load(std::memory_order_relaxed);
      if (ph >= stop) break;
      if (!measuring && ph == measure) {
        measuring = true;
        ops_at_measure = ops;
        if constexpr (WithFaults) measure_seen = clock::now();
      }
      if (ops_mode && measuring && ops - ops_at_measure >= ops_per_thread) {
        me.finished = clock::now();
        me.progress.watched.store(false, std::memory_order_relaxed);  // done, not stalled
        completed_.fetch_add(1, std::memory_order_acq_rel);
        break;
      }
      if constexpr (WithFaults) {
        if (exits && measuring && halfway()) break;
        if (sleeps && clock::now() >= next_sleep) {
          const auto wake = clock::now() + period;
          park_inside_operation<S>(
              *structure_, h, [] {}, [&] { return trial_stopped() || clock::now() >= wake; });
          next_sleep = clock::now() + period;
        }
      }
      workload_ops<DS>::op(*structure_, h, cfg_.workload, keys, rng.percent(), rng.next(),
                           unique_value(id, sequence++), tally);
      ++ops;
      // Relaxed: a count the progress watch reads; its only writer is this worker.
      me.progress.ops.store(ops, std::memory_order_relaxed);
    }
    me.tally = tally;
    me.measured_ops = measuring ? ops - ops_at_measure : 0;
  }

  // ------------------------------------------------------------------ 2. warm up, measure
  bool interrupted() const {
    return cfg_.interrupt != nullptr && cfg_.interrupt->load(std::memory_order_relaxed);
  }
  bool should_stop() const {
    return interrupted() || sampler_->cap_hit() || phase_.load(std::memory_order_acquire) >= stop;
  }
  // Sleeps in short slices so that a cap, an interrupt or a worker error ends the phase early;
  // in the measured phase each slice also polls the progress watch.
  template <class Done>
  void run_for(double seconds, Done&& done, bool watching) {
    const auto until = clock::now() + std::chrono::duration<double>(seconds);
    while (clock::now() < until && !should_stop() && !done()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (watching) poll_progress();
    }
  }
  void poll_progress() {
    watch_.poll(clock::now(),
                [&](std::size_t i) -> const worker_progress& { return workers_[i].progress; });
  }

  void warm_up_and_measure() {
    auto never = [] { return false; };
    phase_.store(warmup, std::memory_order_release);
    run_for(cfg_.warmup_s, never, false);
    int expected = warmup;
    phase_.compare_exchange_strong(expected, measure, std::memory_order_acq_rel);
    t_start_ = clock::now();
    unreclaimed_at_start_ = domain_->counters().unreclaimed();
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

  // Waits for every worker to stop, reads the counters at the end of measurement, stops the
  // sampler, takes the closing boundary reading, and lets the workers go.
  void stop_workers() {
    // Acquire: pairs with each worker's acq_rel increment of `stopped`.
    while (stopped_.load(std::memory_order_acquire) < cfg_.threads) std::this_thread::yield();
    t_end_ = clock::now();
    r_.at_end = domain_->counters();
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
  clock::time_point measured_end() const {
    if (cfg_.mode != run_mode::ops) return t_end_;
    auto last = t_start_;
    for (unsigned id = 0; id < active_; ++id) {
      if (workers_[id].finished == clock::time_point{}) return t_end_;
      last = std::max(last, workers_[id].finished);
    }
    return last;
  }

  void collect_memory() {
    sampler_report& rep = sampler_->report();
    r_.samples = rep.samples.size();
    r_.sampler_cpu_s = rep.cpu_s;
    r_.sampler_max_gap_s = rep.max_gap_s;
    r_.unreclaimed_peak =
        std::max({rep.unreclaimed_peak, r_.unreclaimed_end, unreclaimed_at_start_});
    r_.rss_peak_bytes = rep.rss_peak_bytes;
    r_.pool_bytes_peak = rep.pool_bytes_peak;
    r_.allocator_bytes_peak = rep.allocator_bytes_peak;
    // Without samples in the measured phase: the mean of its first and last counts.
    r_.unreclaimed_mean =
        rep.measured_samples > 0
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
  void collect_counts() {
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

  static std::string what_of(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      return x.what();
    } catch (...) {
      return "unknown exception in a worker";
    }
  }

  // An error stays an error; then the memory cap, an interrupt, and a trial that did no work.
  void judge_status() {
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
  // at-rest check (a deque reads the same both ways; a set's keys ascend and nothing is left
  // half-removed). Pools and deques are drained, so teardown accounts for every node.
  void validate() {
    element_checksum left;
    {
      typename S::thread_handle h(*domain_);
      r_.valid = workload_ops<DS>::at_rest(*structure_, h, left);
    }
    if (left != expected_left_ && r_.valid == "ok") {
      r_.valid = "element conservation failed: expected " + expected_left_.describe() + ", found " +
                 left.describe();
    }
  }

  // Destroy the structure first (link-counting schemes drop the claims its remaining nodes hold
  // on deleted ones), then drain the domain. Everything retired must be reclaimed, everything
  // allocated freed.
  void tear_down() {
    structure_.reset();
    domain_->reclaim_all_quiescent();
    const smr::counter_totals last = domain_->counters();
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
    domain_.reset();
  }

  const trial_config& cfg_;
  const unsigned active_;  // workers that run the workload (not parked or otherwise faulty)
  trial_result r_;
  std::unique_ptr<typename S::domain> domain_;
  std::unique_ptr<DS> structure_;
  std::optional<key_sampler> keys_;
  element_checksum prefilled_;
  element_checksum expected_left_;

  std::atomic<int> phase_{starting};
  std::atomic<unsigned> ready_{0};
  std::atomic<unsigned> stopped_{0};
  std::atomic<unsigned> completed_{0};  // ops mode: workers that completed their operations
  std::vector<worker_state> workers_;
  std::vector<std::thread> threads_;
  progress_watch watch_;

  using counters_reader = std::function<smr::counter_totals()>;
  std::optional<memory_sampler<counters_reader>> sampler_;
  allocator_stats boundary_probe_{1.0};  // the boundary readings: no rationing
  std::vector<memory_sample> boundary_samples_;
  clock::time_point origin_{};
  clock::time_point t_start_{};
  clock::time_point t_watched_{};  // the last poll of the watch, just before the stop signal
  clock::time_point t_end_{};
  std::int64_t unreclaimed_at_start_ = 0;
};

}  // namespace trial_detail

// clang-format off (clang-format 14 misplaces a requires-clause)
template <class S, class DS>
requires smr::pool_structure<DS, S> || smr::deque_structure<DS, S> || smr::set_structure<DS, S>
    trial_result run_trial(const trial_config& cfg) {
  // clang-format on
  return trial_detail::trial_runner<S, DS>(cfg).run();
}

}  // namespace smrlab
