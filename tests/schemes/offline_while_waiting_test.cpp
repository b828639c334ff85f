// Tests of schemes/offline_while_waiting.hpp: the scope takes a handle that can go offline
// offline and back online, once each, and leaves any other handle alone.
#include "schemes/offline_while_waiting.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

struct handle_that_goes_offline {
  std::string calls;
  void go_offline() { calls += "off "; }
  void go_online() { calls += "on "; }
};
struct handle_without_offline {
  int touched = 0;
};

static_assert(smr::goes_offline<handle_that_goes_offline>);
static_assert(!smr::goes_offline<handle_without_offline>);

TEST(offline_while_waiting, goes_offline_for_the_scope_and_back_online_after) {
  handle_that_goes_offline h;
  {
    const smr::offline_while_waiting<handle_that_goes_offline> offline(h);
    EXPECT_EQ(h.calls, "off ");
  }
  EXPECT_EQ(h.calls, "off on ");
}

TEST(offline_while_waiting, does_nothing_for_a_handle_that_cannot_go_offline) {
  handle_without_offline h;
  { const smr::offline_while_waiting<handle_without_offline> offline(h); }
  EXPECT_EQ(h.touched, 0);
}

}  // namespace
