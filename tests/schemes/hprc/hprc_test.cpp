#include "schemes/hprc/hprc.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness/trial.hpp"
#include "structures/treiber_stack/treiber_stack.hpp"
#include "support/test_support.hpp"

namespace {

using node = smrlab_test::tracked_node<smr::hprc>;

smr::domain_config config(unsigned threads) {
  smr::structure_requirements r{.hazards_per_thread = 2, .links_per_node = 1};
  return smr::config_for(r, threads);
}

// hprc calls the structure's clean-up callback (needs_structure_callbacks), so a node type
// without one, or with it misspelt, is not a node for it, and make() does not compile
// (contract.rejects_a_node_without_clean_up_on_hprc); the structures' nodes are.
struct misspelt_node : smr::hprc::node_base {
  smr::hprc::link<misspelt_node> next;
  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
  template <class H>
  void clean_up_(H& /*h*/) {}
};
static_assert(!smr::node_for_scheme<misspelt_node, smr::hprc>);
static_assert(smr::node_for_scheme<smr::treiber_stack<smr::hprc>::node, smr::hprc>);

TEST(hprc, a_node_without_its_clean_up_callback_is_not_a_node_for_hprc) {
  EXPECT_TRUE(smr::hprc::traits.needs_structure_callbacks);
  EXPECT_FALSE((smr::node_for_scheme<misspelt_node, smr::hprc>));
  EXPECT_TRUE((smr::node_for_scheme<smr::treiber_stack<smr::hprc>::node, smr::hprc>));
  EXPECT_TRUE((smr::node_for_scheme<node, smr::hprc>));
}

TEST(hprc, links_count_references_and_local_references_do_not) {
  smr::hprc::domain d(config(2));
  smr::hprc::thread_handle h(d);
  smr::hprc::link<node> a, b;
  auto n = h.make<node>();
  EXPECT_EQ(n->mm_ref.load(), 0);
  h.store(a, n.ptr());
  EXPECT_EQ(n->mm_ref.load(), 1);
  EXPECT_TRUE(h.cas(b, smr::marked_ptr<node>(), n.ptr()));
  EXPECT_EQ(n->mm_ref.load(), 2);
  EXPECT_TRUE(h.cas(b, n.ptr(), n.ptr().with_mark(1)));  // a change of mark alone
  EXPECT_EQ(n->mm_ref.load(), 2);
  auto again = h.deref(a);
  EXPECT_EQ(n->mm_ref.load(), 2);
  again.reset();
  h.store(a, smr::marked_ptr<node>());
  EXPECT_TRUE(h.cas(b, n.ptr().with_mark(1), smr::marked_ptr<node>()));
  EXPECT_EQ(n->mm_ref.load(), 0);
  h.retire(std::move(n));
}

TEST(hprc, a_node_still_linked_is_not_reclaimed_until_the_link_goes) {
  std::atomic<int> destroyed{0};
  smr::hprc::domain d(config(1));
  smr::hprc::link<node> holder;
  {
    smr::hprc::thread_handle h(d);
    auto n = h.make<node>(&destroyed);
    h.store(holder, n.ptr());
    h.retire(std::move(n));
    for (std::uint32_t i = 0; i < 4 * d.deletion_list_capacity(); ++i) h.retire(h.make<node>());
    EXPECT_EQ(destroyed.load(), 0) << "reclaimed while a link still pointed at it";
    h.store(holder, smr::marked_ptr<node>());
    for (std::uint32_t i = 0; i < 4 * d.deletion_list_capacity(); ++i) h.retire(h.make<node>());
    EXPECT_EQ(destroyed.load(), 1);
  }
}

TEST(hprc, terminate_releases_the_claims_of_a_freed_node_so_chains_drain) {
  std::atomic<int> destroyed{0};
  smr::hprc::domain d(config(1));
  {
    smr::hprc::thread_handle h(d);
    // a -> b -> c, all deleted: freeing a releases b, then c.
    auto a = h.make<node>(&destroyed);
    auto b = h.make<node>(&destroyed);
    auto c = h.make<node>(&destroyed);
    h.store(b->next, c.ptr());
    c.reset();
    h.store(a->next, b.ptr());
    auto cref = h.deref(b->next);
    h.retire(std::move(cref));
    h.retire(std::move(b));
    h.retire(std::move(a));
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 3);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TEST(hprc, the_deletion_list_never_exceeds_its_capacity) {
  smr::hprc::domain d(config(2));
  smr::hprc::thread_handle h(d);
  std::uint32_t peak = 0;
  for (int i = 0; i < 5000; ++i) {
    h.retire(h.make<node>());
    peak = std::max(peak, h.deletion_list_size());
  }
  EXPECT_LT(peak, d.deletion_list_capacity());
}

TEST(hprc, bound_is_n_squared_times_k_plus_l_plus_alpha_plus_one) {
  const smr::bound_inputs in{
      .threads = 4,
      .structure = {.hazards_per_thread = 2, .links_per_node = 2, .transient_links = 1}};
  const std::uint64_t k = smr::hprc::hazards_for(2);
  EXPECT_EQ(smr::hprc::bound(in), 16U * (k + 2 + 1 + 1));
}

TEST(hprc, lists_of_exited_threads_are_processed_by_others) {
  std::atomic<int> destroyed{0};
  smr::hprc::domain d(config(2));
  smr::hprc::link<node> holder;
  smr::hprc::thread_handle keeper(d);
  auto pinned = keeper.make<node>(&destroyed);
  keeper.store(holder, pinned.ptr());
  std::thread t([&] {
    smr::hprc::thread_handle h(d);
    auto r = h.deref(holder);
    ASSERT_TRUE(h.cas(holder, r.ptr(), smr::marked_ptr<node>()));
    h.retire(std::move(r));
  });  // exits while keeper's reference protects the node: it stays in the exited slot
  t.join();
  EXPECT_EQ(destroyed.load(), 0);
  pinned.reset();
  for (std::uint32_t i = 0; i < 2 * d.deletion_list_capacity(); ++i) {
    keeper.retire(keeper.make<node>());
  }
  EXPECT_EQ(destroyed.load(), 1) << "HelpScan did not free the exited thread's node";
}

TEST(hprc, treiber_stack_stress_validates_and_stays_under_the_bound) {
  smrlab::trial_config cfg;
  cfg.threads = 4;
  cfg.mode = smrlab::run_mode::ops;
  cfg.ops_per_thread = 20000 / smrlab_test::stress_scale_divisor;
  cfg.warmup_s = 0;
  cfg.prefill = 32;
  const auto r = smrlab::run_trial<smr::hprc, smr::treiber_stack<smr::hprc>>(cfg);
  EXPECT_EQ(smrlab::to_string(r.status), "ok") << r.message;
  EXPECT_EQ(r.valid, "ok");
  EXPECT_EQ(r.teardown, "ok");
  ASSERT_TRUE(r.bound.has_value());
  EXPECT_LE(static_cast<std::uint64_t>(r.unreclaimed_peak), *r.bound);
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(hprc, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(smrlab_test::most_frees_in_one_retire<smr::hprc>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(smrlab_test::most_frees_in_one_retire<smr::hprc>(smr::free_mode::amortized, 3000), 1);
}

}  // namespace
