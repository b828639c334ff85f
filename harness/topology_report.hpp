// What `smrlab topology` prints, and the topology as recorded in meta.json: the machine (or a
// synthetic or XML topology) as hwloc sees it, and the placement plan a sweep would use for
// each thread count. The data comes from harness/topology.hpp; this file only presents it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/topology.hpp"

namespace smrlab {

// The source and whether threads would be bound, a summary line, the caches, a tree with one
// line per NUMA node within each package (memory, caches, core and PU ranges), the placement and
// memory policies, then for each count in `threads` the plan: a `thread pu core numa` table and,
// when the count exceeds the PUs, "oversubscribed: N threads on P PUs". Throws
// std::invalid_argument as topology::plan does when `p` lists a PU the topology lacks.
std::string topology_report(const topology& t, const std::vector<unsigned>& threads,
                            const placement& p, mem_policy m);

// {"source", "is_this_system", "packages", "numa_nodes", "cores", "pus", "memory_bytes",
//  "caches": [{"name", "level", "size_bytes", "count"}],
//  "numa": [{"index", "os_index", "memory_bytes", "package" (or null), "cores", "pus"}]}
// with logical indices throughout.
nlohmann::json topology_json(const topology& t);

// "32 MiB", "8.3 GiB", "512 B": binary units, one decimal unless exact.
std::string format_bytes(std::uint64_t bytes);

}  // namespace smrlab
