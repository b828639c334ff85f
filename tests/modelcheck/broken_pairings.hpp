// The deliberately broken schemes (tests/broken_schemes) paired with the stack, the list and the
// tree, behind virtual calls like every compiled pairing, for the model checker's tests and for
// smrlab_modelcheck_broken (the checker's command with them added).
#pragma once

#include <span>

#include "harness/pairing_dispatch.hpp"

namespace smrlab_test {

std::span<const smrlab::pairing_entry> broken_pairings();

}  // namespace smrlab_test
