// Compile-time lists of schemes and structures, and the cross product of the pairings that
// exist (decided from the scheme traits and structure requirements, never by hand).
#pragma once

#include <type_traits>

#include "schemes/scheme_traits.hpp"

namespace smr {

template <class... Ts>
struct type_list {};

template <template <class> class... Ts>
struct template_list {};

// One scheme x structure pairing; Structure is the structure instantiated on Scheme.
template <class Scheme, class Structure>
struct pairing {
  using scheme = Scheme;
  using structure = Structure;
};

template <class... Lists>
struct concat;
template <>
struct concat<> {
  using type = type_list<>;
};
template <class... As>
struct concat<type_list<As...>> {
  using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> {
  using type = typename concat<type_list<As..., Bs...>, Rest...>::type;
};
template <class... Lists>
using concat_t = typename concat<Lists...>::type;

template <class Schemes, class Structures>
struct compatible_pairings;

template <class... Ss, template <class> class... DSs>
struct compatible_pairings<type_list<Ss...>, template_list<DSs...>> {
 private:
  template <class S, template <class> class DS>
  using one = std::conditional_t<compatible(S::name, S::traits, DS<S>::requirements),
                                 type_list<pairing<S, DS<S>>>, type_list<>>;
  template <class S>
  using row = concat_t<one<S, DSs>...>;

 public:
  using type = concat_t<row<Ss>...>;
};
template <class Schemes, class Structures>
using compatible_pairings_t = typename compatible_pairings<Schemes, Structures>::type;

template <class... Ts, class F>
void for_each_type(type_list<Ts...> /*unused*/, F&& f) {
  (f.template operator()<Ts>(), ...);
}

template <template <class> class... Ts, class F>
void for_each_template(template_list<Ts...> /*unused*/, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace smr
