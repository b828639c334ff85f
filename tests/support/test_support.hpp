// Shared pieces of the C++ tests: the gtest type list of every registered scheme and of every
// compatible pairing (so plugins are covered automatically), readable test names, a node whose
// reclamation is observable, and the scale of stress runs under sanitizers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <type_traits>

#include "harness/type_lists.hpp"
#include "smrlab/registry_generated.hpp"
#include "structures/structure.hpp"

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

// The pairings whose structure is a set (kind set): what the set contract tests run on.
template <class List>
struct sets_only;
template <class... Ps>
struct sets_only<smr::type_list<Ps...>> {
  using type = smr::concat_t<std::conditional_t<Ps::structure::kind == smr::structure_kind::set,
                                                smr::type_list<Ps>, smr::type_list<>>...>;
};
using set_pairings = gtest_types<typename sets_only<smr::compatible_pairings_t<
    smrlab::generated::schemes, smrlab::generated::structures>>::type>::type;

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

// `wanted` threads, or fewer where the scheme allows fewer (immediate_free: one).
template <class S>
unsigned threads_allowed(unsigned wanted) {
  return S::traits.max_threads == 0 ? wanted : std::min(wanted, S::traits.max_threads);
}

// After a structure and every handle are gone: nothing retired is left unreclaimed, and every
// node made was either reclaimed (retired) or destroyed at teardown (never retired).
template <class S>
void expect_everything_reclaimed(typename S::domain& d) {
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.retired, c.reclaimed);
  EXPECT_EQ(c.allocated, c.reclaimed + c.destroyed);
}

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
