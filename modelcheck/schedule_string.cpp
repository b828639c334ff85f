#include "modelcheck/schedule_string.hpp"

#include <algorithm>
#include <charconv>

namespace smr::modelcheck {

namespace {

bool parse_number(std::string_view s, std::size_t& value) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::string encode_schedule(const std::vector<choice>& schedule) {
  std::string out;
  write_schedule(schedule, [&out](std::string_view piece) { out += piece; });
  return out;
}

std::optional<std::vector<choice>> decode_schedule(std::string_view text, std::string& error) {
  std::vector<choice> out;
  if (text.empty()) {
    error = "an empty schedule";
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    std::string_view token = text.substr(start, dot - start);
    const std::string_view original = token;
    choice c;
    if (!token.empty() && token.front() == 'f') {
      c.flush = true;
      token.remove_prefix(1);
    }
    std::size_t count = 1;
    const std::size_t star = token.find('*');
    std::size_t thread = 0;
    const bool ok =
        parse_number(token.substr(0, star), thread) &&
        (star == std::string_view::npos || parse_number(token.substr(star + 1), count)) &&
        count > 0 && thread < 4096;
    if (!ok) {
      error = "'" + std::string(original) +
              "' is not a step: give a thread number, f and a thread number for a flush, and "
              "*count for a run (e.g. 0*12.1.f0)";
      return std::nullopt;
    }
    c.thread = static_cast<unsigned>(thread);
    out.insert(out.end(), count, c);
    start = dot + 1;
  }
  return out;
}

}  // namespace smr::modelcheck
