// Parsing of the units users type: durations ("1s", "500ms", "2m") and sizes ("4GiB"); and the
// time formats the output files use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smrlab {

// Seconds, or nullopt if `s` is not a positive number followed by ms, s, m or h.
std::optional<double> parse_duration(std::string_view s);
// The same, and 0 for "0" or "0s": for the options where zero means none or off.
std::optional<double> parse_duration_or_zero(std::string_view s);
// Bytes, or nullopt if `s` is not a number optionally followed by K, M, G, KiB, MiB, GiB (or B).
std::optional<std::uint64_t> parse_size(std::string_view s);
std::string format_seconds(double s);  // "1:05" or "0:07"
// The current UTC time in fmt's chrono format, by default ISO-8601: "2025-01-31T14:02:11Z".
std::string utc_now(const char* format = "{:%Y-%m-%dT%H:%M:%SZ}");

}  // namespace smrlab
