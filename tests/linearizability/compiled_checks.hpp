// The checker's search (checker.hpp) over the models of sequential_specs.hpp, compiled once, in
// compiled_checks.cpp, and the model a structure is checked against, chosen by its kind: a set
// against set_model, a deque against deque_model, and a pool against stack_model. A pool is only
// "push a value, pop some value"; the registered pools are stacks. A pool with another order (a
// FIFO queue) needs its entry to say so, and its model here.
#pragma once

#include <cstddef>

#include "linearizability/checker.hpp"
#include "linearizability/history.hpp"
#include "linearizability/sequential_specs.hpp"
#include "structures/structure.hpp"

namespace smrlab_test::lin {

extern template check_result check<stack_model>(const history&, std::size_t);
extern template check_result check<queue_model>(const history&, std::size_t);
extern template check_result check<deque_model>(const history&, std::size_t);
extern template check_result check<set_model>(const history&, std::size_t);

// The history against the model of a structure of `kind`.
check_result check_for_kind(smr::structure_kind kind, const history& h);

}  // namespace smrlab_test::lin
