// op_mix: the operation mix of a workload, as insert,remove,lookup percentages ("25,25,50"), the
// way users type it (--mix, the `mix` preset key). Sets use all three; pools and deques read the
// first two as push,pop percentages and have no lookups. A worker draws a percent in [0, 100)
// per operation and `pick` turns it into the operation to run.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace smrlab {

enum class op_kind { insert, remove, lookup };

struct op_mix {
  unsigned insert_percent = 50;
  unsigned remove_percent = 50;
  unsigned lookup_percent = 0;

  // "50,50,0": the form parse_op_mix reads back.
  std::string describe() const {
    return std::to_string(insert_percent) + "," + std::to_string(remove_percent) + "," +
           std::to_string(lookup_percent);
  }

  // `percent` in [0, 100): below insert -> insert; below insert + remove -> remove; else lookup.
  constexpr op_kind pick(unsigned percent) const noexcept {
    if (percent < insert_percent) return op_kind::insert;
    if (percent - insert_percent < remove_percent) return op_kind::remove;
    return op_kind::lookup;
  }

  // The set size at which inserts and removes balance when every key is drawn uniformly from
  // [0, key_range). With S keys present, a draw finds its key absent with probability
  // (R - S) / R, so per operation the set gains insert% * (R - S) / R keys and loses
  // remove% * S / R; these are equal at S = R * insert / (insert + remove), rounded down here.
  // Lookups do not change the size; with no inserts or removes at all (a lookup-only mix) any
  // size is steady, and R / 2 is returned. Skewed key distributions balance elsewhere.
  constexpr std::uint64_t steady_state_size(std::uint64_t key_range) const noexcept {
    const std::uint64_t updates = std::uint64_t{insert_percent} + remove_percent;
    if (updates == 0) return key_range / 2;
    // R * i / u without overflow: R = q * u + r, so R * i / u = q * i + r * i / u (q * i <= R).
    return key_range / updates * insert_percent + key_range % updates * insert_percent / updates;
  }

  friend bool operator==(const op_mix&, const op_mix&) = default;
};

// Parses "insert,remove,lookup" percentages, e.g. "25,25,50"; spaces and tabs around each number
// are allowed. They must be three non-negative integers summing to exactly 100. Returns the mix,
// or a message that quotes the input and says what is wrong.
inline std::variant<op_mix, std::string> parse_op_mix(std::string_view text) {
  const std::string quoted = "mix '" + std::string(text) + "'";
  // Split at commas; a fourth field is counted but not kept.
  std::array<std::string_view, 3> fields{};
  std::size_t count = 0;
  for (std::size_t start = 0;; ++count) {
    const std::size_t comma = text.find(',', start);
    if (count < fields.size()) fields[count] = text.substr(start, comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (++count != fields.size()) return quoted + " needs three percentages: insert,remove,lookup";

  constexpr std::array<const char*, 3> names{"insert", "remove", "lookup"};
  std::array<unsigned, 3> percent{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string_view f = fields[i];
    const std::size_t first = f.find_first_not_of(" \t");
    f = first == std::string_view::npos ? std::string_view{}
                                        : f.substr(first, f.find_last_not_of(" \t") - first + 1);
    const char* end = f.data() + f.size();
    const auto [ptr, ec] = std::from_chars(f.data(), end, percent[i]);
    if (f.empty() || ec == std::errc::invalid_argument || ptr != end) {
      return quoted + ": the " + names[i] + " percentage '" + std::string(f) +
             "' is not a non-negative integer";
    }
    if (ec == std::errc::result_out_of_range || percent[i] > 100) {
      return quoted + ": the " + names[i] + " percentage " + std::string(f) + " is above 100";
    }
  }
  const unsigned sum = percent[0] + percent[1] + percent[2];
  if (sum != 100) return quoted + " sums to " + std::to_string(sum) + ", not 100";
  return op_mix{percent[0], percent[1], percent[2]};
}

}  // namespace smrlab
