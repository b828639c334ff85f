// What is particular to the Michael-Scott queue: FIFO order and an empty pop; at rest, tail is the
// last node (check_structure); each pop retires the old dummy, and the dummy and the values left
// are destroyed with the queue (never retired); with producers and consumers at once, every value
// comes out once and each producer's values come out in the order it pushed them.
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with
// michael_scott_queue (plugins included), compiled once: the tests are named
// michael_scott_queue_test/pairing/<scheme>__michael_scott_queue.<test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "support/pairing_layers.hpp"

namespace smrlab_test::michael_scott_queue_layer {
namespace {

void pops_in_fifo_order_and_reports_empty(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<smrlab::erased_structure> q = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_FALSE(q->pop(*h).has_value());
    for (std::uint64_t v = 1; v <= 5; ++v) q->push(*h, v);
    EXPECT_EQ(q->check_structure(), "ok");
    for (std::uint64_t v = 1; v <= 3; ++v) EXPECT_EQ(q->pop(*h), v);
    q->push(*h, 6);  // pushed behind what is left
    for (std::uint64_t v = 4; v <= 6; ++v) EXPECT_EQ(q->pop(*h), v);
    EXPECT_FALSE(q->pop(*h).has_value());
    EXPECT_EQ(q->check_structure(), "ok");
  }
  d->reclaim_all_quiescent();
  // Each pop retired the node that was the dummy before it; the last value's node is the dummy
  // at the end, destroyed with the queue.
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.retired, 6U);
  EXPECT_EQ(c.reclaimed, 6U);
  EXPECT_EQ(c.allocated, 7U);  // the first dummy and six values
  EXPECT_EQ(c.destroyed, 1U);
}

void destruction_frees_the_dummy_and_the_values_left_in_it(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<smrlab::erased_structure> q = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    for (std::uint64_t v = 0; v < 10; ++v) q->push(*h, v);
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, 11U);
  EXPECT_EQ(c.destroyed, 11U);
  EXPECT_EQ(c.retired, 0U);
}

// Producers push (their index, an increasing count); consumers pop until every value is out.
// FIFO: a consumer sees each producer's values in increasing order, since a later push of one
// producer is linearised after its earlier ones and so popped after them.
void every_value_comes_out_once_and_each_producers_in_order(const pairing_entry& p) {
  // A scheme that runs one thread at a time (immediate_free) gets one producer, whose values
  // this thread pops once it has finished.
  const unsigned threads = threads_allowed(p, 4);
  const unsigned producers = std::max(1U, threads / 2);
  const unsigned consumers = threads - producers;
  constexpr std::uint64_t per_producer = 4000;
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p, threads));
  {
    const std::unique_ptr<smrlab::erased_structure> q = d->make_structure();
    std::atomic<std::uint64_t> popped{0};
    std::vector<std::vector<std::uint64_t>> seen(std::max(1U, consumers));
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < producers; ++t) {
      workers.emplace_back([&, t] {
        const std::unique_ptr<smrlab::erased_handle> h = d->attach();
        for (std::uint64_t i = 0; i < per_producer; ++i) q->push(*h, (std::uint64_t{t} << 32) | i);
      });
    }
    for (unsigned c = 0; c < consumers; ++c) {
      workers.emplace_back([&, c] {
        const std::unique_ptr<smrlab::erased_handle> h = d->attach();
        // Relaxed: only a count; the joins order the results.
        while (popped.load(std::memory_order_relaxed) < producers * per_producer) {
          if (const auto v = q->pop(*h)) {
            seen[c].push_back(*v);
            popped.fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    if (consumers == 0) {
      const std::unique_ptr<smrlab::erased_handle> h = d->attach();
      while (const auto v = q->pop(*h)) seen[0].push_back(*v);
    }
    std::vector<unsigned> times(producers * per_producer, 0);
    for (const auto& values : seen) {
      std::vector<std::int64_t> last(producers, -1);
      for (const std::uint64_t v : values) {
        const auto producer = static_cast<unsigned>(v >> 32);
        const auto i = static_cast<std::int64_t>(v & 0xffffffffU);
        ASSERT_LT(producer, producers);
        ASSERT_LT(i, static_cast<std::int64_t>(per_producer));
        EXPECT_GT(i, last[producer]) << "producer " << producer << "'s values out of order";
        last[producer] = i;
        ++times[producer * per_producer + static_cast<std::uint64_t>(i)];
      }
    }
    for (const unsigned n : times) ASSERT_EQ(n, 1U) << "a value came out other than once";
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_FALSE(q->pop(*h).has_value());
    EXPECT_EQ(q->check_structure(), "ok");
  }
  d->reclaim_all_quiescent();
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.retired, producers * per_producer);
  EXPECT_EQ(c.retired, c.reclaimed);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"michael_scott_queue_test",
     [](const pairing_entry& p) { return p.structure == "michael_scott_queue"; },
     {SMRLAB_LAYER_TEST(pops_in_fifo_order_and_reports_empty),
      SMRLAB_LAYER_TEST(destruction_frees_the_dummy_and_the_values_left_in_it),
      SMRLAB_LAYER_TEST(every_value_comes_out_once_and_each_producers_in_order)}});

}  // namespace smrlab_test::michael_scott_queue_layer
