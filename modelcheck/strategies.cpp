#include "modelcheck/strategies.hpp"

#include <algorithm>
#include <numeric>

namespace smr::modelcheck {

namespace {

constexpr std::size_t none = static_cast<std::size_t>(-1);

// The index of the continuing thread's step among the choices, or none.
std::size_t continuing_index(const decision& d) {
  if (!d.continuing) return none;
  const auto& e = *d.enabled;
  const auto it = std::find(e.begin(), e.end(), choice{*d.continuing, false});
  return it == e.end() ? none : static_cast<std::size_t>(it - e.begin());
}

// The default of a new step: go on with the running thread, else the first thread that can run
// (a flush only when no thread can).
std::size_t default_choice(const decision& d, std::size_t continuing) {
  if (continuing != none) return continuing;
  const auto& e = *d.enabled;
  const auto it = std::find_if(e.begin(), e.end(), [](const choice& c) { return !c.flush; });
  return it == e.end() ? 0 : static_cast<std::size_t>(it - e.begin());
}

}  // namespace

std::size_t bounded_dfs::choose(const decision& d) {
  const std::size_t n = d.enabled->size();
  const unsigned before = depth_ == 0 ? 0 : stack_[depth_ - 1].preemptions;
  const std::size_t continuing = continuing_index(d);
  const auto cost = [continuing](std::size_t i) -> unsigned {
    return continuing != none && i != continuing ? 1U : 0U;
  };
  if (depth_ < stack_.size()) {  // replaying the prefix that leads to the next execution
    frame& f = stack_[depth_++];
    if (f.enabled != n) {
      mismatch_ = "the program is not deterministic: step " + std::to_string(depth_ - 1) +
                  " offers " + std::to_string(n) + " choices, " + std::to_string(f.enabled) +
                  " before";
      return stop;
    }
    f.preemptions = before + cost(f.chosen);
    return f.chosen;
  }
  frame f;
  f.enabled = n;
  f.chosen = default_choice(d, continuing);
  f.preemptions = before + cost(f.chosen);
  for (std::size_t i = n; i-- > 0;) {
    if (i != f.chosen && before + cost(i) <= bound_) f.untried.push_back(i);
  }
  stack_.push_back(std::move(f));
  ++depth_;
  return stack_.back().chosen;
}

bool bounded_dfs::advance() {
  depth_ = 0;
  while (!stack_.empty() && stack_.back().untried.empty()) stack_.pop_back();
  if (stack_.empty()) return false;
  frame& f = stack_.back();
  f.chosen = f.untried.back();
  f.untried.pop_back();
  return true;
}

void pct::begin(unsigned entities, std::size_t steps) {
  priority_.resize(entities);
  std::vector<std::int64_t> values(entities);
  std::iota(values.begin(), values.end(), static_cast<std::int64_t>(depth_));
  std::shuffle(values.begin(), values.end(), rng_);
  std::copy(values.begin(), values.end(), priority_.begin());
  change_points_.clear();
  std::uniform_int_distribution<std::size_t> at(1, std::max<std::size_t>(steps, 1));
  for (unsigned i = 1; i < depth_; ++i) change_points_.push_back(at(rng_));
  lowest_ = 0;
}

std::size_t pct::entity(const choice& c, unsigned threads) const {
  return c.flush ? threads + c.thread : c.thread;
}

std::size_t pct::choose(const decision& d) {
  const auto& e = *d.enabled;
  const std::size_t needed = 2 * static_cast<std::size_t>(d.threads);
  while (priority_.size() < needed)
    priority_.push_back(static_cast<std::int64_t>(priority_.size()) + depth_);
  if (d.yielded) priority_[*d.yielded] = --lowest_;  // a spinner lets the others run
  const auto highest = [&] {
    std::size_t best = 0;
    for (std::size_t i = 1; i < e.size(); ++i) {
      if (priority_[entity(e[i], d.threads)] > priority_[entity(e[best], d.threads)]) best = i;
    }
    return best;
  };
  std::size_t pick = highest();
  for (std::size_t i = 0; i < change_points_.size(); ++i) {
    if (change_points_[i] == d.step) {
      // The i-th change point: the thread that would run drops below every initial priority.
      priority_[entity(e[pick], d.threads)] = static_cast<std::int64_t>(i) + 1;
      pick = highest();
    }
  }
  return pick;
}

std::size_t replay::choose(const decision& d) {
  if (d.step >= schedule_.size()) {
    reason_ = "the schedule ends at step " + std::to_string(d.step) +
              ", and the execution goes on: it is not this program's";
    return stop;
  }
  const choice want = schedule_[d.step];
  const auto& e = *d.enabled;
  const auto it = std::find(e.begin(), e.end(), want);
  if (it == e.end()) {
    reason_ = "the schedule does not fit this program: at step " + std::to_string(d.step) +
              " it runs " + (want.flush ? "a flush of thread " : "thread ") +
              std::to_string(want.thread) + ", which cannot run there";
    return stop;
  }
  return static_cast<std::size_t>(it - e.begin());
}

}  // namespace smr::modelcheck
