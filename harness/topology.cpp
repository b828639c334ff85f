#include "harness/topology.hpp"

#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>

namespace smrlab {

namespace {

constexpr std::string_view synthetic_prefix = "synthetic:";
constexpr std::string_view xml_prefix = "xml:";
constexpr std::string_view list_prefix = "pus:";
// Bounds on what "pus:" accepts, so that a typo cannot ask for billions of entries. Linux allows
// at most 8192 CPUs.
constexpr unsigned max_listed_pu = 65535;
constexpr std::size_t max_list_length = 65536;

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::optional<unsigned> parse_unsigned(std::string_view s) {
  unsigned v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// The PUs of "0,2,4-7", or why not.
std::variant<std::vector<unsigned>, std::string> parse_pu_list(std::string_view s) {
  std::vector<unsigned> pus;
  if (s.empty()) return std::string("the PU list is empty");
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    const std::string_view item =
        s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) return std::string("empty item in the PU list");
    const std::size_t dash = item.find('-');
    const auto first = parse_unsigned(item.substr(0, dash));
    const auto last =
        dash == std::string_view::npos ? first : parse_unsigned(item.substr(dash + 1));
    if (!first || !last) {
      return quoted(item) + " is not a PU number or a range of PUs such as 4-7";
    }
    if (*last > max_listed_pu) {
      return "PU " + std::to_string(*last) + " is beyond any machine (at most " +
             std::to_string(max_listed_pu) + ")";
    }
    if (*last < *first) return "the range " + std::string(item) + " is descending";
    if (pus.size() + (*last - *first + 1) > max_list_length) {
      return "the PU list is longer than " + std::to_string(max_list_length) + " entries";
    }
    for (unsigned pu = *first; pu <= *last; ++pu) pus.push_back(pu);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return pus;
}

struct bitmap_deleter {
  void operator()(hwloc_bitmap_s* b) const { hwloc_bitmap_free(b); }
};
using bitmap_ptr = std::unique_ptr<hwloc_bitmap_s, bitmap_deleter>;

std::string errno_text(int err) {
  return err != 0 ? std::string(std::strerror(err)) : std::string("hwloc gave no reason");
}

unsigned count_of(hwloc_topology_t t, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(t, type);
  return n > 0 ? static_cast<unsigned>(n) : 0U;
}

// Data and unified caches before instruction caches of the same level.
constexpr hwloc_obj_type_t cache_types[] = {
    HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
    HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};

}  // namespace

std::string compress_ranges(const std::vector<unsigned>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(v[i]);
    if (j > i) {
      out += '-';
      out += std::to_string(v[j]);
    }
    i = j + 1;
  }
  return out;
}

std::string_view to_string(pin_policy p) {
  switch (p) {
    case pin_policy::none:
      return "none";
    case pin_policy::compact:
      return "compact";
    case pin_policy::scatter:
      return "scatter";
    case pin_policy::cores_first:
      return "cores-first";
    case pin_policy::list:
      return "list";
  }
  return "?";
}

std::optional<pin_policy> parse_pin_policy(std::string_view s) {
  for (auto p :
       {pin_policy::none, pin_policy::compact, pin_policy::scatter, pin_policy::cores_first}) {
    if (s == to_string(p)) return p;
  }
  return std::nullopt;
}

std::string placement::describe() const {
  if (policy == pin_policy::list) return std::string(list_prefix) + compress_ranges(pus);
  return std::string(to_string(policy));
}

std::variant<placement, std::string> parse_placement(std::string_view s) {
  const std::string what = quoted(s) + " is not a placement: ";
  if (s.starts_with(list_prefix)) {
    auto pus = parse_pu_list(s.substr(list_prefix.size()));
    if (auto* err = std::get_if<std::string>(&pus)) return what + *err;
    return placement{pin_policy::list, std::move(std::get<std::vector<unsigned>>(pus))};
  }
  if (auto p = parse_pin_policy(s)) return placement{*p, {}};
  return what + "expected none, compact, scatter, cores-first or pus:<list> (e.g. pus:0,2,4-7)";
}

std::string_view to_string(mem_policy m) {
  switch (m) {
    case mem_policy::first_touch:
      return "first-touch";
    case mem_policy::local:
      return "local";
    case mem_policy::interleave:
      return "interleave";
  }
  return "?";
}

std::variant<mem_policy, std::string> parse_mem_policy(std::string_view s) {
  for (auto m : {mem_policy::first_touch, mem_policy::local, mem_policy::interleave}) {
    if (s == to_string(m)) return m;
  }
  return quoted(s) + " is not a memory policy: expected first-touch, local or interleave";
}

std::string topology_summary::text() const {
  return "packages:" + std::to_string(packages) + " numa:" + std::to_string(numa_nodes) +
         " cores:" + std::to_string(cores) + " pus:" + std::to_string(pus);
}

struct topology::impl {
  hwloc_topology_t topo = nullptr;
  std::string source;
  struct pu_info {
    std::optional<unsigned> core;
    std::optional<unsigned> numa;
    std::optional<unsigned> package;
  };
  std::vector<pu_info> pus;  // by logical index

  ~impl() {
    if (topo != nullptr) hwloc_topology_destroy(topo);
  }

  hwloc_obj_t pu_obj(unsigned pu) const { return hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, pu); }

  // The NUMA node whose memory is nearest: of the nodes local to the PU (its nodeset), the one
  // with the smallest locality (a sub-NUMA cluster before a package-wide CXL node), then the
  // first in logical order.
  std::optional<unsigned> nearest_numa(hwloc_obj_t pu) const {
    hwloc_obj_t best = nullptr;
    int best_weight = 0;
    for (hwloc_obj_t n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, nullptr);
         n != nullptr; n = n->next_cousin) {
      if (!hwloc_bitmap_isset(pu->nodeset, n->os_index)) continue;
      const int w = hwloc_bitmap_weight(n->cpuset);
      if (best == nullptr || w < best_weight) {
        best = n;
        best_weight = w;
      }
    }
    if (best == nullptr) return std::nullopt;
    return best->logical_index;
  }

  // The PUs in the order a policy hands them out: a permutation of every PU.
  std::vector<unsigned> order(pin_policy policy) const {
    std::vector<unsigned> out;
    if (policy == pin_policy::compact) {
      for (unsigned i = 0; i < pus.size(); ++i) out.push_back(i);
      return out;
    }
    // Cores in logical order, each with its PUs; a PU outside any core is a core of its own.
    struct core_group {
      std::optional<unsigned> numa;
      std::vector<unsigned> pus;
    };
    std::vector<core_group> cores;
    std::map<unsigned, std::size_t> group_of_core;
    for (unsigned i = 0; i < pus.size(); ++i) {
      const auto& info = pus[i];
      if (info.core) {
        if (auto it = group_of_core.find(*info.core); it != group_of_core.end()) {
          cores[it->second].pus.push_back(i);
          continue;
        }
        group_of_core.emplace(*info.core, cores.size());
      }
      cores.push_back(core_group{info.numa, {i}});
    }
    std::size_t siblings = 0;
    for (const auto& c : cores) siblings = std::max(siblings, c.pus.size());

    if (policy == pin_policy::cores_first) {
      for (std::size_t s = 0; s < siblings; ++s) {
        for (const auto& c : cores) {
          if (s < c.pus.size()) out.push_back(c.pus[s]);
        }
      }
      return out;
    }
    // scatter: the cores of each NUMA node (nodes in logical order, PUs without one last).
    std::map<std::pair<bool, unsigned>, std::vector<const core_group*>> by_node;
    for (const auto& c : cores) by_node[{!c.numa.has_value(), c.numa.value_or(0)}].push_back(&c);
    std::size_t per_node = 0;
    for (const auto& [node, cs] : by_node) per_node = std::max(per_node, cs.size());
    for (std::size_t s = 0; s < siblings; ++s) {
      for (std::size_t k = 0; k < per_node; ++k) {
        for (const auto& [node, cs] : by_node) {
          if (k < cs.size() && s < cs[k]->pus.size()) out.push_back(cs[k]->pus[s]);
        }
      }
    }
    return out;
  }
};

topology::topology(std::string_view source) : impl_(std::make_unique<impl>()) {
  std::string what;  // the source, for error messages
  if (hwloc_topology_init(&impl_->topo) != 0) {
    throw std::runtime_error("hwloc could not initialise a topology: " + errno_text(errno));
  }
  // Instruction caches are filtered out by default; the report lists them.
  hwloc_topology_set_icache_types_filter(impl_->topo, HWLOC_TYPE_FILTER_KEEP_ALL);
  if (source.empty()) {
    impl_->source = "this machine";
    what = "the topology of this machine";
  } else if (source.starts_with(synthetic_prefix)) {
    const std::string desc(source.substr(synthetic_prefix.size()));
    impl_->source = std::string(synthetic_prefix) + desc;
    what = "topology " + quoted(impl_->source);
    errno = 0;
    if (desc.empty() || hwloc_topology_set_synthetic(impl_->topo, desc.c_str()) != 0) {
      const int err = desc.empty() ? EINVAL : errno;
      throw std::runtime_error("cannot load " + what +
                               ": hwloc rejected the synthetic description (" + errno_text(err) +
                               "); an example of one: synthetic:pack:2 numa:2 core:8 pu:2");
    }
  } else {
    const std::string path(source.starts_with(xml_prefix) ? source.substr(xml_prefix.size())
                                                          : source);
    impl_->source = std::string(xml_prefix) + path;
    what = "topology " + quoted(impl_->source);
    errno = 0;
    if (hwloc_topology_set_xml(impl_->topo, path.c_str()) != 0) {
      const int err = errno;
      throw std::runtime_error("cannot load " + what + ": hwloc cannot read " + quoted(path) +
                               " as topology XML (" + errno_text(err) + ")");
    }
  }
  errno = 0;
  if (hwloc_topology_load(impl_->topo) != 0) {
    const int err = errno;
    throw std::runtime_error("cannot load " + what + ": hwloc_topology_load failed (" +
                             errno_text(err) + ")");
  }
  const unsigned n = count_of(impl_->topo, HWLOC_OBJ_PU);
  impl_->pus.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    hwloc_obj_t pu = impl_->pu_obj(i);
    if (hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(impl_->topo, HWLOC_OBJ_CORE, pu)) {
      impl_->pus[i].core = core->logical_index;
    }
    if (hwloc_obj_t pack = hwloc_get_ancestor_obj_by_type(impl_->topo, HWLOC_OBJ_PACKAGE, pu)) {
      impl_->pus[i].package = pack->logical_index;
    }
    impl_->pus[i].numa = impl_->nearest_numa(pu);
  }
}

topology::~topology() = default;

bool topology::is_this_system() const { return hwloc_topology_is_thissystem(impl_->topo) != 0; }

std::string topology::source() const { return impl_->source; }

topology_summary topology::summary() const {
  topology_summary s;
  s.packages = count_of(impl_->topo, HWLOC_OBJ_PACKAGE);
  s.numa_nodes = count_of(impl_->topo, HWLOC_OBJ_NUMANODE);
  s.cores = count_of(impl_->topo, HWLOC_OBJ_CORE);
  s.pus = count_of(impl_->topo, HWLOC_OBJ_PU);
  return s;
}

std::vector<cache_info> topology::caches() const {
  // Data and unified caches before instruction caches of the same level.
  static constexpr hwloc_obj_type_t types[] = {
      HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
      HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
  std::vector<cache_info> out;
  for (auto type : types) {
    // By size and name ("L2" and "L2d" are both level 2): each with its level and count.
    std::map<std::pair<std::uint64_t, std::string>, std::pair<unsigned, unsigned>> by_size;
    for (hwloc_obj_t c = hwloc_get_next_obj_by_type(impl_->topo, type, nullptr); c != nullptr;
         c = c->next_cousin) {
      char name[32] = {};
      hwloc_obj_type_snprintf(name, sizeof name, c, 0);
      auto& [level, count] = by_size[{c->attr->cache.size, name}];
      level = c->attr->cache.depth;
      ++count;
    }
    for (const auto& [key, value] : by_size) {
      out.push_back(cache_info{key.second, value.first, key.first, value.second});
    }
  }
  return out;
}

std::vector<cache_instance> topology::cache_instances() const {
  std::vector<cache_instance> out;
  for (auto type : cache_types) {
    for (hwloc_obj_t c = hwloc_get_next_obj_by_type(impl_->topo, type, nullptr); c != nullptr;
         c = c->next_cousin) {
      hwloc_obj_t first =
          hwloc_get_next_obj_inside_cpuset_by_type(impl_->topo, c->cpuset, HWLOC_OBJ_PU, nullptr);
      if (first == nullptr) continue;
      hwloc_obj_t last = first;
      while (hwloc_obj_t next = hwloc_get_next_obj_inside_cpuset_by_type(impl_->topo, c->cpuset,
                                                                         HWLOC_OBJ_PU, last)) {
        last = next;
      }
      char name[32] = {};
      hwloc_obj_type_snprintf(name, sizeof name, c, 0);
      out.push_back(cache_instance{name, c->attr->cache.depth, c->attr->cache.size,
                                   first->logical_index, last->logical_index});
    }
  }
  return out;
}

std::vector<numa_node_info> topology::numa_nodes() const {
  std::vector<numa_node_info> out;
  for (hwloc_obj_t n = hwloc_get_next_obj_by_type(impl_->topo, HWLOC_OBJ_NUMANODE, nullptr);
       n != nullptr; n = n->next_cousin) {
    numa_node_info node;
    node.index = n->logical_index;
    node.os_index = n->os_index;
    node.memory_bytes = n->attr->numanode.local_memory;
    if (hwloc_obj_t pack = hwloc_get_ancestor_obj_by_type(impl_->topo, HWLOC_OBJ_PACKAGE, n)) {
      node.package = pack->logical_index;
    }
    out.push_back(std::move(node));
  }
  for (unsigned i = 0; i < impl_->pus.size(); ++i) {
    const auto& info = impl_->pus[i];
    if (!info.numa || *info.numa >= out.size()) continue;
    auto& node = out[*info.numa];
    node.pus.push_back(i);
    if (info.core && (node.cores.empty() || node.cores.back() != *info.core)) {
      node.cores.push_back(*info.core);
    }
  }
  for (auto& node : out) {
    std::sort(node.cores.begin(), node.cores.end());
    node.cores.erase(std::unique(node.cores.begin(), node.cores.end()), node.cores.end());
  }
  return out;
}

std::uint64_t topology::total_memory_bytes() const {
  return hwloc_get_root_obj(impl_->topo)->total_memory;
}

std::optional<std::string> topology::check(const placement& p) const {
  if (p.policy != pin_policy::list) return std::nullopt;
  if (p.pus.empty()) return "placement " + p.describe() + ": the PU list is empty";
  const auto n = static_cast<unsigned>(impl_->pus.size());
  for (unsigned pu : p.pus) {
    if (pu >= n) {
      return "placement " + p.describe() + ": PU " + std::to_string(pu) + " does not exist; " +
             impl_->source + " has " + std::to_string(n) + " PUs (0-" +
             std::to_string(n == 0 ? 0 : n - 1) + ")";
    }
  }
  return std::nullopt;
}

std::vector<thread_slot> topology::plan(unsigned threads, const placement& p) const {
  if (auto err = check(p)) throw std::invalid_argument(*err);
  std::vector<thread_slot> out(threads);
  for (unsigned t = 0; t < threads; ++t) out[t].thread = t;
  if (p.policy == pin_policy::none || impl_->pus.empty()) return out;
  const std::vector<unsigned> order = p.policy == pin_policy::list ? p.pus : impl_->order(p.policy);
  std::vector<bool> taken(impl_->pus.size(), false);
  for (unsigned t = 0; t < threads; ++t) {
    const unsigned pu = order[t % order.size()];
    out[t].pu = pu;
    out[t].core = impl_->pus[pu].core;
    out[t].numa_node = impl_->pus[pu].numa;
    out[t].shares_pu = taken[pu];
    taken[pu] = true;
  }
  return out;
}

bool topology::bind_current_thread(unsigned pu) const {
  if (!is_this_system()) return false;
  hwloc_obj_t obj = impl_->pu_obj(pu);
  if (obj == nullptr) return false;
  return hwloc_set_cpubind(impl_->topo, obj->cpuset, HWLOC_CPUBIND_THREAD) == 0;
}

bool topology::bind_memory(mem_policy m, std::optional<unsigned> pu) const {
  if (m == mem_policy::first_touch) return true;
  if (!is_this_system()) return false;
  const int flags = HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET;
  if (m == mem_policy::interleave) {
    return hwloc_set_membind(impl_->topo, hwloc_topology_get_topology_nodeset(impl_->topo),
                             HWLOC_MEMBIND_INTERLEAVE, flags) == 0;
  }
  // local: the NUMA node the plan reports for the PU.
  const auto node = pu ? numa_node_of_pu(*pu) : std::nullopt;
  if (!node) return false;
  hwloc_obj_t obj = hwloc_get_obj_by_type(impl_->topo, HWLOC_OBJ_NUMANODE, *node);
  if (obj == nullptr) return false;
  return hwloc_set_membind(impl_->topo, obj->nodeset, HWLOC_MEMBIND_BIND, flags) == 0;
}

std::optional<unsigned> topology::current_pu() const {
  if (!is_this_system()) return std::nullopt;
  bitmap_ptr set(hwloc_bitmap_alloc());
  if (!set || hwloc_get_last_cpu_location(impl_->topo, set.get(), HWLOC_CPUBIND_THREAD) != 0) {
    return std::nullopt;
  }
  const int os = hwloc_bitmap_first(set.get());
  if (os < 0) return std::nullopt;
  hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(impl_->topo, static_cast<unsigned>(os));
  if (pu == nullptr) return std::nullopt;
  return pu->logical_index;
}

std::optional<unsigned> topology::numa_node_of_pu(unsigned pu) const {
  if (pu >= impl_->pus.size()) return std::nullopt;
  return impl_->pus[pu].numa;
}

std::optional<unsigned> topology::core_of_pu(unsigned pu) const {
  if (pu >= impl_->pus.size()) return std::nullopt;
  return impl_->pus[pu].core;
}

std::optional<unsigned> topology::package_of_pu(unsigned pu) const {
  if (pu >= impl_->pus.size()) return std::nullopt;
  return impl_->pus[pu].package;
}

}  // namespace smrlab
