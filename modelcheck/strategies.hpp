// The exploration strategies: which choice each step of an execution takes.
//
//   bounded_dfs   CHESS's iterative context bounding (Musuvathi and Qadeer, PLDI 2007): a
//                 stateless depth-first search over every execution with at most `bound`
//                 preemptions (a switch away from a thread that could go on), each execution
//                 replayed from the start. Continuing the running thread is free, and so is any
//                 choice after a thread blocks, yields or ends. Run with bound 0, 1, 2, ... it
//                 finds a failure with the fewest preemptions first.
//   pct           probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random
//                 thread priorities and d-1 random priority change points; each execution finds
//                 a bug of depth d with probability at least 1/(n k^(d-1)), n the threads (under
//                 TSO, also one per store buffer) and k the steps of an execution.
//   replay        exactly the choices of a schedule string (modelcheck/schedule_string.hpp).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "modelcheck/execution.hpp"

namespace smr::modelcheck {

class bounded_dfs final : public strategy {
 public:
  explicit bounded_dfs(unsigned bound) : bound_(bound) {}

  std::size_t choose(const decision& d) override;
  std::string stop_reason() const override { return mismatch_; }
  // After an execution: moves to the next one; false when the search is complete.
  bool advance();

 private:
  struct frame {
    std::size_t enabled = 0;  // how many choices there were (checks that the program is
                              // deterministic: a replayed prefix must offer the same)
    std::size_t chosen = 0;
    std::vector<std::size_t> untried;  // within the bound
    unsigned preemptions = 0;          // up to and including this step's choice
  };

  unsigned bound_;
  std::vector<frame> stack_;
  std::size_t depth_ = 0;  // the step of the running execution
  std::string mismatch_;
};

class pct final : public strategy {
 public:
  // `depth` is d; `steps` is k, the expected length of an execution (updated by begin()).
  pct(std::uint64_t seed, unsigned depth) : rng_(seed), depth_(depth) {}

  // Draws the priorities and change points of the next execution.
  void begin(unsigned entities, std::size_t steps);
  std::size_t choose(const decision& d) override;

 private:
  // A thread's step and its buffer's flush are separate entities: entity = thread, or
  // threads + thread for a flush.
  std::size_t entity(const choice& c, unsigned threads) const;

  std::mt19937_64 rng_;
  unsigned depth_;
  std::vector<std::int64_t> priority_;
  std::vector<std::size_t> change_points_;
  std::int64_t lowest_ = 0;
};

class replay final : public strategy {
 public:
  explicit replay(std::vector<choice> schedule) : schedule_(std::move(schedule)) {}
  std::size_t choose(const decision& d) override;
  std::string stop_reason() const override { return reason_; }

 private:
  std::vector<choice> schedule_;
  std::string reason_;
};

}  // namespace smr::modelcheck
