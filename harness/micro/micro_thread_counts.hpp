// The thread counts the micro suite runs each benchmark at: powers of two from 1 up to the
// machine's hardware threads, the hardware-thread count itself when it is not a power of two,
// and nothing above what the scheme allows (scheme_traits::max_threads, 0 = no limit).
#pragma once

#include <algorithm>
#include <vector>

namespace smrlab::micro {

inline std::vector<int> thread_counts(unsigned hardware_threads, unsigned scheme_max_threads) {
  unsigned top = std::max(1U, hardware_threads);
  if (scheme_max_threads != 0) top = std::min(top, scheme_max_threads);
  std::vector<int> counts;
  for (unsigned n = 1; n <= top; n *= 2) counts.push_back(static_cast<int>(n));
  if (counts.back() != static_cast<int>(top)) counts.push_back(static_cast<int>(top));
  return counts;
}

}  // namespace smrlab::micro
