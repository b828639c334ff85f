// exponential_backoff: what a thread does after losing a CAS on a contended word (the head of a
// stack): wait a while before trying again, twice as long after each further loss, so that the
// threads stop invalidating each other's cache line on every attempt. Past a cap it yields the
// processor instead, which matters when threads outnumber cores. One object per operation: a
// fresh operation starts with a short wait again.
#pragma once

#include <atomic>
#include <thread>

#include "schemes/sync.hpp"

namespace smr {

// FirstSpins: the first wait, in spin-wait hints; MaxSpins: the longest, after which each
// further loss yields. The defaults are those of libcds's exponential back-off (16 .. 16K).
template <unsigned FirstSpins = 16, unsigned MaxSpins = 16 * 1024>
class exponential_backoff {
 public:
  void pause() noexcept {
    if (spins_ > MaxSpins) {
      sync::yield();
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
    sync::compiler_fence(std::memory_order_seq_cst);
#endif
  }

  unsigned spins_ = FirstSpins;
};

}  // namespace smr
