// The memory sampler keeps a fixed cadence (never a burst after a slow sample), measures its own
// cost, stops at once when its interval is 0, and never reads an allocator probe that locks the
// heap while it runs.
#include "harness/memory_sampler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using clock_type = std::chrono::steady_clock;

struct fake_counters {
  std::atomic<std::uint64_t>* retired;
  smr::counter_totals operator()() const {
    smr::counter_totals c;
    c.retired = retired->load();
    return c;
  }
};

TEST(memory_sampler, takes_no_more_samples_than_its_grid_has_ticks) {
  std::atomic<std::uint64_t> retired{5};
  std::atomic<int> phase{smrlab::trial_detail::measure};
  const auto t0 = clock_type::now();
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, t0, 0.005, 0);
  s.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  s.stop();
  const double ran_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  const auto& r = s.report();
  ASSERT_GT(r.samples.size(), 0U);
  // One sample per 5 ms tick at most, plus the one taken at the start.
  EXPECT_LE(r.samples.size(), static_cast<std::size_t>(ran_ms / 5.0) + 1);
  for (std::size_t i = 1; i < r.samples.size(); ++i) {
    EXPECT_GT(r.samples[i].t_ms, r.samples[i - 1].t_ms);
    EXPECT_LE(r.samples[i].t_ms - r.samples[i - 1].t_ms, r.max_gap_s * 1e3 + 1e-9);
  }
  EXPECT_EQ(r.unreclaimed_peak, 5);
  EXPECT_EQ(r.measured_samples, r.samples.size());
  EXPECT_EQ(r.measured_unreclaimed_sum, static_cast<std::int64_t>(5 * r.samples.size()));
  EXPECT_GT(r.cpu_s, 0.0) << "the sampler's own CPU time is measured";
  EXPECT_LT(r.cpu_s, ran_ms / 1e3 + 0.05);
}

// Its thread must not allocate while the samples it expects fit: room is made by start(), in the
// caller's thread, and the samples of a run as long as expected stay in it (no reallocation).
TEST(memory_sampler, makes_room_for_its_samples_before_its_thread_starts) {
  std::atomic<std::uint64_t> retired{0};
  std::atomic<int> phase{smrlab::trial_detail::measure};
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, clock_type::now(), 0.002,
                                          0);
  const std::size_t room = s.samples_in(0.05);
  EXPECT_GE(room, 25U + 64U);  // 50 ms at 2 ms, and the margin
  s.start(room);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.stop();
  ASSERT_GT(s.report().samples.size(), 0U);
  EXPECT_LE(s.report().samples.size(), room);
  EXPECT_EQ(s.report().samples.capacity(), room) << "the vector grew in the sampler's thread";
}

TEST(memory_sampler, an_interval_of_zero_starts_no_thread_and_takes_no_sample) {
  std::atomic<std::uint64_t> retired{0};
  std::atomic<int> phase{smrlab::trial_detail::measure};
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, clock_type::now(), 0.0,
                                          0);
  s.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s.stop();
  EXPECT_TRUE(s.report().samples.empty());
  EXPECT_EQ(s.report().cpu_s, 0.0);
  EXPECT_EQ(s.report().max_gap_s, 0.0);
}

TEST(memory_sampler, a_reading_at_rest_counts_towards_the_peaks_but_is_not_a_sample) {
  std::atomic<std::uint64_t> retired{42};
  std::atomic<int> phase{smrlab::trial_detail::starting};
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, clock_type::now(), 0.0,
                                          0);
  smrlab::allocator_stats probe(1.0);
  const smrlab::memory_sample at_rest = s.read_at_rest(probe);
  EXPECT_EQ(at_rest.unreclaimed, 42);
  EXPECT_EQ(at_rest.phase, smrlab::trial_detail::starting);
  EXPECT_GT(at_rest.rss_bytes, 0U);
  EXPECT_EQ(at_rest.allocator_bytes.has_value(), s.report().allocator_bytes_peak.has_value());
  EXPECT_EQ(s.report().unreclaimed_peak, 42);
  EXPECT_TRUE(s.report().samples.empty());
}

TEST(memory_sampler, never_reads_a_probe_that_locks_the_heap_while_it_runs) {
  std::atomic<std::uint64_t> retired{0};
  std::atomic<int> phase{smrlab::trial_detail::measure};
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, clock_type::now(), 0.001,
                                          0);
  s.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  s.stop();
  const smrlab::allocator_stats probe;
  ASSERT_FALSE(s.report().samples.empty());
  for (const auto& sample : s.report().samples) {
    if (probe.locks_the_heap()) {
      EXPECT_FALSE(sample.allocator_bytes.has_value()) << "glibc's mallinfo2 read mid-trial";
    }
  }
  // glibc is the probe that locks the heap; every other allocator is read while running.
  EXPECT_EQ(probe.locks_the_heap(), probe.source().starts_with("glibc"));
}

TEST(memory_sampler, reports_a_passed_memory_cap) {
  std::atomic<std::uint64_t> retired{0};
  std::atomic<int> phase{smrlab::trial_detail::measure};
  smrlab::memory_sampler<fake_counters> s(fake_counters{&retired}, phase, clock_type::now(), 0.001,
                                          1);  // any process is above one byte
  s.start();
  const auto until = clock_type::now() + std::chrono::seconds(10);
  while (!s.cap_hit() && clock_type::now() < until) std::this_thread::yield();
  s.stop();
  EXPECT_TRUE(s.cap_hit());
}

}  // namespace
