// What is particular to the Treiber stack: LIFO order and an empty pop, and the elements left in
// it destroyed with it (never retired).
//
// A pairing layer (support/pairing_layers.hpp) on every pairing of a scheme with treiber_stack
// (plugins included), compiled once: the tests are named
// treiber_stack_test/pairing/<scheme>__treiber_stack.<test>.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "support/pairing_layers.hpp"

namespace smrlab_test::treiber_stack_layer {
namespace {

void pops_in_lifo_order_and_reports_empty(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<smrlab::erased_structure> s = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    EXPECT_FALSE(s->pop(*h).has_value());
    for (std::uint64_t v = 1; v <= 5; ++v) s->push(*h, v);
    for (std::uint64_t v = 5; v >= 1; --v) EXPECT_EQ(s->pop(*h), v);
    EXPECT_FALSE(s->pop(*h).has_value());
  }
  d->reclaim_all_quiescent();
  EXPECT_EQ(d->counters().retired, 5U);
  EXPECT_EQ(d->counters().reclaimed, 5U);
}

void destruction_frees_the_elements_left_in_it(const pairing_entry& p) {
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p));
  {
    const std::unique_ptr<smrlab::erased_structure> s = d->make_structure();
    const std::unique_ptr<smrlab::erased_handle> h = d->attach();
    for (std::uint64_t v = 0; v < 10; ++v) s->push(*h, v);
  }
  const smr::counter_totals c = d->counters();
  EXPECT_EQ(c.allocated, 10U);
  EXPECT_EQ(c.destroyed, 10U);
}

}  // namespace

[[maybe_unused]] const bool registered =
    add_pairing_layer({"treiber_stack_test",
                       [](const pairing_entry& p) { return p.structure == "treiber_stack"; },
                       {SMRLAB_LAYER_TEST(pops_in_lifo_order_and_reports_empty),
                        SMRLAB_LAYER_TEST(destruction_frees_the_elements_left_in_it)}});

}  // namespace smrlab_test::treiber_stack_layer
