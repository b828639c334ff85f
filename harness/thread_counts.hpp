// thread_counts: the thread counts of a sweep, as users give them (--threads, the `threads`
// preset key) and as the sweep fills them in when none are given.
#pragma once

#include <algorithm>
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

// Thread counts as given: fixed counts, and multiples of the PU count ("2x", "4x": an
// oversubscribed sweep that means the same on every machine). Both empty: from the topology.
struct thread_request {
  std::vector<unsigned> counts;
  std::vector<unsigned> per_pu;
};

// The counts a sweep runs on `pus` PUs: the fixed ones, then each multiple times the PU count,
// without repeats, in the order given; default_thread_counts when nothing was given.
inline std::vector<unsigned> resolve_thread_counts(const std::vector<unsigned>& counts,
                                                   const std::vector<unsigned>& per_pu,
                                                   unsigned pus) {
  if (counts.empty() && per_pu.empty()) return default_thread_counts(pus);
  pus = pus == 0 ? 1 : pus;
  std::vector<unsigned> out;
  auto add = [&](unsigned n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (unsigned n : counts) add(n);
  for (unsigned m : per_pu) add(m * pus);
  return out;
}

namespace thread_count_detail {
inline bool positive(std::string_view v, unsigned& n) {
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && ec == std::errc{} && ptr == v.data() + v.size() && n > 0;
}
}  // namespace thread_count_detail

// Parses one entry: a positive count ("8"), or a positive multiple of the PU count ("2x").
inline bool parse_thread_count(std::string_view v, thread_request& into) {
  unsigned n = 0;
  if (v.size() > 1 && v.back() == 'x') {
    if (!thread_count_detail::positive(v.substr(0, v.size() - 1), n)) return false;
    into.per_pu.push_back(n);
    return true;
  }
  if (!thread_count_detail::positive(v, n)) return false;
  into.counts.push_back(n);
  return true;
}

// Parses a list of thread counts ("1", "2", "4", and multiples of the PU count, "2x"), or the
// single word "auto": an empty request, which the sweep fills from the topology.
inline std::variant<thread_request, std::string> parse_thread_counts(
    const std::vector<std::string>& values) {
  if (values.size() == 1 && values.front() == "auto") return thread_request{};
  thread_request r;
  for (const auto& v : values) {
    if (!parse_thread_count(v, r)) {
      return "'" + v +
             "' is not a positive thread count; give e.g. 1,2,4, multiples of the PU count such "
             "as 2x,4x, or auto";
    }
  }
  if (values.empty()) {
    return std::string("no thread counts given; give e.g. 1,2,4, 2x,4x, or auto");
  }
  return r;
}

}  // namespace smrlab
