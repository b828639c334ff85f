// Tests of harness/topology.hpp and harness/topology_report.hpp on synthetic and XML topologies,
// whose shape is known: the placement orders, oversubscription, parsing, loading errors and the
// report. This machine's topology is checked only loosely.
#include "harness/topology.hpp"

#include <gtest/gtest.h>
#include <hwloc.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/topology_report.hpp"

namespace {

using smrlab::mem_policy;
using smrlab::pin_policy;
using smrlab::placement;
using smrlab::thread_slot;
using smrlab::topology;

// 2 packages x 2 NUMA nodes x 8 cores x 2 PUs: node n has cores 8n..8n+7 and PUs 16n..16n+15,
// core c has PUs 2c and 2c+1.
constexpr const char* two_by_two = "synthetic:pack:2 numa:2 core:8 pu:2";
constexpr const char* four_nodes = "synthetic:numa:4 core:4 pu:1";  // no packages, no SMT
constexpr const char* smt_one_node = "synthetic:pack:1 core:4 pu:2";
constexpr const char* node_over_packages = "synthetic:pack:2 core:2 pu:2";  // one node, 2 packages

placement policy(pin_policy p) { return placement{p, {}}; }

std::vector<unsigned> pus_of(const std::vector<thread_slot>& plan) {
  std::vector<unsigned> out;
  for (const auto& s : plan) out.push_back(s.pu.value_or(~0U));
  return out;
}
std::vector<unsigned> cores_of(const std::vector<thread_slot>& plan) {
  std::vector<unsigned> out;
  for (const auto& s : plan) out.push_back(s.core.value_or(~0U));
  return out;
}
std::vector<unsigned> nodes_of(const std::vector<thread_slot>& plan) {
  std::vector<unsigned> out;
  for (const auto& s : plan) out.push_back(s.numa_node.value_or(~0U));
  return out;
}
std::vector<bool> shared_of(const std::vector<thread_slot>& plan) {
  std::vector<bool> out;
  for (const auto& s : plan) out.push_back(s.shares_pu);
  return out;
}

placement parsed(std::string_view s) {
  auto r = smrlab::parse_placement(s);
  if (auto* err = std::get_if<std::string>(&r)) throw std::runtime_error(*err);
  return std::get<placement>(r);
}
std::string parse_error(std::string_view s) {
  auto r = smrlab::parse_placement(s);
  const auto* err = std::get_if<std::string>(&r);
  return err != nullptr ? *err : "(parsed)";
}

// A file name under the temporary directory, removed at the end of the test.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             (name + "-" + std::to_string(::getpid()) + ".xml")) {}
  ~temp_file() { std::filesystem::remove(path); }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(topology, synthetic_counts_and_source) {
  const topology t(two_by_two);
  const auto s = t.summary();
  EXPECT_EQ(s.packages, 2U);
  EXPECT_EQ(s.numa_nodes, 4U);  // hwloc nests numa:2 inside each package
  EXPECT_EQ(s.cores, 32U);
  EXPECT_EQ(s.pus, 64U);
  EXPECT_EQ(s.text(), "packages:2 numa:4 cores:32 pus:64");
  EXPECT_EQ(t.source(), "synthetic:pack:2 numa:2 core:8 pu:2");
  EXPECT_FALSE(t.is_this_system());
  EXPECT_EQ(t.total_memory_bytes(), 4ULL << 30U);  // hwloc gives each synthetic node 1 GiB

  EXPECT_EQ(topology(four_nodes).summary().text(), "packages:0 numa:4 cores:16 pus:16");
  EXPECT_EQ(topology(smt_one_node).summary().text(), "packages:1 numa:1 cores:4 pus:8");
  EXPECT_EQ(topology(node_over_packages).summary().text(), "packages:2 numa:1 cores:4 pus:8");
}

TEST(topology, pu_core_node_and_package) {
  const topology t(two_by_two);
  for (unsigned pu = 0; pu < 64; ++pu) {
    EXPECT_EQ(t.core_of_pu(pu), pu / 2) << pu;
    EXPECT_EQ(t.numa_node_of_pu(pu), pu / 16) << pu;
    EXPECT_EQ(t.package_of_pu(pu), pu / 32) << pu;
  }
  EXPECT_FALSE(t.numa_node_of_pu(64).has_value());
  EXPECT_FALSE(t.core_of_pu(64).has_value());

  const auto nodes = t.numa_nodes();
  ASSERT_EQ(nodes.size(), 4U);
  for (unsigned n = 0; n < 4; ++n) {
    EXPECT_EQ(nodes[n].index, n);
    EXPECT_EQ(nodes[n].package, n / 2);
    EXPECT_EQ(nodes[n].memory_bytes, 1ULL << 30U);
    ASSERT_EQ(nodes[n].cores.size(), 8U);
    ASSERT_EQ(nodes[n].pus.size(), 16U);
    EXPECT_EQ(nodes[n].cores.front(), 8 * n);
    EXPECT_EQ(nodes[n].pus.front(), 16 * n);
    EXPECT_EQ(nodes[n].pus.back(), 16 * n + 15);
  }
}

TEST(topology, every_pu_has_a_numa_node_even_without_numa_objects) {
  // hwloc 2 inserts one NUMA node when the description has none.
  for (const char* src : {smt_one_node, node_over_packages, "synthetic:pack:2 pu:3"}) {
    const topology t(src);
    ASSERT_EQ(t.summary().numa_nodes, 1U) << src;
    for (unsigned pu = 0; pu < t.summary().pus; ++pu) EXPECT_EQ(t.numa_node_of_pu(pu), 0U) << src;
    for (const auto& s : t.plan(5, policy(pin_policy::scatter))) {
      EXPECT_EQ(s.numa_node, 0U) << src;
    }
  }
  // Without cores, each PU stands for its own core and the slots have no core.
  const topology no_cores("synthetic:pack:2 pu:3");
  const auto plan = no_cores.plan(4, policy(pin_policy::cores_first));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 1, 2, 3}));
  EXPECT_FALSE(plan[0].core.has_value());
}

TEST(topology, synthetic_topology_never_binds) {
  const topology t(two_by_two);
  std::thread([&] {
    EXPECT_FALSE(t.bind_current_thread(0));
    EXPECT_FALSE(t.bind_memory(mem_policy::local, 0U));
    EXPECT_FALSE(t.bind_memory(mem_policy::interleave, std::nullopt));
    EXPECT_TRUE(t.bind_memory(mem_policy::first_touch, 0U));  // nothing to do
    EXPECT_FALSE(t.current_pu().has_value());
  }).join();
}

TEST(topology, caches_by_level_and_size) {
  const topology t(
      "synthetic:pack:2 l3:1(size=32MiB) numa:2(memory=2GiB) l2:2(size=1MiB) l1d:1(size=48KiB) "
      "l1i:1(size=32KiB) core:1 pu:2");
  const std::vector<smrlab::cache_info> want{{"L1d", 1, 48U << 10U, 8},
                                             {"L1i", 1, 32U << 10U, 8},
                                             {"L2", 2, 1U << 20U, 8},
                                             {"L3", 3, 32U << 20U, 2}};
  EXPECT_EQ(t.caches(), want);
  const auto all = t.cache_instances();
  ASSERT_EQ(all.size(), 26U);
  EXPECT_EQ(all.back().name, "L3");
  EXPECT_EQ(all.back().first_pu, 8U);
  EXPECT_EQ(all.back().last_pu, 15U);
  EXPECT_EQ(t.numa_nodes()[0].memory_bytes, 2ULL << 30U);
  EXPECT_TRUE(topology(two_by_two).caches().empty());
}

TEST(plan, none_leaves_every_thread_unbound) {
  const auto plan = topology(two_by_two).plan(100, policy(pin_policy::none));
  ASSERT_EQ(plan.size(), 100U);
  for (unsigned i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].thread, i);
    EXPECT_FALSE(plan[i].pu || plan[i].core || plan[i].numa_node || plan[i].shares_pu);
  }
}

TEST(plan, compact_fills_siblings_and_cores_of_one_node_first) {
  const topology t(two_by_two);
  const auto plan = t.plan(8, policy(pin_policy::compact));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(cores_of(plan), (std::vector<unsigned>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(nodes_of(plan), (std::vector<unsigned>(8, 0)));

  const auto p32 = t.plan(32, policy(pin_policy::compact));
  EXPECT_EQ(p32[17].pu, 17U);
  EXPECT_EQ(p32[17].numa_node, 1U);
  EXPECT_EQ(pus_of(topology(four_nodes).plan(4, policy(pin_policy::compact))),
            (std::vector<unsigned>{0, 1, 2, 3}));
}

TEST(plan, scatter_round_robins_nodes_then_cores_then_siblings) {
  const topology t(two_by_two);
  const auto plan = t.plan(8, policy(pin_policy::scatter));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 16, 32, 48, 2, 18, 34, 50}));
  EXPECT_EQ(cores_of(plan), (std::vector<unsigned>{0, 8, 16, 24, 1, 9, 17, 25}));
  EXPECT_EQ(nodes_of(plan), (std::vector<unsigned>{0, 1, 2, 3, 0, 1, 2, 3}));

  // 32 threads: one on every core, the first PU of each; thread 32 starts on the siblings.
  const auto p64 = t.plan(64, policy(pin_policy::scatter));
  std::set<unsigned> cores;
  for (unsigned i = 0; i < 32; ++i) {
    EXPECT_EQ(*p64[i].pu % 2, 0U) << i;
    cores.insert(*p64[i].core);
  }
  EXPECT_EQ(cores.size(), 32U);
  EXPECT_EQ(pus_of(std::vector<thread_slot>(p64.begin() + 28, p64.begin() + 36)),
            (std::vector<unsigned>{14, 30, 46, 62, 1, 17, 33, 49}));
  EXPECT_EQ(p64[63].pu, 63U);

  EXPECT_EQ(pus_of(topology(four_nodes).plan(6, policy(pin_policy::scatter))),
            (std::vector<unsigned>{0, 4, 8, 12, 1, 5}));
  // One node: cores first, then siblings.
  EXPECT_EQ(pus_of(topology(smt_one_node).plan(8, policy(pin_policy::scatter))),
            (std::vector<unsigned>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(pus_of(topology(node_over_packages).plan(4, policy(pin_policy::scatter))),
            (std::vector<unsigned>{0, 2, 4, 6}));
}

TEST(plan, cores_first_takes_one_pu_per_core_before_siblings) {
  const topology t(two_by_two);
  const auto plan = t.plan(8, policy(pin_policy::cores_first));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 2, 4, 6, 8, 10, 12, 14}));
  EXPECT_EQ(cores_of(plan), (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(nodes_of(plan), (std::vector<unsigned>(8, 0)));

  const auto p40 = t.plan(40, policy(pin_policy::cores_first));
  EXPECT_EQ(p40[31].pu, 62U);
  EXPECT_EQ(p40[32].pu, 1U);
  EXPECT_EQ(p40[33].pu, 3U);
  EXPECT_EQ(p40[39].pu, 15U);

  EXPECT_EQ(pus_of(topology(smt_one_node).plan(6, policy(pin_policy::cores_first))),
            (std::vector<unsigned>{0, 2, 4, 6, 1, 3}));
  // Without SMT it is compact.
  EXPECT_EQ(topology(four_nodes).plan(16, policy(pin_policy::cores_first)),
            topology(four_nodes).plan(16, policy(pin_policy::compact)));
}

TEST(plan, list_uses_the_pus_in_order_round_robin) {
  const topology t(two_by_two);
  const auto plan = t.plan(7, parsed("pus:5,63,0-1"));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{5, 63, 0, 1, 5, 63, 0}));
  EXPECT_EQ(cores_of(plan), (std::vector<unsigned>{2, 31, 0, 0, 2, 31, 0}));
  EXPECT_EQ(nodes_of(plan), (std::vector<unsigned>{0, 3, 0, 0, 0, 3, 0}));
  EXPECT_EQ(shared_of(plan), (std::vector<bool>{false, false, false, false, true, true, true}));
  // A PU listed twice is shared from its second use.
  EXPECT_EQ(shared_of(t.plan(3, parsed("pus:4,4,5"))), (std::vector<bool>{false, true, false}));
}

TEST(plan, list_with_a_pu_the_topology_lacks_is_an_error) {
  const topology t(two_by_two);
  const placement p = parsed("pus:0,64");
  const auto why = t.check(p);
  ASSERT_TRUE(why.has_value());
  EXPECT_TRUE(contains(*why, "PU 64")) << *why;
  EXPECT_TRUE(contains(*why, "64 PUs (0-63)")) << *why;
  try {
    (void)t.plan(4, p);
    FAIL() << "plan accepted PU 64";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), *why);
  }
  EXPECT_THROW((void)t.plan(1, placement{pin_policy::list, {}}), std::invalid_argument);
  EXPECT_FALSE(t.check(parsed("pus:63")).has_value());
  EXPECT_FALSE(t.check(policy(pin_policy::scatter)).has_value());
}

TEST(plan, oversubscription_wraps_and_marks_shared_pus) {
  for (const char* src : {two_by_two, four_nodes, smt_one_node, node_over_packages}) {
    const topology t(src);
    const unsigned pus = t.summary().pus;
    for (auto pol : {pin_policy::compact, pin_policy::scatter, pin_policy::cores_first}) {
      const auto plan = t.plan(2 * pus + 3, policy(pol));
      std::set<unsigned> first_round;
      for (unsigned i = 0; i < plan.size(); ++i) {
        ASSERT_TRUE(plan[i].pu.has_value());
        EXPECT_EQ(plan[i].shares_pu, i >= pus) << src << " thread " << i;
        // Each round repeats the first.
        EXPECT_EQ(plan[i].pu, plan[i % pus].pu) << src << " thread " << i;
        EXPECT_EQ(plan[i].core, t.core_of_pu(*plan[i].pu));
        EXPECT_EQ(plan[i].numa_node, t.numa_node_of_pu(*plan[i].pu));
        if (i < pus) first_round.insert(*plan[i].pu);
      }
      EXPECT_EQ(first_round.size(), pus) << src << ": every PU once before any is shared";
    }
  }
  const auto p32 = topology(smt_one_node).plan(32, policy(pin_policy::compact));
  EXPECT_EQ(p32[8].pu, 0U);
  EXPECT_TRUE(p32[8].shares_pu);
  EXPECT_EQ(p32[31].pu, 7U);
}

TEST(placement, parses_policies_and_pu_lists) {
  EXPECT_EQ(parsed("none"), policy(pin_policy::none));
  EXPECT_EQ(parsed("compact"), policy(pin_policy::compact));
  EXPECT_EQ(parsed("scatter"), policy(pin_policy::scatter));
  EXPECT_EQ(parsed("cores-first"), policy(pin_policy::cores_first));
  EXPECT_EQ(parsed("pus:0,2,4-7"), (placement{pin_policy::list, {0, 2, 4, 5, 6, 7}}));
  EXPECT_EQ(parsed("pus:3"), (placement{pin_policy::list, {3}}));
  EXPECT_EQ(parsed("pus:7,3-3,1"), (placement{pin_policy::list, {7, 3, 1}}));
  EXPECT_EQ(placement{}.policy, pin_policy::compact);
}

TEST(placement, rejects_bad_input_naming_it) {
  const std::string unknown = parse_error("cores_first");
  EXPECT_TRUE(contains(unknown, "\"cores_first\"")) << unknown;
  EXPECT_TRUE(contains(unknown, "none, compact, scatter, cores-first or pus:<list>")) << unknown;
  EXPECT_TRUE(contains(parse_error(""), "\"\" is not a placement"));
  EXPECT_TRUE(contains(parse_error("pus:"), "the PU list is empty"));
  EXPECT_TRUE(contains(parse_error("pus:1,,2"), "empty item"));
  EXPECT_TRUE(contains(parse_error("pus:1,"), "empty item"));
  EXPECT_TRUE(contains(parse_error("pus:5-2"), "the range 5-2 is descending"));
  const std::string word = parse_error("pus:0,x");
  EXPECT_TRUE(contains(word, "\"pus:0,x\"")) << word;
  EXPECT_TRUE(contains(word, "\"x\" is not a PU number")) << word;
  EXPECT_TRUE(contains(parse_error("pus:-1"), "\"-1\" is not a PU number"));
  EXPECT_TRUE(contains(parse_error("pus:1-"), "\"1-\" is not a PU number"));
  EXPECT_TRUE(contains(parse_error("pus: 1"), "is not a PU number"));
  EXPECT_TRUE(contains(parse_error("pus:99999999999"), "is not a PU number"));
  EXPECT_TRUE(contains(parse_error("pus:0-4000000000"), "PU 4000000000 is beyond any machine"));
}

TEST(placement, describe_round_trips) {
  EXPECT_EQ(policy(pin_policy::cores_first).describe(), "cores-first");
  EXPECT_EQ((placement{pin_policy::list, {0, 2, 4, 5, 6, 7}}).describe(), "pus:0,2,4-7");
  EXPECT_EQ((placement{pin_policy::list, {3, 4, 2, 2, 9}}).describe(), "pus:3-4,2,2,9");
  for (const char* s :
       {"none", "compact", "scatter", "cores-first", "pus:0", "pus:0,2,4-7", "pus:8-15,0-7"}) {
    EXPECT_EQ(parsed(s).describe(), s);
  }
  for (const placement& p : {policy(pin_policy::none), policy(pin_policy::scatter),
                             placement{pin_policy::list, {1, 2, 3, 3, 4, 0, 10, 11}}}) {
    EXPECT_EQ(parsed(p.describe()), p) << p.describe();
  }
}

TEST(placement, named_policies) {
  EXPECT_EQ(smrlab::parse_pin_policy("compact"), pin_policy::compact);
  EXPECT_EQ(smrlab::parse_pin_policy("cores-first"), pin_policy::cores_first);
  EXPECT_FALSE(smrlab::parse_pin_policy("pus:1").has_value());
  EXPECT_EQ(smrlab::to_string(pin_policy::cores_first), "cores-first");
}

TEST(mem_policy, parses_and_names) {
  for (auto m : {mem_policy::first_touch, mem_policy::local, mem_policy::interleave}) {
    const auto r = smrlab::parse_mem_policy(smrlab::to_string(m));
    ASSERT_TRUE(std::holds_alternative<mem_policy>(r));
    EXPECT_EQ(std::get<mem_policy>(r), m);
  }
  EXPECT_EQ(smrlab::to_string(mem_policy::first_touch), "first-touch");
  const auto bad = smrlab::parse_mem_policy("first_touch");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_EQ(std::get<std::string>(bad),
            "\"first_touch\" is not a memory policy: expected first-touch, local or interleave");
}

TEST(topology, loading_errors_name_the_source) {
  try {
    topology t("/nonexistent/machine.xml");
    FAIL() << "loaded a missing file";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "xml:/nonexistent/machine.xml")) << what;
    EXPECT_TRUE(contains(what, "No such file or directory")) << what;
  }
  try {
    topology t("synthetic:pack:2 bogus:3");
    FAIL() << "loaded a bad description";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "synthetic:pack:2 bogus:3")) << what;
    EXPECT_TRUE(contains(what, "synthetic description")) << what;
  }
  EXPECT_THROW(topology("synthetic:"), std::runtime_error);

  const temp_file junk("smrlab-junk");
  {
    std::FILE* f = std::fopen(junk.path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not xml\n", f);
    std::fclose(f);
  }
  EXPECT_THROW(topology(junk.path.string()), std::runtime_error);
}

TEST(topology, xml_round_trip) {
  const temp_file xml("smrlab-topology");
  {
    hwloc_topology_t h = nullptr;
    ASSERT_EQ(hwloc_topology_init(&h), 0);
    ASSERT_EQ(hwloc_topology_set_synthetic(h, "pack:2 numa:2 core:8 pu:2"), 0);
    ASSERT_EQ(hwloc_topology_load(h), 0);
    ASSERT_EQ(hwloc_topology_export_xml(h, xml.path.c_str(), 0), 0);
    hwloc_topology_destroy(h);
  }
  const topology synthetic(two_by_two);
  for (const std::string& src : {xml.path.string(), "xml:" + xml.path.string()}) {
    const topology t(src);
    EXPECT_EQ(t.source(), "xml:" + xml.path.string());
    EXPECT_FALSE(t.is_this_system());
    EXPECT_FALSE(t.bind_current_thread(0));
    EXPECT_EQ(t.summary().text(), synthetic.summary().text());
    for (auto pol : {pin_policy::compact, pin_policy::scatter, pin_policy::cores_first}) {
      EXPECT_EQ(t.plan(70, policy(pol)), synthetic.plan(70, policy(pol)));
    }
    EXPECT_TRUE(contains(
        smrlab::topology_report(t, {}, policy(pin_policy::compact), mem_policy::first_touch),
        "binding: skipped — loaded from XML, not this machine"));
  }
}

TEST(topology, this_machine_loosely) {
  const topology t;
  EXPECT_EQ(t.source(), "this machine");
  EXPECT_TRUE(t.is_this_system());
  const auto s = t.summary();
  ASSERT_GE(s.pus, 1U);
  ASSERT_GE(s.numa_nodes, 1U);
  for (const auto& slot : t.plan(4, policy(pin_policy::scatter))) {
    ASSERT_TRUE(slot.pu.has_value());
    EXPECT_LT(*slot.pu, s.pus);
    EXPECT_TRUE(slot.numa_node.has_value());
  }
  // Binding and memory policy change only a thread of the test's own.
  std::thread([&] {
    EXPECT_FALSE(t.bind_current_thread(s.pus));  // no such PU
    if (t.bind_current_thread(s.pus - 1)) {
      EXPECT_EQ(t.current_pu(), s.pus - 1);
    }
    EXPECT_FALSE(t.bind_memory(mem_policy::local, std::nullopt));
    EXPECT_TRUE(t.bind_memory(mem_policy::first_touch, std::nullopt));
    (void)t.bind_memory(mem_policy::local, 0U);  // may be refused (no NUMA support): no throw
    (void)t.bind_memory(mem_policy::interleave, std::nullopt);
  }).join();
}

TEST(topology_report, plans_and_oversubscription_note) {
  const topology t(two_by_two);
  const std::string r =
      smrlab::topology_report(t, {32}, policy(pin_policy::compact), mem_policy::first_touch);
  EXPECT_TRUE(contains(r, "source: synthetic:pack:2 numa:2 core:8 pu:2\n")) << r;
  EXPECT_TRUE(contains(r, "binding: skipped — synthetic topology, not this machine\n")) << r;
  EXPECT_TRUE(contains(r, "summary: packages:2 numa:4 cores:32 pus:64\n")) << r;
  EXPECT_TRUE(contains(r, "\n  package 1\n    numa 2 (1 GiB): cores 16-23 (8); pus 32-47 (16)\n"))
      << r;
  EXPECT_TRUE(contains(r, "plan for 32 threads (compact):\n  thread    pu  core  numa\n")) << r;
  EXPECT_TRUE(contains(r, "\n       0     0     0     0\n")) << r;
  EXPECT_TRUE(contains(r, "\n      31    31    15     1\n")) << r;
  EXPECT_FALSE(contains(r, "oversubscribed")) << r;
  EXPECT_FALSE(contains(r, "shared\n")) << r;

  const std::string over =
      smrlab::topology_report(t, {32, 130}, policy(pin_policy::scatter), mem_policy::interleave);
  EXPECT_TRUE(contains(over, "plan for 32 threads (scatter):")) << over;
  EXPECT_TRUE(contains(over, "plan for 130 threads (scatter):")) << over;
  EXPECT_TRUE(contains(over, "\n       1    16     8     1\n")) << over;
  EXPECT_TRUE(contains(over, "\n     129    16     8     1  shared\n")) << over;
  EXPECT_TRUE(contains(over, "  oversubscribed: 130 threads on 64 PUs\n")) << over;
  EXPECT_FALSE(contains(over, "oversubscribed: 32")) << over;
  EXPECT_TRUE(contains(over, "memory: interleave")) << over;
}

TEST(topology_report, tree_for_shapes_without_packages_or_with_shared_nodes) {
  const std::string flat = smrlab::topology_report(topology(four_nodes), {},
                                                   policy(pin_policy::none), mem_policy::local);
  EXPECT_TRUE(contains(flat,
                       "machine (no package objects): 4 GiB\n  numa 0 (1 GiB): cores 0-3 "
                       "(4); pus 0-3 (4)\n"))
      << flat;
  EXPECT_FALSE(contains(flat, "plan for")) << flat;

  const std::string shared = smrlab::topology_report(
      topology(node_over_packages), {2}, policy(pin_policy::none), mem_policy::first_touch);
  EXPECT_TRUE(contains(shared, "numa 0 (1 GiB, shared by packages 0-1): cores 2-3 (2)")) << shared;
  EXPECT_TRUE(contains(shared, "plan for 2 threads (none):\n  not bound")) << shared;

  const std::string cached = smrlab::topology_report(
      topology("synthetic:pack:2 l3:1(size=32MiB) numa:2 l2:2(size=1MiB) core:1 pu:2"), {},
      policy(pin_policy::compact), mem_policy::first_touch);
  EXPECT_TRUE(contains(cached, "caches: L2 1 MiB x8, L3 32 MiB x2\n")) << cached;
  EXPECT_TRUE(contains(cached,
                       "  package 0: L3 32 MiB\n    numa 0 (1 GiB): L2 1 MiB x2; cores "
                       "0-1 (2); pus 0-3 (4)\n"))
      << cached;
}

TEST(topology_report, list_with_a_missing_pu_throws) {
  EXPECT_THROW((void)smrlab::topology_report(topology(smt_one_node), {4}, parsed("pus:8"),
                                             mem_policy::first_touch),
               std::invalid_argument);
}

TEST(topology_report, json_for_meta) {
  const auto j = smrlab::topology_json(topology(two_by_two));
  EXPECT_EQ(j["source"], "synthetic:pack:2 numa:2 core:8 pu:2");
  EXPECT_EQ(j["is_this_system"], false);
  EXPECT_EQ(j["packages"], 2);
  EXPECT_EQ(j["numa_nodes"], 4);
  EXPECT_EQ(j["cores"], 32);
  EXPECT_EQ(j["pus"], 64);
  EXPECT_TRUE(j["caches"].is_array());
  ASSERT_EQ(j["numa"].size(), 4U);
  EXPECT_EQ(j["numa"][3]["package"], 1);
  EXPECT_EQ(j["numa"][3]["pus"].size(), 16U);
  EXPECT_EQ(j["numa"][3]["pus"][0], 48);
  EXPECT_EQ(j["numa"][3]["memory_bytes"], 1ULL << 30U);
  EXPECT_TRUE(smrlab::topology_json(topology(node_over_packages))["numa"][0]["package"].is_null());
}

TEST(topology_report, format_bytes) {
  EXPECT_EQ(smrlab::format_bytes(512), "512 B");
  EXPECT_EQ(smrlab::format_bytes(32U << 10U), "32 KiB");
  EXPECT_EQ(smrlab::format_bytes(1536U << 10U), "1.5 MiB");
  EXPECT_EQ(smrlab::format_bytes(4ULL << 30U), "4 GiB");
  EXPECT_EQ(smrlab::format_bytes(0), "0 B");
}

}  // namespace
