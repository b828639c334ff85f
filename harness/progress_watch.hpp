// The progress watch of a trial: a trial in which no operation completed, or in which an active
// worker completed none for a long stretch of the measured phase, did no honest work and is
// never `ok` (trial_status::no_progress). The trial's main thread polls each worker's count of
// completed operations every few milliseconds during the measured phase; a worker's stall is
// the time between the first and the last poll that saw the same count. Workers that are not
// expected to progress (parked, asleep or exiting by fault injection; done with their operations
// in ops mode) are not watched.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace smrlab {

// What a worker publishes for the watch. Only its worker writes it.
struct worker_progress {
  std::atomic<std::uint64_t> ops{0};  // operations completed so far (warm-up included)
  std::atomic<bool> watched{true};    // false once the worker is not expected to progress
};

// A stall this long, and at least this share of the measured phase, makes a trial no_progress.
inline constexpr double min_stall_s = 0.2;
inline constexpr double min_stall_share = 0.5;

class progress_watch {
 public:
  using clock = std::chrono::steady_clock;

  explicit progress_watch(std::size_t workers) : seen_(workers) {}

  // One poll of every worker (the first one starts the watch). `progress(i)` is worker i's.
  template <class Progress>
  void poll(clock::time_point now, Progress&& progress) {
    for (std::size_t i = 0; i < seen_.size(); ++i) {
      const worker_progress& p = progress(i);
      // Relaxed: a count and a flag read for a verdict; no memory is reached through them.
      const bool watched = p.watched.load(std::memory_order_relaxed);
      const std::uint64_t ops = p.ops.load(std::memory_order_relaxed);
      seen& s = seen_[i];
      if (!watched || !s.started || ops != s.ops) {
        s = {watched, ops, now};  // an unwatched worker starts afresh once watched again
        continue;
      }
      const double stalled = std::chrono::duration<double>(now - s.since).count();
      if (stalled > longest_s_) {
        longest_s_ = stalled;
        worst_ = i;
      }
    }
  }

  double longest_stall_s() const { return longest_s_; }

  // Why the trial is no_progress, or nullopt: no operation at all in `measured_s`, or a stall of
  // at least min_stall_s and min_stall_share of it.
  std::optional<std::string> verdict(std::uint64_t total_ops, double measured_s) const {
    if (total_ops == 0) {
      return fmt::format("no operation completed in the {:.3f} s measured phase", measured_s);
    }
    if (longest_s_ >= std::max(min_stall_s, min_stall_share * measured_s)) {
      return fmt::format(
          "worker {} completed no operation for {:.0f} ms of the {:.0f} ms measured phase", worst_,
          longest_s_ * 1e3, measured_s * 1e3);
    }
    return std::nullopt;
  }

 private:
  struct seen {
    bool started = false;
    std::uint64_t ops = 0;
    clock::time_point since{};
  };
  std::vector<seen> seen_;
  double longest_s_ = 0;
  std::size_t worst_ = 0;
};

}  // namespace smrlab
