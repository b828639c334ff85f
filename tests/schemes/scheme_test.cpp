// Tests of the scheme contract (schemes/scheme.hpp), typed over every registered scheme, so a
// plugin gets them too: the DeleteNode hook, the counters, and the central safety property —
// a reference held inside a guard keeps its node alive while other threads retire it.
#include "schemes/scheme.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

#include "schemes/hazard_slots.hpp"  // smr::max_hazards_per_thread
#include "support/test_support.hpp"

namespace {

using smrlab_test::tracked_node;

template <class S>
class scheme_contract : public ::testing::Test {};
TYPED_TEST_SUITE(scheme_contract, smrlab_test::all_schemes, smrlab_test::scheme_names);

smr::domain_config two_hazards() {
  smr::domain_config c;
  c.hazards_per_thread = 2;
  return c;
}

TYPED_TEST(scheme_contract, meets_the_contract) {
  static_assert(smr::reclamation_scheme<TypeParam>);
  EXPECT_FALSE(TypeParam::name.empty());
}

// A node whose clean-up callback is misspelt (node_for_scheme, schemes/scheme.hpp).
template <class S>
struct node_with_misspelt_clean_up : S::node_base {
  typename S::template link<node_with_misspelt_clean_up> next;
  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
  template <class H>
  void cleanup(H& /*h*/) {}
};

// A scheme that calls the structure's callbacks accepts no node type without its clean-up
// callback (its make() asserts check_node; tests/schemes/hprc/node_without_clean_up.cpp shows
// the message); the other schemes need none.
TYPED_TEST(scheme_contract, a_node_needs_its_clean_up_callback_where_the_scheme_calls_it) {
  using S = TypeParam;
  constexpr bool misspelt_accepted = smr::node_for_scheme<node_with_misspelt_clean_up<S>, S>;
  static_assert(misspelt_accepted == !S::traits.needs_structure_callbacks);
  EXPECT_EQ(misspelt_accepted, !S::traits.needs_structure_callbacks) << S::name;
  EXPECT_TRUE((smr::node_for_scheme<tracked_node<S>, S>)) << S::name;
}

// The traits `smrlab list` prints agree with the scheme: a bounded scheme writes its formula, a
// scheme whose bound() gives a number says it is bounded, and a node_base with members is
// described (a scheme may also describe metadata kept outside node_base, as valois_rc's pool
// header is).
TYPED_TEST(scheme_contract, traits_state_the_bound_and_the_node_metadata) {
  using S = TypeParam;
  EXPECT_EQ(S::traits.bounded_garbage, !S::traits.bound_formula.empty()) << S::name;
  smr::bound_inputs in;
  in.threads = 4;
  in.structure.hazards_per_thread = 3;
  in.scan_threshold_min = 64;
  if (S::bound(in).has_value()) {
    EXPECT_TRUE(S::traits.bounded_garbage) << S::name << ": bound() gives a number";
  }
  if (!std::is_empty_v<typename S::node_base>) {
    EXPECT_FALSE(S::traits.node_metadata.empty())
        << S::name << ": node_base has " << sizeof(typename S::node_base) << " bytes";
  }
}

TYPED_TEST(scheme_contract, hook_runs_once_before_the_destructor_and_teardown_reclaims_all) {
  using S = TypeParam;
  using node = tracked_node<S>;
  static std::atomic<int> hooks{0};
  hooks = 0;
  std::atomic<int> destroyed{0};
  constexpr int n = 500;
  {
    typename S::domain d(two_hazards());
    {
      typename S::thread_handle h(d);
      for (int i = 0; i < n; ++i) {
        const typename S::guard g(h);
        auto r = h.template make<node>(&destroyed, i);
        h.retire(
            std::move(r), +[](node* p) {
              // The hook sees the object before its destructor has run.
              EXPECT_GE(p->value, 0);
              hooks.fetch_add(1);
            });
      }
    }
    d.reclaim_all_quiescent();
    const smr::counter_totals c = d.counters();
    EXPECT_EQ(c.allocated, static_cast<std::uint64_t>(n));
    EXPECT_EQ(c.retired, static_cast<std::uint64_t>(n));
    EXPECT_EQ(c.reclaimed, static_cast<std::uint64_t>(n));
    EXPECT_EQ(c.unreclaimed(), 0);
  }
  EXPECT_EQ(hooks.load(), n);
  EXPECT_EQ(destroyed.load(), n);
}

// Amortized freeing (schemes/free_pacing.hpp) never frees more in one retire than batch mode
// does, and loses nothing: every node is still reclaimed by teardown, counted once. A scheme
// that frees each node as soon as it may (immediate_free, the link-counting schemes) or that
// does not read the setting (the peers) frees the same in both modes.
TYPED_TEST(scheme_contract, amortized_free_frees_no_more_per_retire_than_batch_and_loses_nothing) {
  using S = TypeParam;
  constexpr int n = 3000;
  const int batch = smrlab_test::most_frees_in_one_retire<S>(smr::free_mode::batch, n);
  const int amortized = smrlab_test::most_frees_in_one_retire<S>(smr::free_mode::amortized, n);
  EXPECT_LE(amortized, batch) << S::name;
}

TYPED_TEST(scheme_contract, destroy_unretired_is_counted_apart_from_reclamation) {
  using S = TypeParam;
  using node = tracked_node<S>;
  std::atomic<int> destroyed{0};
  typename S::domain d(two_hazards());
  node* raw = nullptr;
  {
    typename S::thread_handle h(d);
    auto r = h.template make<node>(&destroyed);
    raw = r.get();
  }
  d.destroy_unretired(raw);
  const smr::counter_totals c = d.counters();
  EXPECT_EQ(c.allocated, 1U);
  EXPECT_EQ(c.destroyed, 1U);
  EXPECT_EQ(c.retired, 0U);
  EXPECT_EQ(destroyed.load(), 1);
}

TYPED_TEST(scheme_contract, reclaim_all_quiescent_refuses_while_a_thread_is_registered) {
  using S = TypeParam;
  typename S::domain d(two_hazards());
  typename S::thread_handle h(d);
  EXPECT_THROW(d.reclaim_all_quiescent(), std::logic_error);
}

TYPED_TEST(scheme_contract, a_held_reference_keeps_its_node_alive_while_others_retire_it) {
  using S = TypeParam;
  using node = tracked_node<S>;
  std::atomic<int> destroyed{0};
  typename S::domain d(two_hazards());
  if (S::traits.max_threads == 1) {
    // Single-threaded by contract: the property holds because a second thread is refused.
    typename S::thread_handle first(d);
    EXPECT_THROW(typename S::thread_handle second(d), std::runtime_error);
    return;
  }
  typename S::template link<node> shared;
  {
    typename S::thread_handle h(d);
    auto n = h.template make<node>(&destroyed, 42);
    h.store(shared, n.ptr());
  }
  std::atomic<int> stage{0};
  std::thread reader([&] {
    typename S::thread_handle h(d);
    const typename S::guard g(h);
    auto r = h.deref(shared);
    ASSERT_TRUE(r);
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
    EXPECT_EQ(destroyed.load(), 0) << "node freed while a reference to it was held";
    EXPECT_EQ(r->value, 42);
  });
  while (stage.load() != 1) std::this_thread::yield();
  {
    typename S::thread_handle w(d);
    {
      const typename S::guard g(w);
      auto r = w.deref(shared);
      ASSERT_TRUE(w.cas(shared, r.ptr(), smr::marked_ptr<node>()));
      w.retire(std::move(r));
    }
    // Enough retires to trigger every scheme's scans and epoch advances many times over.
    for (int i = 0; i < 5000; ++i) {
      const typename S::guard g(w);
      w.retire(w.template make<node>());
    }
    EXPECT_EQ(destroyed.load(), 0);
    stage.store(2);
  }
  reader.join();
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

// deref_into (schemes/scheme.hpp), the scheme's own or the fallback: the reference follows each
// link it is given, again and again within the structure's two references (a scheme that took a
// slot per call and did not reuse the reference's would run out: hazard_slots throws), and a
// null link keeps its marks, which the list reads off a deleted last node.
TYPED_TEST(scheme_contract, deref_into_moves_a_reference_from_node_to_node_within_its_slots) {
  using S = TypeParam;
  using node = tracked_node<S>;
  std::atomic<int> destroyed{0};
  typename S::domain d(two_hazards());
  {
    typename S::thread_handle h(d);
    typename S::template link<node> a_link;
    typename S::template link<node> b_link;
    typename S::template link<node> marked_null;
    {
      auto a = h.template make<node>(&destroyed, 1);
      auto b = h.template make<node>(&destroyed, 2);
      h.store(a_link, a.ptr());
      h.store(b_link, b.ptr());
    }
    h.store(marked_null, smr::marked_ptr<node>(nullptr, 1));
    {
      const typename S::guard g(h);
      typename S::template ref<node> other = h.deref(a_link);  // the second of two references
      typename S::template ref<node> r;
      for (int i = 0; i < 3 * static_cast<int>(smr::max_hazards_per_thread); ++i) {
        smr::deref_into(h, r, i % 2 == 0 ? b_link : a_link);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->value, i % 2 == 0 ? 2 : 1);
        EXPECT_EQ(r.mark(), 0U);
      }
      smr::deref_into(h, r, marked_null);
      EXPECT_FALSE(r);
      EXPECT_EQ(r.mark(), 1U) << "deref_into dropped the marks of a null link";
      smr::deref_into(h, r, b_link);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->value, 2);
      EXPECT_EQ(other->value, 1);
    }
    for (auto* l : {&a_link, &b_link}) {
      const typename S::guard g(h);
      auto n = h.deref(*l);
      ASSERT_TRUE(h.cas(*l, n.ptr(), smr::marked_ptr<node>()));
      h.retire(std::move(n));
    }
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 2);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TYPED_TEST(scheme_contract, concurrent_counter_sums_never_show_negative_garbage) {
  using S = TypeParam;
  using node = tracked_node<S>;
  const unsigned workers = S::traits.max_threads == 1 ? 1 : 2;
  typename S::domain d(two_hazards());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) {
    threads.emplace_back([&] {
      typename S::thread_handle h(d);
      while (!stop.load(std::memory_order_relaxed)) {
        const typename S::guard g(h);
        h.retire(h.template make<node>());
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    const smr::counter_totals c = d.counters();
    ASSERT_GE(c.unreclaimed(), 0);
    ASSERT_LE(c.retired, c.allocated);
  }
  stop = true;
  for (auto& t : threads) t.join();
  d.reclaim_all_quiescent();
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

}  // namespace
