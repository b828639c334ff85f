// TEST ONLY, DELIBERATELY BROKEN. ebr_without_guard: EBR whose operations never announce the
// epoch they run in (its guard does nothing), so a thread reading a node does not hold the epoch
// back, and the node can be freed under it two epoch advances after it was unlinked. Never
// registered.
#pragma once

#include <string_view>

#include "schemes/ebr/ebr.hpp"

namespace smrlab_test::broken {

struct ebr_without_guard : smr::ebr {
  static constexpr std::string_view name = "ebr_without_guard";
  static constexpr std::string_view description =
      "BROKEN (test only): EBR whose operations do not announce their epoch";

  // THE BUG: no announcement on entering an operation, none on leaving it.
  using guard = smr::no_guard;
};

}  // namespace smrlab_test::broken
