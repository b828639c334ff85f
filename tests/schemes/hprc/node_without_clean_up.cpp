// Compiled only by the test `contract.rejects_a_node_without_clean_up_on_hprc`, which expects
// the compilation to FAIL with the node contract's message naming the missing clean-up callback
// (schemes/scheme.hpp, check_node; hprc's make). Not part of any target.
#include "schemes/hprc/hprc.hpp"

namespace {

// Everything a node for hprc has, except that its clean-up callback is misspelt: before the
// check, hprc compiled it and never cleaned it up, which silently lost its garbage bound.
struct misspelt_node : smr::hprc::node_base {
  smr::hprc::link<misspelt_node> next;
  template <class F>
  void for_each_link(F&& f) {
    f(next);
  }
  template <class H>
  void cleanup(H& /*h*/) {}
};

[[maybe_unused]] void make_one(smr::hprc::thread_handle& h) { h.retire(h.make<misspelt_node>()); }

}  // namespace
