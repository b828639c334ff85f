// Property tests: random sequential operation sequences (rapidcheck), for every registered scheme x
// every compatible structure (plugins included, through all_pairings). Each sequence runs on the
// structure and on a reference model; every result must match the model, the at-rest views must
// match it at the end, and after teardown everything retired must be reclaimed and everything
// allocated freed. A failure is shrunk to a minimal operation sequence, printed in the test's
// failure message with the seed to reproduce it (RC_PARAMS="reproduce=...").
//
// Models: pool -> std::vector used as a stack (kind pool is modelled as LIFO, true of
// treiber_stack; a FIFO pool plugin would need a model of its own), deque -> std::deque, set ->
// std::set over the keys 0..15, so that inserts, removes and look-ups collide.
//
// The body of a type-parameterized suite (TYPED_TEST_SUITE_P): cmake/smrlab_pairings.cmake
// generates one file per pairing that includes its scheme's and structure's headers and every
// layer's suite (tests/CMakeLists.txt), and instantiates each on that pairing alone, with the
// layer's name as the prefix:
// the tests are named structure_properties/pairing/<scheme>__<structure>.<test>. The operations,
// their generators and the rapidcheck driver do not depend on the pairing and are compiled once
// (operation_sequences.cpp).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "property/operation_sequences.hpp"
#include "support/test_helpers.hpp"

namespace smrlab_test::property_layer {

// A pop's result as rapidcheck prints it in a counterexample (it cannot print std::optional).
inline std::string shown(const std::optional<std::uint64_t>& v) {
  return v ? std::to_string(*v) : std::string("nothing");
}

// Pops of the models: the removed value, or nothing when empty (what the structures return).
inline std::optional<std::uint64_t> pop_back(std::vector<std::uint64_t>& v) {
  if (v.empty()) return std::nullopt;
  const std::uint64_t x = v.back();
  v.pop_back();
  return x;
}

inline std::optional<std::uint64_t> pop_front(std::deque<std::uint64_t>& q) {
  if (q.empty()) return std::nullopt;
  const std::uint64_t x = q.front();
  q.pop_front();
  return x;
}

inline std::optional<std::uint64_t> pop_back(std::deque<std::uint64_t>& q) {
  if (q.empty()) return std::nullopt;
  const std::uint64_t x = q.back();
  q.pop_back();
  return x;
}

template <class DS, class H>
void run_pool(DS& ds, H& h, const std::vector<op>& ops) {
  std::vector<std::uint64_t> model;  // back = top
  for (const op& o : ops) {
    if (o.kind == op_kind::push) {
      ds.push(h, o.value);
      model.push_back(o.value);
    } else {
      RC_ASSERT(shown(ds.pop(h)) == shown(pop_back(model)));
    }
  }
  // At rest: popping everything gives the model's order, then nothing.
  while (!model.empty()) RC_ASSERT(shown(ds.pop(h)) == shown(pop_back(model)));
  RC_ASSERT(shown(ds.pop(h)) == shown(std::nullopt));
}

template <class DS, class H>
void run_deque(DS& ds, H& h, const std::vector<op>& ops) {
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

template <class DS, class H>
void run_set(DS& ds, H& h, const std::vector<op>& ops) {
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
template <class S, class DS>
void sequence_matches_model_and_reclaims_everything() {
  const std::vector<op> ops = draw_operations(DS::kind);
  typename S::domain d(smr::config_for(DS::requirements, 1));
  {
    DS ds(d);
    typename S::thread_handle h(d);
    if constexpr (DS::kind == smr::structure_kind::pool) {
      run_pool(ds, h, ops);
    } else if constexpr (DS::kind == smr::structure_kind::deque) {
      run_deque(ds, h, ops);
    } else {
      run_set(ds, h, ops);
    }
  }
  d.reclaim_all_quiescent();
  const smr::counter_totals c = d.counters();
  RC_ASSERT(c.retired == c.reclaimed);
  RC_ASSERT(c.allocated == c.reclaimed + c.destroyed);
}

template <class P>
class pairing : public ::testing::Test {};
TYPED_TEST_SUITE_P(pairing);

TYPED_TEST_P(pairing, random_sequences_match_the_model_and_reclaim_everything) {
  using S = typename TypeParam::scheme;
  using DS = typename TypeParam::structure;
  check_in_gtest(&sequence_matches_model_and_reclaims_everything<S, DS>);
}

REGISTER_TYPED_TEST_SUITE_P(pairing, random_sequences_match_the_model_and_reclaim_everything);

}  // namespace smrlab_test::property_layer
