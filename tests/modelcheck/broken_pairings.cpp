#include "broken_pairings.hpp"

#include <array>

#include "broken_schemes/ebr_early_advance.hpp"
#include "broken_schemes/ebr_without_guard.hpp"
#include "broken_schemes/frees_at_retire.hpp"
#include "broken_schemes/hazard_pointers_with_release_publication.hpp"
#include "broken_schemes/hazard_pointers_without_validation.hpp"
#include "broken_schemes/loses_retired_nodes.hpp"
#include "harness/erased_pairing_impl.hpp"
#include "structures/harris_michael_list/harris_michael_list.hpp"
#include "structures/natarajan_mittal_bst/natarajan_mittal_bst.hpp"
#include "structures/treiber_stack/treiber_stack.hpp"

namespace smrlab_test {

namespace {

template <class S, template <class> class DS>
constexpr smrlab::pairing_entry entry() {
  return {
      .scheme = S::name,
      .structure = DS<S>::name,
      .run_trial = nullptr,
      .run_bare_loop = nullptr,
      .traits = &S::traits,
      .requirements = &DS<S>::requirements,
      .kind = DS<S>::kind,
      .order = smr::pool_order_of<DS<S>>(),
      .unavailable = &smr::unavailable_reason<S>,
      .make_domain = &smrlab::make_erased_domain<S, DS<S>>,
  };
}

template <class S>
constexpr std::array<smrlab::pairing_entry, 3> on_each_structure() {
  return {entry<S, smr::treiber_stack>(), entry<S, smr::harris_michael_list>(),
          entry<S, smr::natarajan_mittal_bst>()};
}

template <class... S>
constexpr auto all_of() {
  std::array<smrlab::pairing_entry, 3 * sizeof...(S)> out{};
  std::size_t i = 0;
  for (const auto& row : {on_each_structure<S>()...}) {
    for (const auto& e : row) out[i++] = e;
  }
  return out;
}

}  // namespace

std::span<const smrlab::pairing_entry> broken_pairings() {
  static const auto all =
      all_of<broken::frees_at_retire, broken::hazard_pointers_without_validation,
             broken::ebr_early_advance, broken::hazard_pointers_with_release_publication,
             broken::loses_retired_nodes, broken::ebr_without_guard>();
  return all;
}

}  // namespace smrlab_test
