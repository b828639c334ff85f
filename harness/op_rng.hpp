// The workers' random numbers: a small, fast per-thread generator, shared by the trial runner and
// the bare-loop reference so that both drive the same operation sequence.
#pragma once

#include <cstdint>

#include "harness/element_checksum.hpp"

namespace smrlab {

// A small, fast per-thread generator (xorshift64*), seeded from the trial seed and thread.
class op_rng {
 public:
  explicit op_rng(std::uint64_t seed) : s_(mix64(seed) | 1U) {}
  std::uint64_t next() noexcept {
    s_ ^= s_ >> 12U;
    s_ ^= s_ << 25U;
    s_ ^= s_ >> 27U;
    return s_ * 0x2545f4914f6cdd1dULL;
  }
  unsigned percent() noexcept { return static_cast<unsigned>((next() >> 32U) % 100U); }

 private:
  std::uint64_t s_;
};

}  // namespace smrlab
