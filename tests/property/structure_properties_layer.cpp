// Property tests: random sequential operation sequences (rapidcheck), for every registered scheme x
// every compatible structure (plugins included, through their compiled entries). Each sequence runs
// on the structure and on a reference model; every result must match the model, the at-rest views
// must match it at the end, and after teardown everything retired must be reclaimed and everything
// allocated freed. A failure is shrunk to a minimal operation sequence, printed in the test's
// failure message with the seed to reproduce it (RC_PARAMS="reproduce=...").
//
// Models: pool -> std::deque, popped at the back for a lifo pool (a stack) and at the front for a
// fifo one (a queue), as the structure declares (smr::pool_order); deque -> std::deque; set ->
// std::set over the keys 0..15, so that inserts, removes and look-ups collide. Every structure's
// check_structure() must say "ok" at the end ("ok" where it states no invariants).
//
// A pairing layer (support/pairing_layers.hpp), compiled once: the tests are named
// structure_properties/pairing/<scheme>__<structure>.<test>. The operations, their generators and
// the rapidcheck driver are in operation_sequences.cpp.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/erased_pairing.hpp"
#include "property/operation_sequences.hpp"
#include "support/pairing_layers.hpp"

namespace smrlab_test::property_layer {
namespace {

using smrlab::erased_handle;
using smrlab::erased_structure;

// A pop's result as rapidcheck prints it in a counterexample (it cannot print std::optional).
std::string shown(const std::optional<std::uint64_t>& v) {
  return v ? std::to_string(*v) : std::string("nothing");
}

// Pops of the models: the removed value, or nothing when empty (what the structures return).
std::optional<std::uint64_t> pop_front(std::deque<std::uint64_t>& q) {
  if (q.empty()) return std::nullopt;
  const std::uint64_t x = q.front();
  q.pop_front();
  return x;
}

std::optional<std::uint64_t> pop_back(std::deque<std::uint64_t>& q) {
  if (q.empty()) return std::nullopt;
  const std::uint64_t x = q.back();
  q.pop_back();
  return x;
}

void run_pool(erased_structure& ds, erased_handle& h, const std::vector<op>& ops,
              smr::pool_order order) {
  std::deque<std::uint64_t> model;  // pushed at the back
  auto model_pop = [&] {
    return order == smr::pool_order::fifo ? pop_front(model) : pop_back(model);
  };
  for (const op& o : ops) {
    if (o.kind == op_kind::push) {
      ds.push(h, o.value);
      model.push_back(o.value);
    } else {
      RC_ASSERT(shown(ds.pop(h)) == shown(model_pop()));
    }
  }
  RC_ASSERT(ds.check_structure() == std::string("ok"));
  // At rest: popping everything gives the model's order, then nothing.
  while (!model.empty()) RC_ASSERT(shown(ds.pop(h)) == shown(model_pop()));
  RC_ASSERT(shown(ds.pop(h)) == shown(std::nullopt));
}

void run_deque(erased_structure& ds, erased_handle& h, const std::vector<op>& ops) {
  std::deque<std::uint64_t> model;  // front = left
  for (const op& o : ops) {
    switch (o.kind) {
      case op_kind::push_left:
        ds.push_left(h, o.value);
        model.push_front(o.value);
        break;
      case op_kind::push_right:
        ds.push_right(h, o.value);
        model.push_back(o.value);
        break;
      case op_kind::pop_left:
        RC_ASSERT(shown(ds.pop_left(h)) == shown(pop_front(model)));
        break;
      default:
        RC_ASSERT(shown(ds.pop_right(h)) == shown(pop_back(model)));
        break;
    }
  }
  const std::vector<std::uint64_t> left(model.begin(), model.end());
  const std::vector<std::uint64_t> right(model.rbegin(), model.rend());
  RC_ASSERT(ds.values_from_left() == left);
  RC_ASSERT(ds.values_from_right() == right);
}

void run_set(erased_structure& ds, erased_handle& h, const std::vector<op>& ops) {
  std::set<std::uint64_t> model;
  for (const op& o : ops) {
    switch (o.kind) {
      case op_kind::insert:
        RC_ASSERT(ds.insert(h, o.value) == model.insert(o.value).second);
        break;
      case op_kind::remove:
        RC_ASSERT(ds.remove(h, o.value) == (model.erase(o.value) == 1));
        break;
      default:
        RC_ASSERT(ds.contains(h, o.value) == model.contains(o.value));
        break;
    }
  }
  RC_ASSERT(ds.keys() == std::vector<std::uint64_t>(model.begin(), model.end()));
  RC_ASSERT(ds.check_structure() == std::string("ok"));
}

// One case: a fresh domain, structure and handle; the sequence against the model; teardown; the
// reclamation counters (the property form of smrlab_test::expect_everything_reclaimed).
void sequence_matches_model_and_reclaims_everything(const pairing_entry& p) {
  const std::vector<op> ops = draw_operations(p.kind);
  const std::unique_ptr<smrlab::erased_domain> d = p.make_domain(config_for(p, 1));
  {
    const std::unique_ptr<erased_structure> ds = d->make_structure();
    const std::unique_ptr<erased_handle> h = d->attach();
    switch (p.kind) {
      case smr::structure_kind::pool:
        run_pool(*ds, *h, ops, p.order);
        break;
      case smr::structure_kind::deque:
        run_deque(*ds, *h, ops);
        break;
      case smr::structure_kind::set:
        run_set(*ds, *h, ops);
        break;
    }
  }
  d->reclaim_all_quiescent();
  const smr::counter_totals c = d->counters();
  RC_ASSERT(c.retired == c.reclaimed);
  RC_ASSERT(c.allocated == c.reclaimed + c.destroyed);
}

void random_sequences_match_the_model_and_reclaim_everything(const pairing_entry& p) {
  check_in_gtest([&p] { sequence_matches_model_and_reclaims_everything(p); });
}

}  // namespace

[[maybe_unused]] const bool registered = add_pairing_layer(
    {"structure_properties",
     every_pairing,
     {SMRLAB_LAYER_TEST(random_sequences_match_the_model_and_reclaim_everything)}});

}  // namespace smrlab_test::property_layer
