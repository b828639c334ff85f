#include "harness/pairing_dispatch.hpp"

#include <vector>

#include "harness/bare_loop.hpp"
#include "harness/registry.hpp"
#include "harness/trial.hpp"

namespace smrlab {

namespace {

std::vector<pairing_entry> make_entries() {
  std::vector<pairing_entry> out;
  smr::for_each_type(smr::compatible_pairings_t<generated::schemes, generated::structures>{},
                     [&]<class P>() {
                       using S = typename P::scheme;
                       using DS = typename P::structure;
                       out.push_back({S::name, DS::name, &run_trial<S, DS>, &run_bare_loop<S, DS>});
                     });
  return out;
}

}  // namespace

std::span<const pairing_entry> compiled_pairings() {
  static const std::vector<pairing_entry> all = make_entries();
  return all;
}

const pairing_entry* find_compiled_pairing(std::string_view scheme, std::string_view structure) {
  for (const auto& e : compiled_pairings()) {
    if (e.scheme == scheme && e.structure == structure) return &e;
  }
  return nullptr;
}

}  // namespace smrlab
