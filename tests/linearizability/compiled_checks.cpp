#include "linearizability/compiled_checks.hpp"

namespace smrlab_test::lin {

template check_result check<stack_model>(const history&, std::size_t);
template check_result check<queue_model>(const history&, std::size_t);
template check_result check<deque_model>(const history&, std::size_t);
template check_result check<set_model>(const history&, std::size_t);

}  // namespace smrlab_test::lin
