// One trial of one scheme x structure pairing (DESIGN.md, "The harness"):
//   1. build the domain and the structure, prefill, start and pin the workers, warm up;
//   2. measure for a duration or a fixed number of operations per thread;
//   3. a sampler thread records unreclaimed objects and RSS every ~1 ms;
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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/element_checksum.hpp"
#include "harness/op_rng.hpp"
#include "harness/process_memory.hpp"
#include "harness/topology.hpp"
#include "harness/trial_types.hpp"
#include "harness/workload_ops.hpp"
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

}  // namespace trial_detail

// clang-format off (clang-format 14 misplaces a requires-clause)
template <class S, class DS>
requires smr::pool_structure<DS, S> || smr::deque_structure<DS, S> || smr::set_structure<DS, S>
    trial_result run_trial(const trial_config& cfg) {
  // clang-format on
  using namespace trial_detail;
  using clock = std::chrono::steady_clock;
  trial_result r;

  const smr::domain_config dc = smr::config_for(DS::requirements, cfg.threads);
  r.bound = S::bound(smr::bound_inputs{cfg.threads, DS::requirements, dc.scan_threshold_min});
  auto domain = std::make_unique<typename S::domain>(dc);
  auto structure = std::make_unique<DS>(*domain);

  // Sets draw keys from the distribution; built once (a Zipf sampler sums a series) and shared.
  std::optional<key_sampler> keys;
  if constexpr (DS::kind == smr::structure_kind::set) {
    keys.emplace(cfg.workload.dist, cfg.workload.key_range);
  }

  // 1. Prefill from this thread, with a handle released before the workers register.
  element_checksum prefilled;
  {
    typename S::thread_handle h(*domain);
    op_rng rng(cfg.seed * 1000003ULL + cfg.threads);
    prefilled = workload_ops<DS>::prefill(
        *structure, h, cfg.workload, cfg.prefill, [&] { return rng.next(); }, cfg.threads);
  }

  std::atomic<int> phase{starting};
  std::atomic<unsigned> ready{0};
  std::atomic<unsigned> stopped{0};
  // Workers that ran the workload to its end (ops mode: completed their operations).
  std::atomic<unsigned> completed{0};
  std::atomic<bool> cap_hit{false};
  std::vector<worker_state> workers(cfg.threads);

  auto worker = [&](unsigned id) {
    worker_state& me = workers[id];
    try {
      const std::optional<unsigned> planned =
          id < cfg.placement_plan.size() ? cfg.placement_plan[id].pu : std::nullopt;
      if (planned) me.binding.planned_pu = static_cast<int>(*planned);
      if (cfg.machine != nullptr && cfg.machine->is_this_system()) {
        if (planned) me.binding.bound = cfg.machine->bind_current_thread(*planned);
        if (cfg.membind != mem_policy::first_touch) {
          me.binding.memory_bound = cfg.machine->bind_memory(cfg.membind, planned);
        }
      }
      // Optional so that an exiting worker can destroy it halfway through the trial.
      std::optional<typename S::thread_handle> h(std::in_place, *domain);
      op_rng rng(cfg.seed * 1000003ULL + id);
      std::uint64_t sequence = 0;
      const key_sampler* sampler_of_keys = keys ? &*keys : nullptr;
      auto one_op = [&] {
        const unsigned r = rng.percent();
        workload_ops<DS>::op(*structure, *h, cfg.workload, sampler_of_keys, r, rng.next(),
                             unique_value(id, sequence++), me.tally);
      };
      // Acquire: pairs with the main thread's release of `stop`, like every worker's wait.
      auto trial_stopped = [&] { return phase.load(std::memory_order_acquire) >= stop; };
      const bool parked = cfg.fault.parks(id, cfg.threads);
      const bool sleeps = cfg.fault.sleeps(id, cfg.threads);
      const bool exits = cfg.fault.exits(id, cfg.threads);
      if (parked) {
        // Ready only once inside its operation: the release pairs with the main thread's acquire
        // of `ready` before it starts the warm-up, so no worker runs an operation before the
        // parked thread's guard and hazard are published.
        park_inside_operation<S>(
            *structure, *h, [&] { ready.fetch_add(1, std::memory_order_acq_rel); }, trial_stopped);
      } else {
        ready.fetch_add(1, std::memory_order_acq_rel);
        wait_until(phase, warmup);
      }
      const auto period = std::chrono::milliseconds(cfg.fault.period_ms);
      auto next_sleep = clock::now() + period;
      clock::time_point measure_seen{};
      std::uint64_t ops = 0;
      std::uint64_t ops_at_measure = 0;
      bool measuring = false;
      // Exiting workers leave halfway through the measured phase (or their operations).
      auto halfway = [&] {
        if (cfg.mode == run_mode::ops) return 2 * (ops - ops_at_measure) >= cfg.ops_per_thread;
        return clock::now() - measure_seen >= std::chrono::duration<double>(cfg.duration_s / 2);
      };
      while (!parked) {
        // Relaxed: only a signal to stop or to start counting; nothing is published with it.
        const int ph = phase.load(std::memory_order_relaxed);
        if (ph >= stop) break;
        if (!measuring && ph == measure) {
          measuring = true;
          ops_at_measure = ops;
          measure_seen = clock::now();
        }
        if (cfg.mode == run_mode::ops && measuring && ops - ops_at_measure >= cfg.ops_per_thread) {
          me.finished = clock::now();
          completed.fetch_add(1, std::memory_order_acq_rel);
          break;
        }
        if (exits && measuring && halfway()) break;
        if (sleeps && clock::now() >= next_sleep) {
          const auto wake = clock::now() + period;
          park_inside_operation<S>(
              *structure, *h, [] {}, [&] { return trial_stopped() || clock::now() >= wake; });
          next_sleep = clock::now() + period;
        }
        one_op();
        ++ops;
      }
      me.measured_ops = measuring ? ops - ops_at_measure : 0;
      // Leaving halfway: the handle goes now, while the others still run; what this worker
      // retired is the scheme's to reclaim (orphan adoption, HelpScan).
      if (exits) h.reset();
      if (cfg.machine != nullptr && cfg.machine->is_this_system()) {
        if (auto pu = cfg.machine->current_pu()) {
          me.binding.ran_on_pu = static_cast<int>(*pu);
          if (auto node = cfg.machine->numa_node_of_pu(*pu)) {
            me.binding.numa_node = static_cast<int>(*node);
          }
        }
      }
      stopped.fetch_add(1, std::memory_order_acq_rel);
      // Keep the handle until the main thread has read the counters at the end of measurement.
      wait_until(phase, teardown);
    } catch (...) {
      me.error = std::current_exception();
      phase.store(stop, std::memory_order_release);
      stopped.fetch_add(1, std::memory_order_acq_rel);
    }
  };

  // 3. The sampler.
  const auto t_origin = clock::now();
  std::atomic<bool> sampler_done{false};
  std::vector<memory_sample> samples;
  std::int64_t measured_sum = 0;
  std::size_t measured_count = 0;
  std::thread sampler([&] {
    rss_reader rss;
    allocator_stats allocator;
    while (!sampler_done.load(std::memory_order_acquire)) {
      const smr::counter_totals c = domain->counters();
      const std::uint64_t bytes = rss.bytes();
      const std::optional<std::uint64_t> allocated = allocator.allocated_bytes();
      const double t = std::chrono::duration<double, std::milli>(clock::now() - t_origin).count();
      const int ph = phase.load(std::memory_order_relaxed);
      samples.push_back({t, ph, c.unreclaimed(), bytes, allocated});
      if (allocated) {
        r.allocator_bytes_peak = std::max(r.allocator_bytes_peak.value_or(0), *allocated);
      }
      r.pool_bytes_peak = std::max(r.pool_bytes_peak, c.pool_bytes);
      if (ph == measure) {
        measured_sum += c.unreclaimed();
        ++measured_count;
      }
      if (cfg.memory_cap_bytes != 0 && bytes > cfg.memory_cap_bytes) {
        cap_hit.store(true, std::memory_order_release);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::vector<std::thread> threads;
  threads.reserve(cfg.threads);
  for (unsigned i = 0; i < cfg.threads; ++i) threads.emplace_back(worker, i);
  while (ready.load(std::memory_order_acquire) + stopped.load(std::memory_order_acquire) <
         cfg.threads) {
    std::this_thread::yield();
  }

  auto interrupted = [&] {
    return cfg.interrupt != nullptr && cfg.interrupt->load(std::memory_order_relaxed);
  };
  auto should_stop = [&] {
    return interrupted() || cap_hit.load(std::memory_order_acquire) ||
           phase.load(std::memory_order_acquire) >= stop;
  };
  // Sleeps in short slices so a cap, an interrupt or a worker error ends the phase early.
  auto run_for = [&](double seconds, auto done) {
    const auto until = clock::now() + std::chrono::duration<double>(seconds);
    while (clock::now() < until && !should_stop() && !done()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  auto never = [] { return false; };

  // 2. Warm up, then measure.
  phase.store(warmup, std::memory_order_release);
  run_for(cfg.warmup_s, never);
  int expected = warmup;
  phase.compare_exchange_strong(expected, measure, std::memory_order_acq_rel);
  const auto t_start = clock::now();
  if (cfg.mode == run_mode::duration) {
    run_for(cfg.duration_s, never);
  } else {
    // Parked and exiting workers do not complete their operations.
    const unsigned active = cfg.fault.active_threads(cfg.threads);
    run_for(1e9, [&] { return completed.load(std::memory_order_acquire) >= active; });
  }
  expected = measure;
  phase.compare_exchange_strong(expected, stop, std::memory_order_acq_rel);
  while (stopped.load(std::memory_order_acquire) < cfg.threads) std::this_thread::yield();
  const auto t_end = clock::now();

  r.at_end = domain->counters();
  r.unreclaimed_end = r.at_end.unreclaimed();
  sampler_done.store(true, std::memory_order_release);
  sampler.join();
  phase.store(teardown, std::memory_order_release);
  for (auto& t : threads) t.join();

  // Ops mode ends when the last worker completes its operations, timed by the workers
  // themselves: the main thread only polls for it (in 2 ms slices), which would round short
  // trials up to the slice.
  auto measured_end = t_end;
  if (cfg.mode == run_mode::ops) {
    auto last = t_start;
    bool all_finished = true;
    for (unsigned id = 0; id < cfg.fault.active_threads(cfg.threads); ++id) {
      const worker_state& w = workers[id];
      if (w.finished == clock::time_point{}) all_finished = false;
      last = std::max(last, w.finished);
    }
    if (all_finished) measured_end = last;
  }
  r.elapsed_s = std::chrono::duration<double>(measured_end - t_start).count();
  r.samples = samples.size();
  for (const auto& s : samples) {
    r.unreclaimed_peak = std::max(r.unreclaimed_peak, s.unreclaimed);
    r.rss_peak_bytes = std::max(r.rss_peak_bytes, s.rss_bytes);
  }
  r.unreclaimed_peak = std::max(r.unreclaimed_peak, r.unreclaimed_end);
  r.unreclaimed_mean = measured_count > 0
                           ? static_cast<double>(measured_sum) / static_cast<double>(measured_count)
                           : static_cast<double>(r.unreclaimed_end);
  if (cfg.keep_timeseries) r.timeseries = std::move(samples);

  element_checksum expected_left = prefilled;
  // Throughput and fairness are over the workers that ran the workload, not the parked ones.
  const unsigned active = cfg.fault.active_threads(cfg.threads);
  r.ops_min_thread = active == 0 ? 0 : UINT64_MAX;
  for (unsigned id = 0; id < cfg.threads; ++id) {
    worker_state& w = workers[id];
    r.total_ops += w.measured_ops;
    if (id < active) {
      r.ops_min_thread = std::min(r.ops_min_thread, w.measured_ops);
      r.ops_max_thread = std::max(r.ops_max_thread, w.measured_ops);
    }
    expected_left += w.tally.added;
    expected_left -= w.tally.taken;
    r.bindings.push_back(w.binding);
    if (w.error && r.status != trial_status::error) {
      r.status = trial_status::error;
      try {
        std::rethrow_exception(w.error);
      } catch (const std::exception& e) {
        r.message = e.what();
      } catch (...) {
        r.message = "unknown exception in a worker";
      }
    }
  }
  if (r.status == trial_status::ok && cap_hit.load()) {
    r.status = trial_status::memory_cap;
    r.message = "resident memory exceeded the cap of " + std::to_string(cfg.memory_cap_bytes) +
                " bytes; the trial was stopped early";
  }
  if (r.status == trial_status::ok && interrupted()) r.status = trial_status::interrupted;

  // 5. Validate: what is left must equal prefilled + added - taken, and the structure must pass
  // its kind's at-rest check (a deque reads the same both ways; a set's keys ascend and nothing
  // is left half-removed). Pools and deques are drained, so teardown accounts for every node.
  element_checksum left;
  {
    typename S::thread_handle h(*domain);
    r.valid = workload_ops<DS>::at_rest(*structure, h, left);
  }
  if (left != expected_left && r.valid == "ok") {
    r.valid = "element conservation failed: expected " + expected_left.describe() + ", found " +
              left.describe();
  }

  // Teardown: destroy the structure first (link-counting schemes drop the claims its remaining
  // nodes hold on deleted ones), then drain the domain. Everything retired must be reclaimed,
  // everything allocated freed.
  structure.reset();
  domain->reclaim_all_quiescent();
  const smr::counter_totals last = domain->counters();
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
    r.teardown = problems;
  }
  domain.reset();
  return r;
}

}  // namespace smrlab
