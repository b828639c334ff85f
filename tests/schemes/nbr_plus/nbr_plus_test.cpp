// Tests of schemes/nbr_plus/nbr_plus.hpp: a reader neutralised in its read phase restarts and
// never touches a freed node; a reserved node survives a reclaim; the low watermark frees
// without pings of its own; a thread parked in a read phase does not stop reclamation; the read
// phase's rules are checked (make in a read phase). The contract, conformance (faults included),
// linearizability and property layers run it on the structures written in phases.
#include "schemes/nbr_plus/nbr_plus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/test_helpers.hpp"

namespace {

using nbr = smr::nbr_plus;
using node = smrlab_test::tracked_node<nbr>;

smr::domain_config small_bags(unsigned threshold = 8) {
  smr::domain_config c;
  c.hazards_per_thread = 2;
  c.scan_threshold_min = threshold;
  return c;
}

void publish(nbr::thread_handle& h, nbr::link<node>& l, std::atomic<int>* destroyed, int v) {
  const nbr::guard g(h);
  auto n = h.make<node>(destroyed, v);
  h.store(l, n.ptr());
}

void unlink_and_retire(nbr::thread_handle& h, nbr::link<node>& l) {
  const nbr::guard g(h);
  auto r = h.deref(l);
  ASSERT_TRUE(h.cas(l, r.ptr(), smr::marked_ptr<node>()));
  h.retire(std::move(r));
}

// A read phase that holds the node of `l` until `stop`, re-reading it after each restart: what it
// reads after a restart is the link's current value, never the freed node.
void read_until(nbr::thread_handle& h, nbr::link<node>& l, std::atomic<int>& stage,
                std::atomic<bool>& stop, std::atomic<int>& seen_after_free) {
  const nbr::guard g(h);
  SMR_READ_PHASE(h);
  auto r = h.deref(l);
  if (stage.load() == 0) stage.store(1);
  if (stage.load() == 2 && r) seen_after_free.fetch_add(1);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  smr::end_read_phase(h);
}

TEST(nbr_plus, a_neutralised_reader_restarts_and_never_sees_the_freed_node) {
  std::atomic<int> destroyed{0};
  nbr::domain d(small_bags());
  nbr::link<node> shared;
  {
    nbr::thread_handle w(d);
    publish(w, shared, &destroyed, 7);
    std::atomic<int> stage{0};
    std::atomic<bool> stop{false};
    std::atomic<int> seen{0};
    std::uint64_t restarts = 0;
    std::thread reader([&] {
      nbr::thread_handle h(d);
      read_until(h, shared, stage, stop, seen);
      restarts = h.restarts();
    });
    while (stage.load() != 1) std::this_thread::yield();
    unlink_and_retire(w, shared);
    stage.store(2);
    w.reclaim();  // pings the reader: it restarts
    EXPECT_EQ(destroyed.load(), 1) << "the reader's read phase held the node back";
    stop.store(true);
    reader.join();
    EXPECT_GE(restarts, 1U);
    EXPECT_EQ(seen.load(), 0) << "a restarted read phase saw the unlinked node";
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(d.counters().unreclaimed(), 0);
  EXPECT_GE(d.counters().pings, 1U);
}

TEST(nbr_plus, a_reserved_node_survives_a_reclaim) {
  std::atomic<int> destroyed{0};
  nbr::domain d(small_bags());
  nbr::link<node> shared;
  {
    nbr::thread_handle w(d);
    publish(w, shared, &destroyed, 7);
    std::atomic<int> stage{0};
    std::thread writer([&] {
      nbr::thread_handle h(d);
      const nbr::guard g(h);
      SMR_READ_PHASE(h);
      auto r = h.deref(shared);
      smr::enter_write_phase(h, r);
      stage.store(1);
      while (stage.load() != 2) std::this_thread::yield();
      EXPECT_EQ(r->value, 7);
    });
    while (stage.load() != 1) std::this_thread::yield();
    unlink_and_retire(w, shared);
    w.reclaim();
    EXPECT_EQ(destroyed.load(), 0) << "a reserved node was freed";
    stage.store(2);
    writer.join();
    w.reclaim();
    EXPECT_EQ(destroyed.load(), 1);
  }
  d.reclaim_all_quiescent();
}

TEST(nbr_plus, the_low_watermark_frees_after_another_threads_round_without_pings_of_its_own) {
  std::atomic<int> destroyed{0};
  nbr::domain d(small_bags(64));
  nbr::thread_handle a(d);
  std::atomic<int> stage{0};
  // Registered before a's bookmark, so that a's snapshot has its round count.
  std::thread other([&] {
    nbr::thread_handle b(d);
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
    b.reclaim();  // a round by another thread
    stage.store(3);
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const std::uint64_t threshold = a.current_threshold();
  // Past the low watermark (threshold / 2), below the threshold: a bookmark, no round.
  for (std::uint64_t i = 0; i < threshold / 2 + 2; ++i) {
    const nbr::guard g(a);
    a.retire(a.make<node>(&destroyed, 1));
  }
  EXPECT_EQ(destroyed.load(), 0);
  stage.store(2);
  while (stage.load() != 3) std::this_thread::yield();
  const std::uint64_t after_round = d.counters().pings;
  {
    const nbr::guard g(a);
    a.retire(a.make<node>(&destroyed, 1));
  }
  EXPECT_EQ(a.low_watermark_frees(), 1U);
  EXPECT_GE(destroyed.load(), static_cast<int>(threshold / 2));
  EXPECT_EQ(d.counters().pings, after_round) << "the low watermark sent pings";
  stage.store(4);
  other.join();
}

TEST(nbr_plus, a_thread_parked_in_a_read_phase_does_not_stop_reclamation) {
  std::atomic<int> destroyed{0};
  nbr::domain d(small_bags(16));
  nbr::link<node> shared;
  nbr::thread_handle w(d);
  publish(w, shared, &destroyed, 7);
  std::atomic<int> stage{0};
  std::atomic<bool> stop{false};
  std::atomic<int> seen{0};
  std::thread parked([&] {
    nbr::thread_handle h(d);
    read_until(h, shared, stage, stop, seen);
  });
  while (stage.load() != 1) std::this_thread::yield();
  const auto bound =
      nbr::bound({2, {.hazards_per_thread = 2}, 16});  // 2·R, R = max(2·2·2, 8·1·16) = 128
  constexpr int retires = 6000;                        // several reclaims past the bound
  std::int64_t peak = 0;
  for (int i = 0; i < retires; ++i) {
    const nbr::guard g(w);
    w.retire(w.make<node>(&destroyed, i));
    peak = std::max(peak, d.counters().unreclaimed());
  }
  stop.store(true);
  parked.join();
  unlink_and_retire(w, shared);
  EXPECT_LE(static_cast<std::uint64_t>(peak), *bound);
  EXPECT_GE(destroyed.load(), retires - static_cast<int>(*bound));
}

TEST(nbr_plus, make_in_a_read_phase_is_refused_where_checks_are_on) {
  if (!smr::read_phase_checks) GTEST_SKIP() << "read-phase checks are off in this build";
  EXPECT_DEATH(
      {
        nbr::domain d(small_bags());
        nbr::thread_handle h(d);
        const nbr::guard g(h);
        SMR_READ_PHASE(h);
        auto n = h.make<node>();
        (void)n;
      },
      "make in a read phase");
}

}  // namespace
