// The bodies of the micro benchmarks, templates over the scheme S, and the state one run of a
// benchmark shares between its threads. Google Benchmark calls setup() once before the threads of
// a run start and teardown() once after they have all finished; the domain lives exactly that
// long, because plugins that wrap a process-wide library (liburcu, libcds) allow one live domain
// at a time. Each benchmark thread registers its own thread handle with that domain.
//
//   guard/<scheme>         construct and destroy one operation guard
//   deref/<scheme>         a guard, DeRefLink of one shared node, release of the reference
//   read_phase/<scheme>    deref's iteration written in phases (schemes/read_phases.hpp):
//                          SMR_READ_PHASE, the load, enter_write_phase reserving the ref. For a
//                          scheme that does not restart read phases both compile away, so it
//                          must cost what deref does; for nbr_plus it adds the checkpoint
//   alloc_retire/<scheme>  a guard, NewNode, DeleteNode; the reclamation retire triggers (scans,
//                          epoch advances) is paid inside the loop, amortised
//   heavy_fence/membarrier smr::sync::asymmetric_heavy_fence() alone: the cost of one hp_asym
//                          scan's fence or one ebr_asym advance's, at 1..N threads fencing
//   thread_ping/targets:N  one ping round (schemes/thread_ping.hpp): the caller pings N other
//                          threads, spinning outside any operation, and waits for every
//                          acknowledgement; what hp_pop and nbr_plus pay per scan and epoch_pop
//                          per fallback. ns_per_ping is the round's time over N
// alloc_retire also reports pings_per_retire for a scheme that pinged in the loop.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "harness/micro/micro_node.hpp"
#include "schemes/read_phases.hpp"
#include "schemes/scheme.hpp"
#include "schemes/sync.hpp"
#include "schemes/thread_ping.hpp"

namespace smrlab::micro {

// What the threads of one run share. Members are destroyed in reverse order: the link before the
// domain.
template <class S>
struct run_state {
  explicit run_state(const smr::domain_config& c) : domain(c) {}

  typename S::domain domain;
  typename S::template link<node<S>> shared;  // deref's target, set up by setup_deref
  // alloc_retire's rendezvous after the timed loop (see alloc_retire).
  std::atomic<int> threads_done{0};
  std::atomic<bool> snapshot_ready{false};
  double reclaimed_in_loop = 0;        // written by thread 0 before snapshot_ready is set
  double heavy_fences_per_retire = 0;  // likewise, for domains that count heavy fences
  double pings_per_retire = 0;         // likewise (0 for schemes that never ping)
};

// A domain whose scheme pays asymmetric heavy fences (hp_asym, ebr_asym) and counts them.
template <class D>
concept counts_heavy_fences = requires(D& d) {
  { d.heavy_fences() } -> std::convertible_to<std::uint64_t>;
};

template <class S>
inline std::unique_ptr<run_state<S>> current;  // one run at a time, set by the setup functions

inline smr::domain_config config_for_run(const benchmark::State& state) {
  smr::domain_config c;
  c.threads = static_cast<unsigned>(state.threads());
  c.hazards_per_thread = 2;
  // The benchmark threads plus the setup/teardown thread, which never overlap them.
  if (c.max_threads < c.threads + 1) c.max_threads = c.threads + 1;
  return c;
}

[[noreturn]] inline void fail(const char* family, std::string_view scheme, const char* what) {
  std::fprintf(stderr, "smrlab_micro: %s/%.*s: %s\n", family, static_cast<int>(scheme.size()),
               scheme.data(), what);
  std::abort();
}

// ------------------------------------------------------------------------------ set-up

template <class S>
void setup_domain(const benchmark::State& state) {
  if (current<S>) fail("setup", S::name, "a domain of the previous run is still alive");
  current<S> = std::make_unique<run_state<S>>(config_for_run(state));
}

template <class S>
void teardown_domain(const benchmark::State& /*state*/) {
  current<S>->domain.reclaim_all_quiescent();
  current<S>.reset();
}

// The shared node deref reads: made by a handle of the setup thread and published with StoreRef.
template <class S>
void setup_deref(const benchmark::State& state) {
  setup_domain<S>(state);
  run_state<S>& rs = *current<S>;
  typename S::thread_handle h(rs.domain);
  const typename S::guard g(h);
  auto n = h.template make<node<S>>(1);
  h.store(rs.shared, n.ptr());
}

// Unlinks the shared node and retires it, so that teardown reclaims it like any other node.
template <class S>
void teardown_deref(const benchmark::State& state) {
  run_state<S>& rs = *current<S>;
  {
    typename S::thread_handle h(rs.domain);
    const typename S::guard g(h);
    auto r = h.deref(rs.shared);
    if (!r) fail("deref", S::name, "the shared node disappeared during the run");
    h.store(rs.shared, smr::marked_ptr<node<S>>());
    h.retire(std::move(r));
  }
  rs.domain.reclaim_all_quiescent();
  const smr::counter_totals c = rs.domain.counters();
  if (c.retired != c.reclaimed) fail("deref", S::name, "the shared node was not reclaimed");
  teardown_domain<S>(state);
}

// After every thread has left, everything retired in the run must be reclaimed.
template <class S>
void teardown_alloc_retire(const benchmark::State& state) {
  run_state<S>& rs = *current<S>;
  rs.domain.reclaim_all_quiescent();
  const smr::counter_totals c = rs.domain.counters();
  if (c.retired != c.reclaimed) {
    char what[160];
    std::snprintf(what, sizeof what, "after reclaim_all_quiescent, %llu retired but %llu reclaimed",
                  static_cast<unsigned long long>(c.retired),
                  static_cast<unsigned long long>(c.reclaimed));
    fail("alloc_retire", S::name, what);
  }
  teardown_domain<S>(state);
}

// ------------------------------------------------------------------------------ bodies

template <class S>
void guard(benchmark::State& state) {
  typename S::thread_handle h(current<S>->domain);
  for (auto _ : state) {
    const typename S::guard g(h);
    benchmark::DoNotOptimize(g);
  }
  state.SetItemsProcessed(state.iterations());
}

template <class S>
void deref(benchmark::State& state) {
  run_state<S>& rs = *current<S>;
  typename S::thread_handle h(rs.domain);
  for (auto _ : state) {
    const typename S::guard g(h);
    auto r = h.deref(std::as_const(rs.shared));
    benchmark::DoNotOptimize(r.get());
  }  // r's release (ReleaseRef) and the guard's end are part of each iteration
  state.SetItemsProcessed(state.iterations());
}

// deref's iteration as a structure written in phases has it (harris_michael_list, treiber_stack):
// the checkpoint, the protected load in the read phase, the write phase reserving the ref. The
// checkpoint's frame is this function's, and the only object made after it, the ref, is
// trivially destructible under a restarting scheme (read_phases.hpp).
template <class S>
void read_phase(benchmark::State& state) {
  run_state<S>& rs = *current<S>;
  typename S::thread_handle h(rs.domain);
  for (auto _ : state) {
    const typename S::guard g(h);
    SMR_READ_PHASE(h);
    auto r = h.deref(std::as_const(rs.shared));
    smr::enter_write_phase(h, r);
    benchmark::DoNotOptimize(r.get());
  }
  state.SetItemsProcessed(state.iterations());
}

template <class S>
void alloc_retire(benchmark::State& state) {
  run_state<S>& rs = *current<S>;
  typename S::thread_handle h(rs.domain);
  std::uint64_t i = 0;
  for (auto _ : state) {
    const typename S::guard g(h);
    auto r = h.template make<node<S>>(i++);
    h.retire(std::move(r));
  }
  state.SetItemsProcessed(state.iterations());

  // Outside the timed loop: once every thread has finished retiring, and before any handle is
  // destroyed (a handle may reclaim on the way out), thread 0 reads which fraction of the
  // retired nodes the scheme reclaimed while the threads ran.
  // Release: pairs with thread 0's acquire load below, so it sees every thread as done.
  rs.threads_done.fetch_add(1, std::memory_order_release);
  if (state.thread_index() == 0) {
    // Acquire: pairs with the release increments above.
    while (rs.threads_done.load(std::memory_order_acquire) != state.threads()) {
      std::this_thread::yield();
    }
    const smr::counter_totals c = rs.domain.counters();
    rs.reclaimed_in_loop =
        c.retired == 0 ? 0.0 : static_cast<double>(c.reclaimed) / static_cast<double>(c.retired);
    if constexpr (counts_heavy_fences<typename S::domain>) {
      rs.heavy_fences_per_retire = c.retired == 0 ? 0.0
                                                  : static_cast<double>(rs.domain.heavy_fences()) /
                                                        static_cast<double>(c.retired);
    }
    rs.pings_per_retire =
        c.retired == 0 ? 0.0 : static_cast<double>(c.pings) / static_cast<double>(c.retired);
    // Release: pairs with the acquire load below, publishing reclaimed_in_loop.
    rs.snapshot_ready.store(true, std::memory_order_release);
  }
  // Acquire: pairs with thread 0's release store of snapshot_ready.
  while (!rs.snapshot_ready.load(std::memory_order_acquire)) std::this_thread::yield();
  state.counters["reclaimed_in_loop"] =
      benchmark::Counter(rs.reclaimed_in_loop, benchmark::Counter::kAvgThreads);
  if (rs.pings_per_retire > 0) {
    // The thread pings the scheme sent per retire; their cost is in the time.
    state.counters["pings_per_retire"] =
        benchmark::Counter(rs.pings_per_retire, benchmark::Counter::kAvgThreads);
  }
  if constexpr (counts_heavy_fences<typename S::domain>) {
    // The heavy fences (membarrier) the scheme paid per retire; their cost is in the time.
    state.counters["heavy_fences_per_retire"] =
        benchmark::Counter(rs.heavy_fences_per_retire, benchmark::Counter::kAvgThreads);
  }
}

// One heavy fence per iteration, in every thread of the run: with T threads, T fences run at
// once, as when T threads scan together.
inline void heavy_fence(benchmark::State& state) {
  for (auto _ : state) smr::sync::asymmetric_heavy_fence();
}

inline void answer_nothing(void* /*unused*/) noexcept {}

// One ping round per iteration, to state.range(0) threads that spin outside any operation.
inline void thread_ping(benchmark::State& state) {
  const auto targets = static_cast<unsigned>(state.range(0));
  smr::ping_group group;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> joined{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < targets; ++t) {
    threads.emplace_back([&] {
      const smr::ping_group::receiver r(group, &answer_nothing, nullptr);
      joined.fetch_add(1);
      while (!stop.load(std::memory_order_relaxed)) {  // relaxed: a flag read in a spin
      }
    });
  }
  while (joined.load() != targets) std::this_thread::yield();
  const smr::ping_group::receiver self(group, &answer_nothing, nullptr);
  for (auto _ : state) benchmark::DoNotOptimize(group.ping_others(&self));
  stop.store(true);
  for (auto& t : threads) t.join();
  smr::counter_totals c;
  group.add_totals_to(c);
  state.SetItemsProcessed(static_cast<std::int64_t>(c.pings));
  state.counters["ns_per_ping"] =
      c.pings == 0 ? 0.0 : static_cast<double>(c.ping_ns) / static_cast<double>(c.pings);
}

}  // namespace smrlab::micro
