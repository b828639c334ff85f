// The engine: what each memory model lets a program see (store buffering under TSO only, and
// what seq_cst stores and the asymmetric fence forbid), and the failures each check reports (a
// use of freed memory, a leak, a deadlock, a livelock, an exception).
#include "modelcheck/execution.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "modelcheck/explorer.hpp"
#include "modelcheck/schedule_string.hpp"
#include "modelcheck/strategies.hpp"
#include "schemes/sync.hpp"
#include "schemes/thread_ping.hpp"

namespace smr::modelcheck {
namespace {

// The store-buffering litmus test: x = 1; r0 = y  ||  y = 1; r1 = x. Each thread then reads z,
// so that it is still running (its buffer not drained at its exit) when the other reads.
program store_buffering(std::memory_order store_order, bool heavy_fence_in_thread_1) {
  struct shared {
    sync::atomic<int> x{0}, y{0}, z{0};
    int r0 = -1, r1 = -1;
  };
  auto s = std::make_shared<shared>();
  program p;
  p.threads = 2;
  p.set_up = [s] {
    s->x.store(0);
    s->y.store(0);
  };
  p.thread = [s, store_order, heavy_fence_in_thread_1](unsigned t) {
    if (t == 0) {
      s->x.store(1, store_order);
      sync::asymmetric_light_fence();
      s->r0 = s->y.load(std::memory_order_acquire);
    } else {
      s->y.store(1, store_order);
      if (heavy_fence_in_thread_1) sync::asymmetric_heavy_fence();
      s->r1 = s->x.load(std::memory_order_acquire);
    }
    (void)s->z.load(std::memory_order_relaxed);
  };
  p.finish = [s]() -> std::optional<std::string> {
    if (s->r0 == 0 && s->r1 == 0) return std::string("r0 = r1 = 0");
    return std::nullopt;
  };
  p.abandon = [] {};
  return p;
}

TEST(memory_models, store_buffering_shows_under_tso_only) {
  exploration_options o;
  o.max_preemptions = 3;
  o.model = memory_model::sc;
  const exploration_report sc = explore(store_buffering(std::memory_order_release, false), o);
  EXPECT_FALSE(sc.failure.has_value()) << sc.failure->what;
  EXPECT_EQ(sc.bound_completed, 3U);
  o.model = memory_model::tso;
  const exploration_report tso = explore(store_buffering(std::memory_order_release, false), o);
  ASSERT_TRUE(tso.failure.has_value());
  EXPECT_EQ(tso.failure->what, "r0 = r1 = 0");
}

TEST(memory_models, seq_cst_stores_and_the_asymmetric_fence_forbid_store_buffering_under_tso) {
  exploration_options o;
  o.max_preemptions = 4;
  o.model = memory_model::tso;
  const exploration_report sc_stores =
      explore(store_buffering(std::memory_order_seq_cst, false), o);
  EXPECT_FALSE(sc_stores.failure.has_value()) << sc_stores.failure->what;
  EXPECT_EQ(sc_stores.bound_completed, 4U);
  const exploration_report asym = explore(store_buffering(std::memory_order_release, true), o);
  EXPECT_FALSE(asym.failure.has_value()) << asym.failure->what;
  EXPECT_EQ(asym.bound_completed, 4U);
}

// Publish-on-ping's litmus test (hp_pop): thread 1 writes its hazard into a local slot, re-reads
// x, and while x still reads 0 (the node still linked) goes on using the node until it sets
// `done`; thread 0 writes x (unlinks), pings, and reads what thread 1's handler published and
// whether thread 1 is done. Freeing is safe when the hazard was seen, or thread 1's re-read saw x,
// or thread 1 was done: never none of them. Without the ping it can be none. Thread 1 may also
// wait, still using the node, for a mutex that thread 0 holds while it pings: it still answers (a
// futex wait is interrupted), so there is no deadlock.
enum class pinging { awaited, not_awaited, none };

program publish_on_ping(pinging ping, bool thread_1_waits_for_the_pingers_mutex) {
  struct shared {
    smr::ping_group group;
    sync::mutex m;
    sync::atomic<int> x{0}, local{0}, published{0};
    sync::atomic<bool> done{false};
    int reread = -1, seen = -1;
    bool done_when_seen = false;
  };
  auto s = std::make_shared<shared>();
  program p;
  p.threads = 2;
  p.set_up = [s] {
    s->x.store(0);
    s->local.store(0);
    s->published.store(0);
    s->done.store(false);
  };
  p.thread = [s, ping, thread_1_waits_for_the_pingers_mutex](unsigned t) {
    if (t == 0) {
      s->x.store(1, std::memory_order_release);
      const std::lock_guard l(s->m);
      if (ping != pinging::none) {
        s->group.ping_others(nullptr, ping == pinging::awaited
                                          ? smr::ping_group::acknowledgements::awaited
                                          : smr::ping_group::acknowledgements::not_awaited);
      }
      s->seen = s->published.load(std::memory_order_seq_cst);
      s->done_when_seen = s->done.load(std::memory_order_seq_cst);
      return;
    }
    const smr::ping_group::receiver r(
        s->group,
        [](void* c) noexcept {
          auto* sh = static_cast<shared*>(c);
          sh->published.store(sh->local.load(std::memory_order_relaxed));
        },
        s.get());
    s->local.store(1, std::memory_order_relaxed);
    sync::compiler_fence();
    s->reread = s->x.load(std::memory_order_acquire);
    if (thread_1_waits_for_the_pingers_mutex) {
      const std::lock_guard l(s->m);
    }
    s->done.store(true, std::memory_order_seq_cst);
  };
  p.finish = [s]() -> std::optional<std::string> {
    if (s->seen == 0 && s->reread == 0 && !s->done_when_seen) {
      return std::string("freed while in use: hazard unseen, x unseen");
    }
    return std::nullopt;
  };
  p.abandon = [] {};
  return p;
}

TEST(pings, a_pinged_thread_publishes_or_sees_the_pingers_store_in_both_models) {
  for (const memory_model m : {memory_model::sc, memory_model::tso}) {
    for (const bool waits : {false, true}) {
      exploration_options o;
      o.max_preemptions = 3;
      o.model = m;
      const exploration_report r = explore(publish_on_ping(pinging::awaited, waits), o);
      EXPECT_FALSE(r.failure.has_value()) << to_string(m) << ": " << r.failure->what;
      EXPECT_EQ(r.bound_completed, 3U) << to_string(m);
    }
  }
}

// Without the ping, or with pop_setbench's ping that does not wait for the acknowledgements, the
// checker finds the node freed while in use.
TEST(pings, without_the_ping_or_its_acknowledgement_the_checker_finds_the_unseen_hazard) {
  for (const pinging ping : {pinging::none, pinging::not_awaited}) {
    exploration_options o;
    o.max_preemptions = 2;
    const exploration_report r = explore(publish_on_ping(ping, false), o);
    ASSERT_TRUE(r.failure.has_value());
    EXPECT_EQ(r.failure->what, "freed while in use: hazard unseen, x unseen");
  }
}

struct node {
  sync::atomic<int> value{42};
};

TEST(checks, a_node_read_after_another_thread_freed_it_is_a_use_of_freed_memory) {
  struct shared {
    sync::atomic<node*> head{nullptr};
  };
  auto s = std::make_shared<shared>();
  program p;
  p.threads = 2;
  p.set_up = [s] { s->head.store(new node); };
  p.thread = [s](unsigned t) {
    if (t == 0) {
      node* n = s->head.load(std::memory_order_acquire);
      if (n != nullptr) (void)n->value.load(std::memory_order_relaxed);
    } else {
      delete s->head.exchange(nullptr);
    }
  };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  const exploration_report r = explore(p, exploration_options{});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_NE(r.failure->what.find("use of freed memory: thread 0 load relaxed heap+"),
            std::string::npos)
      << r.failure->what;
  EXPECT_NE(r.failure->what.find("freed by thread 1"), std::string::npos) << r.failure->what;
  EXPECT_EQ(r.failure->preemptions, 1U);
}

// Volatile stores: the allocations cannot be elided. One from the warm-up run (malloc), one from
// the checked execution (the arena).
node* volatile leaked[2] = {nullptr, nullptr};
unsigned leaks = 0;

TEST(checks, what_is_still_allocated_after_the_finish_is_a_leak) {
  program p;
  p.threads = 1;
  p.set_up = [] {};
  p.thread = [](unsigned) { leaked[leaks++ % 2] = new node; };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  const exploration_report r = explore(p, exploration_options{});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_NE(r.failure->what.find("leak at teardown: 1 blocks"), std::string::npos)
      << r.failure->what;
  for (node* n : leaked) delete n;  // LSan's view: the test leaks nothing itself
}

TEST(checks, two_mutexes_taken_in_opposite_orders_deadlock) {
  struct shared {
    sync::mutex a, b;
  };
  auto s = std::make_shared<shared>();
  program p;
  p.threads = 2;
  p.set_up = [] {};
  p.thread = [s](unsigned t) {
    sync::mutex& first = t == 0 ? s->a : s->b;
    sync::mutex& second = t == 0 ? s->b : s->a;
    first.lock();
    second.lock();
    second.unlock();
    first.unlock();
  };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  const exploration_report r = explore(p, exploration_options{});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->what.rfind("deadlock: no thread can run", 0), 0U) << r.failure->what;
  EXPECT_EQ(r.failure->preemptions, 1U);
}

program spin_wait(bool yields, bool someone_sets_the_flag) {
  auto flag = std::make_shared<sync::atomic<bool>>(false);
  program p;
  p.threads = 2;
  p.set_up = [flag] { flag->store(false); };
  p.thread = [flag, yields, someone_sets_the_flag](unsigned t) {
    if (t == 0) {
      while (!flag->load(std::memory_order_acquire)) {
        if (yields) sync::yield();
      }
    } else if (someone_sets_the_flag) {
      flag->store(true, std::memory_order_release);
    }
  };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  return p;
}

TEST(checks, a_spin_wait_that_never_ends_is_a_livelock_at_the_step_bound) {
  exploration_options o;
  o.max_steps = 500;
  const exploration_report r = explore(spin_wait(true, false), o);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->what.rfind("possible livelock", 0), 0U) << r.failure->what;
}

TEST(checks, a_spin_wait_that_yields_lets_the_others_run_even_without_preemptions) {
  exploration_options o;
  o.max_preemptions = 0;
  o.max_steps = 500;
  for (const memory_model m : {memory_model::sc, memory_model::tso}) {
    o.model = m;
    const exploration_report r = explore(spin_wait(true, true), o);
    EXPECT_FALSE(r.failure.has_value()) << to_string(m) << ": " << r.failure->what;
  }
}

TEST(checks, an_exception_out_of_a_thread_fails_the_execution) {
  program p;
  p.threads = 1;
  p.set_up = [] {};
  p.thread = [](unsigned) { throw std::runtime_error("boom"); };
  p.finish = [] { return std::optional<std::string>(); };
  p.abandon = [] {};
  const exploration_report r = explore(p, exploration_options{});
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->what, "thread 0 threw: boom");
}

}  // namespace
}  // namespace smr::modelcheck
