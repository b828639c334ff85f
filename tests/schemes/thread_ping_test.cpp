#include "schemes/thread_ping.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csetjmp>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace {

using smr::ping_group;

// A thread that joins `group`, counts its pings, and runs `body` until told to stop.
class pinged_thread {
 public:
  template <class Body>
  pinged_thread(ping_group& group, Body body)
      : thread_([this, &group, body] {
          const ping_group::receiver r(group, &count, this);
          joined_.store(true);
          body(stop_);
        }) {
    while (!joined_.load()) std::this_thread::yield();
  }
  explicit pinged_thread(ping_group& group)
      : pinged_thread(group, [](const std::atomic<bool>& stop) {
          while (!stop.load()) {
          }
        }) {}
  ~pinged_thread() { join(); }
  pinged_thread(const pinged_thread&) = delete;
  pinged_thread& operator=(const pinged_thread&) = delete;

  void join() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int served() const { return served_.load(); }

 private:
  static void count(void* self) noexcept {
    static_cast<pinged_thread*>(self)->served_.fetch_add(1);
  }

  std::atomic<bool> joined_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

void do_nothing(void* /*unused*/) noexcept {}

TEST(thread_ping, every_other_receiver_serves_each_ping_and_the_caller_is_skipped) {
  ping_group g;
  pinged_thread a(g);
  pinged_thread b(g);
  int own = 0;
  const ping_group::receiver me(
      g, [](void* n) noexcept { ++*static_cast<int*>(n); }, &own);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(g.ping_others(&me), 2U);
  EXPECT_EQ(a.served(), 20);
  EXPECT_EQ(b.served(), 20);
  EXPECT_EQ(own, 0);
  smr::counter_totals t;
  g.add_totals_to(t);
  EXPECT_EQ(t.pings, 40U);
  EXPECT_GT(t.ping_ns, 0U);
}

TEST(thread_ping, a_thread_asleep_or_waiting_serves_and_goes_on_waiting) {
  ping_group g;
  pinged_thread sleeper(g, [](const std::atomic<bool>& stop) {
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  pinged_thread waiter(g, [&](const std::atomic<bool>& /*stop*/) {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
  });
  // A third waits for a mutex that the pinger holds: the kernel interrupts the futex wait to run
  // the handler. ThreadSanitizer does not: it holds a signal that arrives in pthread_mutex_lock
  // until the call returns (which is why ping_group never blocks in its own lock), so under TSan
  // the pinger would wait forever and this one case is left to the other builds.
#if defined(__SANITIZE_THREAD__)
  constexpr bool kernel_delivers_in_mutex_waits = false;
#else
  constexpr bool kernel_delivers_in_mutex_waits = true;
#endif
  std::mutex held;
  held.lock();
  std::optional<pinged_thread> blocked;
  if (kernel_delivers_in_mutex_waits) {
    blocked.emplace(g, [&](const std::atomic<bool>& /*stop*/) { const std::lock_guard l(held); });
  }
  EXPECT_EQ(g.ping_others(nullptr), kernel_delivers_in_mutex_waits ? 3U : 2U);
  EXPECT_EQ(sleeper.served(), 1);
  EXPECT_EQ(waiter.served(), 1);
  if (blocked) {
    EXPECT_EQ(blocked->served(), 1);
  }
  held.unlock();
  {
    const std::lock_guard l(m);
    done = true;
  }
  cv.notify_all();
}

// A signal that the thread takes without running the handler (here: with the signal blocked, and
// taken by sigwaitinfo) is lost to the ping. The pinger sends it again while it waits, so the
// ping is still served. Without the resend this test hangs (and ctest's timeout fails it).
TEST(thread_ping, a_ping_whose_signal_was_lost_is_sent_again) {
  ping_group g;
  std::atomic<bool> blocked{false};
  std::atomic<bool> swallowed{false};
  pinged_thread target(g, [&](const std::atomic<bool>& stop) {
    sigset_t ping;
    sigemptyset(&ping);
    sigaddset(&ping, SIGURG);
    sigset_t before;
    pthread_sigmask(SIG_BLOCK, &ping, &before);
    blocked.store(true);
    siginfo_t info{};
    swallowed.store(sigwaitinfo(&ping, &info) == SIGURG);
    pthread_sigmask(SIG_SETMASK, &before, nullptr);  // a resend pending meanwhile runs here
    while (!stop.load()) {
    }
  });
  while (!blocked.load()) std::this_thread::yield();
  EXPECT_EQ(g.ping_others(nullptr), 1U);
  EXPECT_TRUE(swallowed.load());
  EXPECT_EQ(target.served(), 1);
}

TEST(thread_ping, threads_may_join_and_leave_while_others_ping) {
  ping_group g;
  std::atomic<bool> stop{false};
  std::vector<std::thread> churn;
  for (int t = 0; t < 3; ++t) {
    churn.emplace_back([&] {
      while (!stop.load()) {
        const ping_group::receiver r(g, &do_nothing, nullptr);
        std::this_thread::yield();
      }
    });
  }
  std::vector<std::thread> pingers;
  for (int t = 0; t < 2; ++t) {
    pingers.emplace_back([&] {
      const ping_group::receiver me(g, &do_nothing, nullptr);
      for (int i = 0; i < 300; ++i) g.ping_others(&me);
    });
  }
  for (auto& p : pingers) p.join();
  stop.store(true);
  for (auto& c : churn) c.join();
  smr::counter_totals t;
  g.add_totals_to(t);
  EXPECT_GT(t.pings, 0U);
}

TEST(thread_ping, one_thread_in_two_groups_serves_both) {
  ping_group g1;
  ping_group g2;
  std::atomic<int> served1{0};
  std::atomic<int> served2{0};
  std::atomic<bool> stop{false};
  std::atomic<int> joined{0};
  std::thread t([&] {
    const ping_group::receiver r1(
        g1, [](void* n) noexcept { static_cast<std::atomic<int>*>(n)->fetch_add(1); }, &served1);
    const ping_group::receiver r2(
        g2, [](void* n) noexcept { static_cast<std::atomic<int>*>(n)->fetch_add(1); }, &served2);
    joined.store(1);
    while (!stop.load()) {
    }
  });
  while (joined.load() == 0) std::this_thread::yield();
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) g2.ping_others(nullptr);
  });
  for (int i = 0; i < 50; ++i) g1.ping_others(nullptr);
  other.join();
  stop.store(true);
  t.join();
  EXPECT_EQ(served1.load(), 50);
  EXPECT_EQ(served2.load(), 50);
}

// A callback that leaves the handler with siglongjmp (nbr_plus's neutralisation) acknowledges
// first; once the thread puts its mask back, the next ping is served too.
struct jumping_thread {
  sigjmp_buf landing{};
  std::atomic<int> jumps{0};
  std::atomic<bool> armed{false};
  ping_group::receiver* self = nullptr;

  static void jump(void* p) noexcept {
    auto* t = static_cast<jumping_thread*>(p);
    if (!t->armed.load()) return;
    t->jumps.fetch_add(1);
    t->self->acknowledge();
    siglongjmp(t->landing, 1);
  }
};

TEST(thread_ping, a_callback_may_jump_out_after_acknowledging) {
  ping_group g;
  jumping_thread state;
  std::atomic<bool> stop{false};
  std::atomic<bool> joined{false};
  std::thread t([&] {
    ping_group::receiver r(g, &jumping_thread::jump, &state);
    state.self = &r;
    if (sigsetjmp(state.landing, 0) != 0) {
      smr::sync::unblock_pings_after_jump();  // a ping pending meanwhile jumps from here
    }
    state.armed.store(true);
    joined.store(true);
    while (!stop.load()) {
    }
    state.armed.store(false);
  });
  while (!joined.load()) std::this_thread::yield();
  for (int i = 0; i < 5; ++i) g.ping_others(nullptr);
  stop.store(true);
  t.join();
  EXPECT_EQ(state.jumps.load(), 5) << "every ping jumped, the ones after a landing too";
}

// A SIGURG that is not a ping goes on to the handler installed before smrlab's; a ping does not.
// In a child process, so that its handler is installed after the test's own.
std::atomic<int> program_sigurgs{0};
void program_handler(int /*unused*/) { program_sigurgs.fetch_add(1); }

TEST(thread_ping, chains_to_the_handler_installed_before_it) {
  // "threadsafe": the child runs this test alone in a fresh process, where smrlab's handler is
  // not installed yet.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        struct sigaction sa {};
        sa.sa_handler = program_handler;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGURG, &sa, nullptr);
        ping_group g;
        pinged_thread a(g);
        const ping_group::receiver me(g, &do_nothing, nullptr);
        g.ping_others(&me);
        const bool ping_not_passed_on = program_sigurgs.load() == 0 && a.served() == 1;
        pthread_kill(pthread_self(), SIGURG);  // the program's own SIGURG
        const bool own_passed_on = program_sigurgs.load() == 1;
        std::exit(ping_not_passed_on && own_passed_on ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
