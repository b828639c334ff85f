// Lists of values written as text: joined with a separator (messages, child command lines), and
// each value's describe() (mixes, faults, placements) for meta.json and the child's options.
#pragma once

#include <string>
#include <vector>

namespace smrlab {

inline std::string join(const std::vector<std::string>& v, const char* separator = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : separator) + s;
  return out;
}

template <class T>
std::vector<std::string> describe_all(const std::vector<T>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(x.describe());
  return out;
}

}  // namespace smrlab
