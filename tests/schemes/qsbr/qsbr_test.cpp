// Tests of schemes/qsbr/qsbr.hpp: what is freed when, for online, offline and stalled threads.
// The contract, conformance, linearizability and property layers run it on every structure.
#include "schemes/qsbr/qsbr.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "schemes/offline_while_waiting.hpp"
#include "support/test_helpers.hpp"

namespace {

using node = smrlab_test::tracked_node<smr::qsbr>;

smr::domain_config scan_every_retire() {
  smr::domain_config cfg;
  cfg.epoch_advance_interval = 1;
  return cfg;
}

// Runs `body` on a thread of its own, registered with `d`, between the two stage changes the
// main thread waits for and makes: it sets stage 1 once `body` ran, and returns at stage 2.
template <class Body>
std::thread registered_thread_at_stage(smr::qsbr::domain& d, std::atomic<int>& stage, Body body) {
  return std::thread([&d, &stage, body] {
    smr::qsbr::thread_handle h(d);
    body(h);
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
  });
}

TEST(qsbr, a_thread_alone_frees_what_it_retired_at_its_next_quiescent_states) {
  smr::qsbr::domain d(scan_every_retire());
  std::atomic<int> destroyed{0};
  smr::qsbr::thread_handle h(d);
  {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
    EXPECT_EQ(destroyed.load(), 0) << "freed inside the operation that retired it";
  }
  for (int i = 0; i < 3; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 1);
}

TEST(qsbr, an_online_thread_that_passes_no_quiescent_state_holds_everything_back) {
  smr::qsbr::domain d(scan_every_retire());
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  // Registered and online, but never ends an operation: it may hold references read before.
  std::thread idle = registered_thread_at_stage(d, stage, [](smr::qsbr::thread_handle&) {});
  while (stage.load() != 1) std::this_thread::yield();
  {
    smr::qsbr::thread_handle h(d);
    for (int i = 0; i < 500; ++i) {
      const smr::qsbr::guard g(h);
      h.retire(h.make<node>(&destroyed));
    }
    EXPECT_EQ(destroyed.load(), 0) << "freed while an online thread passed no quiescent state";
  }
  stage = 2;
  idle.join();
  d.reclaim_all_quiescent();
  EXPECT_EQ(destroyed.load(), 500);
}

TEST(qsbr, a_thread_inside_an_operation_keeps_the_node_it_read_until_it_ends) {
  smr::qsbr::domain d(scan_every_retire());
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  std::atomic<node*> shared{nullptr};
  smr::qsbr::thread_handle h(d);
  auto first = h.make<node>(&destroyed);
  node* const published = first.get();
  shared = published;
  std::thread reader([&] {
    // Its very first operation, right after registration: protected (online from the start).
    smr::qsbr::thread_handle mine(d);
    const smr::qsbr::guard g(mine);
    node* seen = shared.load();
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
    EXPECT_EQ(destroyed.load(), 0) << "the node this operation read was freed under it";
    EXPECT_EQ(seen, published);
    EXPECT_EQ(seen->value, 0) << "read through the pointer, still alive";
  });
  while (stage.load() != 1) std::this_thread::yield();
  for (int i = 0; i < 200; ++i) {
    const smr::qsbr::guard g(h);
    if (i == 0) {
      h.retire(std::move(first));
    } else {
      h.retire(h.make<node>(&destroyed));
    }
  }
  stage = 2;
  reader.join();
  for (int i = 0; i < 3; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 200) << "garbage drains once the reader's operation ended";
}

TEST(qsbr, an_offline_thread_holds_nothing_back_and_is_protected_again_online) {
  smr::qsbr::domain d(scan_every_retire());
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  std::thread waiting([&] {
    smr::qsbr::thread_handle mine(d);
    {
      const smr::offline_while_waiting<smr::qsbr::thread_handle> offline(mine);
      stage = 1;
      while (stage.load() != 2) std::this_thread::yield();
    }
    // Online again: the next operation is protected like any other.
    const smr::qsbr::guard g(mine);
    stage = 3;
    while (stage.load() != 4) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  smr::qsbr::thread_handle h(d);
  for (int i = 0; i < 100; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 99) << "an offline thread held reclamation back";
  stage = 2;
  while (stage.load() != 3) std::this_thread::yield();
  std::atomic<int> retired_while_it_is_inside{0};
  for (int i = 0; i < 100; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&retired_while_it_is_inside));
  }
  EXPECT_EQ(retired_while_it_is_inside.load(), 0)
      << "freed while the thread back online was inside an operation";
  stage = 4;
  waiting.join();
  for (int i = 0; i < 3; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(retired_while_it_is_inside.load(), 100);
}

TEST(qsbr, what_an_exited_thread_retired_is_reclaimed_by_the_others) {
  smr::qsbr::domain d(scan_every_retire());
  std::atomic<int> destroyed{0};
  std::atomic<int> stage{0};
  std::thread idle = registered_thread_at_stage(d, stage, [](smr::qsbr::thread_handle&) {});
  while (stage.load() != 1) std::this_thread::yield();
  std::thread([&] {
    smr::qsbr::thread_handle mine(d);
    for (int i = 0; i < 50; ++i) {
      const smr::qsbr::guard g(mine);
      mine.retire(mine.make<node>(&destroyed));
    }
  }).join();
  EXPECT_EQ(destroyed.load(), 0) << "the idle online thread still holds them back";
  stage = 2;
  idle.join();
  smr::qsbr::thread_handle h(d);
  for (int i = 0; i < 3; ++i) {
    const smr::qsbr::guard g(h);
    h.retire(h.make<node>(&destroyed));
  }
  EXPECT_GE(destroyed.load(), 50) << "the exited thread's orphans were not adopted";
}

// Amortized freeing (schemes/free_pacing.hpp): a scan's batch is freed one node per later
// retire, where batch mode frees it in one go.
TEST(qsbr, amortized_free_frees_one_node_per_retire) {
  EXPECT_GT(smrlab_test::most_frees_in_one_retire<smr::qsbr>(smr::free_mode::batch, 3000), 1);
  EXPECT_EQ(smrlab_test::most_frees_in_one_retire<smr::qsbr>(smr::free_mode::amortized, 3000), 1);
}

}  // namespace
