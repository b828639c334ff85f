#include "modelcheck/check_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "modelcheck/pairing_program.hpp"
#include "modelcheck/schedule_string.hpp"

namespace smr::modelcheck {

namespace {

struct check_args {
  std::string program = "smrlab_modelcheck";  // how the replay line names this command
  std::string scheme;
  std::string structure;
  std::string strategy = "dfs";
  std::string model = "sc";
  std::size_t budget = 20000;
  unsigned preemptions = 2;
  unsigned depth = 3;
  std::uint64_t seed = 1;
  unsigned threads = 2;
  unsigned ops = 2;
  std::size_t max_steps = 20000;
  std::string replay;
  bool list = false;
};

std::vector<const smrlab::pairing_entry*> all_pairings(
    std::span<const smrlab::pairing_entry> extra) {
  std::vector<const smrlab::pairing_entry*> out;
  for (const auto& p : smrlab::compiled_pairings()) out.push_back(&p);
  for (const auto& p : extra) out.push_back(&p);
  return out;
}

// One line naming the command (a.program), exit 2.
[[noreturn]] void bad_input(const check_args& a, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", a.program.c_str(), what.c_str());
  std::exit(2);
}

std::string id(const smrlab::pairing_entry& p) {
  return std::string(p.scheme) + " x " + std::string(p.structure);
}

scenario scenario_for(const smrlab::pairing_entry& p, const check_args& a) {
  scenario s;
  const unsigned limit = p.traits->max_threads;
  s.threads = limit == 0 ? a.threads : std::min(a.threads, limit);
  s.ops_per_thread = a.ops;
  return s;
}

std::string replay_command(const smrlab::pairing_entry& p, const check_args& a, const scenario& s,
                           const std::string& schedule) {
  return a.program + " --scheme " + std::string(p.scheme) + " --structure " +
         std::string(p.structure) + " --model " + a.model + " --threads " +
         std::to_string(s.threads) + " --ops " + std::to_string(s.ops_per_thread) + " --replay '" +
         schedule + "'";
}

// Explores one pairing; true when no failure was found.
bool check_pairing(const smrlab::pairing_entry& p, const check_args& a,
                   const exploration_options& o) {
  const scenario s = scenario_for(p, a);
  const exploration_report r = explore(pairing_program(p, s), o);
  std::printf("%s (%s, %s", id(p).c_str(), to_string(o.model), to_string(o.strategy));
  if (o.strategy == strategy_kind::dfs) {
    std::printf(", up to %u preemptions", o.max_preemptions);
  } else {
    std::printf(", depth %u, seed %llu", o.pct_depth, static_cast<unsigned long long>(o.seed));
  }
  std::printf(", %u threads x %u operations): %zu executions", s.threads, s.ops_per_thread,
              r.executions);
  if (o.strategy == strategy_kind::dfs && !r.failure) {
    if (r.bound_completed) {
      std::printf(", every execution with up to %u preemptions explored", *r.bound_completed);
    } else {
      std::printf(", the budget ran out within 0 preemptions");
    }
  }
  std::printf(", longest %zu steps, %.2f s: ", r.longest, r.seconds);
  if (!r.failure) {
    std::printf("no failure\n");
    return true;
  }
  const failure_report& f = *r.failure;
  std::printf("FAILED\n  %s\n  found in execution %zu: %u preemption%s, %zu steps\n",
              f.what.c_str(), f.execution, f.preemptions, f.preemptions == 1 ? "" : "s", f.steps);
  std::printf("  scenario:\n");
  std::string d = describe(p, s);
  std::size_t at = 0;
  while (at < d.size()) {
    const std::size_t nl = d.find('\n', at);
    std::printf("    %s\n", d.substr(at, nl - at).c_str());
    at = nl + 1;
  }
  std::printf("  schedule: %s\n  replay:   %s\n", f.schedule.c_str(),
              replay_command(p, a, s, f.schedule).c_str());
  std::fflush(stdout);
  return false;
}

int replay_one(const smrlab::pairing_entry& p, const check_args& a, memory_model model) {
  std::string error;
  const auto schedule = decode_schedule(a.replay, error);
  if (!schedule) bad_input(a, "--replay: " + error);
  const scenario s = scenario_for(p, a);
  std::printf("replaying %s (%s, %u threads x %u operations), %zu steps:\n%s", id(p).c_str(),
              to_string(model), s.threads, s.ops_per_thread, schedule->size(),
              describe(p, s).c_str());
  std::fflush(stdout);
  const execution_result r = replay(pairing_program(p, s), model, *schedule, true, a.max_steps);
  if (r.failure) {
    std::printf("%s: %s\n", r.stopped ? "replay stopped" : "FAILED", r.failure->c_str());
    return 1;
  }
  std::printf("the execution ends with no failure (%zu steps, %u preemptions)\n", r.steps,
              r.preemptions);
  return 0;
}

}  // namespace

namespace {

// How the command names itself: smrlab_modelcheck, or "smrlab check" when run by it.
std::string name_of_command(int argc, char** argv) {
  if (const char* name = std::getenv("SMRLAB_CHECK_NAME"); name != nullptr && *name != '\0') {
    return name;
  }
  if (argc == 0) return "smrlab_modelcheck";
  const std::string self = argv[0];
  return self.substr(self.rfind('/') + 1);
}

void add_options(CLI::App& app, check_args& a) {
  app.add_option("--scheme", a.scheme, "the scheme to check (any compiled one, plugins included)");
  app.add_option("--structure", a.structure, "one structure (default: every one it pairs with)");
  app.add_option("--strategy", a.strategy,
                 "dfs (preemption-bounded depth-first search, exhaustive within the bound) or "
                 "pct (random priorities with depth-1 change points)")
      ->check(CLI::IsMember({"dfs", "pct"}));
  app.add_option("--model", a.model, "sc (interleavings only) or tso (x86 store buffers)")
      ->check(CLI::IsMember({"sc", "tso"}));
  app.add_option("--budget", a.budget, "executions at most, per pairing (default 20000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--preemptions", a.preemptions,
                 "dfs: the largest preemption bound explored (default 2)");
  app.add_option("--depth", a.depth, "pct: the bug depth d (default 3)")
      ->check(CLI::Range(1U, 10U));
  app.add_option("--seed", a.seed, "pct: the seed (default 1)");
  app.add_option("--threads", a.threads, "model threads, 1-3 (default 2)")
      ->check(CLI::Range(1U, 3U));
  app.add_option("--ops", a.ops, "operations per thread, 1-3 (default 2)")
      ->check(CLI::Range(1U, 3U));
  app.add_option("--max-steps", a.max_steps,
                 "steps of one execution past which it is a livelock (default 20000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--replay", a.replay,
                 "re-run exactly this schedule (printed with a failure), naming each step");
  app.add_flag("--list", a.list, "list the pairings that can be checked");
}

// The pairings of --scheme (and --structure), or exit 2 when there is none.
std::vector<const smrlab::pairing_entry*> chosen_pairings(
    const check_args& a, const std::vector<const smrlab::pairing_entry*>& pairings) {
  if (a.scheme.empty()) bad_input(a, "give --scheme NAME (--list shows them)");
  std::vector<const smrlab::pairing_entry*> chosen;
  for (const auto* p : pairings) {
    if (p->scheme == a.scheme && (a.structure.empty() || p->structure == a.structure)) {
      chosen.push_back(p);
    }
  }
  if (chosen.empty()) {
    bad_input(a,
              "no pairing of scheme '" + a.scheme + "'" +
                  (a.structure.empty() ? std::string() : " with structure '" + a.structure + "'") +
                  " in this build (--list shows them)");
  }
  return chosen;
}

exploration_options exploration_of(const check_args& a, memory_model model) {
  exploration_options o;
  o.strategy = a.strategy == "pct" ? strategy_kind::pct : strategy_kind::dfs;
  o.model = model;
  o.budget = a.budget;
  o.max_preemptions = a.preemptions;
  o.pct_depth = a.depth;
  o.seed = a.seed;
  o.max_steps = a.max_steps;
  return o;
}

}  // namespace

int check_command(int argc, char** argv, std::span<const smrlab::pairing_entry> extra) {
  check_args a;
  a.program = name_of_command(argc, argv);
  CLI::App app{
      "Explores the interleavings of a scheme's pairings under a deterministic scheduler (SC or "
      "x86-TSO) and prints a replayable counterexample for the first failure: a use of freed "
      "memory, a corrupt structure, a history that is not linearizable, a leak, a deadlock or a "
      "livelock.",
      a.program};
  add_options(app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "%s: %s\n", a.program.c_str(), e.what());
    return 2;
  }
  const auto pairings = all_pairings(extra);
  if (a.list) {
    for (const auto* p : pairings) {
      std::printf("%s %s\n", std::string(p->scheme).c_str(), std::string(p->structure).c_str());
    }
    return 0;
  }
  const auto chosen = chosen_pairings(a, pairings);
  const memory_model model = a.model == "tso" ? memory_model::tso : memory_model::sc;
  if (!a.replay.empty()) {
    if (chosen.size() != 1) bad_input(a, "--replay needs one pairing: give --structure too");
    return replay_one(*chosen.front(), a, model);
  }
  const exploration_options o = exploration_of(a, model);
  bool ok = true;
  for (const auto* p : chosen) ok = check_pairing(*p, a, o) && ok;
  return ok ? 0 : 1;
}

}  // namespace smr::modelcheck
