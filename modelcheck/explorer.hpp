// The explorer: runs a program's executions one after another under a strategy (bounded DFS or
// PCT, modelcheck/strategies.hpp) and a memory model, until one fails or the budget is spent, and
// replays one execution from its schedule string, step by step.
//
// A program is a set-up (run directly, before the threads), one body per model thread, and a
// finish (run directly after them): its teardown and checks. After the finish, whatever the
// program allocated during the execution must be freed again (a leak, otherwise).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "modelcheck/execution.hpp"

namespace smr::modelcheck {

struct program {
  unsigned threads = 2;
  std::function<void()> set_up;
  std::function<void(unsigned)> thread;
  // Teardown and checks: what is wrong, or std::nullopt.
  std::function<std::optional<std::string>()> finish;
  // After an execution failed midway: forget (leak) the state the threads shared, whose
  // destructors must not run.
  std::function<void()> abandon;
};

enum class strategy_kind : std::uint8_t { dfs, pct };
const char* to_string(strategy_kind s);

struct exploration_options {
  strategy_kind strategy = strategy_kind::dfs;
  memory_model model = memory_model::sc;
  std::size_t budget = 20000;    // executions at most
  unsigned max_preemptions = 2;  // dfs: rounds 0, 1, ..., this
  unsigned pct_depth = 3;        // pct: d
  std::uint64_t seed = 1;        // pct
  std::size_t max_steps = 20000;
};

struct failure_report {
  std::string what;
  std::string schedule;  // modelcheck/schedule_string.hpp
  unsigned preemptions = 0;
  std::size_t steps = 0;
  std::size_t execution = 0;  // which one found it, from 1
};

struct exploration_report {
  std::size_t executions = 0;
  std::optional<failure_report> failure;
  // dfs: the highest preemption bound whose executions were all explored, if any.
  std::optional<unsigned> bound_completed;
  std::size_t longest = 0;  // steps of the longest execution
  double seconds = 0;
};

exploration_report explore(const program& p, const exploration_options& options);

// One execution that follows `schedule`, each step printed to stderr when `trace`.
execution_result replay(const program& p, memory_model model, const std::vector<choice>& schedule,
                        bool trace, std::size_t max_steps = 20000);

}  // namespace smr::modelcheck
