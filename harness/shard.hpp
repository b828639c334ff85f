// shard: one deterministic slice of a sweep (--shard i/n), so that a sweep can be spread over
// machines or cluster jobs and put back together with `smrlab merge`. The planned trials, in the
// sweep's own order, are dealt round-robin: shard i of n runs the trials whose position p has
// p mod n == i - 1, p counted within each allocator's part of the plan (the parts are the same
// sequence, so a shard runs the same configurations under every allocator it sweeps). Every
// shard plans the whole sweep first, so the slices partition it exactly when every shard sees
// the same plan (same options, same thread counts); meta.json records the plan's size and
// digest so that `smrlab merge` can check that.
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace smrlab {

struct shard_spec {
  unsigned index = 1;  // 1-based
  unsigned count = 1;

  std::string describe() const { return std::to_string(index) + "/" + std::to_string(count); }
  // Whether the trial at `position` (0-based, in the whole plan) belongs to this shard.
  bool owns(std::size_t position) const noexcept { return position % count == index - 1U; }
};

// Parses "i/n" with 1 <= i <= n. Returns the shard, or a message that quotes the input.
inline std::variant<shard_spec, std::string> parse_shard(std::string_view text) {
  const std::string bad = "shard '" + std::string(text) + "': give i/n with 1 <= i <= n, e.g. 2/8";
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad;
  auto number = [](std::string_view s, unsigned& out) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
  };
  shard_spec s;
  if (!number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count) ||
      s.index == 0 || s.index > s.count) {
    return bad;
  }
  return s;
}

}  // namespace smrlab
