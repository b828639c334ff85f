// key_distribution: which keys a set workload's operations touch, as users type it ("uniform",
// "zipf:0.99"), and key_sampler, which turns a worker's 64 random bits into a key in
// [0, key_range) following that distribution. Built once per trial and shared by the workers
// (harness/trial.hpp); drawing is const and allocation-free.
//
// Skew. "zipf:<theta>" makes the key of popularity rank r (r = 0 the most popular) come up with
// probability proportional to 1 / (r + 1)^theta, for 0 < theta < 1. theta = 0.99 is YCSB's
// default skew: over 1000 keys the hottest key takes about 13% of the operations and the ten
// hottest about 38%; over 10^6 keys, about 6.5% and 19%. Draws use the YCSB generator (Gray et al.,
// "Quickly generating billion-record synthetic databases", SIGMOD 1994), which divides by
// 1 - theta, so theta = 1 is excluded.
//
// Hot keys are scattered. Rank r is not key r: that would make the hot keys the smallest ones,
// which flatters ordered lists (the hot keys sit at the head) and loads one corner of a tree.
// Ranks go through a fixed bijection of [0, key_range) (an invertible multiply/xorshift mix on
// the smallest power-of-two domain that holds key_range, cycle-walked back into range), the same
// for every run, seed and thread.
//
// zeta(n, theta) = sum_{i=1..n} 1/i^theta, which the generator needs, is summed exactly for the
// first 2^16 terms and the rest, i = a..n with a = 2^16 + 1, by Euler-Maclaurin:
//   integral_a^n x^-theta dx + (f(a) + f(n)) / 2 + (f'(n) - f'(a)) / 12,   f(x) = x^-theta,
// whose remainder is at most (2 * 1.202 / (2 pi)^3) * integral_a^n |f'''| < 0.01 * f''(a)
// = 0.01 * theta (theta + 1) a^-(theta+2), under 1e-16 of zeta for every theta, so the result is as
// exact as double rounding allows: against a compensated long-double sum at n = 2^21 the relative
// error is 5e-16 for theta = 0.99 and under 3e-15 for theta from 0.5 to 0.999999. A key range of
// 2^40 (or 2^64) constructs as fast as one of 2^16: about a millisecond.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace smrlab {

struct key_distribution {
  enum class kind { uniform, zipf };
  kind k = kind::uniform;
  double theta = 0;  // zipf only: the skew, 0 < theta < 1

  // "uniform" or "zipf:0.99" (theta in its shortest exact decimal form), as parsed back.
  std::string describe() const {
    if (k == kind::uniform) return "uniform";
    std::array<char, 32> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), theta);
    return "zipf:" + std::string(buf.data(), r.ptr);
  }

  friend bool operator==(const key_distribution&, const key_distribution&) = default;
};

// Parses "uniform" or "zipf:<theta>" with 0 < theta < 1. Returns the distribution, or a message
// that quotes the input and says what is wrong.
inline std::variant<key_distribution, std::string> parse_key_distribution(std::string_view text) {
  const std::string quoted = "key distribution '" + std::string(text) + "'";
  if (text == "uniform") return key_distribution{};
  if (text == "zipf") {
    return quoted + " needs a skew: zipf:<theta> with 0 < theta < 1, e.g. zipf:0.99";
  }
  if (!text.starts_with("zipf:")) {
    return "unknown " + quoted + ": expected 'uniform' or 'zipf:<theta>' with 0 < theta < 1";
  }
  const std::string_view number = text.substr(5);
  double theta = 0;
  const char* end = number.data() + number.size();
  const auto [ptr, ec] = std::from_chars(number.data(), end, theta);
  if (number.empty() || ec != std::errc() || ptr != end || !std::isfinite(theta)) {
    return quoted + ": theta '" + std::string(number) + "' is not a number";
  }
  if (theta <= 0) {
    return quoted + ": theta must be above 0 (a skew of 0 is 'uniform')";
  }
  if (theta >= 1) {
    return quoted + ": theta must be below 1 (the YCSB Zipf generator divides by 1 - theta)";
  }
  return key_distribution{key_distribution::kind::zipf, theta};
}

// Terms of zeta(n, theta) summed one by one; the rest is approximated (see the top of the file).
inline constexpr std::uint64_t zipf_zeta_exact_terms = std::uint64_t{1} << 16U;

// zeta(n, theta) = sum_{i=1..n} 1/i^theta, for n >= 1 and 0 < theta < 1.
inline double zipf_zeta(std::uint64_t n, double theta) {
  const std::uint64_t m = std::min(n, zipf_zeta_exact_terms);
  double sum = 0;
  for (std::uint64_t i = m; i >= 1; --i) {  // smallest terms first, for precision
    sum += std::pow(static_cast<double>(i), -theta);
  }
  if (n == m) return sum;
  const auto a = static_cast<double>(m + 1);
  const auto b = static_cast<double>(n);
  const auto f = [&](double x) { return std::pow(x, -theta); };
  const auto df = [&](double x) { return -theta * std::pow(x, -theta - 1); };
  // (b^(1-theta) - a^(1-theta)) / (1-theta), written to keep its precision as theta nears 1.
  const double integral =
      std::pow(a, 1 - theta) * std::expm1((1 - theta) * std::log1p((b - a) / a)) / (1 - theta);
  return sum + integral + (f(a) + f(b)) / 2 + (df(b) - df(a)) / 12;
}

class key_sampler {
 public:
  // key_range >= 1; a zipf distribution needs 0 < theta < 1. Throws std::invalid_argument
  // otherwise. A zipf sampler sums zeta(key_range, theta) here (about a millisecond at most).
  key_sampler(const key_distribution& d, std::uint64_t key_range)
      : range_(key_range), zipf_(d.k == key_distribution::kind::zipf) {
    if (key_range == 0) throw std::invalid_argument("key_sampler: the key range is empty");
    if (!zipf_) return;
    if (!(d.theta > 0 && d.theta < 1)) {
      throw std::invalid_argument("key_sampler: zipf needs 0 < theta < 1, got " + d.describe());
    }
    const auto n = static_cast<double>(key_range);
    zetan_ = zipf_zeta(key_range, d.theta);
    rank1_limit_ = 1 + std::pow(0.5, d.theta);  // zeta(2, theta)
    alpha_ = 1 / (1 - d.theta);
    // With n <= 2 every draw has rank 0 or 1 and eta is never used (its formula divides by 0).
    if (key_range > 2) eta_ = (1 - std::pow(2 / n, 1 - d.theta)) / (1 - rank1_limit_ / zetan_);
    const auto bits = static_cast<unsigned>(std::bit_width(key_range - 1));
    mask_ = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    shift_ = std::max(1U, (bits + 1) / 2);
  }

  // Maps 64 uniformly random bits to a key in [0, key_range).
  std::uint64_t operator()(std::uint64_t random_bits) const noexcept {
    return key_of_rank(rank(random_bits));
  }

  // The popularity rank drawn from 64 uniformly random bits, in [0, key_range): for zipf, 0 is the
  // most popular; for uniform, every rank is equally likely (Lemire's multiply-shift reduction).
  std::uint64_t rank(std::uint64_t random_bits) const noexcept {
    if (!zipf_) {
      __extension__ using u128 = unsigned __int128;
      return static_cast<std::uint64_t>((static_cast<u128>(random_bits) * range_) >> 64U);
    }
    const double u = static_cast<double>(random_bits >> 11U) * 0x1.0p-53;  // [0, 1)
    const double uz = u * zetan_;
    if (uz < 1) return 0;
    if (uz < rank1_limit_) return 1;
    const auto n = static_cast<double>(range_);
    const double r = n * std::pow(std::max(0.0, eta_ * u - eta_ + 1), alpha_);
    if (!(r < n)) return range_ - 1;
    return std::min(static_cast<std::uint64_t>(r), range_ - 1);
  }

  // The key of popularity rank `rank` (< key_range): a fixed bijection of [0, key_range) for zipf,
  // the identity for uniform (where every key is equally hot).
  std::uint64_t key_of_rank(std::uint64_t rank) const noexcept {
    if (!zipf_) return rank;
    // Cycle walking: `permute` is a bijection of [0, mask_], so following it from an in-range
    // value comes back into range; the domain is under twice the range, so < 2 steps on average.
    do {
      rank = permute(rank);
    } while (rank >= range_);
    return rank;
  }

  std::uint64_t key_range() const noexcept { return range_; }
  // zeta(key_range, theta) for zipf (1 / zeta is the hottest key's probability); 0 for uniform.
  double zeta() const noexcept { return zetan_; }

 private:
  // A bijection of [0, mask_] (mask_ = 2^bits - 1): each step is one. Adding a constant moves 0
  // (which the other steps fix); multiplying by an odd constant carries low bits up; xoring in the
  // value shifted right by about half the width carries high bits down.
  std::uint64_t permute(std::uint64_t x) const noexcept {
    x = (x + 0x9e3779b97f4a7c15ULL) & mask_;
    x = (x * 0xbf58476d1ce4e5b9ULL) & mask_;
    x ^= x >> shift_;
    x = (x * 0x94d049bb133111ebULL) & mask_;
    x ^= x >> shift_;
    x = (x * 0xd6e8feb86659fd93ULL) & mask_;
    x ^= x >> shift_;
    return x;
  }

  std::uint64_t range_;
  bool zipf_;
  double zetan_ = 0;
  double rank1_limit_ = 0;
  double alpha_ = 0;
  double eta_ = 0;
  std::uint64_t mask_ = 0;
  unsigned shift_ = 1;
};

}  // namespace smrlab
