// ping_signal: the operating-system side of a thread ping (schemes/thread_ping.hpp), one signal
// handler per process. A scheme that pings (hp_pop, epoch_pop, nbr_plus) never installs a handler
// of its own: schemes/thread_ping.hpp serves every scheme's requests from this one.
//
// - The signal is SIGURG, whose default action is to be ignored, so a ping that reached a thread
//   nothing waits on would do no harm. A ping is sent with pthread_sigqueue and a value that
//   marks it as smrlab's: the handler serves smrlab's requests on every SIGURG (a request it finds
//   pending is served, whoever sent the signal), and passes any SIGURG that is not a ping on to
//   the handler installed before it (a program's own, or none), so smrlab chains instead of
//   replacing.
// - The handler runs with every signal blocked (sa_mask), and with SA_RESTART, so an interrupted
//   read or futex wait resumes. A thread asleep (nanosleep, a futex, a blocking system call) runs
//   the handler at once; a descheduled thread when it next runs; a stopped thread (SIGSTOP, a
//   debugger) not at all, and its pinger waits.
// - install() runs once per process (a function-local static), before the first ping is sent.
// - The handler keeps errno, and calls only async-signal-safe code: the serve function, which
//   touches lock-free atomics only.
//
// Schemes reach this header through smr::sync (schemes/sync.hpp); a model checker's build swaps
// it for a model in which a ping is delivered at one of the target's scheduling points.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace smr::ping_signal {

inline constexpr int signal_number = SIGURG;

using thread_id = pthread_t;

// Serves this thread's pending requests: called by the handler, in the pinged thread.
using serve_function = void (*)() noexcept;

namespace detail {

// The address that marks a ping as smrlab's (the value pthread_sigqueue sends).
inline const char ping_marker = 0;

inline std::atomic<serve_function>& serve_hook() noexcept {
  static std::atomic<serve_function> hook{nullptr};
  return hook;
}

// The handler installed before smrlab's, if any: a SIGURG that is not a ping goes on to it.
inline struct sigaction& previous_action() noexcept {
  static struct sigaction previous {};
  return previous;
}

inline bool is_ping(const siginfo_t* info) noexcept {
  return info != nullptr && info->si_code == SI_QUEUE &&
         info->si_value.sival_ptr == static_cast<const void*>(&ping_marker);
}

inline void chain(int sig, siginfo_t* info, void* context) noexcept {
  const struct sigaction& previous = previous_action();
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    if (previous.sa_sigaction != nullptr) previous.sa_sigaction(sig, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN &&
             previous.sa_handler != nullptr) {
    previous.sa_handler(sig);
  }
  // SIG_DFL of SIGURG is to ignore it, as is SIG_IGN.
}

inline void on_signal(int sig, siginfo_t* info, void* context) noexcept {
  const int saved_errno = errno;
  // acquire: pairs with the release store of install(), so the function is the one installed.
  if (const serve_function serve = serve_hook().load(std::memory_order_acquire)) serve();
  if (!is_ping(info)) chain(sig, info, context);
  errno = saved_errno;
}

}  // namespace detail

// Installs the process's handler, once; later calls only check that `serve` is the same.
inline void install(serve_function serve) {
  static const bool installed = [serve] {
    // release: pairs with the acquire load in on_signal.
    detail::serve_hook().store(serve, std::memory_order_release);
    struct sigaction action {};
    action.sa_sigaction = detail::on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&action.sa_mask);
    if (::sigaction(signal_number, &action, &detail::previous_action()) != 0) {
      std::perror("smrlab: sigaction(SIGURG) for thread pings");
      std::abort();
    }
    return true;
  }();
  (void)installed;
  if (detail::serve_hook().load(std::memory_order_relaxed) != serve) {  // relaxed: a check only
    std::fputs("smrlab: two different serve functions for thread pings\n", stderr);
    std::abort();
  }
}

inline thread_id this_thread() noexcept { return pthread_self(); }

// Sends one ping to `target`, a thread that is alive (the caller's ping group guarantees it).
inline void send(thread_id target) {
  union sigval value {};
  value.sival_ptr = const_cast<char*>(&detail::ping_marker);
  const int rc = pthread_sigqueue(target, signal_number, value);
  if (rc != 0 && rc != EAGAIN) {
    errno = rc;
    std::perror("smrlab: pthread_sigqueue for a thread ping");
    std::abort();
  }
  // EAGAIN: the queue of pending signals is full. The target then has a SIGURG pending already,
  // whose handler will serve this request too (it serves whatever is pending).
}

// The head of this thread's list of receivers (schemes/thread_ping.hpp): the handler walks it.
inline void*& thread_receivers() noexcept {
  static thread_local void* head = nullptr;
  return head;
}

namespace detail {
// The thread's signal mask outside the handler, as it was when it last joined or left a group.
inline sigset_t& mask_outside_handler() noexcept {
  static thread_local sigset_t mask{};
  return mask;
}
}  // namespace detail

// Keeps pings out of this thread for a scope: while it edits its own list of receivers.
class blocked_in_this_thread {
 public:
  blocked_in_this_thread() noexcept {
    sigset_t ping;
    sigemptyset(&ping);
    sigaddset(&ping, signal_number);
    pthread_sigmask(SIG_BLOCK, &ping, &previous_);
    detail::mask_outside_handler() = previous_;
  }
  ~blocked_in_this_thread() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  blocked_in_this_thread(const blocked_in_this_thread&) = delete;
  blocked_in_this_thread& operator=(const blocked_in_this_thread&) = delete;

 private:
  sigset_t previous_{};
};

// After a receiver's callback left the handler with siglongjmp (NBR's neutralisation, with
// sigsetjmp(buf, 0): saving the mask would cost a system call per operation): the handler's mask,
// every signal blocked, is still in force, so the thread's own mask is put back by hand.
inline void unblock_after_jump() noexcept {
  pthread_sigmask(SIG_SETMASK, &detail::mask_outside_handler(), nullptr);
}

}  // namespace smr::ping_signal
