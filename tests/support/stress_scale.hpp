// The scale of the stress tests: their sizes shrink under sanitizers, which slow code down
// 5-15x.
#pragma once

namespace smrlab_test {

#if defined(SMRLAB_TEST_SANITIZED)
inline constexpr unsigned stress_scale_divisor = 2;
#else
inline constexpr unsigned stress_scale_divisor = 1;
#endif

}  // namespace smrlab_test
