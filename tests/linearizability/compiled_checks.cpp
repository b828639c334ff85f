#include "linearizability/compiled_checks.hpp"

namespace smrlab_test::lin {

template check_result check<stack_model>(const history&, std::size_t);
template check_result check<queue_model>(const history&, std::size_t);
template check_result check<deque_model>(const history&, std::size_t);
template check_result check<set_model>(const history&, std::size_t);

check_result check_for_kind(smr::structure_kind kind, smr::pool_order order, const history& h) {
  switch (kind) {
    case smr::structure_kind::set:
      return check<set_model>(h);
    case smr::structure_kind::deque:
      return check<deque_model>(h);
    case smr::structure_kind::pool:
      break;
  }
  return order == smr::pool_order::fifo ? check<queue_model>(h) : check<stack_model>(h);
}

}  // namespace smrlab_test::lin
