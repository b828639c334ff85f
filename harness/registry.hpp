// The registry: the schemes and structures CMake discovered (registry_generated.hpp), their
// descriptions, the compatibility matrix with reasons, and dispatch from names to the
// compiled pairing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "schemes/scheme.hpp"
#include "smrlab/registry_generated.hpp"
#include "structures/structure.hpp"

namespace smrlab {

struct scheme_info {
  std::string_view name;
  std::string_view description;
  smr::scheme_traits traits;
  // Why the scheme cannot run in this process (the availability hook, schemes/scheme.hpp), or
  // std::nullopt. Asked once, when the registry's list is built.
  std::optional<std::string> unavailable;
  // sizeof(S::node_base), 0 when it is empty: what the scheme adds to every node
  // (traits.node_metadata says what it is).
  std::size_t node_base_bytes = 0;
};

struct structure_info {
  std::string_view name;
  std::string_view description;
  smr::structure_kind kind;
  smr::structure_requirements requirements;
  smr::pool_order order;  // a pool's (smr::pool_order_of); lifo for other kinds
};

namespace detail {
// Every registered component must meet its contract; the first failing part is named.
template <class... Ss>
consteval bool check_all(smr::type_list<Ss...> /*unused*/) {
  return (smr::check_scheme<Ss>() && ...);
}
static_assert(check_all(generated::schemes{}));

// A structure's identity does not depend on the scheme; instantiate it on the first one.
template <class... Ss>
struct first_of;
template <class S, class... Rest>
struct first_of<smr::type_list<S, Rest...>> {
  using type = S;
};
using any_scheme = typename first_of<generated::schemes>::type;
}  // namespace detail

inline std::vector<scheme_info> schemes() {
  std::vector<scheme_info> out;
  smr::for_each_type(generated::schemes{}, [&]<class S>() {
    out.push_back({S::name, S::description, S::traits, smr::unavailable_reason<S>(),
                   std::is_empty_v<typename S::node_base> ? 0 : sizeof(typename S::node_base)});
  });
  return out;
}

inline std::vector<structure_info> structures() {
  std::vector<structure_info> out;
  smr::for_each_template(generated::structures{}, [&]<template <class> class DS>() {
    using D = DS<detail::any_scheme>;
    out.push_back({D::name, D::description, D::kind, D::requirements, smr::pool_order_of<D>()});
  });
  return out;
}

inline const scheme_info* find_scheme(std::string_view name) {
  static const auto all = schemes();
  for (const auto& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

inline const structure_info* find_structure(std::string_view name) {
  static const auto all = structures();
  for (const auto& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Whether the pairing is compiled: its traits and requirements fit (compatible_pairings_t). It
// may still be unavailable in this process (pairing_unavailable).
inline bool pairing_exists(const scheme_info& s, const structure_info& d) {
  return !smr::incompatibility(s.name, s.traits, d.name, d.requirements).has_value();
}

// std::nullopt when the pairing exists and its scheme can run in this process, else why not:
// the scheme's own reason first (the availability hook), then the incompatibility. Both names
// must be registered.
inline std::optional<std::string> pairing_unavailable(const scheme_info& s,
                                                      const structure_info& d) {
  if (s.unavailable) return s.unavailable;
  return smr::incompatibility(s.name, s.traits, d.name, d.requirements);
}

// Calls f.template operator()<Scheme, Structure<Scheme>>() for the named, compatible pairing;
// returns false if there is no such pairing.
template <class F>
bool with_pairing(std::string_view scheme, std::string_view structure, F&& f) {
  bool found = false;
  smr::for_each_type(smr::compatible_pairings_t<generated::schemes, generated::structures>{},
                     [&]<class P>() {
                       if (!found && P::scheme::name == scheme && P::structure::name == structure) {
                         found = true;
                         f.template operator()<typename P::scheme, typename P::structure>();
                       }
                     });
  return found;
}

}  // namespace smrlab
