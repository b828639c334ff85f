#include "harness/units.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>

namespace smrlab {

namespace {
// Splits "12.5ms" into 12.5 and "ms"; nullopt if there is no leading number.
std::optional<std::pair<double, std::string_view>> number_and_unit(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr == s.data() || !std::isfinite(v) || v < 0) return std::nullopt;
  return std::pair{v, std::string_view(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr))};
}
}  // namespace

std::optional<double> parse_duration(std::string_view s) {
  const auto nu = number_and_unit(s);
  if (!nu || nu->first <= 0) return std::nullopt;
  const auto [v, unit] = *nu;
  if (unit == "ms") return v / 1000.0;
  if (unit == "s") return v;
  if (unit == "m" || unit == "min") return v * 60.0;
  if (unit == "h") return v * 3600.0;
  return std::nullopt;
}

std::optional<double> parse_duration_or_zero(std::string_view s) {
  if (s == "0" || s == "0s") return 0.0;
  return parse_duration(s);
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  const auto nu = number_and_unit(s);
  if (!nu) return std::nullopt;
  const auto [v, unit] = *nu;
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KiB") scale = 1024.0;
  if (unit == "M" || unit == "MiB") scale = 1024.0 * 1024;
  if (unit == "G" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
  if (unit == "KB") scale = 1e3;
  if (unit == "MB") scale = 1e6;
  if (unit == "GB") scale = 1e9;
  if (scale == 0) return std::nullopt;
  return static_cast<std::uint64_t>(v * scale);
}

std::string format_seconds(double s) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, s)));
  if (total >= 3600)
    return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

std::string utc_now(const char* format) {
  const auto now = std::chrono::system_clock::now();
  return fmt::format(fmt::runtime(format), fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
}

}  // namespace smrlab
