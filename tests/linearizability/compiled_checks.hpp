// The checker's search (checker.hpp) over the models of sequential_specs.hpp, compiled once, in
// compiled_checks.cpp, instead of in each pairing's generated test file. A plugin's own model
// (a sequential_spec_for specialization) is instantiated where it is used, as before.
#pragma once

#include <cstddef>

#include "linearizability/checker.hpp"
#include "linearizability/history.hpp"
#include "linearizability/sequential_specs.hpp"

namespace smrlab_test::lin {

extern template check_result check<stack_model>(const history&, std::size_t);
extern template check_result check<queue_model>(const history&, std::size_t);
extern template check_result check<deque_model>(const history&, std::size_t);
extern template check_result check<set_model>(const history&, std::size_t);

}  // namespace smrlab_test::lin
