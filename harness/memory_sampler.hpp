// The memory sampler of a trial: a thread that records, every `interval`, the domain's
// unreclaimed objects, the resident set size and (where that is cheap) the allocator's bytes, so
// that the memory figures can show garbage over time. It measures its own cost: the CPU time its
// thread used, how many samples it took and the longest gap between two of them.
//
// It must not disturb what it measures:
//   - it keeps its cadence with sleep_until on a fixed grid (a slow sample is not followed by a
//     burst: a missed tick is skipped, and the gap is recorded);
//   - it never calls an allocator probe that holds the heap's locks (glibc's mallinfo2 walks every
//     free chunk of every arena under the arena's lock, milliseconds after a trial that freed
//     millions of nodes): such probes are read only at the trial's boundaries, by the trial
//     itself, before the workers start and after they stop (allocator_stats::locks_the_heap).
#pragma once

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/process_memory.hpp"
#include "harness/trial_types.hpp"
#include "schemes/counters.hpp"

namespace smrlab {

// What the sampler saw, once it has stopped.
struct sampler_report {
  std::vector<memory_sample> samples;
  std::int64_t unreclaimed_peak = 0;
  std::int64_t measured_unreclaimed_sum = 0;  // over the samples taken in the measured phase
  std::size_t measured_samples = 0;
  std::uint64_t rss_peak_bytes = 0;
  std::uint64_t pool_bytes_peak = 0;
  std::optional<std::uint64_t> allocator_bytes_peak;
  double cpu_s = 0;      // the sampler thread's own CPU time
  double max_gap_s = 0;  // the longest time between two consecutive samples

  // Folds one observation (a sample, or a boundary reading taken by the trial) into the peaks.
  void observe(const memory_sample& s, std::uint64_t pool_bytes) {
    unreclaimed_peak = std::max(unreclaimed_peak, s.unreclaimed);
    rss_peak_bytes = std::max(rss_peak_bytes, s.rss_bytes);
    pool_bytes_peak = std::max(pool_bytes_peak, pool_bytes);
    if (s.allocator_bytes) {
      allocator_bytes_peak = std::max(allocator_bytes_peak.value_or(0), *s.allocator_bytes);
    }
  }
};

// The CPU time the calling thread has used, in seconds.
inline double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Counters: a callable returning the domain's smr::counter_totals (read without locks).
template <class Counters>
class memory_sampler {
 public:
  using clock = std::chrono::steady_clock;

  memory_sampler(Counters counters, const std::atomic<int>& phase, clock::time_point origin,
                 double interval_s, std::uint64_t memory_cap_bytes)
      : counters_(std::move(counters)),
        phase_(phase),
        origin_(origin),
        interval_(
            std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(interval_s))),
        cap_(memory_cap_bytes) {}
  memory_sampler(const memory_sampler&) = delete;
  memory_sampler& operator=(const memory_sampler&) = delete;
  ~memory_sampler() { stop(); }

  // Starts the thread; an interval of 0 starts nothing (the trial then has only its boundary
  // readings). Room for `expected_samples` is made here, in the calling thread, so that the
  // sampler thread allocates nothing while they fit: its first malloc would attach it to an
  // arena, perhaps one that an earlier trial's workers left full of free chunks, and sort those
  // under the arena's lock (120 ms, seen after `none` under --isolation none).
  void start(std::size_t expected_samples = 0) {
    if (interval_ <= clock::duration::zero()) return;
    report_.samples.reserve(report_.samples.size() + expected_samples);
    thread_ = std::thread([this] { loop(); });
  }
  // The samples a run of `seconds` takes at this interval, with room for a late stop.
  std::size_t samples_in(double seconds) const {
    if (interval_ <= clock::duration::zero()) return 0;
    const double interval_s = std::chrono::duration<double>(interval_).count();
    return static_cast<std::size_t>(seconds / interval_s * 1.25) + 64;
  }
  // Stops and joins the thread; the report is complete afterwards.
  void stop() {
    // Release: pairs with the sampler loop's acquire; nothing is published with it but the stop.
    done_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }
  // Whether resident memory passed the cap (checked at every sample).
  bool cap_hit() const {
    // Acquire: pairs with the sampler's release store when it saw the cap passed.
    return cap_hit_.load(std::memory_order_acquire);
  }
  sampler_report& report() { return report_; }

  // One reading now, from any thread while the sampler is stopped or not running (the trial's
  // boundary readings): the allocator probe is read whatever it costs, since no worker runs.
  memory_sample read_at_rest(allocator_stats& allocator) {
    const smr::counter_totals c = counters_();
    memory_sample s{elapsed_ms(), phase_.load(std::memory_order_relaxed), c.unreclaimed(),
                    rss_.bytes(), allocator.allocated_bytes()};
    report_.observe(s, c.pool_bytes);
    return s;
  }

 private:
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(clock::now() - origin_).count();
  }

  void take_sample(allocator_stats& allocator) {
    const smr::counter_totals c = counters_();
    const std::uint64_t rss = rss_.bytes();
    const std::optional<std::uint64_t> allocated =
        allocator.locks_the_heap() ? std::nullopt : allocator.allocated_bytes();
    // Relaxed: the phase only labels the sample.
    const int ph = phase_.load(std::memory_order_relaxed);
    const memory_sample s{elapsed_ms(), ph, c.unreclaimed(), rss, allocated};
    if (!report_.samples.empty()) {
      report_.max_gap_s = std::max(report_.max_gap_s, (s.t_ms - report_.samples.back().t_ms) / 1e3);
    }
    report_.samples.push_back(s);
    report_.observe(s, c.pool_bytes);
    if (ph == trial_detail::measure) {
      report_.measured_unreclaimed_sum += s.unreclaimed;
      ++report_.measured_samples;
    }
    // Release: pairs with cap_hit()'s acquire.
    if (cap_ != 0 && rss > cap_) cap_hit_.store(true, std::memory_order_release);
  }

  void loop() {
    const double cpu_start = thread_cpu_seconds();
    auto next = clock::now();
    // Acquire: pairs with stop()'s release.
    while (!done_.load(std::memory_order_acquire)) {
      take_sample(probe_);
      next += interval_;
      const auto now = clock::now();
      if (next < now) next = now + interval_;  // fell behind: skip the missed ticks, no burst
      std::this_thread::sleep_until(next);
    }
    report_.cpu_s = thread_cpu_seconds() - cpu_start;
  }

  Counters counters_;
  const std::atomic<int>& phase_;
  clock::time_point origin_;
  clock::duration interval_;
  std::uint64_t cap_;
  rss_reader rss_;
  allocator_stats probe_;  // the thread's allocator probe, made by the thread that makes this
  sampler_report report_;
  std::atomic<bool> done_{false};
  std::atomic<bool> cap_hit_{false};
  std::thread thread_;
};

}  // namespace smrlab
