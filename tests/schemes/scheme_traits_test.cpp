#include "schemes/scheme_traits.hpp"

#include <gtest/gtest.h>

namespace {

TEST(scheme_traits, a_structure_that_traverses_deleted_nodes_needs_a_scheme_that_allows_it) {
  const smr::scheme_traits hp{.traverses_deleted_nodes = false};
  const smr::scheme_traits epoch{.traverses_deleted_nodes = true};
  const smr::structure_requirements deque{.traverses_deleted_nodes = true};
  const smr::structure_requirements stack{};
  EXPECT_FALSE(smr::compatible("hazard_pointers", hp, deque));
  EXPECT_TRUE(smr::compatible("ebr", epoch, deque));
  EXPECT_TRUE(smr::compatible("hazard_pointers", hp, stack));
  const auto why = smr::incompatibility("hazard_pointers", hp, "deque", deque);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("traverses_deleted_nodes"), std::string::npos);
  EXPECT_NE(why->find("hazard_pointers"), std::string::npos);
  EXPECT_FALSE(smr::incompatibility("ebr", epoch, "deque", deque).has_value());
}

TEST(scheme_traits, a_structure_that_reaches_retired_nodes_needs_links_that_keep_them_alive) {
  const smr::scheme_traits epoch{.traverses_deleted_nodes = true};
  const smr::scheme_traits link_counting{.traverses_deleted_nodes = true,
                                         .safe_global_references = true};
  const smr::structure_requirements deque{.traverses_deleted_nodes = true,
                                          .safe_global_references = true};
  const smr::structure_requirements list{.traverses_deleted_nodes = true};
  EXPECT_FALSE(smr::compatible("ebr", epoch, deque));
  EXPECT_TRUE(smr::compatible("hprc", link_counting, deque));
  EXPECT_TRUE(smr::compatible("ebr", epoch, list));
  const auto why = smr::incompatibility("ebr", epoch, "deque", deque);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("safe_global_references"), std::string::npos);
  EXPECT_NE(why->find("after the node was retired"), std::string::npos);
  EXPECT_NE(why->find("(ebr)"), std::string::npos);
}

TEST(scheme_traits, a_peer_librarys_own_structure_pairs_with_its_scheme_only) {
  const smr::scheme_traits any{.traverses_deleted_nodes = true};
  const smr::structure_requirements peer_stack{.only_scheme = "libcds_hp"};
  EXPECT_TRUE(smr::compatible("libcds_hp", any, peer_stack));
  EXPECT_FALSE(smr::compatible("hazard_pointers", any, peer_stack));
  EXPECT_FALSE(smr::incompatibility("libcds_hp", any, "cds_stack", peer_stack).has_value());
  const auto why = smr::incompatibility("ebr", any, "cds_stack", peer_stack);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("libcds_hp"), std::string::npos);
  EXPECT_NE(why->find("ebr"), std::string::npos);
}

TEST(scheme_traits, thread_limit_names_the_reason) {
  const smr::scheme_traits one{.max_threads = 1, .max_threads_reason = "only one"};
  EXPECT_FALSE(smr::thread_limit_violation("x", one, 1).has_value());
  const auto why = smr::thread_limit_violation("x", one, 2);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("only one"), std::string::npos);
  EXPECT_FALSE(smr::thread_limit_violation("y", smr::scheme_traits{}, 1000).has_value());
}

TEST(live_nodes_bound, counts_every_key_the_sentinels_and_each_threads_nodes_in_flight) {
  constexpr smr::structure_requirements tree{.nodes_per_key = 2, .fixed_nodes = 5};
  EXPECT_EQ(smr::live_nodes_bound(tree, 1000, 4), 2U * (1000U + 4U) + 5U);
  EXPECT_FALSE(smr::live_nodes_bound({}, 1000, 4).has_value()) << "a structure that states none";
}

}  // namespace
