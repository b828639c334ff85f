// Compiled only by the test `contract.rejects_a_scheme_without_a_guard`, which expects the
// compilation to FAIL with the contract's message naming the missing part. Not part of any
// target.
#include "schemes/none/none.hpp"
#include "schemes/scheme.hpp"

namespace {

// Everything `none` has, except an operation guard.
struct scheme_without_guard {
  static constexpr std::string_view name = "scheme_without_guard";
  static constexpr std::string_view description = "missing its guard";
  static constexpr smr::scheme_traits traits{};
  static std::optional<std::uint64_t> bound(const smr::bound_inputs&) { return std::nullopt; }
  using node_base = smr::none::node_base;
  template <class T>
  using link = smr::none::link<T>;
  template <class T>
  using ref = smr::none::ref<T>;
  using domain = smr::none::domain;
  using thread_handle = smr::none::thread_handle;
};

static_assert(smr::check_scheme<scheme_without_guard>());

}  // namespace
