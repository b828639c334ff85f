// The bare-loop reference: the same structure code, the same operation mix, keys, seeds,
// prefill and placement as a trial (harness/trial.hpp), driven by a loop that does nothing but
// the operations and a counter: no sampler, no validation tally, no fault checks, no progress
// watch. Comparing a trial's throughput with it shows what the harness itself costs
// (`smrlab overhead`).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/bare_loop_types.hpp"
#include "harness/op_rng.hpp"
#include "harness/trial_types.hpp"
#include "harness/worker_placement.hpp"
#include "harness/workload_ops.hpp"
#include "schemes/offline_while_waiting.hpp"
#include "structures/structure.hpp"

namespace smrlab {

namespace bare_loop_detail {

struct alignas(64) worker_count {
  std::uint64_t measured_ops = 0;
};

}  // namespace bare_loop_detail

// Duration mode only counts what the workers complete between the start and the end of the
// measured phase; ops mode runs cfg.ops_per_thread operations per worker after the warm-up.
// Faults are not injected.
template <class S, class DS>
bare_loop_result run_bare_loop(const trial_config& cfg) {
  using clock = std::chrono::steady_clock;
  using namespace trial_detail;
  const smr::domain_config dc = smr::config_for(DS::requirements, cfg.threads);
  auto domain = std::make_unique<typename S::domain>(dc);
  auto structure = smr::make_structure_for<DS>(*domain, cfg.workload.key_range);
  std::optional<key_sampler> keys;
  if constexpr (DS::kind == smr::structure_kind::set) {
    keys.emplace(cfg.workload.dist, cfg.workload.key_range);
  }
  {
    typename S::thread_handle h(*domain);
    op_rng rng(cfg.seed * 1000003ULL + cfg.threads);  // the trial runner's prefill seed
    workload_ops<DS>::prefill(
        *structure, h, cfg.workload, cfg.prefill, [&] { return rng.next(); }, cfg.threads);
  }

  std::atomic<int> phase{starting};
  std::atomic<unsigned> ready{0};
  std::vector<bare_loop_detail::worker_count> counts(cfg.threads);
  auto worker = [&](unsigned id) {
    place_worker(cfg, id);  // as the trial runner does
    typename S::thread_handle h(*domain);
    op_rng rng(cfg.seed * 1000003ULL + id);  // the trial runner's worker seed
    const key_sampler* sampler_of_keys = keys ? &*keys : nullptr;
    no_tally nothing;
    std::uint64_t sequence = 0;
    std::uint64_t ops = 0;
    std::uint64_t at_measure = 0;
    bool measuring = false;
    // Release: pairs with the main thread's acquire, which then starts the warm-up.
    ready.fetch_add(1, std::memory_order_release);
    // Acquire: pairs with the main thread's release of warmup; nothing else is published.
    {
      const smr::offline_while_waiting<typename S::thread_handle> offline(h);  // as in a trial
      while (phase.load(std::memory_order_acquire) < warmup) std::this_thread::yield();
    }
    for (;;) {
      // Relaxed: only a signal to start counting or to stop, as in the trial runner.
      const int ph = phase.load(std::memory_order_relaxed);
      if (ph >= stop) break;
      if (!measuring && ph == measure) {
        measuring = true;
        at_measure = ops;
      }
      if (cfg.mode == run_mode::ops && measuring && ops - at_measure >= cfg.ops_per_thread) break;
      const unsigned r = rng.percent();
      workload_ops<DS>::op(*structure, h, cfg.workload, sampler_of_keys, r, rng.next(),
                           unique_value(id, sequence++), nothing);
      ++ops;
    }
    counts[id].measured_ops = measuring ? ops - at_measure : 0;
  };

  std::vector<std::thread> threads;
  threads.reserve(cfg.threads);
  for (unsigned i = 0; i < cfg.threads; ++i) threads.emplace_back(worker, i);
  // Acquire: pairs with each worker's release of `ready`.
  while (ready.load(std::memory_order_acquire) < cfg.threads) std::this_thread::yield();
  phase.store(warmup, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.warmup_s));
  phase.store(measure, std::memory_order_release);
  const auto t_start = clock::now();
  if (cfg.mode == run_mode::duration) {
    std::this_thread::sleep_for(std::chrono::duration<double>(cfg.duration_s));
    phase.store(stop, std::memory_order_release);
  }
  for (auto& t : threads) t.join();
  const auto t_end = clock::now();

  bare_loop_result r;
  r.elapsed_s = std::chrono::duration<double>(t_end - t_start).count();
  for (const auto& c : counts) r.total_ops += c.measured_ops;
  structure.reset();
  domain->reclaim_all_quiescent();
  domain.reset();
  settle_heap();  // as a trial ends, so that neither driver leaves the other a worse heap
  return r;
}

}  // namespace smrlab
