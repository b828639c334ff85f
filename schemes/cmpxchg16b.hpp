// cmpxchg16b: whether this CPU has the double-width compare-and-swap (x86-64 CMPXCHG16B) that
// hyaline and hyaline_s build their slot heads on. Their availability hooks (schemes/README.md,
// section 2) ask it once per process; __builtin_cpu_supports has no name for cx16, so this reads
// CPUID leaf 1 (ECX bit 13) directly. A build for another architecture never has it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace smr::cmpxchg16b {

inline bool supported() noexcept {
#if defined(__x86_64__)
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & bit_CMPXCHG16B) != 0;
#else
  return false;
#endif
}

// The one-line reason `scheme` cannot run here, or std::nullopt where it can. `present` is the
// probe's answer (a parameter, so that the message can be tested on a CPU that has it).
inline std::optional<std::string> unavailable(std::string_view scheme, bool present) {
  if (present) return std::nullopt;
  return std::string(scheme) +
         " needs a double-width compare-and-swap (x86-64 cmpxchg16b), which this CPU lacks";
}

inline std::optional<std::string> unavailable(std::string_view scheme) {
  static const bool present = supported();
  return unavailable(scheme, present);
}

}  // namespace smr::cmpxchg16b
