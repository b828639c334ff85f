// smrlab_micro: registers guard/<scheme>, deref/<scheme>, read_phase/<scheme> and
// alloc_retire/<scheme> for every scheme of the generated registry (plugins included, with no
// edit here), each at the thread counts of micro_thread_counts.hpp; heavy_fence/membarrier (the
// asymmetric fence's heavy side, which hp_asym pays once per scan and ebr_asym once per epoch
// advance) and thread_ping/targets:N; and runs them with Google Benchmark's own command line
// (--help, --benchmark_filter, --benchmark_format=json, --benchmark_out, ...).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <thread>

#include "harness/micro/micro_benchmarks.hpp"
#include "harness/micro/micro_thread_counts.hpp"
#include "harness/type_lists.hpp"
#include "smrlab/build_info.hpp"
#include "smrlab/registry_generated.hpp"

namespace {

using setup_fn = void (*)(const benchmark::State&);

template <class S>
void register_family(const std::string& family, void (*body)(benchmark::State&), setup_fn setup,
                     setup_fn teardown, unsigned hardware_threads) {
  const std::string name = family + "/" + std::string(S::name);
  auto* b = benchmark::RegisterBenchmark(name.c_str(), body);
  b->Setup(setup)->Teardown(teardown)->UseRealTime()->Unit(benchmark::kNanosecond);
  for (const int t : smrlab::micro::thread_counts(hardware_threads, S::traits.max_threads)) {
    b->Threads(t);
  }
}

void register_all(unsigned hardware_threads) {
  namespace m = smrlab::micro;
  smr::for_each_type(smrlab::generated::schemes{}, [&]<class S>() {
    static_assert(smr::check_scheme<S>());
    if (const auto why = smr::unavailable_reason<S>()) {  // the availability hook
      std::fprintf(stderr, "smrlab_micro: skipping %s\n", why->c_str());
      return;
    }
    register_family<S>("guard", &m::guard<S>, &m::setup_domain<S>, &m::teardown_domain<S>,
                       hardware_threads);
    register_family<S>("deref", &m::deref<S>, &m::setup_deref<S>, &m::teardown_deref<S>,
                       hardware_threads);
    register_family<S>("read_phase", &m::read_phase<S>, &m::setup_deref<S>, &m::teardown_deref<S>,
                       hardware_threads);
    register_family<S>("alloc_retire", &m::alloc_retire<S>, &m::setup_domain<S>,
                       &m::teardown_alloc_retire<S>, hardware_threads);
  });
}

// The heavy side of smr::sync's asymmetric fence, on its own. Where it is unavailable the suite
// says why and leaves it out, as it does the schemes that need it.
void register_heavy_fence(unsigned hardware_threads) {
  if (const auto& why = smr::sync::asymmetric_fence_unavailable()) {
    std::fprintf(stderr, "smrlab_micro: skipping heavy_fence/membarrier: %s\n", why->c_str());
    return;
  }
  auto* b = benchmark::RegisterBenchmark("heavy_fence/membarrier", &smrlab::micro::heavy_fence);
  b->UseRealTime()->Unit(benchmark::kNanosecond);
  for (const int t : smrlab::micro::thread_counts(hardware_threads, 0)) b->Threads(t);
}

// One ping round to 1, 2, ... other threads, up to twice the hardware threads (oversubscribed:
// a descheduled target answers only when it next runs).
void register_thread_ping(unsigned hardware_threads) {
  auto* b = benchmark::RegisterBenchmark("thread_ping", &smrlab::micro::thread_ping);
  b->UseRealTime()->Unit(benchmark::kNanosecond)->ArgName("targets");
  for (const int t : smrlab::micro::thread_counts(2 * hardware_threads, 0)) b->Arg(t);
}

void print_help() {
  std::printf(
      "smrlab_micro: Google Benchmark micro suite of the smrlab schemes (harness/micro/).\n"
      "Per registered scheme, at 1, 2, 4, ... hardware threads (capped by the scheme):\n"
      "  guard/<scheme>         construct and destroy one operation guard\n"
      "  deref/<scheme>         a guard, a protected load of one shared node, its release\n"
      "  read_phase/<scheme>    deref written in phases (SMR_READ_PHASE, enter_write_phase):\n"
      "                         the same cost as deref unless the scheme restarts read phases\n"
      "  alloc_retire/<scheme>  a guard, make + retire; reclamation amortised inside retire\n"
      "  heavy_fence/membarrier one asymmetric heavy fence (membarrier PRIVATE_EXPEDITED), what\n"
      "                         hp_asym pays per scan and ebr_asym per epoch advance\n"
      "  thread_ping/targets:N  one ping round to N other threads, acknowledged: what hp_pop\n"
      "                         and nbr_plus pay per scan (ns_per_ping = round time / N)\n"
      "Times are wall-clock (real_time) per operation of all threads together.\n"
      "Google Benchmark's options:\n\n");
  benchmark::PrintDefaultHelp();
}

std::string scheme_names() {
  std::string names;
  smr::for_each_type(smrlab::generated::schemes{}, [&]<class S>() {
    if (!names.empty()) names += ",";
    names += std::string(S::name);
  });
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv, &print_help);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("smrlab_version", SMRLAB_VERSION);
  benchmark::AddCustomContext("smrlab_git_rev", SMRLAB_GIT_REV);
  benchmark::AddCustomContext("smrlab_build_type", SMRLAB_BUILD_TYPE);
  benchmark::AddCustomContext("smrlab_schemes", scheme_names());
  register_all(std::thread::hardware_concurrency());
  register_heavy_fence(std::thread::hardware_concurrency());
  register_thread_ping(std::thread::hardware_concurrency());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
