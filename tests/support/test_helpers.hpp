// What the C++ tests of schemes and structures share that does not need the registry: readable
// test names, a node whose reclamation is observable, the reclamation check
// (support/reclamation_checks.hpp), and the scale of stress runs under sanitizers
// (support/stress_scale.hpp); support/test_support.hpp adds the registry's type lists.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "harness/type_lists.hpp"
#include "schemes/scheme.hpp"
#include "structures/structure.hpp"
#include "support/reclamation_checks.hpp"
#include "support/stress_scale.hpp"

namespace smrlab_test {

struct scheme_names {
  template <class S>
  static std::string GetName(int /*unused*/) {
    return std::string(S::name);
  }
};

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

  // The clean-up callback of schemes with structure callbacks (hprc; schemes/scheme.hpp,
  // node_for_scheme): empty. The tests link these nodes in short chains only, and hprc's chain
  // test checks that terminate alone drains them; a clean-up that skipped deleted successors
  // would drain them first.
  template <class H>
  void clean_up(H& /*h*/) {}
};

// The most nodes one retire call freed, over `n` retires of one thread, in free mode `mode`;
// checks that teardown reclaims and destroys every node all the same.
template <class S>
int most_frees_in_one_retire(smr::free_mode mode, int n) {
  using node = tracked_node<S>;
  std::atomic<int> destroyed{0};
  int most = 0;
  {
    smr::domain_config c;
    c.hazards_per_thread = 2;
    c.free = mode;
    typename S::domain d(c);
    {
      typename S::thread_handle h(d);
      for (int i = 0; i < n; ++i) {
        const typename S::guard g(h);
        auto r = h.template make<node>(&destroyed, i);
        const int before = destroyed.load();
        h.retire(std::move(r));
        most = std::max(most, destroyed.load() - before);
      }
    }
    d.reclaim_all_quiescent();
    const smr::counter_totals totals = d.counters();
    EXPECT_EQ(totals.reclaimed, static_cast<std::uint64_t>(n)) << S::name;
    EXPECT_EQ(totals.unreclaimed(), 0) << S::name;
  }
  EXPECT_EQ(destroyed.load(), n) << S::name;
  return most;
}

}  // namespace smrlab_test
