#include "schemes/none/none.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace {

using node = smrlab_test::tracked_node<smr::none>;

TEST(none, never_reclaims_until_the_domain_is_drained) {
  std::atomic<int> destroyed{0};
  smr::none::domain d;
  {
    smr::none::thread_handle h(d);
    for (int i = 0; i < 100; ++i) h.retire(h.make<node>(&destroyed));
    EXPECT_EQ(destroyed.load(), 0);
    EXPECT_EQ(d.counters().unreclaimed(), 100);
  }
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 100);
  EXPECT_FALSE(smr::none::bound({}).has_value());
}

}  // namespace
