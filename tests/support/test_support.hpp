// Shared pieces of the C++ tests: the gtest type list of every registered scheme and of every
// compatible pairing (so plugins are covered automatically), readable test names, a node whose
// reclamation is observable, and the scale of stress runs under sanitizers.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "harness/type_lists.hpp"
#include "smrlab/registry_generated.hpp"

namespace smrlab_test {

template <class List>
struct gtest_types;
template <class... Ts>
struct gtest_types<smr::type_list<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

using all_schemes = gtest_types<smrlab::generated::schemes>::type;
using all_pairings = gtest_types<
    smr::compatible_pairings_t<smrlab::generated::schemes, smrlab::generated::structures>>::type;

struct scheme_names {
  template <class S>
  static std::string GetName(int /*unused*/) {
    return std::string(S::name);
  }
};
struct pairing_names {
  template <class P>
  static std::string GetName(int /*unused*/) {
    return std::string(P::scheme::name) + "__" + std::string(P::structure::name);
  }
};

// Stress sizes shrink under sanitizers, which slow code down 5-15x.
#if defined(SMRLAB_TEST_SANITIZED)
inline constexpr unsigned stress_scale_divisor = 2;
#else
inline constexpr unsigned stress_scale_divisor = 1;
#endif

// A node that reports its destruction, for checking when and how often reclamation happens.
template <class S>
struct tracked_node : S::node_base {
  explicit tracked_node(std::atomic<int>* destroyed_counter = nullptr, int v = 0)
      : destroyed(destroyed_counter), value(v) {}
  ~tracked_node() {
    if (destroyed != nullptr) destroyed->fetch_add(1, std::memory_order_relaxed);
  }
  tracked_node(const tracked_node&) = delete;
  tracked_node& operator=(const tracked_node&) = delete;

  typename S::template link<tracked_node> next;
  std::atomic<int>* destroyed;
  int value;

  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
};

}  // namespace smrlab_test
