// sequential_specs: the sequential specifications the linearizability checker (checker.hpp)
// judges recorded histories (history.hpp) against: a stack (LIFO), a queue (FIFO), a deque
// (both ends) and a set. Each model is a state plus apply(state, operation): the state after the
// operation when its recorded result is one the specification allows, otherwise nullopt.
//
// Every state is a std::vector<std::uint64_t> (small, hashable by the checker, comparable):
//   stack: bottom .. top;  queue: oldest .. newest;  deque: left .. right;  set: sorted keys.
//
// compiled_checks.hpp picks the model from the structure's kind (structures/structure.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "linearizability/history.hpp"
#include "structures/structure.hpp"

namespace smrlab_test::lin {

using model_state = std::vector<std::uint64_t>;

// LIFO: push puts on top, pop takes the top or reports empty when there is none.
struct stack_model {
  using state = model_state;
  static constexpr const char* name = "stack (LIFO)";
  static std::optional<state> apply(const state& s, const operation& op) {
    switch (op.kind) {
      case op_kind::push: {
        state n = s;
        n.push_back(op.argument);
        return n;
      }
      case op_kind::pop: {
        if (s.empty()) return op.result ? std::nullopt : std::optional<state>(s);
        if (!op.result || *op.result != s.back()) return std::nullopt;
        return state(s.begin(), s.end() - 1);
      }
      default:
        return std::nullopt;  // not an operation of a stack
    }
  }
};

// FIFO: push appends at the back, pop takes the front or reports empty (a pool declaring
// smr::pool_order::fifo: michael_scott_queue).
struct queue_model {
  using state = model_state;
  static constexpr const char* name = "queue (FIFO)";
  static std::optional<state> apply(const state& s, const operation& op) {
    switch (op.kind) {
      case op_kind::push: {
        state n = s;
        n.push_back(op.argument);
        return n;
      }
      case op_kind::pop: {
        if (s.empty()) return op.result ? std::nullopt : std::optional<state>(s);
        if (!op.result || *op.result != s.front()) return std::nullopt;
        return state(s.begin() + 1, s.end());
      }
      default:
        return std::nullopt;
    }
  }
};

// A double-ended queue: push and pop at either end; a pop on an empty deque reports empty.
struct deque_model {
  using state = model_state;
  static constexpr const char* name = "deque";
  static std::optional<state> apply(const state& s, const operation& op) {
    switch (op.kind) {
      case op_kind::push_left: {
        state n;
        n.reserve(s.size() + 1);
        n.push_back(op.argument);
        n.insert(n.end(), s.begin(), s.end());
        return n;
      }
      case op_kind::push_right: {
        state n = s;
        n.push_back(op.argument);
        return n;
      }
      case op_kind::pop_left:
      case op_kind::pop_right: {
        const bool left = op.kind == op_kind::pop_left;
        if (s.empty()) return op.result ? std::nullopt : std::optional<state>(s);
        if (!op.result || *op.result != (left ? s.front() : s.back())) return std::nullopt;
        return left ? state(s.begin() + 1, s.end()) : state(s.begin(), s.end() - 1);
      }
      default:
        return std::nullopt;
    }
  }
};

// A set of keys: insert is true iff the key was absent, remove true iff it was present,
// contains true iff present.
struct set_model {
  using state = model_state;
  static constexpr const char* name = "set";
  static std::optional<state> apply(const state& s, const operation& op) {
    const auto at = std::lower_bound(s.begin(), s.end(), op.argument);
    const bool present = at != s.end() && *at == op.argument;
    const bool said = op.result.value_or(0) != 0;
    switch (op.kind) {
      case op_kind::insert: {
        if (said == present) return std::nullopt;
        if (present) return s;
        state n = s;
        n.insert(n.begin() + (at - s.begin()), op.argument);
        return n;
      }
      case op_kind::remove: {
        if (said != present) return std::nullopt;
        if (!present) return s;
        state n = s;
        n.erase(n.begin() + (at - s.begin()));
        return n;
      }
      case op_kind::contains:
        return said == present ? std::optional<state>(s) : std::nullopt;
      default:
        return std::nullopt;
    }
  }
};

}  // namespace smrlab_test::lin
