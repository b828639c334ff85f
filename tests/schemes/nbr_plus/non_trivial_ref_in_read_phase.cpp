// Must not compile (ctest contract.rejects_a_non_trivially_destructible_ref_in_a_read_phase): a
// restart would skip this reference's destructor (schemes/read_phases.hpp).
#include "schemes/read_phases.hpp"

namespace {
struct restarting_handle {
  static constexpr bool restarts_read_phases = true;
  template <class... P>
  void enter_write_phase(P... /*unused*/) {}
};
struct owning_ref {
  ~owning_ref() {}  // NOLINT: non-trivial on purpose
  int* get() const { return nullptr; }
};
}  // namespace

void reserve_it(restarting_handle& h, const owning_ref& r) { smr::enter_write_phase(h, r); }
