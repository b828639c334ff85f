#include "property/operation_sequences.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>  // after gtest.h, which it uses without including

#include <utility>

namespace smrlab_test::property_layer {

std::ostream& operator<<(std::ostream& os, const op& o) {
  switch (o.kind) {
    case op_kind::push:
      return os << "push(" << o.value << ")";
    case op_kind::pop:
      return os << "pop";
    case op_kind::push_left:
      return os << "push_left(" << o.value << ")";
    case op_kind::push_right:
      return os << "push_right(" << o.value << ")";
    case op_kind::pop_left:
      return os << "pop_left";
    case op_kind::pop_right:
      return os << "pop_right";
    case op_kind::insert:
      return os << "insert(" << o.value << ")";
    case op_kind::remove:
      return os << "remove(" << o.value << ")";
    case op_kind::contains:
      return os << "contains(" << o.value << ")";
  }
  return os << "?";
}

namespace {

template <class Kinds>
rc::Gen<std::vector<op>> sequences_of(Kinds kinds, std::uint64_t limit) {
  return rc::gen::container<std::vector<op>>(
      rc::gen::build<op>(rc::gen::set(&op::kind, std::move(kinds)),
                         rc::gen::set(&op::value, rc::gen::inRange<std::uint64_t>(0, limit))));
}

rc::Gen<std::vector<op>> operation_sequences(smr::structure_kind kind) {
  switch (kind) {
    case smr::structure_kind::pool:
      return sequences_of(rc::gen::element(op_kind::push, op_kind::pop), value_limit);
    case smr::structure_kind::deque:
      return sequences_of(rc::gen::element(op_kind::push_left, op_kind::push_right,
                                           op_kind::pop_left, op_kind::pop_right),
                          value_limit);
    case smr::structure_kind::set:
      break;
  }
  return sequences_of(rc::gen::element(op_kind::insert, op_kind::remove, op_kind::contains),
                      set_key_limit);
}

}  // namespace

std::vector<op> draw_operations(smr::structure_kind kind) { return *operation_sequences(kind); }

void check_in_gtest(const std::function<void()>& property) { rc::detail::checkGTest(property); }

}  // namespace smrlab_test::property_layer
