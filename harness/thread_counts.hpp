// thread_counts: the thread counts of a sweep, as users give them (--threads, the `threads`
// preset key) and as the sweep fills them in when none are given.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace smrlab {

// The thread counts a sweep runs when none are given: powers of two from 1 while below the PU
// count, the PU count, and twice it (oversubscribed), e.g. 1,2,4,8,12,24 for 12 PUs.
inline std::vector<unsigned> default_thread_counts(unsigned pus) {
  pus = pus == 0 ? 1 : pus;
  std::vector<unsigned> counts;
  for (unsigned n = 1; n < pus; n *= 2) counts.push_back(n);
  counts.push_back(pus);
  counts.push_back(2 * pus);
  return counts;
}

// Parses a list of thread counts ("1", "2", "4"), each a positive integer, or the single word
// "auto": an empty list, which the sweep fills from the topology (default_thread_counts).
inline std::variant<std::vector<unsigned>, std::string> parse_thread_counts(
    const std::vector<std::string>& values) {
  if (values.size() == 1 && values.front() == "auto") return std::vector<unsigned>{};
  std::vector<unsigned> counts;
  for (const auto& v : values) {
    unsigned n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || n == 0) {
      return "'" + v + "' is not a positive thread count; give e.g. 1,2,4, or auto";
    }
    counts.push_back(n);
  }
  if (counts.empty()) return std::string("no thread counts given; give e.g. 1,2,4, or auto");
  return counts;
}

}  // namespace smrlab
