// The progress watch: a worker's stall is the time between the first and the last poll that saw
// its count unchanged; unwatched workers never stall; the verdict names no operation at all, or
// a stall of at least 200 ms and half the measured phase.
#include "harness/progress_watch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>

namespace {

using clock_type = smrlab::progress_watch::clock;
using std::chrono::milliseconds;

struct workers {
  std::array<smrlab::worker_progress, 3> p;
  const smrlab::worker_progress& operator()(std::size_t i) const { return p[i]; }
};

TEST(progress_watch, a_stall_lasts_from_the_first_to_the_last_poll_that_saw_the_same_count) {
  workers w;
  smrlab::progress_watch watch(3);
  const auto t0 = clock_type::now();
  for (int step = 0; step <= 10; ++step) {
    w.p[0].ops.store(static_cast<std::uint64_t>(step));                 // always progressing
    if (step <= 2) w.p[1].ops.store(static_cast<std::uint64_t>(step));  // stuck from step 2 on
    w.p[2].ops.store(static_cast<std::uint64_t>(step % 2));             // changes at every poll
    watch.poll(t0 + milliseconds(100 * step), w);
  }
  EXPECT_DOUBLE_EQ(watch.longest_stall_s(), 0.8);  // steps 2..10, 100 ms apart
}

TEST(progress_watch, a_worker_that_is_not_watched_never_stalls) {
  workers w;
  w.p[1].watched.store(false);
  smrlab::progress_watch watch(3);
  const auto t0 = clock_type::now();
  for (int step = 0; step <= 5; ++step) {
    w.p[0].ops.store(static_cast<std::uint64_t>(step));
    w.p[2].ops.store(static_cast<std::uint64_t>(step));
    watch.poll(t0 + milliseconds(500 * step), w);
  }
  EXPECT_EQ(watch.longest_stall_s(), 0.0);
}

TEST(progress_watch, watching_starts_again_when_a_worker_comes_back) {
  workers w;
  smrlab::progress_watch watch(1);
  const auto t0 = clock_type::now();
  watch.poll(t0, w);
  watch.poll(t0 + milliseconds(150), w);  // 150 ms without progress
  w.p[0].watched.store(false);
  watch.poll(t0 + milliseconds(900), w);
  w.p[0].watched.store(true);
  watch.poll(t0 + milliseconds(1000), w);
  watch.poll(t0 + milliseconds(1100), w);  // 100 ms since it is watched again
  EXPECT_DOUBLE_EQ(watch.longest_stall_s(), 0.15);
}

TEST(progress_watch, no_operation_at_all_is_no_progress) {
  const smrlab::progress_watch watch(2);
  const auto why = watch.verdict(0, 0.25);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("no operation completed"), std::string::npos) << *why;
}

TEST(progress_watch, a_stall_of_half_the_phase_and_200_ms_is_no_progress) {
  workers w;
  smrlab::progress_watch watch(2);
  const auto t0 = clock_type::now();
  w.p[0].ops.store(1);
  watch.poll(t0, w);
  w.p[0].ops.store(2);
  watch.poll(t0 + milliseconds(300), w);  // worker 1 stalled 300 ms, worker 0 progressed
  EXPECT_FALSE(watch.verdict(1000, 1.0).has_value()) << "300 ms of a 1 s phase is not half";
  const auto why = watch.verdict(1000, 0.5);
  ASSERT_TRUE(why.has_value()) << "300 ms of a 500 ms phase";
  EXPECT_NE(why->find("worker 1"), std::string::npos) << *why;
  EXPECT_NE(why->find("300 ms"), std::string::npos) << *why;
}

TEST(progress_watch, a_short_stall_in_a_short_phase_is_not_no_progress) {
  workers w;
  smrlab::progress_watch watch(1);
  const auto t0 = clock_type::now();
  watch.poll(t0, w);
  watch.poll(t0 + milliseconds(150), w);
  // 150 ms is most of a 200 ms phase, but less than the 200 ms minimum.
  EXPECT_FALSE(watch.verdict(10, 0.2).has_value());
}

}  // namespace
