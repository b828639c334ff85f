// The node the micro benchmarks allocate, protect and retire: the smallest node every scheme
// accepts, with one link so that link-counting schemes (valois_rc, hprc) have something to walk
// through for_each_link when they clean up or terminate it.
#pragma once

#include <cstdint>

namespace smrlab::micro {

template <class S>
struct node : S::node_base {
  explicit node(std::uint64_t v = 0) : value(v) {}
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  typename S::template link<node> next;
  std::uint64_t value;

  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }

  // The clean-up callback of schemes with structure callbacks (hprc; schemes/scheme.hpp,
  // node_for_scheme): empty, since the benchmarks never set next, so no link of this node points
  // at a deleted node; an empty one also keeps clean-up work out of hprc's measured retires.
  template <class H>
  void clean_up(H& /*h*/) {}
};

}  // namespace smrlab::micro
