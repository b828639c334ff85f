#include "schemes/immediate_free/immediate_free.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace {

using node = smrlab_test::tracked_node<smr::immediate_free>;

TEST(immediate_free, frees_at_retire) {
  std::atomic<int> destroyed{0};
  smr::immediate_free::domain d;
  smr::immediate_free::thread_handle h(d);
  h.retire(h.make<node>(&destroyed));
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_EQ(d.counters().unreclaimed(), 0);
}

TEST(immediate_free, refuses_a_second_thread_with_the_reason) {
  smr::immediate_free::domain d;
  smr::immediate_free::thread_handle first(d);
  try {
    smr::immediate_free::thread_handle second(d);
    FAIL() << "a second thread was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("single-threaded"), std::string::npos);
  }
  EXPECT_EQ(d.registered_threads(), 1U);  // the refused thread gave its slot back
  EXPECT_EQ(smr::immediate_free::traits.max_threads, 1U);
}

}  // namespace
