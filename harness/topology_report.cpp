#include "harness/topology_report.hpp"

#include <cstdio>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace smrlab {

namespace {

// Caches shown in the tree: level 2 and up, data or unified, counted by kind. Ordered from the
// highest level down, as they enclose one another.
using cache_key = std::tuple<unsigned, std::string, std::uint64_t>;  // level, name, size
struct by_level_down {
  bool operator()(const cache_key& a, const cache_key& b) const {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    return std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
  }
};
using cache_counts = std::map<cache_key, unsigned, by_level_down>;

bool shown_in_tree(const cache_instance& c) {
  return c.level >= 2 && !c.name.empty() && c.name.back() != 'i';
}

std::string cache_text(const std::string& name, std::uint64_t size, unsigned count) {
  std::string s = name + (size != 0 ? " " + format_bytes(size) : std::string());
  if (count > 1) s += " x" + std::to_string(count);
  return s;
}

std::string caches_text(const cache_counts& c) {
  std::string out;
  for (const auto& [key, count] : c) {
    out += (out.empty() ? "" : ", ") + cache_text(std::get<1>(key), std::get<2>(key), count);
  }
  return out;
}

// "0-7 (8)"
std::string ranges_with_count(const std::vector<unsigned>& v) {
  return compress_ranges(v) + " (" + std::to_string(v.size()) + ")";
}

// The PUs of one NUMA node within one package: one line of the tree.
struct cell {
  std::vector<unsigned> cores;
  std::vector<unsigned> pus;
  cache_counts caches;
};
using cell_key = std::pair<std::optional<unsigned>, std::optional<unsigned>>;  // package, node

struct package_group {
  std::map<std::optional<unsigned>, cell> cells;  // by NUMA node
  cache_counts caches;                            // spanning several of its cells
  std::vector<unsigned> memory_only;              // NUMA nodes attached here without PUs
};

std::string binding_text(const topology& t) {
  if (t.is_this_system()) return "yes";
  const std::string src = t.source();
  if (src.starts_with("synthetic:")) return "skipped — synthetic topology, not this machine";
  return "skipped — loaded from XML, not this machine";
}

std::string placement_text(const placement& p) {
  switch (p.policy) {
    case pin_policy::none:
      return "none (threads are not bound; the OS schedules them)";
    case pin_policy::compact:
      return "compact (thread i on PU i, in logical order: a node's SMT siblings and cores "
             "first)";
    case pin_policy::scatter:
      return "scatter (round-robin across NUMA nodes, then across each node's cores, then SMT "
             "siblings)";
    case pin_policy::cores_first:
      return "cores-first (one PU on every core, in core order, before any SMT sibling)";
    case pin_policy::list:
      return p.describe() + " (the listed PUs in order, round-robin)";
  }
  return p.describe();
}

std::string memory_text(mem_policy m, const placement& p, unsigned nodes) {
  switch (m) {
    case mem_policy::first_touch:
      return "first-touch (the OS default: a page goes to the node of the thread that first "
             "touches it)";
    case mem_policy::local:
      return std::string("local (each thread's memory bound to its PU's NUMA node)") +
             (p.policy == pin_policy::none ? "; unbound threads keep the OS default" : "");
    case mem_policy::interleave:
      return "interleave (pages spread round-robin across the " + std::to_string(nodes) +
             " NUMA node" + (nodes == 1 ? "" : "s") + ")";
  }
  return std::string(to_string(m));
}

std::string opt(const std::optional<unsigned>& v) { return v ? std::to_string(*v) : "-"; }

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

void append_tree(std::string& out, const topology& t) {
  const auto summary = t.summary();
  const auto nodes = t.numa_nodes();

  std::map<std::optional<unsigned>, package_group> packages;
  std::map<unsigned, std::set<unsigned>> packages_of_node;  // packages a node's PUs lie in
  for (unsigned pu = 0; pu < summary.pus; ++pu) {
    const auto pack = t.package_of_pu(pu);
    const auto node = t.numa_node_of_pu(pu);
    cell& c = packages[pack].cells[node];
    c.pus.push_back(pu);
    if (auto core = t.core_of_pu(pu); core && (c.cores.empty() || c.cores.back() != *core)) {
      c.cores.push_back(*core);
    }
    if (node && pack) packages_of_node[*node].insert(*pack);
  }
  for (const auto& n : nodes) {
    if (n.pus.empty()) packages[n.package].memory_only.push_back(n.index);
  }
  // Each cache goes on the line of the one cell that holds all its PUs, else on its package's
  // line, else on the machine's.
  cache_counts machine_caches;
  for (const auto& c : t.cache_instances()) {
    if (!shown_in_tree(c)) continue;
    std::set<cell_key> cells;
    for (unsigned pu = c.first_pu; pu <= c.last_pu; ++pu) {
      cells.insert({t.package_of_pu(pu), t.numa_node_of_pu(pu)});
    }
    const cache_key key{c.level, c.name, c.size_bytes};
    if (cells.size() == 1) {
      ++packages[cells.begin()->first].cells[cells.begin()->second].caches[key];
    } else if (cells.begin()->first == cells.rbegin()->first) {
      ++packages[cells.begin()->first].caches[key];
    } else {
      ++machine_caches[key];
    }
  }

  const bool has_packages = summary.packages > 0;
  out += "machine";
  if (!has_packages) out += " (no package objects)";
  if (t.total_memory_bytes() != 0) out += ": " + format_bytes(t.total_memory_bytes());
  if (!machine_caches.empty()) out += "; " + caches_text(machine_caches);
  out += '\n';

  auto node_head = [&](unsigned index) {
    std::string s = "numa " + std::to_string(index);
    std::string extra;
    if (index < nodes.size() && nodes[index].memory_bytes != 0) {
      extra = format_bytes(nodes[index].memory_bytes);
    }
    if (auto it = packages_of_node.find(index);
        it != packages_of_node.end() && it->second.size() > 1) {
      const std::vector<unsigned> packs(it->second.begin(), it->second.end());
      extra +=
          (extra.empty() ? "" : ", ") + std::string("shared by packages ") + compress_ranges(packs);
    }
    return extra.empty() ? s : s + " (" + extra + ")";
  };

  for (const auto& [pack, group] : packages) {
    std::string indent = "  ";
    if (has_packages) {
      out += indent + (pack ? "package " + std::to_string(*pack) : "outside packages");
      if (!group.caches.empty()) out += ": " + caches_text(group.caches);
      out += '\n';
      indent += "  ";
    }
    for (const auto& [node, c] : group.cells) {
      out += indent + (node ? node_head(*node) : "no NUMA node") + ": ";
      if (!c.caches.empty()) out += caches_text(c.caches) + "; ";
      if (!c.cores.empty()) out += "cores " + ranges_with_count(c.cores) + "; ";
      out += "pus " + ranges_with_count(c.pus) + '\n';
    }
    for (unsigned node : group.memory_only) {
      out += indent + node_head(node) + ": memory only, no PUs\n";
    }
  }
}

void append_plan(std::string& out, const topology& t, unsigned threads, const placement& p) {
  const unsigned pus = t.summary().pus;
  out += "plan for " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s") + " (" +
         p.describe() + "):\n";
  const auto slots = t.plan(threads, p);
  if (p.policy == pin_policy::none) {
    out += "  not bound: the OS places the threads\n";
  } else {
    out += "  thread    pu  core  numa\n";
    for (const auto& s : slots) {
      out += "  " + pad_left(std::to_string(s.thread), 6) + pad_left(opt(s.pu), 6) +
             pad_left(opt(s.core), 6) + pad_left(opt(s.numa_node), 6) +
             (s.shares_pu ? "  shared" : "") + '\n';
    }
  }
  if (threads > pus) {
    out += "  oversubscribed: " + std::to_string(threads) + " threads on " + std::to_string(pus) +
           " PUs\n";
  }
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t u = 0;
  std::uint64_t scale = 1;
  while (u + 1 < std::size(units) && bytes / scale >= 1024) {
    scale *= 1024;
    ++u;
  }
  char buf[64];
  if (bytes % scale == 0) {
    std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(bytes / scale),
                  units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s",
                  static_cast<double>(bytes) / static_cast<double>(scale), units[u]);
  }
  return buf;
}

std::string topology_report(const topology& t, const std::vector<unsigned>& threads,
                            const placement& p, mem_policy m) {
  const auto summary = t.summary();
  std::string out;
  out += "source: " + t.source() + '\n';
  out += "binding: " + binding_text(t) + '\n';
  out += "summary: " + summary.text() + '\n';
  std::string caches;
  for (const auto& c : t.caches()) {
    caches += (caches.empty() ? "" : ", ") + cache_text(c.name, c.size_bytes, c.count);
  }
  out += "caches: " + (caches.empty() ? std::string("none known") : caches) + '\n';
  out += '\n';
  append_tree(out, t);
  out += '\n';
  out += "placement: " + placement_text(p) + '\n';
  out += "memory: " + memory_text(m, p, summary.numa_nodes) + '\n';
  if (!threads.empty()) {
    out +=
        "pu, core and numa are hwloc logical indices; \"shared\": an earlier thread has the "
        "PU\n";
  }
  for (unsigned n : threads) {
    out += '\n';
    append_plan(out, t, n, p);
  }
  return out;
}

nlohmann::json topology_json(const topology& t) {
  const auto s = t.summary();
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& c : t.caches()) {
    caches.push_back(
        {{"name", c.name}, {"level", c.level}, {"size_bytes", c.size_bytes}, {"count", c.count}});
  }
  nlohmann::json numa = nlohmann::json::array();
  for (const auto& n : t.numa_nodes()) {
    numa.push_back({{"index", n.index},
                    {"os_index", n.os_index},
                    {"memory_bytes", n.memory_bytes},
                    {"package", n.package ? nlohmann::json(*n.package) : nlohmann::json()},
                    {"cores", n.cores},
                    {"pus", n.pus}});
  }
  return {{"source", t.source()},
          {"is_this_system", t.is_this_system()},
          {"packages", s.packages},
          {"numa_nodes", s.numa_nodes},
          {"cores", s.cores},
          {"pus", s.pus},
          {"memory_bytes", t.total_memory_bytes()},
          {"caches", caches},
          {"numa", numa}};
}

}  // namespace smrlab
