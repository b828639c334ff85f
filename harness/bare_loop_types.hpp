// What the bare-loop reference (harness/bare_loop.hpp) measures: operations and time, nothing
// else.
#pragma once

#include <cstdint>

namespace smrlab {

struct bare_loop_result {
  double elapsed_s = 0;
  std::uint64_t total_ops = 0;

  double throughput() const {
    return elapsed_s > 0 ? static_cast<double>(total_ops) / elapsed_s : 0;
  }
};

}  // namespace smrlab
