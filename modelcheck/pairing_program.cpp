#include "modelcheck/pairing_program.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "linearizability/compiled_checks.hpp"
#include "linearizability/history.hpp"

namespace smr::modelcheck {

namespace {

namespace lin = smrlab_test::lin;
using lin::op_kind;

struct step {
  op_kind kind;
  std::uint64_t argument;
};

constexpr unsigned max_threads = 3;
constexpr unsigned max_ops = 3;
using plan = std::array<std::array<step, max_ops>, max_threads>;

// A structure kind's prefill and per-thread operations. The first operations of threads 0 and 1
// unlink (pop, remove) what the other may be reading; later ones insert again, so that a node
// freed too early can be found reused.
struct script {
  std::array<step, 2> prefill;
  plan threads;
};

constexpr script pool_script{{{{op_kind::push, 1}, {op_kind::push, 2}}},
                             {{
                                 {{{op_kind::pop, 0}, {op_kind::push, 10}, {op_kind::pop, 0}}},
                                 {{{op_kind::pop, 0}, {op_kind::push, 11}, {op_kind::pop, 0}}},
                                 {{{op_kind::push, 12}, {op_kind::pop, 0}, {op_kind::pop, 0}}},
                             }}};
constexpr script deque_script{
    {{{op_kind::push_right, 1}, {op_kind::push_right, 2}}},
    {{
        {{{op_kind::pop_left, 0}, {op_kind::push_right, 10}, {op_kind::pop_right, 0}}},
        {{{op_kind::pop_right, 0}, {op_kind::push_left, 11}, {op_kind::pop_left, 0}}},
        {{{op_kind::push_left, 12}, {op_kind::pop_right, 0}, {op_kind::pop_left, 0}}},
    }}};
constexpr script set_script{
    {{{op_kind::insert, 1}, {op_kind::insert, 2}}},
    {{
        {{{op_kind::remove, 1}, {op_kind::insert, 3}, {op_kind::contains, 2}}},
        {{{op_kind::contains, 2}, {op_kind::remove, 2}, {op_kind::insert, 1}}},
        {{{op_kind::insert, 2}, {op_kind::remove, 3}, {op_kind::contains, 1}}},
    }}};

const script& script_of(smr::structure_kind k) {
  switch (k) {
    case smr::structure_kind::pool:
      return pool_script;
    case smr::structure_kind::deque:
      return deque_script;
    case smr::structure_kind::set:
      break;
  }
  return set_script;
}

std::optional<std::uint64_t> apply(smrlab::erased_structure& ds, smrlab::erased_handle& h,
                                   const step& s) {
  switch (s.kind) {
    case op_kind::push:
      ds.push(h, s.argument);
      return std::nullopt;
    case op_kind::pop:
      return ds.pop(h);
    case op_kind::push_left:
      ds.push_left(h, s.argument);
      return std::nullopt;
    case op_kind::push_right:
      ds.push_right(h, s.argument);
      return std::nullopt;
    case op_kind::pop_left:
      return ds.pop_left(h);
    case op_kind::pop_right:
      return ds.pop_right(h);
    case op_kind::insert:
      return ds.insert(h, s.argument) ? 1 : 0;
    case op_kind::remove:
      return ds.remove(h, s.argument) ? 1 : 0;
    case op_kind::contains:
      return ds.contains(h, s.argument) ? 1 : 0;
  }
  return std::nullopt;
}

std::string step_text(const step& s) {
  std::string t(lin::to_string(s.kind));
  const bool takes_argument = s.kind == op_kind::push || s.kind == op_kind::push_left ||
                              s.kind == op_kind::push_right || s.kind == op_kind::insert ||
                              s.kind == op_kind::remove || s.kind == op_kind::contains;
  if (takes_argument) t += "(" + std::to_string(s.argument) + ")";
  return t;
}

// What one execution shares: made by the set-up, dropped by the finish (or abandoned).
struct state {
  std::unique_ptr<smrlab::erased_domain> domain;
  std::unique_ptr<smrlab::erased_structure> structure;
  lin::history history;
  std::uint64_t clock = 0;  // one thread runs at a time: a plain counter orders the history
};

void record(state& st, unsigned thread, smrlab::erased_handle& h, const step& s) {
  lin::operation op;
  op.thread = thread;
  op.kind = s.kind;
  op.argument = s.argument;
  op.invoke = st.clock++;
  op.result = apply(*st.structure, h, s);
  op.response = st.clock++;
  st.history.push_back(op);
}

std::optional<std::string> finish(state& st, smr::structure_kind kind, smr::pool_order order) {
  // The invariants of the structure's layout ("ok" where it states none).
  const std::string problems = st.structure->check_structure();
  if (problems != "ok") return "the structure is corrupt: " + problems;
  const lin::check_result lr = lin::check_for_kind(kind, order, st.history);
  if (!lr.linearizable) {
    return std::string(lr.budget_exhausted ? "linearizability undecided: " : "not linearizable: ") +
           lr.report;
  }
  st.structure.reset();
  st.domain->reclaim_all_quiescent();
  const smr::counter_totals c = st.domain->counters();
  st.domain.reset();
  st.history = {};
  if (c.retired != c.reclaimed || c.allocated != c.reclaimed + c.destroyed) {
    return "teardown: " + std::to_string(c.allocated) + " allocated, " + std::to_string(c.retired) +
           " retired, " + std::to_string(c.reclaimed) + " reclaimed, " +
           std::to_string(c.destroyed) + " destroyed unretired";
  }
  return std::nullopt;
}

}  // namespace

std::string describe(const smrlab::pairing_entry& p, const scenario& s) {
  std::string out = "prefill:";
  for (const step& st : script_of(p.kind).prefill) out += " " + step_text(st) + ",";
  out.back() = '\n';
  for (unsigned t = 0; t < s.threads; ++t) {
    out += "thread " + std::to_string(t) + ":";
    for (unsigned i = 0; i < s.ops_per_thread; ++i)
      out += " " + step_text(script_of(p.kind).threads[t][i]) + ",";
    out.back() = '\n';
  }
  return out;
}

program pairing_program(const smrlab::pairing_entry& p, const scenario& s) {
  if (s.threads < 1 || s.threads > max_threads || s.ops_per_thread < 1 ||
      s.ops_per_thread > max_ops) {
    throw std::invalid_argument("a scenario has 1 to 3 threads of 1 to 3 operations");
  }
  auto st = std::make_shared<state>();
  smr::domain_config config = smr::config_for(*p.requirements, s.threads);
  config.max_threads = s.threads + 1;  // the workers and the prefill's thread
  config.scan_threshold_min = 1;       // reclaim inside tiny executions
  config.epoch_advance_interval = 1;
  const smr::structure_kind kind = p.kind;
  const unsigned threads = s.threads;
  const unsigned ops = s.ops_per_thread;
  program prog;
  prog.threads = s.threads;
  prog.set_up = [st, &p, config, kind, threads] {
    st->domain = p.make_domain(config);
    st->structure = st->domain->make_structure();
    st->clock = 0;
    const std::unique_ptr<smrlab::erased_handle> h = st->domain->attach();
    for (const step& x : script_of(kind).prefill)
      record(*st, threads, *h, x);  // the prefill's thread
  };
  prog.thread = [st, kind, ops](unsigned t) {
    std::unique_ptr<smrlab::erased_handle> h = st->domain->attach();
    for (unsigned i = 0; i < ops; ++i) record(*st, t, *h, script_of(kind).threads[t][i]);
    h.reset();  // the unregistration is explored too
  };
  prog.finish = [st, kind, order = p.order] { return finish(*st, kind, order); };
  prog.abandon = [st] {
    (void)st->structure.release();
    (void)st->domain.release();
    new (&st->history) lin::history();  // the old one's memory belongs to the failed execution
  };
  return prog;
}

}  // namespace smr::modelcheck
