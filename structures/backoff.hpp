// exponential_backoff: what a thread does after losing a CAS on a contended word (the head of a
// stack): wait a while before trying again, twice as long after each further loss, so that the
// threads stop invalidating each other's cache line on every attempt. Past a cap it yields the
// processor instead, which matters when threads outnumber cores. One object per operation: a
// fresh operation starts with a short wait again.
#pragma once

#include <atomic>
#include <thread>

namespace smr {

class exponential_backoff {
 public:
  static constexpr unsigned first_spins = 16;
  static constexpr unsigned max_spins = 16 * 1024;

  void operator()() noexcept {
    if (spins_ > max_spins) {
      std::this_thread::yield();
      return;
    }
    for (unsigned i = 0; i < spins_; ++i) relax();
    spins_ *= 2;
  }

 private:
  // A hint that this is a spin-wait (x86 `pause`): cheaper for the sibling hyperthread, and no
  // memory-order violation flush when the loop ends.
  static void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#else
    std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
  }

  unsigned spins_ = first_spins;
};

}  // namespace smr
