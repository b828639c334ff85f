// From names to the compiled code of one scheme x structure pairing: the trial runner, the
// bare-loop reference and the pairing behind virtual calls (harness/erased_pairing.hpp),
// instantiated for every compatible pairing of the generated registry. The sweep, the overhead
// measurement and the test layers go through here, so that no other file instantiates the cross
// product.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/bare_loop_types.hpp"
#include "harness/erased_pairing.hpp"
#include "harness/trial_types.hpp"
#include "schemes/scheme_traits.hpp"
#include "structures/structure.hpp"

namespace smrlab {

struct pairing_entry {
  std::string_view scheme;
  std::string_view structure;
  // Null in the model-checking build (no real threads), and run_bare_loop in any build without
  // the driver (cmake/smrlab_pairings.cmake).
  trial_result (*run_trial)(const trial_config&);
  bare_loop_result (*run_bare_loop)(const trial_config&);
  // The scheme's traits, the structure's requirements, kind and, for a pool, order (S::traits,
  // DS::requirements, DS::kind, smr::pool_order_of<DS>()).
  const smr::scheme_traits* traits;
  const smr::structure_requirements* requirements;
  smr::structure_kind kind;
  smr::pool_order order;
  // Why the scheme cannot run in this process, or std::nullopt (smr::unavailable_reason<S>).
  std::optional<std::string> (*unavailable)();
  // A fresh domain of the scheme, whose structures are DS.
  std::unique_ptr<erased_domain> (*make_domain)(const smr::domain_config&);
};

// Every compatible pairing, in the registry's order (schemes, then structures).
std::span<const pairing_entry> compiled_pairings();

// The named pairing, or nullptr when it does not exist (unregistered or incompatible).
const pairing_entry* find_compiled_pairing(std::string_view scheme, std::string_view structure);

}  // namespace smrlab
