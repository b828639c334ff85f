// Shared pieces of the C++ tests: the gtest type list of every registered scheme and of every
// compatible pairing (so plugins are covered automatically), and what support/test_helpers.hpp
// holds (readable test names, a node whose reclamation is observable, the scale of stress runs
// under sanitizers). The layers that run every pairing (conformance, linearizability, property,
// set contract) do not use these lists: cmake/smrlab_pairings.cmake generates one file per
// pairing for them, so that the cross product is not compiled in one translation unit.
#pragma once

#include <gtest/gtest.h>

#include <type_traits>

#include "harness/type_lists.hpp"
#include "smrlab/registry_generated.hpp"
#include "structures/structure.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test {

template <class List>
struct gtest_types;
template <class... Ts>
struct gtest_types<smr::type_list<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

using all_schemes = gtest_types<smrlab::generated::schemes>::type;
using all_pairings = gtest_types<
    smr::compatible_pairings_t<smrlab::generated::schemes, smrlab::generated::structures>>::type;

// The pairings whose structure is a set (kind set).
template <class List>
struct sets_only;
template <class... Ps>
struct sets_only<smr::type_list<Ps...>> {
  using type = smr::concat_t<std::conditional_t<Ps::structure::kind == smr::structure_kind::set,
                                                smr::type_list<Ps>, smr::type_list<>>...>;
};
using set_pairings = gtest_types<typename sets_only<smr::compatible_pairings_t<
    smrlab::generated::schemes, smrlab::generated::structures>>::type>::type;

}  // namespace smrlab_test
