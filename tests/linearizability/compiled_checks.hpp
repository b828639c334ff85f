// The checker's search (checker.hpp) over the models of sequential_specs.hpp, compiled once, in
// compiled_checks.cpp, and the model a structure is checked against, chosen by its kind and, for
// a pool, its declared order (smr::pool_order): a set against set_model, a deque against
// deque_model, a lifo pool (a stack) against stack_model, a fifo pool (a queue) against
// queue_model.
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

// The history against the model of a structure of `kind` (a pool's in its `order`).
check_result check_for_kind(smr::structure_kind kind, smr::pool_order order, const history& h);

}  // namespace smrlab_test::lin
