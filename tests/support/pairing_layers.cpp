#include "support/pairing_layers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace smrlab_test {

namespace {

std::vector<pairing_layer>& layers() {
  static std::vector<pairing_layer> all;  // filled by the layers' initializers
  return all;
}

// One layer's test on one pairing, as GoogleTest runs it.
class pairing_test : public ::testing::Test {
 public:
  pairing_test(void (*run)(const pairing_entry&), const pairing_entry& pairing,
               std::optional<std::string> unavailable)
      : run_(run), pairing_(pairing), unavailable_(std::move(unavailable)) {}

  void TestBody() override {
    if (unavailable_) GTEST_SKIP() << pairing_.scheme << " cannot run here: " << *unavailable_;
    run_(pairing_);
  }

 private:
  void (*run_)(const pairing_entry&);
  const pairing_entry& pairing_;
  std::optional<std::string> unavailable_;
};

}  // namespace

bool add_pairing_layer(pairing_layer layer) {
  layers().push_back(std::move(layer));
  return true;
}

void register_pairing_layer_tests() {
  for (const pairing_entry& p : smrlab::compiled_pairings()) {
    const std::optional<std::string> unavailable = p.unavailable();
    for (const pairing_layer& layer : layers()) {
      if (!layer.applies(p)) continue;
      const std::string suite = std::string(layer.name) + "/pairing/" + pairing_id(p);
      for (const layer_test& t : layer.tests) {
        ::testing::RegisterTest(
            suite.c_str(), std::string(t.name).c_str(), nullptr, nullptr, __FILE__, __LINE__,
            [run = t.run, &p, unavailable] { return new pairing_test(run, p, unavailable); });
      }
    }
  }
}

bool every_pairing(const pairing_entry& /*unused*/) { return true; }

bool set_pairings(const pairing_entry& p) { return p.kind == smr::structure_kind::set; }

unsigned threads_allowed(const pairing_entry& p, unsigned wanted) {
  const unsigned limit = p.traits->max_threads;
  return limit == 0 ? wanted : std::min(wanted, limit);
}

smr::domain_config config_for(const pairing_entry& p, unsigned threads) {
  return smr::config_for(*p.requirements, threads);
}

std::string pairing_id(const pairing_entry& p) {
  return std::string(p.scheme) + "__" + std::string(p.structure);
}

}  // namespace smrlab_test
