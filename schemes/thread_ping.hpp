// thread_ping: ask every thread of a group to run a callback now, in its own context, and wait
// until each has. The publish-on-ping schemes (hp_pop, epoch_pop) make each thread publish its
// thread-local reservations this way; nbr_plus neutralises readers with it. One mechanism for all
// of them, on one signal handler per process (schemes/ping_signal.hpp, through smr::sync, which
// a model checker's build swaps).
//
// A thread joins a group by constructing a `ping_group::receiver` (its thread_handle holds one),
// and leaves by destroying it. ping_others() pings every other receiver and waits for each to
// acknowledge:
//
//   pinger                                   pinged thread (signal handler)
//   lock the group                           for each receiver of this thread:
//   for each other receiver r:                 t = requested (acquire)
//     r.requested += 1; send the signal         if t is new: callback; acknowledged = t (release)
//   for each: wait until r.acknowledged
//     reaches its request (acquire)
//   unlock the group
//
// - Requests are counted, not flagged: two pings whose signals the kernel merged into one (a
//   standard signal is pending once) are both served by the one handler run, which reads the
//   newest request.
// - Joining and leaving take the group's lock, and a pinger holds it until every acknowledgement
//   is in: no ping goes to a thread that has left (pthread_sigqueue on an exited thread would be
//   undefined), and a thread that leaves has served every ping sent to it.
// - A thread that waits for the group's lock (to join, leave or ping) never blocks in it: it
//   tries the lock, and between tries serves its own requests itself, with pings blocked (lock()
//   below). A futex wait would run the handler anyway, but ThreadSanitizer defers a signal that
//   arrives in pthread_mutex_lock until the call returns, and the pinger holding the lock would
//   wait for that thread forever. So a callback may also run outside the handler, in its thread,
//   between operations.
// - A pinger that waits long for an acknowledgement sends the signal again (wait_for): the
//   handler serves whatever is pending, so a repeat costs nothing, and a signal the thread took
//   without running the handler is not waited for forever. (CI once hung in hp_pop's tests under
//   ThreadSanitizer, waiting here; it could not be reproduced, and the repeat is the insurance.)
// - A thread edits its own list of receivers with the ping signal blocked, so the handler never
//   sees it half edited; the handler touches nothing else but the receivers' atomics.
// - A callback runs in a signal handler: async-signal-safe code only (lock-free atomics; no
//   allocation, no lock). One that does not return (nbr_plus's siglongjmp) calls acknowledge()
//   first, and the thread calls sync::unblock_pings_after_jump() where it lands.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "schemes/counters.hpp"
#include "schemes/sync.hpp"

namespace smr {

class ping_group {
 public:
  using callback = void (*)(void* context) noexcept;

  class receiver {
   public:
    // The calling thread joins `group`; `on_ping(context)` runs in this thread at every ping.
    receiver(ping_group& group, callback on_ping, void* context)
        : group_(group), on_ping_(on_ping), context_(context), thread_(sync::this_ping_thread()) {
      sync::install_ping_handler(&serve_this_thread);
      join_this_thread();
      group_.add(*this);
    }
    ~receiver() {
      group_.remove(*this);
      leave_this_thread();
    }
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;

    // For a callback that leaves the handler by a jump: the request it serves is acknowledged.
    void acknowledge() noexcept {
      // release: pairs with the pinger's acquire load in wait_for(); what the callback did before
      // (published reservations) is visible to the pinger.
      acknowledged_.store(serving_, std::memory_order_release);
    }

   private:
    friend class ping_group;

    // The signal handler's work, in the pinged thread: every receiver of this thread with a new
    // request runs its callback and acknowledges.
    static void serve_this_thread() noexcept {
      for (auto* r = static_cast<receiver*>(sync::ping_receivers()); r != nullptr;
           r = r->next_in_thread_) {
        // acquire: pairs with the pinger's fetch_add in request(): the request is the newest one
        // sent before the signal.
        const std::uint64_t wanted = r->requested_.load(std::memory_order_acquire);
        if (wanted == r->serving_) continue;
        r->serving_ = wanted;
        r->on_ping_(r->context_);
        r->acknowledge();
      }
    }

    void join_this_thread() {
      const sync::pings_blocked blocked;
      next_in_thread_ = static_cast<receiver*>(sync::ping_receivers());
      sync::ping_receivers() = this;
    }
    void leave_this_thread() {
      const sync::pings_blocked blocked;
      auto** at = reinterpret_cast<receiver**>(&sync::ping_receivers());
      while (*at != this) at = &(*at)->next_in_thread_;
      *at = next_in_thread_;
    }

    // Pinger side, under the group's lock: a new request, then the signal.
    void request() {
      // acq_rel: the release half pairs with the handler's acquire load of requested_; what the
      // pinger did before the ping (its unlink stores) is visible to the callback.
      awaited_ = requested_.fetch_add(1, std::memory_order_acq_rel) + 1;
      sync::send_ping(thread_);
    }
    // Waits for the acknowledgement. Every resend_spins unanswered tries the signal is sent
    // again: one the thread never handled (a lost or dropped signal) is then not waited for
    // forever; a repeat that finds the request served does nothing. After unanswered_warning of
    // waiting, one line on stderr says which ping hangs (a stopped thread, or a signal blocked
    // for good), once per wait.
    void wait_for(std::chrono::steady_clock::time_point since) const {
      bool warned = false;
      // acquire: pairs with acknowledge()'s release store.
      for (std::uint64_t tries = 1; acknowledged_.load(std::memory_order_acquire) < awaited_;
           ++tries) {
        if (tries % resend_spins == 0) {
          sync::send_ping(thread_);
          if (!warned && std::chrono::steady_clock::now() - since > unanswered_warning) {
            warned = true;
            std::fprintf(stderr,
                         "smrlab: a thread ping unanswered for %lld s (request %llu, answered "
                         "%llu); still waiting\n",
                         static_cast<long long>(unanswered_warning.count()),
                         static_cast<unsigned long long>(awaited_),
                         static_cast<unsigned long long>(acknowledged_.load(
                             std::memory_order_relaxed)));  // relaxed: only printed
          }
        }
        sync::yield();
      }
    }
    static constexpr std::uint64_t resend_spins = 4096;
    static constexpr std::chrono::seconds unanswered_warning{10};

    ping_group& group_;
    callback on_ping_;
    void* context_;
    sync::ping_thread thread_;
    receiver* next_in_thread_ = nullptr;  // this thread's receivers (the handler walks them)
    receiver* next_in_group_ = nullptr;   // under the group's lock
    receiver* prev_in_group_ = nullptr;
    sync::atomic<std::uint64_t> requested_{0};
    sync::atomic<std::uint64_t> acknowledged_{0};
    std::uint64_t awaited_ = 0;  // the pinger's last request, under the group's lock
    std::uint64_t serving_ = 0;  // the request the handler serves; this thread only
  };

  ping_group() = default;
  ping_group(const ping_group&) = delete;
  ping_group& operator=(const ping_group&) = delete;

  // Whether ping_others() waits for the acknowledgements. Every scheme waits: `no` exists only so
  // that a test can show the model checker finding what goes wrong without the wait
  // (pop_setbench's ping, whose wait is commented out).
  enum class acknowledgements { awaited, not_awaited };

  // Pings every receiver of the group except `self` (the caller's own, or nullptr), and returns
  // once each has run its callback. Returns how many it pinged.
  std::size_t ping_others(const receiver* self, acknowledgements wait = acknowledgements::awaited) {
    const held_lock lock(*this);
    const auto start = std::chrono::steady_clock::now();
    std::size_t pinged = 0;
    for (receiver* r = first_; r != nullptr; r = r->next_in_group_) {
      if (r == self) continue;
      r->request();
      ++pinged;
    }
    for (const receiver* r = first_; r != nullptr; r = r->next_in_group_) {
      if (r != self && wait == acknowledgements::awaited) r->wait_for(start);
    }
    count(pinged, start);
    return pinged;
  }

  // Adds the pings sent and the time spent on them to `t`.
  void add_totals_to(counter_totals& t) const noexcept { counters_.add_to(t); }

 private:
  // The group's lock, taken without blocking in it: the calling thread serves its own requests
  // while it waits (the header comment says why).
  class held_lock {
   public:
    explicit held_lock(ping_group& g) : g_(g) {
      while (!g_.mutex_.try_lock()) {
        {
          const sync::pings_blocked blocked;
          receiver::serve_this_thread();
        }
        sync::yield();
      }
    }
    ~held_lock() { g_.mutex_.unlock(); }
    held_lock(const held_lock&) = delete;
    held_lock& operator=(const held_lock&) = delete;

   private:
    ping_group& g_;
  };

  void add(receiver& r) {
    const held_lock lock(*this);
    r.next_in_group_ = first_;
    if (first_ != nullptr) first_->prev_in_group_ = &r;
    first_ = &r;
  }
  void remove(receiver& r) {
    const held_lock lock(*this);
    if (r.prev_in_group_ != nullptr) {
      r.prev_in_group_->next_in_group_ = r.next_in_group_;
    } else {
      first_ = r.next_in_group_;
    }
    if (r.next_in_group_ != nullptr) r.next_in_group_->prev_in_group_ = r.prev_in_group_;
  }
  void count(std::size_t pinged, std::chrono::steady_clock::time_point start) {
    if (pinged == 0) return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    counters_.count_round(pinged, static_cast<std::uint64_t>(ns));
  }

  sync::mutex mutex_;
  receiver* first_ = nullptr;
  ping_counters counters_;
};

}  // namespace smr
