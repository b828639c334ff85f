#include "modelcheck/explorer.hpp"

#include <algorithm>
#include <chrono>

#include "modelcheck/arena.hpp"
#include "modelcheck/schedule_string.hpp"
#include "modelcheck/strategies.hpp"

namespace smr::modelcheck {

const char* to_string(strategy_kind s) { return s == strategy_kind::dfs ? "dfs" : "pct"; }

namespace {

std::optional<std::string> finish_checked(const program& p) {
  try {
    return p.finish();
  } catch (const std::exception& e) {
    return std::string("teardown threw: ") + e.what();
  }
}

std::optional<std::string> leak_check() {
  if (const char* e = arena::take_error()) return std::string(e);
  const arena::usage left = arena::live();
  if (left.blocks == 0) return std::nullopt;
  return "leak at teardown: " + std::to_string(left.blocks) + " blocks (" +
         std::to_string(left.bytes) + " bytes) still allocated after the program's teardown";
}

// One execution of the program, set-up to leak check.
execution_result run_program(const program& p, strategy& s, const execution_options& o) {
  arena::begin();
  execution_result r;
  try {
    p.set_up();
  } catch (const std::exception& e) {
    r.failure = std::string("set-up failed: ") + e.what();
  }
  if (!r.failure) {
    r = run_execution(p.threads, p.thread, s, o);
  }
  if (r.failure) {
    p.abandon();
  } else {
    r.failure = finish_checked(p);
    if (!r.failure) r.failure = leak_check();
  }
  arena::end();
  if (r.failure) r.failure = std::string(*r.failure);  // out of the arena, which is reused
  return r;
}

// Runs once with the arena off, so that statics the program builds lazily live in malloc'd
// memory (they outlive an execution); its result does not count.
void warm_up(const program& p, const execution_options& o) {
  arena::set_enabled(false);
  bounded_dfs first(0);
  run_program(p, first, o);
  arena::set_enabled(true);
}

failure_report report_of(const execution_result& r, std::size_t execution) {
  return {*r.failure, encode_schedule(r.schedule), r.preemptions, r.steps, execution};
}

// One more execution, counted in `out`; true when it failed (and `out` has its report).
bool run_counted(const program& p, strategy& s, const execution_options& o,
                 exploration_report& out) {
  const execution_result r = run_program(p, s, o);
  ++out.executions;
  out.longest = std::max(out.longest, r.steps);
  if (r.failure) out.failure = report_of(r, out.executions);
  return r.failure.has_value();
}

void explore_dfs(const program& p, const exploration_options& options, const execution_options& o,
                 exploration_report& out) {
  for (unsigned bound = 0; bound <= options.max_preemptions; ++bound) {
    bounded_dfs s(bound);
    bool more = true;
    while (more && out.executions < options.budget) {
      if (run_counted(p, s, o, out)) return;
      more = s.advance();
    }
    if (more) return;  // the budget ran out within this bound
    out.bound_completed = bound;
  }
}

void explore_pct(const program& p, const exploration_options& options, const execution_options& o,
                 exploration_report& out) {
  pct s(options.seed, std::max(1U, options.pct_depth));
  const unsigned entities = p.threads * (options.model == memory_model::tso ? 2U : 1U);
  while (out.executions < options.budget) {
    // k, the steps of an execution, is the longest seen so far (the first run calibrates it).
    s.begin(entities, std::max<std::size_t>(out.longest, 1));
    if (run_counted(p, s, o, out)) return;
  }
}

}  // namespace

exploration_report explore(const program& p, const exploration_options& options) {
  const auto started = std::chrono::steady_clock::now();
  execution_options o;
  o.model = options.model;
  o.max_steps = options.max_steps;
  warm_up(p, o);
  exploration_report out;
  if (options.strategy == strategy_kind::dfs) {
    explore_dfs(p, options, o, out);
  } else {
    explore_pct(p, options, o, out);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

execution_result replay(const program& p, memory_model model, const std::vector<choice>& schedule,
                        bool trace, std::size_t max_steps) {
  execution_options o;
  o.model = model;
  o.max_steps = max_steps;
  warm_up(p, o);
  o.trace = trace;
  class replay s(schedule);
  return run_program(p, s, o);
}

}  // namespace smr::modelcheck
