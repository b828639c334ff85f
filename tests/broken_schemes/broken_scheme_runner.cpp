// smrlab_broken_scheme_runner BROKEN_SCHEME STRUCTURE: runs the conformance suite's stress trials
// (multi-threaded, oversubscribed, pop-heavy; harness/trial.hpp run_trial, the same checks as
// tests/conformance/conformance_suite.hpp) on one deliberately broken scheme. It is a separate
// process because the bugs it runs are use-after-frees: under ASan the first one aborts the
// process, and without ASan it may crash. Exit status: 0 if every check passed, 1 if a check
// (status, validation, teardown, bound) failed, with a line "caught by <check>: <detail>", 2 on
// bad arguments. broken_scheme_test.cpp runs it and interprets the result.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broken_schemes/ebr_early_advance.hpp"
#include "broken_schemes/frees_at_retire.hpp"
#include "broken_schemes/hazard_pointers_without_validation.hpp"
#include "harness/trial.hpp"
#include "structures/harris_michael_list/harris_michael_list.hpp"
#include "structures/natarajan_mittal_bst/natarajan_mittal_bst.hpp"
#include "structures/treiber_stack/treiber_stack.hpp"

namespace {

// Each broken scheme still meets the contract: only its behaviour is wrong.
static_assert(smr::check_scheme<smrlab_test::broken::frees_at_retire>());
static_assert(smr::check_scheme<smrlab_test::broken::hazard_pointers_without_validation>());
static_assert(smr::check_scheme<smrlab_test::broken::ebr_early_advance>());

#if defined(SMRLAB_TEST_SANITIZED)
constexpr unsigned scale_divisor = 2;
#else
constexpr unsigned scale_divisor = 1;
#endif

struct named_config {
  const char* what;
  smrlab::trial_config cfg;
};

// The stress configurations of the conformance suite, with fresh seeds per round.
std::vector<named_config> stress_configs(unsigned round) {
  std::vector<named_config> out;
  {
    smrlab::trial_config cfg;
    cfg.threads = 4;
    cfg.mode = smrlab::run_mode::ops;
    cfg.ops_per_thread = 40000 / scale_divisor;
    cfg.warmup_s = 0;
    cfg.prefill = 64;
    cfg.workload.key_range = 128;
    cfg.seed = 11 + round;
    out.push_back({"stress (4 threads)", cfg});
  }
  {
    smrlab::trial_config cfg;
    cfg.threads = 4 * std::max(1U, std::thread::hardware_concurrency());
    cfg.mode = smrlab::run_mode::duration;
    cfg.duration_s = 0.3;
    cfg.warmup_s = 0.02;
    cfg.prefill = 16;
    cfg.workload.key_range = 32;
    cfg.seed = 99 + round;
    out.push_back({"oversubscribed stress", cfg});
  }
  {
    smrlab::trial_config cfg;
    cfg.threads = 3;
    cfg.mode = smrlab::run_mode::ops;
    cfg.ops_per_thread = 30000 / scale_divisor;
    cfg.warmup_s = 0;
    cfg.prefill = 0;
    cfg.workload.mix = {40, 60, 0};
    cfg.workload.key_range = 64;
    cfg.seed = 3 + round;
    out.push_back({"pop-heavy stress", cfg});
  }
  for (auto& c : out) c.cfg.keep_timeseries = false;
  return out;
}

// The checks of expect_correct_trial in the conformance suite; "" if all pass.
std::string failed_check(const smrlab::trial_result& r) {
  if (r.status != smrlab::trial_status::ok) {
    return "status: " + std::string(smrlab::to_string(r.status)) + " " + r.message;
  }
  if (r.valid != "ok") return "validation: " + r.valid;
  if (r.teardown != "ok") return "teardown: " + r.teardown;
  if (r.total_ops == 0) return "progress: no operation completed";
  if (r.at_end.unreclaimed() != r.unreclaimed_end) return "counters: unreclaimed_end mismatch";
  if (r.bound && r.unreclaimed_peak > 0 &&
      static_cast<std::uint64_t>(r.unreclaimed_peak) > *r.bound) {
    return "bound: unreclaimed peak " + std::to_string(r.unreclaimed_peak) + " > bound " +
           std::to_string(*r.bound);
  }
  return {};
}

constexpr unsigned rounds = 2;

template <class S, class DS>
int run_all() {
  for (unsigned round = 0; round < rounds; ++round) {
    for (const named_config& c : stress_configs(round)) {
      std::printf("trial: %s x %s, %s, %u threads, round %u\n", std::string(S::name).c_str(),
                  std::string(DS::name).c_str(), c.what, c.cfg.threads, round + 1);
      std::fflush(stdout);
      const smrlab::trial_result r = smrlab::run_trial<S, DS>(c.cfg);
      const std::string failure = failed_check(r);
      if (!failure.empty()) {
        std::printf("caught by %s\n", failure.c_str());
        return 1;
      }
    }
  }
  std::printf("every check passed\n");
  return 0;
}

template <class S>
int dispatch_structure(std::string_view structure) {
  if (structure == "treiber_stack") return run_all<S, smr::treiber_stack<S>>();
  if (structure == "harris_michael_list") return run_all<S, smr::harris_michael_list<S>>();
  if (structure == "natarajan_mittal_bst") return run_all<S, smr::natarajan_mittal_bst<S>>();
  std::fprintf(stderr,
               "unknown structure '%s' (treiber_stack, harris_michael_list, "
               "natarajan_mittal_bst)\n",
               std::string(structure).c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s BROKEN_SCHEME STRUCTURE\n", argv[0]);
    return 2;
  }
  const std::string_view scheme = argv[1];
  const std::string_view structure = argv[2];
  namespace b = smrlab_test::broken;
  if (scheme == b::frees_at_retire::name) return dispatch_structure<b::frees_at_retire>(structure);
  if (scheme == b::hazard_pointers_without_validation::name) {
    return dispatch_structure<b::hazard_pointers_without_validation>(structure);
  }
  if (scheme == b::ebr_early_advance::name) {
    return dispatch_structure<b::ebr_early_advance>(structure);
  }
  std::fprintf(stderr,
               "unknown broken scheme '%s' (frees_at_retire, "
               "hazard_pointers_without_validation, ebr_early_advance)\n",
               argv[1]);
  return 2;
}
