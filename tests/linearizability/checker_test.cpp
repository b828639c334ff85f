// Tests of the linearizability checker itself (checker.hpp) and of the sequential models
// (sequential_specs.hpp) on hand-made histories: sequential and overlapping histories that are
// linearizable (some only by reordering overlapping operations) pass; classic violations of
// stack, queue, deque and set semantics fail with a readable report; histories produced from
// a model's own sequential run, with intervals widened at random around each operation's
// linearization point, always pass.
#include "linearizability/checker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "linearizability/sequential_specs.hpp"

namespace {

using namespace smrlab_test::lin;  // NOLINT(google-build-using-namespace): test-local brevity

constexpr std::optional<std::uint64_t> empty = std::nullopt;

operation op(unsigned thread, op_kind kind, std::uint64_t argument,
             std::optional<std::uint64_t> result, std::uint64_t invoke, std::uint64_t response) {
  return operation{thread, kind, argument, result, invoke, response};
}
operation push(unsigned t, std::uint64_t v, std::uint64_t i, std::uint64_t r,
               op_kind k = op_kind::push) {
  return op(t, k, v, std::nullopt, i, r);
}
operation pop(unsigned t, std::optional<std::uint64_t> v, std::uint64_t i, std::uint64_t r,
              op_kind k = op_kind::pop) {
  return op(t, k, 0, v, i, r);
}
operation set_op(unsigned t, op_kind k, std::uint64_t key, bool result, std::uint64_t i,
                 std::uint64_t r) {
  return op(t, k, key, result ? 1 : 0, i, r);
}

template <class Model>
void expect_linearizable(const history& h) {
  const check_result r = check<Model>(h);
  EXPECT_TRUE(r.linearizable) << r.report;
  EXPECT_FALSE(r.budget_exhausted);
}
template <class Model>
void expect_not_linearizable(const history& h) {
  const check_result r = check<Model>(h);
  EXPECT_FALSE(r.linearizable) << "accepted:\n" << describe(h);
  EXPECT_FALSE(r.budget_exhausted);
  EXPECT_NE(r.report.find("not linearizable"), std::string::npos) << r.report;
}

// ---- stack ----------------------------------------------------------------------------------

TEST(linearizability_checker, empty_history_is_linearizable) {
  expect_linearizable<stack_model>({});
  expect_linearizable<set_model>({});
}

TEST(linearizability_checker, sequential_stack_history_is_lifo) {
  expect_linearizable<stack_model>(
      {push(0, 1, 0, 1), push(0, 2, 2, 3), pop(0, 2, 4, 5), pop(0, 1, 6, 7), pop(0, empty, 8, 9)});
}

TEST(linearizability_checker, stack_pop_of_the_older_element_fails) {
  // push(1) completes before push(2) begins: 2 is on top, a later pop must not return 1.
  expect_not_linearizable<stack_model>({push(0, 1, 0, 1), push(1, 2, 2, 3), pop(0, 1, 4, 5)});
}

TEST(linearizability_checker, stack_overlapping_pushes_may_be_reordered) {
  // push(1) and push(2) overlap: push(2) may take effect first, leaving 1 on top.
  expect_linearizable<stack_model>(
      {push(0, 1, 0, 3), push(1, 2, 1, 2), pop(0, 1, 4, 5), pop(1, 2, 6, 7)});
}

TEST(linearizability_checker, stack_pop_of_a_value_never_pushed_fails) {
  expect_not_linearizable<stack_model>({push(0, 1, 0, 1), pop(1, 7, 2, 3)});
}

TEST(linearizability_checker, stack_pop_may_return_a_push_it_overlaps) {
  // The pop returns before the push does, yet the push may have taken effect first.
  expect_linearizable<stack_model>({push(0, 1, 0, 10), pop(1, 1, 1, 2)});
}

TEST(linearizability_checker, stack_empty_pop_while_a_value_is_certainly_there_fails) {
  expect_not_linearizable<stack_model>({push(0, 1, 0, 1), pop(1, empty, 2, 3)});
}

TEST(linearizability_checker, stack_empty_pop_overlapping_the_only_push_passes) {
  expect_linearizable<stack_model>({push(0, 1, 0, 5), pop(1, empty, 1, 2), pop(1, 1, 6, 7)});
}

TEST(linearizability_checker, stack_value_popped_twice_fails) {
  // Two overlapping pops both take the one value: the ABA symptom.
  expect_not_linearizable<stack_model>({push(0, 1, 0, 1), pop(0, 1, 2, 5), pop(1, 1, 3, 4)});
}

TEST(linearizability_checker, stack_interleaving_found_only_through_a_late_choice) {
  // t0: push(1) push(2) ; t1: one long pop -> 1 overlapping both pushes and the pop of 2.
  // Only order: push1, pop->1, push2, pop->2.
  expect_linearizable<stack_model>(
      {push(0, 1, 0, 1), push(0, 2, 3, 4), pop(0, 2, 5, 6), pop(1, 1, 2, 7)});
  // Same, but the long pop begins after push(2) completed: 2 is on top, so it cannot get 1
  // before pop->2 ... unless pop->2 goes first, which leaves 1 on top: linearizable.
  expect_linearizable<stack_model>(
      {push(0, 1, 0, 1), push(0, 2, 2, 3), pop(0, 2, 5, 6), pop(1, 1, 4, 7)});
  // And when pop->2 completes before the pop -> 1 begins, but after it a push(3) completed:
  // 3 is on top, so pop -> 1 is wrong.
  expect_not_linearizable<stack_model>(
      {push(0, 1, 0, 1), push(0, 2, 2, 3), pop(0, 2, 4, 5), push(0, 3, 6, 7), pop(1, 1, 8, 9)});
}

// ---- queue ----------------------------------------------------------------------------------

TEST(linearizability_checker, queue_model_is_fifo) {
  expect_linearizable<queue_model>({push(0, 1, 0, 1), push(0, 2, 2, 3), pop(1, 1, 4, 5)});
  expect_not_linearizable<queue_model>({push(0, 1, 0, 1), push(0, 2, 2, 3), pop(1, 2, 4, 5)});
  expect_linearizable<queue_model>({push(0, 1, 0, 3), push(1, 2, 1, 2), pop(1, 2, 4, 5)});
}

// ---- deque ----------------------------------------------------------------------------------

TEST(linearizability_checker, deque_ends_behave_as_specified) {
  // push_right 1, 2: left .. right = [1, 2].
  expect_linearizable<deque_model>(
      {push(0, 1, 0, 1, op_kind::push_right), push(0, 2, 2, 3, op_kind::push_right),
       pop(0, 1, 4, 5, op_kind::pop_left), pop(0, 2, 6, 7, op_kind::pop_right)});
  expect_not_linearizable<deque_model>({push(0, 1, 0, 1, op_kind::push_right),
                                        push(0, 2, 2, 3, op_kind::push_right),
                                        pop(0, 2, 4, 5, op_kind::pop_left)});
  // push_left 1, 2: [2, 1]; the right end is 1.
  expect_linearizable<deque_model>({push(0, 1, 0, 1, op_kind::push_left),
                                    push(0, 2, 2, 3, op_kind::push_left),
                                    pop(0, 1, 4, 5, op_kind::pop_right)});
  expect_not_linearizable<deque_model>({push(0, 1, 0, 1, op_kind::push_left),
                                        push(0, 2, 2, 3, op_kind::push_left),
                                        pop(0, 2, 4, 5, op_kind::pop_right)});
}

TEST(linearizability_checker, deque_overlapping_pushes_may_be_reordered) {
  // push_left(1) and push_left(2) overlap; both orders are possible.
  expect_linearizable<deque_model>(
      {push(0, 1, 0, 5, op_kind::push_left), push(1, 2, 1, 4, op_kind::push_left),
       pop(0, 1, 6, 7, op_kind::pop_left), pop(0, 2, 8, 9, op_kind::pop_left)});
  expect_linearizable<deque_model>(
      {push(0, 1, 0, 5, op_kind::push_left), push(1, 2, 1, 4, op_kind::push_left),
       pop(0, 2, 6, 7, op_kind::pop_left), pop(0, 1, 8, 9, op_kind::pop_left)});
}

TEST(linearizability_checker, deque_value_taken_from_both_ends_fails) {
  expect_not_linearizable<deque_model>(
      {push(0, 1, 0, 1, op_kind::push_right), push(0, 2, 2, 3, op_kind::push_right),
       pop(0, 1, 4, 7, op_kind::pop_left), pop(1, 1, 5, 6, op_kind::pop_right)});
}

TEST(linearizability_checker, deque_empty_pop_with_a_value_present_fails) {
  expect_not_linearizable<deque_model>(
      {push(0, 1, 0, 1, op_kind::push_left), pop(1, empty, 2, 3, op_kind::pop_right)});
}

// ---- set ------------------------------------------------------------------------------------

TEST(linearizability_checker, sequential_set_history) {
  expect_linearizable<set_model>(
      {set_op(0, op_kind::insert, 1, true, 0, 1), set_op(0, op_kind::insert, 1, false, 2, 3),
       set_op(0, op_kind::contains, 1, true, 4, 5), set_op(0, op_kind::remove, 1, true, 6, 7),
       set_op(0, op_kind::contains, 1, false, 8, 9), set_op(0, op_kind::remove, 1, false, 10, 11),
       set_op(0, op_kind::insert, 2, true, 12, 13),
       set_op(0, op_kind::contains, 1, false, 14, 15)});
}

TEST(linearizability_checker, set_violations_fail) {
  // Inserted twice with no remove in between.
  expect_not_linearizable<set_model>(
      {set_op(0, op_kind::insert, 1, true, 0, 1), set_op(1, op_kind::insert, 1, true, 2, 3)});
  // Found though never inserted.
  expect_not_linearizable<set_model>({set_op(0, op_kind::contains, 2, true, 0, 1)});
  // Removed though absent... then found.
  expect_not_linearizable<set_model>(
      {set_op(0, op_kind::remove, 3, true, 0, 1), set_op(1, op_kind::contains, 3, true, 2, 3)});
  // A lookup misses a key whose insert completed before it began.
  expect_not_linearizable<set_model>(
      {set_op(0, op_kind::insert, 1, true, 0, 1), set_op(1, op_kind::contains, 1, false, 2, 3)});
}

TEST(linearizability_checker, set_lookups_must_agree_with_each_other_in_real_time) {
  // A slow insert; a lookup that found the key completed before another began that missed it.
  expect_not_linearizable<set_model>({set_op(0, op_kind::insert, 1, true, 0, 10),
                                      set_op(1, op_kind::contains, 1, true, 1, 2),
                                      set_op(2, op_kind::contains, 1, false, 3, 4)});
  // The other way round is fine: the insert takes effect between the two lookups.
  expect_linearizable<set_model>({set_op(0, op_kind::insert, 1, true, 0, 10),
                                  set_op(1, op_kind::contains, 1, false, 1, 2),
                                  set_op(2, op_kind::contains, 1, true, 3, 4)});
}

TEST(linearizability_checker, set_two_successful_inserts_need_a_remove_between) {
  expect_not_linearizable<set_model>(
      {set_op(0, op_kind::insert, 1, true, 0, 5), set_op(1, op_kind::insert, 1, true, 1, 6)});
  expect_linearizable<set_model>({set_op(0, op_kind::insert, 1, true, 0, 5),
                                  set_op(1, op_kind::insert, 1, true, 1, 6),
                                  set_op(2, op_kind::remove, 1, true, 2, 3)});
}

// ---- the search itself ----------------------------------------------------------------------

TEST(linearizability_checker, report_shows_the_history_and_the_longest_prefix) {
  const check_result r = check<stack_model>({push(0, 1, 0, 1), push(1, 2, 2, 3), pop(0, 1, 4, 5)});
  ASSERT_FALSE(r.linearizable);
  EXPECT_NE(r.report.find("stack (LIFO)"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("t0 [4, 5] pop() -> 1"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("longest linearizable prefix (2 of 3)"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("model state after it: [1, 2]"), std::string::npos) << r.report;
}

TEST(linearizability_checker, a_spent_budget_is_reported_as_inconclusive) {
  // Many fully overlapping pushes: a budget of a few configurations cannot finish.
  history h;
  for (unsigned t = 0; t < 8; ++t) h.push_back(push(t, t, t, 100 + t));
  const check_result r = check<stack_model>(h, 3);
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_NE(r.report.find("inconclusive"), std::string::npos) << r.report;
}

TEST(linearizability_checker, memoization_keeps_overlapping_histories_small) {
  // 3 threads x 10 pushes, each overlapping its neighbours in the other threads: at most 11^3
  // linearized sets (each thread's prefix), not the 30! orders a search without a cache may try.
  history h;
  for (unsigned t = 0; t < 3; ++t) {
    for (std::uint64_t i = 0; i < 10; ++i) {
      h.push_back(push(t, 100 * t + i, 3 * i + t, 3 * i + t + 2));
    }
  }
  // Then one pop that can only be right if thread 2's last push went last.
  h.push_back(pop(0, 209, 200, 201));
  const check_result r = check<stack_model>(h);
  EXPECT_TRUE(r.linearizable) << r.report;
  EXPECT_LE(r.configurations, 11U * 11U * 11U * 11U);
}

// A model's own sequential run, each operation then given a random interval around its
// linearization point (its index), is linearizable by construction.
template <class Model>
void widened_sequential_runs_pass(op_kind (*pick)(std::mt19937_64&)) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 300; ++round) {
    history h;
    typename Model::state s;
    std::uint64_t next_value = 1;
    for (int i = 0; i < 24; ++i) {
      operation o;
      o.thread = static_cast<unsigned>(rng() % 3);
      o.kind = pick(rng);
      o.argument =
          (o.kind == op_kind::insert || o.kind == op_kind::remove || o.kind == op_kind::contains)
              ? rng() % 4
              : next_value++;
      // Find the result the model gives: try both truth values / the possible pop results.
      std::optional<typename Model::state> after;
      for (std::optional<std::uint64_t> guess :
           {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{0},
            std::optional<std::uint64_t>{1},
            s.empty() ? std::optional<std::uint64_t>{} : std::optional<std::uint64_t>{s.front()},
            s.empty() ? std::optional<std::uint64_t>{} : std::optional<std::uint64_t>{s.back()}}) {
        o.result = guess;
        after = Model::apply(s, o);
        if (after) break;
      }
      ASSERT_TRUE(after.has_value());
      s = *after;
      // Linearization point 100*i; the interval reaches up to 250 either side.
      const std::uint64_t point = 1000 + 100 * static_cast<std::uint64_t>(i);
      o.invoke = point - rng() % 250;
      o.response = point + rng() % 250;
      h.push_back(o);
    }
    const check_result r = check<Model>(h);
    ASSERT_TRUE(r.linearizable) << r.report;
  }
}

TEST(linearizability_checker, widened_sequential_runs_of_every_model_pass) {
  widened_sequential_runs_pass<stack_model>(
      [](std::mt19937_64& g) { return g() % 2 == 0 ? op_kind::push : op_kind::pop; });
  widened_sequential_runs_pass<queue_model>(
      [](std::mt19937_64& g) { return g() % 2 == 0 ? op_kind::push : op_kind::pop; });
  widened_sequential_runs_pass<deque_model>([](std::mt19937_64& g) {
    constexpr op_kind k[] = {op_kind::push_left, op_kind::push_right, op_kind::pop_left,
                             op_kind::pop_right};
    return k[g() % 4];
  });
  widened_sequential_runs_pass<set_model>([](std::mt19937_64& g) {
    constexpr op_kind k[] = {op_kind::insert, op_kind::remove, op_kind::contains};
    return k[g() % 3];
  });
}

}  // namespace
