// history: what the linearizability tests record of a concurrent run, for checker.hpp to judge
// against a sequential model (sequential_specs.hpp). An operation is its thread, what it was
// (push, pop_left, insert, ...), its argument, its result, and two timestamps taken from one
// shared logical clock: one immediately before the call, one immediately after it returns.
//
// Real-time order is captured conservatively: the interval [invoke, response] of a record
// contains the whole of the call, so when a.response < b.invoke the call a really returned
// before the call b began, and the checker may rely on it. Overlapping intervals may or may not
// have overlapped in reality; the checker then tries both orders, which can only accept more.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace smrlab_test::lin {

enum class op_kind : std::uint8_t {
  push,  // pool
  pop,
  push_left,  // deque
  push_right,
  pop_left,
  pop_right,
  insert,  // set
  remove,
  contains,
};

inline std::string_view to_string(op_kind k) {
  switch (k) {
    case op_kind::push:
      return "push";
    case op_kind::pop:
      return "pop";
    case op_kind::push_left:
      return "push_left";
    case op_kind::push_right:
      return "push_right";
    case op_kind::pop_left:
      return "pop_left";
    case op_kind::pop_right:
      return "pop_right";
    case op_kind::insert:
      return "insert";
    case op_kind::remove:
      return "remove";
    case op_kind::contains:
      return "contains";
  }
  return "?";
}

// One completed operation.
//   argument: the value pushed or the key of a set operation (unused by pops)
//   result:   pops: the value popped, or nullopt for "empty";
//             set operations: 1 for true, 0 for false; pushes: nullopt
struct operation {
  unsigned thread = 0;
  op_kind kind = op_kind::push;
  std::uint64_t argument = 0;
  std::optional<std::uint64_t> result;
  std::uint64_t invoke = 0;
  std::uint64_t response = 0;
};

inline std::string describe(const operation& op) {
  std::ostringstream s;
  s << "t" << op.thread << " [" << op.invoke << ", " << op.response << "] " << to_string(op.kind);
  switch (op.kind) {
    case op_kind::push:
    case op_kind::push_left:
    case op_kind::push_right:
      s << "(" << op.argument << ")";
      break;
    case op_kind::pop:
    case op_kind::pop_left:
    case op_kind::pop_right:
      s << "() -> " << (op.result ? std::to_string(*op.result) : std::string("empty"));
      break;
    case op_kind::insert:
    case op_kind::remove:
    case op_kind::contains:
      s << "(" << op.argument << ") -> " << (op.result.value_or(0) != 0 ? "true" : "false");
      break;
  }
  return s.str();
}

using history = std::vector<operation>;

// Every operation, one a line, in invocation order.
inline std::string describe(const history& h) {
  history sorted = h;
  std::sort(sorted.begin(), sorted.end(),
            [](const operation& a, const operation& b) { return a.invoke < b.invoke; });
  std::string out;
  for (const operation& op : sorted) out += "  " + describe(op) + "\n";
  return out;
}

// The one clock of a history: every timestamp of every thread comes from it. seq_cst RMWs on a
// single atomic form one total order, and each tick reads the previous one (a release sequence),
// so a response tick that precedes an invoke tick also happens-before it: the recorded order is
// one the program really had.
class logical_clock {
 public:
  std::uint64_t tick() { return now_.fetch_add(1, std::memory_order_seq_cst); }

 private:
  std::atomic<std::uint64_t> now_{0};
};

// Records the operations of one thread. Not shared: each thread owns one.
class recorder {
 public:
  recorder(logical_clock& clock, unsigned thread) : clock_(&clock), thread_(thread) {}

  // Runs call() between two ticks and records it. call returns the result as described in
  // `operation` (anything convertible to std::optional<std::uint64_t>; bool is turned into 0/1).
  template <class F>
  auto record(op_kind kind, std::uint64_t argument, F&& call) {
    operation op;
    op.thread = thread_;
    op.kind = kind;
    op.argument = argument;
    op.invoke = clock_->tick();
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      op.response = clock_->tick();
      ops_.push_back(op);
    } else {
      auto r = call();
      op.response = clock_->tick();
      if constexpr (std::is_same_v<decltype(r), bool>) {
        op.result = r ? 1 : 0;
      } else {
        op.result = r;
      }
      ops_.push_back(op);
      return r;
    }
  }

  const history& operations() const { return ops_; }

 private:
  logical_clock* clock_;
  unsigned thread_;
  history ops_;
};

// The recorders' operations as one history.
inline history merge(const std::vector<const recorder*>& recorders) {
  history all;
  for (const recorder* r : recorders) {
    all.insert(all.end(), r->operations().begin(), r->operations().end());
  }
  return all;
}

}  // namespace smrlab_test::lin
