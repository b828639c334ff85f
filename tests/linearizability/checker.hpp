// checker: decides whether a recorded history (history.hpp) of completed operations is
// linearizable with respect to a sequential model (sequential_specs.hpp), the Wing & Gong
// search with the memoization of Lowe ("Testing for linearizability", 2017):
//
//   depth-first, from (nothing linearized, empty state), linearize next any *minimal* operation
//   (one not yet linearized whose invocation precedes the response of every other operation not
//   yet linearized: nothing must come before it in real time) whose recorded result the model
//   allows in the current state; succeed when every operation is linearized. A cache of visited
//   configurations (set of linearized operations, model state) prunes the search: two paths
//   reaching the same configuration have the same futures.
//
// All operations must be complete (the tests join their threads before checking). The search is
// exponential in the worst case; it is meant for small histories (a few threads x about ten
// operations, unique pushed values, sets over a few keys), where the cache keeps it tiny. A
// budget on visited configurations stops it anyway, and says so, rather than hang a test.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "linearizability/history.hpp"

namespace smrlab_test::lin {

struct check_result {
  bool linearizable = false;
  bool budget_exhausted = false;   // gave up: neither proved nor refuted
  std::size_t configurations = 0;  // distinct configurations visited
  // When not linearizable: the model, the history in invocation order, and the longest prefix
  // the search could linearize (where the history stops making sense).
  std::string report;
};

namespace detail {

struct configuration {
  std::vector<std::uint64_t> linearized;  // bitset over the history's operations
  std::vector<std::uint64_t> state;

  bool operator==(const configuration&) const = default;
};

struct configuration_hash {
  std::size_t operator()(const configuration& c) const noexcept {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    auto mix = [&h](std::uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U); };
    for (std::uint64_t w : c.linearized) mix(w);
    mix(c.state.size());
    for (std::uint64_t v : c.state) mix(v);
    return static_cast<std::size_t>(h);
  }
};

template <class Model>
class search {
  static_assert(std::is_same_v<typename Model::state, std::vector<std::uint64_t>>,
                "a model's state is a std::vector<std::uint64_t> (see sequential_specs.hpp)");

 public:
  search(const history& h, std::size_t budget) : ops_(h), budget_(budget) {
    // Invocation order: candidates are tried in the order they began, which finds the common
    // (nearly sequential) linearizations first.
    std::sort(ops_.begin(), ops_.end(),
              [](const operation& a, const operation& b) { return a.invoke < b.invoke; });
    words_ = (ops_.size() + 63) / 64;
  }

  check_result run() {
    check_result r;
    configuration start{std::vector<std::uint64_t>(words_, 0), {}};
    r.linearizable = visit(start, 0);
    r.budget_exhausted = exhausted_;
    r.configurations = seen_.size();
    if (!r.linearizable) r.report = report();
    return r;
  }

 private:
  static bool test(const std::vector<std::uint64_t>& bits, std::size_t i) {
    return ((bits[i / 64] >> (i % 64)) & 1U) != 0;
  }

  bool visit(const configuration& c, std::size_t depth) {
    if (depth == ops_.size()) return true;
    if (seen_.size() >= budget_) {
      exhausted_ = true;
      return false;
    }
    if (!seen_.insert(c).second) return false;  // explored already, and it failed
    // Minimal operations: invoked before the earliest response among those not yet linearized.
    std::uint64_t first_response = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (!test(c.linearized, i)) first_response = std::min(first_response, ops_[i].response);
    }
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      if (test(c.linearized, i)) continue;
      // Sorted by invocation: nothing later can be minimal either.
      if (ops_[i].invoke > first_response) break;
      std::optional<typename Model::state> next = Model::apply(c.state, ops_[i]);
      if (!next) continue;
      configuration n{c.linearized, std::move(*next)};
      n.linearized[i / 64] |= std::uint64_t{1} << (i % 64);
      path_.push_back(i);
      if (path_.size() > best_path_.size()) {
        best_path_ = path_;
        best_state_ = n.state;
      }
      if (visit(n, depth + 1)) return true;
      path_.pop_back();
      if (exhausted_) return false;
    }
    return false;
  }

  std::string report() const {
    std::string out =
        std::string(exhausted_ ? "search budget exhausted (inconclusive)" : "not linearizable") +
        " as a " + Model::name + "; " + std::to_string(ops_.size()) +
        " operations, in invocation order:\n" + describe(ops_);
    out += "longest linearizable prefix (" + std::to_string(best_path_.size()) + " of " +
           std::to_string(ops_.size()) + "):\n";
    for (std::size_t i : best_path_) out += "  " + describe(ops_[i]) + "\n";
    out += "model state after it: [";
    for (std::size_t i = 0; i < best_state_.size(); ++i) {
      out += (i == 0 ? "" : ", ") + std::to_string(best_state_[i]);
    }
    out += "]\nno remaining minimal operation's result is allowed there\n";
    return out;
  }

  history ops_;
  std::size_t budget_;
  std::size_t words_ = 0;
  bool exhausted_ = false;
  std::unordered_set<configuration, configuration_hash> seen_;
  std::vector<std::size_t> path_;
  std::vector<std::size_t> best_path_;
  typename Model::state best_state_;
};

}  // namespace detail

// Whether `h` is linearizable with respect to Model. `budget` bounds the configurations visited;
// when it runs out the result is not linearizable, with budget_exhausted set.
template <class Model>
check_result check(const history& h, std::size_t budget = 1'000'000) {
  return detail::search<Model>(h, budget).run();
}

}  // namespace smrlab_test::lin
