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
};

}  // namespace smrlab::micro
