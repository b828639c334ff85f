// Linearizability of every registered structure under every scheme it pairs with (plugins
// included, through the generated registry): many small rounds, each a fresh domain and
// structure, a short prefill recorded as sequential operations, then a few threads started
// together doing a few seeded random operations each, recorded with invocation/response
// timestamps (history.hpp) and checked against the structure kind's sequential model
// (sequential_specs.hpp) by checker.hpp. A reclamation bug that corrupts contents (a value
// popped twice, a lost push, a resurrected key) makes a round non-linearizable; the failure
// message is the history. Each round ends with everything reclaimed.
//
// A pairing layer (support/pairing_layers.hpp), compiled once: the tests are named
// linearizability/pairing/<scheme>__<structure>.<test>.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "linearizability/checker.hpp"
#include "linearizability/compiled_checks.hpp"
#include "linearizability/history.hpp"
#include "linearizability/sequential_specs.hpp"
#include "support/pairing_layers.hpp"
#include "support/stress_scale.hpp"

namespace smrlab_test::linearizability_layer {
namespace {

using smrlab::erased_domain;
using smrlab::erased_handle;
using smrlab::erased_structure;
using smrlab_test::stress_scale_divisor;
namespace lin = smrlab_test::lin;

constexpr unsigned rounds = 200 / stress_scale_divisor;
constexpr unsigned wanted_threads = 3;
constexpr unsigned ops_per_thread = 10;
constexpr unsigned prefill_ops = 3;
constexpr std::uint64_t set_keys = 4;  // few keys, so that operations collide

// A value no other push of the round uses, readable in a report: 1000 x (thread + 1) + i (the
// prefill counts as a thread).
static_assert(ops_per_thread < 1000 && prefill_ops < 1000);
std::uint64_t unique_value(unsigned thread, unsigned i) {
  return std::uint64_t{1000} * (thread + 1) + i;
}

// Up to max_pause iterations of busy waiting between a thread's operations, so that the
// threads, which start a little apart, spread their operations over the same stretch of time.
constexpr std::uint64_t max_pause = 1024;
void pause(std::uint64_t iterations) {
  for (std::uint64_t i = 0; i < iterations; ++i) {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // a compiler barrier: keep the loop
  }
}

// One random operation of the structure's kind, recorded.
void random_op(smr::structure_kind kind, erased_structure& ds, erased_handle& h, lin::recorder& rec,
               std::mt19937_64& rng, std::uint64_t value) {
  using lin::op_kind;
  if (kind == smr::structure_kind::pool) {
    if (rng() % 2 == 0) {
      rec.record(op_kind::push, value, [&] { ds.push(h, value); });
    } else {
      rec.record(op_kind::pop, 0, [&] { return ds.pop(h); });
    }
  } else if (kind == smr::structure_kind::deque) {
    switch (rng() % 4) {
      case 0:
        rec.record(op_kind::push_left, value, [&] { ds.push_left(h, value); });
        break;
      case 1:
        rec.record(op_kind::push_right, value, [&] { ds.push_right(h, value); });
        break;
      case 2:
        rec.record(op_kind::pop_left, 0, [&] { return ds.pop_left(h); });
        break;
      default:
        rec.record(op_kind::pop_right, 0, [&] { return ds.pop_right(h); });
    }
  } else {
    const std::uint64_t key = rng() % set_keys;
    const unsigned r = static_cast<unsigned>(rng() % 10);
    if (r < 4) {
      rec.record(op_kind::insert, key, [&] { return ds.insert(h, key); });
    } else if (r < 8) {
      rec.record(op_kind::remove, key, [&] { return ds.remove(h, key); });
    } else {
      rec.record(op_kind::contains, key, [&] { return ds.contains(h, key); });
    }
  }
}

// How many operations overlap an operation of another thread: how concurrent the rounds were
// (reported as a test property; a loaded machine may serialize many rounds).
std::size_t overlapping_ops(const lin::history& h) {
  std::size_t n = 0;
  for (const lin::operation& a : h) {
    for (const lin::operation& b : h) {
      if (a.thread != b.thread && a.invoke < b.response && b.invoke < a.response) {
        ++n;
        break;
      }
    }
  }
  return n;
}

// The prefill, from one thread before the others start: pushes, or inserts of distinct keys.
void prefill(smr::structure_kind kind, erased_structure& ds, erased_handle& h, lin::recorder& rec,
             unsigned thread) {
  for (unsigned i = 0; i < prefill_ops; ++i) {
    if (kind == smr::structure_kind::set) {
      const std::uint64_t key = i % set_keys;
      rec.record(lin::op_kind::insert, key, [&] { return ds.insert(h, key); });
    } else if (kind == smr::structure_kind::deque) {
      const std::uint64_t v = unique_value(thread, i);
      rec.record(i % 2 == 0 ? lin::op_kind::push_left : lin::op_kind::push_right, v, [&] {
        if (i % 2 == 0) {
          ds.push_left(h, v);
        } else {
          ds.push_right(h, v);
        }
      });
    } else {
      const std::uint64_t v = unique_value(thread, i);
      rec.record(lin::op_kind::push, v, [&] { ds.push(h, v); });
    }
  }
}

// Spins on `done` a while, then yields: waiting threads start close together without starving
// the others of the (possibly few) cores.
template <class Done>
void wait_until(Done&& done) {
  for (unsigned spins = 0; !done(); ++spins) {
    if (spins > 2000) std::this_thread::yield();
  }
}

void small_concurrent_histories_are_linearizable(const pairing_entry& p) {
  const unsigned threads = threads_allowed(p, wanted_threads);

  // The workers live across rounds (starting threads per round would spread them apart). Each
  // round the main thread makes a fresh domain and structure, prefills it, publishes them in
  // `current` and bumps `published`; the workers take handles, wait for each other, run their
  // operations, drop their handles and count themselves in `finished`.
  struct round_state {
    erased_domain* domain = nullptr;
    erased_structure* ds = nullptr;
    std::vector<std::unique_ptr<lin::recorder>>* recorders = nullptr;
  };
  round_state current;
  std::atomic<unsigned> published{0};  // rounds handed to the workers
  std::atomic<unsigned> started{0};    // worker-rounds with a handle taken
  std::atomic<unsigned> finished{0};   // worker-rounds done, handle dropped
  std::atomic<bool> stop{false};

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (unsigned round = 0;; ++round) {
        // Acquire pairs with the release store of `published`: `current` and the prefill
        // happen-before this round's operations.
        wait_until([&] {
          return published.load(std::memory_order_acquire) > round ||
                 stop.load(std::memory_order_relaxed);
        });
        if (published.load(std::memory_order_acquire) <= round) return;  // stopped
        {
          const std::unique_ptr<erased_handle> h = current.domain->attach();
          std::mt19937_64 rng((std::uint64_t{round} << 8U) + t + 1);
          lin::recorder& rec = *(*current.recorders)[t];
          // Only a count: start together once every worker holds a handle.
          started.fetch_add(1, std::memory_order_relaxed);
          wait_until(
              [&] { return started.load(std::memory_order_relaxed) == threads * (round + 1); });
          for (unsigned i = 0; i < ops_per_thread; ++i) {
            random_op(p.kind, *current.ds, *h, rec, rng, unique_value(t, i));
            pause(rng() % max_pause);
          }
        }
        // Release pairs with the main thread's acquire load: the operations, the records and
        // the handle's release happen-before the check and the teardown.
        finished.fetch_add(1, std::memory_order_release);
      }
    });
  }

  std::size_t configurations = 0;
  std::size_t overlapping = 0;
  std::string failure;
  for (unsigned round = 0; round < rounds && failure.empty(); ++round) {
    const std::unique_ptr<erased_domain> d = p.make_domain(config_for(p, threads));
    lin::logical_clock clock;
    std::vector<std::unique_ptr<lin::recorder>> recorders;
    for (unsigned t = 0; t <= threads; ++t) {
      recorders.push_back(std::make_unique<lin::recorder>(clock, t));
    }
    {
      const std::unique_ptr<erased_structure> ds = d->make_structure();
      {
        // The prefill thread is number `threads`; its handle is gone before the workers start
        // (schemes such as immediate_free allow one thread at a time).
        const std::unique_ptr<erased_handle> h = d->attach();
        prefill(p.kind, *ds, *h, *recorders[threads], threads);
      }
      current = round_state{d.get(), ds.get(), &recorders};
      published.store(round + 1, std::memory_order_release);  // pairs with the workers' acquire
      wait_until([&] { return finished.load(std::memory_order_acquire) == threads * (round + 1); });
    }
    std::vector<const lin::recorder*> all;
    for (const auto& r : recorders) all.push_back(r.get());
    const lin::history h = lin::merge(all);
    const lin::check_result r = lin::check_for_kind(p.kind, p.order, h);
    configurations += r.configurations;
    overlapping += overlapping_ops(h);
    if (!r.linearizable) {
      failure = "round " + std::to_string(round) + ", " + std::to_string(threads) +
                " threads: " + r.report;
    }
    {
      SCOPED_TRACE(::testing::Message() << "round " << round);
      expect_everything_reclaimed(*d);
    }
    if (::testing::Test::HasFailure()) break;
  }
  stop.store(true, std::memory_order_relaxed);
  for (std::thread& w : workers) w.join();
  if (!failure.empty()) ADD_FAILURE() << p.scheme << " x " << p.structure << ", " << failure;
  ::testing::Test::RecordProperty("rounds", static_cast<int>(rounds));
  ::testing::Test::RecordProperty("configurations", static_cast<int>(configurations));
  ::testing::Test::RecordProperty("overlapping_ops", static_cast<int>(overlapping));
}

}  // namespace

[[maybe_unused]] const bool registered =
    add_pairing_layer({"linearizability",
                       every_pairing,
                       {SMRLAB_LAYER_TEST(small_concurrent_histories_are_linearizable)}});

}  // namespace smrlab_test::linearizability_layer
