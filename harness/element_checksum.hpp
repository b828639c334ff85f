// element_checksum: an order-independent multiset fingerprint of values (count, sum, and sum
// of a nonlinear 64-bit mix, fold_mix), used to validate conservation of elements: what was pushed
// minus what was popped must equal what is left in the structure. A lost, duplicated or invented
// element changes the fingerprint unless two mixed values collide.
#pragma once

#include <cstdint>
#include <string>

namespace smrlab {

// splitmix64's finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// An element's term in element_checksum::mixed_sum: a folded multiply (the low and the high half
// of a 64 x 64 -> 128-bit product, xored, as in wyhash), of the value xored with a constant so
// that 0 does not map to 0. Nonlinear both in the integers and in GF(2), with one multiply: the
// trial's hot loop pays it once per push or pop. (splitmix64's finaliser, two multiplies and
// three xor-shifts, cost 3-5% of the Treiber stack's throughput at 1 thread.)
__extension__ using uint128 = unsigned __int128;  // GCC and Clang; __extension__: no -Wpedantic
constexpr std::uint64_t fold_mix(std::uint64_t v) noexcept {
  const uint128 product = static_cast<uint128>(v ^ 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64U);
}

struct element_checksum {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t mixed_sum = 0;

  void add(std::uint64_t v) noexcept {
    ++count;
    sum += v;
    mixed_sum += fold_mix(v);
  }
  element_checksum& operator+=(const element_checksum& o) noexcept {
    count += o.count;
    sum += o.sum;
    mixed_sum += o.mixed_sum;
    return *this;
  }
  element_checksum& operator-=(const element_checksum& o) noexcept {
    count -= o.count;
    sum -= o.sum;
    mixed_sum -= o.mixed_sum;
    return *this;
  }
  friend bool operator==(const element_checksum&, const element_checksum&) = default;

  std::string describe() const {
    return std::to_string(static_cast<std::int64_t>(count)) + " elements, sum " +
           std::to_string(sum) + ", mixed " + std::to_string(mixed_sum);
  }
};

// Values pushed by worker `thread` are unique across the trial: thread id in the high bits.
constexpr std::uint64_t unique_value(unsigned thread, std::uint64_t sequence) noexcept {
  return (std::uint64_t{thread} + 1) << 40U | (sequence & ((std::uint64_t{1} << 40U) - 1));
}

}  // namespace smrlab
