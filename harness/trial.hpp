// One trial of one scheme x structure pairing (DESIGN.md, "The harness"):
//   1. build the domain and the structure, prefill, start and pin the workers, warm up;
//   2. measure for a duration or a fixed number of operations per thread;
//   3. a sampler thread records unreclaimed objects and RSS every --sample-interval (1 ms by
//      default; harness/memory_sampler.hpp), and a progress watch (harness/progress_watch.hpp)
//      marks a trial in which no operation completed, or a worker stalled, as no_progress;
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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/element_checksum.hpp"
#include "harness/op_rng.hpp"
#include "harness/trial_base.hpp"
#include "harness/trial_types.hpp"
#include "harness/worker_placement.hpp"
#include "harness/workload_ops.hpp"
#include "schemes/offline_while_waiting.hpp"
#include "schemes/scheme.hpp"
#include "structures/structure.hpp"
#include "workloads/fault_injection.hpp"

namespace smrlab {

namespace trial_detail {

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

// One trial, as named steps. Each step is a member function; run() calls them in order. The
// steps that do not depend on the pairing are trial_base's (harness/trial_base.hpp).
template <class S, class DS>
class trial_runner : trial_base {
 public:
  explicit trial_runner(const trial_config& cfg) : trial_base(cfg) {}

  trial_result run() {
    build();
    prefill();
    start_sampler([d = domain_.get()] { return d->counters(); });
    start_workers([this](unsigned id) { worker(id); });
    warm_up_and_measure();
    stop_workers();
    collect_counts();
    judge_status();
    validate();
    tear_down();
    settle_heap();  // harness/allocator.hpp
    return std::move(r_);
  }

 private:
  // ------------------------------------------------------------------ 1. build and prefill
  void build() {
    smr::domain_config dc = smr::config_for(DS::requirements, cfg_.threads);
    dc.free = cfg_.free;
    smr::bound_inputs in{cfg_.threads, DS::requirements, dc.scan_threshold_min};
    in.epoch_advance_interval = dc.epoch_advance_interval;
    if constexpr (DS::kind == smr::structure_kind::set) {
      in.live_nodes =
          smr::live_nodes_bound(DS::requirements, cfg_.workload.key_range, cfg_.threads);
    }
    r_.bound = S::bound(in);
    domain_ = std::make_unique<typename S::domain>(dc);
    structure_ = smr::make_structure_for<DS>(*domain_, cfg_.workload.key_range);
    // Sets draw keys from the distribution; built once (a Zipf sampler sums a series), shared.
    if constexpr (DS::kind == smr::structure_kind::set) {
      keys_.emplace(cfg_.workload.dist, cfg_.workload.key_range);
    }
  }

  // From this thread, with a handle released before the workers register.
  void prefill() {
    const auto start = clock::now();
    typename S::thread_handle h(*domain_);
    op_rng rng(cfg_.seed * 1000003ULL + cfg_.threads);
    prefilled_ = workload_ops<DS>::prefill(
        *structure_, h, cfg_.workload, cfg_.prefill, [&] { return rng.next(); }, cfg_.threads);
    r_.prefill_s = std::chrono::duration<double>(clock::now() - start).count();
  }

  // ------------------------------------------------------------------ the workers
  void worker(unsigned id) {
    worker_state& me = workers_[id];
    try {
      me.binding = place_worker(cfg_, id);
      // Optional so that an exiting worker can destroy it halfway through the trial.
      std::optional<typename S::thread_handle> h(std::in_place, *domain_);
      run_workload(id, me, h);
      // Leaving halfway: the handle goes now, while the others still run; what this worker
      // retired is the scheme's to reclaim (orphan adoption, HelpScan).
      if (cfg_.fault.exits(id, cfg_.threads)) h.reset();
      record_where_it_ran(cfg_, me.binding);
      stopped_.fetch_add(1, std::memory_order_acq_rel);
      // Keep the handle until the main thread has read the counters at the end of measurement.
      wait_offline_until(teardown, h);
    } catch (...) {
      fail_worker(me, std::current_exception());
    }
  }

  // Waits for the phase outside any operation: offline, for a scheme whose threads can go
  // offline (smr::offline_while_waiting), so that a waiting worker holds back no reclamation.
  void wait_offline_until(int at_least, std::optional<typename S::thread_handle>& h) const {
    if (!h) {
      wait_until(phase_, at_least);
      return;
    }
    const smr::offline_while_waiting<typename S::thread_handle> offline(*h);
    wait_until(phase_, at_least);
  }

  // Enters the trial (a parked worker: inside its operation, for good), then runs operations
  // until the trial stops, its operations are done (ops mode) or it leaves halfway (exit fault).
  void run_workload(unsigned id, worker_state& me, std::optional<typename S::thread_handle>& h) {
    const bool parked = cfg_.fault.parks(id, cfg_.threads);
    const bool sleeps = cfg_.fault.sleeps(id, cfg_.threads);
    const bool exits = cfg_.fault.exits(id, cfg_.threads);
    // Faulty workers stall on purpose; the watch looks at the others only. Relaxed: read only
    // for a verdict, after the workers started.
    if (parked || sleeps || exits) me.progress.watched.store(false, std::memory_order_relaxed);
    if (parked) {
      // Ready only once inside its operation: the release pairs with the main thread's acquire
      // of `ready` before it starts the warm-up, so no worker runs an operation before the
      // parked thread's guard and hazard are published.
      park_inside_operation<S>(
          *structure_, *h, [&] { ready_.fetch_add(1, std::memory_order_acq_rel); },
          [&] { return trial_stopped(); });
      return;
    }
    ready_.fetch_add(1, std::memory_order_acq_rel);
    wait_offline_until(warmup, h);
    if (sleeps || exits) {
      operation_loop<true>(id, me, *h, sleeps, exits);
    } else {
      operation_loop<false>(id, me, *h, false, false);
    }
  }

  // The hot loop. Only a worker with a sleep or exit fault pays for the fault checks; the
  // validation tally is kept local and handed over when the worker stops. Not inlined into
  // run_workload: there, GCC ran out of inlining budget and called the structure's operations
  // out of line, which the bare-loop reference inlines (hazard_pointers x treiber_stack: 0.86 of
  // the bare loop at 1 thread, pop out of line).
  template <bool WithFaults>
  [[gnu::noinline]] void operation_loop(unsigned id, worker_state& me, typename S::thread_handle& h,
                                        bool sleeps, bool exits) {
    op_rng rng(cfg_.seed * 1000003ULL + id);
    const key_sampler* keys = keys_ ? &*keys_ : nullptr;
    const bool ops_mode = cfg_.mode == run_mode::ops;
    const std::uint64_t ops_per_thread = cfg_.ops_per_thread;
    const auto period = std::chrono::milliseconds(cfg_.fault.period_ms);
    auto next_sleep = clock::now() + period;
    clock::time_point measure_seen{};
    op_tally tally;
    std::uint64_t sequence = 0;
    std::uint64_t ops = 0;
    std::uint64_t ops_at_measure = 0;
    bool measuring = false;
    // Exiting workers leave halfway through the measured phase (or their operations).
    auto halfway = [&] {
      if (ops_mode) return 2 * (ops - ops_at_measure) >= ops_per_thread;
      return clock::now() - measure_seen >= std::chrono::duration<double>(cfg_.duration_s / 2);
    };
    for (;;) {
      // Relaxed: only a signal to stop or to start counting; nothing is published with it.
      const int ph = phase_.load(std::memory_order_relaxed);
      if (ph >= stop) break;
      if (!measuring && ph == measure) {
        measuring = true;
        ops_at_measure = ops;
        if constexpr (WithFaults) measure_seen = clock::now();
      }
      if (ops_mode && measuring && ops - ops_at_measure >= ops_per_thread) {
        me.finished = clock::now();
        me.progress.watched.store(false, std::memory_order_relaxed);  // done, not stalled
        completed_.fetch_add(1, std::memory_order_acq_rel);
        break;
      }
      if constexpr (WithFaults) {
        if (exits && measuring && halfway()) break;
        if (sleeps && clock::now() >= next_sleep) {
          const auto wake = clock::now() + period;
          park_inside_operation<S>(
              *structure_, h, [] {}, [&] { return trial_stopped() || clock::now() >= wake; });
          next_sleep = clock::now() + period;
        }
      }
      workload_ops<DS>::op(*structure_, h, cfg_.workload, keys, rng.percent(), rng.next(),
                           unique_value(id, sequence++), tally);
      ++ops;
      // Relaxed: a count the progress watch reads; its only writer is this worker.
      me.progress.ops.store(ops, std::memory_order_relaxed);
    }
    me.tally = tally;
    me.measured_ops = measuring ? ops - ops_at_measure : 0;
  }

  // ------------------------------------------------------------------ 5. validate, tear down
  // What is left must equal prefilled + added - taken, and the structure must pass its kind's
  // at-rest check (a deque reads the same both ways; a set's keys ascend and nothing is left
  // half-removed). Pools and deques are drained, so teardown accounts for every node.
  void validate() {
    element_checksum left;
    std::string at_rest;
    {
      typename S::thread_handle h(*domain_);
      at_rest = workload_ops<DS>::at_rest(*structure_, h, left);
    }
    judge_contents(std::move(at_rest), left);
  }

  // Destroy the structure first (link-counting schemes drop the claims its remaining nodes hold
  // on deleted ones), then drain the domain and judge what is left.
  void tear_down() {
    structure_.reset();
    domain_->reclaim_all_quiescent();
    judge_teardown(domain_->counters());
    domain_.reset();
  }

  std::unique_ptr<typename S::domain> domain_;
  std::unique_ptr<DS> structure_;
  std::optional<key_sampler> keys_;
};

}  // namespace trial_detail

// clang-format off (clang-format 14 misplaces a requires-clause)
template <class S, class DS>
requires smr::pool_structure<DS, S> || smr::deque_structure<DS, S> || smr::set_structure<DS, S>
    trial_result run_trial(const trial_config& cfg) {
  // clang-format on
  return trial_detail::trial_runner<S, DS>(cfg).run();
}

}  // namespace smrlab
