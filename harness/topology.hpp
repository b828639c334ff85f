// topology: what hwloc sees of a machine (packages, NUMA nodes, caches, cores, PUs), the plan
// that places worker threads on PUs under a placement policy (--pin), and the thread and memory
// binding that carries a plan out (--membind). The topology is this machine, or a synthetic or
// XML one so that a plan for a large NUMA machine can be looked at (`smrlab topology`) and tested
// anywhere; only this machine's topology binds. The sweep plans every trial's placement here
// and the trial binds each worker to its slot (harness/trial.hpp).
//
// Every index here (PU, core, NUMA node) is an hwloc logical index, in hwloc's logical order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smrlab {

enum class pin_policy {
  none,         // threads float; the OS schedules them
  compact,      // thread i on PU i: fills the SMT siblings and cores of one NUMA node first
  scatter,      // round-robin across NUMA nodes, then across cores, then SMT siblings
  cores_first,  // one PU per core (in core order) before any SMT sibling
  list,         // the PUs the user listed, in order
};

// "none", "compact", "scatter", "cores-first", "list".
std::string_view to_string(pin_policy p);

// A --pin value: a policy, and for `list` the PUs, used in order and round-robin when there are
// more threads than PUs listed.
struct placement {
  pin_policy policy = pin_policy::compact;
  std::vector<unsigned> pus;  // list only; may repeat a PU

  // "none", "compact", "scatter", "cores-first" or "pus:0,2,4-7" (ascending runs of consecutive
  // PUs written as ranges, the order kept). parse_placement(describe()) gives back an equal
  // placement (for a policy other than list, when `pus` is empty).
  std::string describe() const;
  friend bool operator==(const placement&, const placement&) = default;
};

// "none" | "compact" | "scatter" | "cores-first" | "pus:<list>", where <list> is comma-separated
// PUs or ascending ranges a-b ("pus:0,2,4-7"). On failure, the error names the input and says
// what is wrong. Whether the PUs exist is checked against a topology (topology::check).
std::variant<placement, std::string> parse_placement(std::string_view s);

// The memory policy of each worker thread (--membind).
enum class mem_policy {
  first_touch,  // the OS default: nothing is called
  local,        // bound to the NUMA node(s) of the thread's PU
  interleave,   // interleaved across every NUMA node
};

// "first-touch" | "local" | "interleave"; on failure, the error names the input.
std::variant<mem_policy, std::string> parse_mem_policy(std::string_view s);
std::string_view to_string(mem_policy m);  // "first-touch", "local", "interleave"

struct topology_summary {
  unsigned packages = 0;
  unsigned numa_nodes = 0;
  unsigned cores = 0;
  unsigned pus = 0;
  std::string text() const;  // "packages:1 numa:1 cores:2 pus:2"
};

// One kind of cache: the instances of one level and type that have the same size.
struct cache_info {
  std::string name;  // "L1d", "L1i", "L2", "L3", ... (hwloc's type names)
  unsigned level = 0;
  std::uint64_t size_bytes = 0;  // of one instance; 0 when hwloc does not know it
  unsigned count = 0;            // instances
  friend bool operator==(const cache_info&, const cache_info&) = default;
};

// One cache, and the PUs it serves: first_pu..last_pu (an hwloc object's PUs are consecutive in
// logical order).
struct cache_instance {
  std::string name;  // as in cache_info
  unsigned level = 0;
  std::uint64_t size_bytes = 0;
  unsigned first_pu = 0;
  unsigned last_pu = 0;
};

// One NUMA node and the cores and PUs whose memory it is (the node of each PU as numa_node_of_pu
// gives it).
struct numa_node_info {
  unsigned index = 0;               // logical
  unsigned os_index = 0;            // the OS's number (Linux node N)
  std::uint64_t memory_bytes = 0;   // 0 when unknown
  std::optional<unsigned> package;  // the package it is attached in; nullopt: above packages
  std::vector<unsigned> cores;      // logical, ascending
  std::vector<unsigned> pus;        // logical, ascending
};

// Where one worker thread goes under a plan.
struct thread_slot {
  unsigned thread = 0;
  std::optional<unsigned> pu;         // nullopt: unbound (policy none)
  std::optional<unsigned> core;       // the PU's core; nullopt when the topology has no cores
  std::optional<unsigned> numa_node;  // the PU's NUMA node; set whenever pu is
  bool shares_pu = false;             // oversubscribed: an earlier thread has the same PU
  friend bool operator==(const thread_slot&, const thread_slot&) = default;
};

class topology {
 public:
  // source "": this machine. "synthetic:<description>": an hwloc synthetic topology, e.g.
  // "synthetic:pack:2 numa:2 core:8 pu:2" (hwloc nests each level in the one before it: that is
  // 4 NUMA nodes of 8 cores of 2 PUs). "xml:<path>" or any other string: an hwloc XML file (as
  // `lstopo machine.xml` writes it). Throws std::runtime_error naming the source and what hwloc
  // said when it cannot be loaded.
  explicit topology(std::string_view source = "");
  ~topology();
  topology(const topology&) = delete;
  topology& operator=(const topology&) = delete;

  // Whether this is the machine the process runs on (hwloc_topology_is_thissystem): binding
  // happens only then. False for synthetic and XML topologies.
  bool is_this_system() const;
  std::string source() const;  // "this machine", "synthetic:<description>" or "xml:<path>"
  topology_summary summary() const;
  // Each kind of cache, by level (L1d, L1i, L2, L3, ...), then by size. Empty when hwloc knows
  // of none (synthetic topologies without cache levels).
  std::vector<cache_info> caches() const;
  std::vector<cache_instance> cache_instances() const;  // every cache, by level then index
  std::vector<numa_node_info> numa_nodes() const;       // in logical order
  std::uint64_t total_memory_bytes() const;             // 0 when unknown

  // Why `p` cannot be planned here (a listed PU this topology does not have, an empty list), or
  // nullopt when it can.
  std::optional<std::string> check(const placement& p) const;
  // Where each of `threads` worker threads goes under `p` (the policies are described at
  // pin_policy). More threads than PUs wrap around, marked shares_pu. Throws
  // std::invalid_argument with check()'s message when `p` cannot be planned here.
  std::vector<thread_slot> plan(unsigned threads, const placement& p) const;

  // Binds the calling thread to a PU. False (and the thread left as it was) when this is not
  // this system, the PU does not exist, or hwloc fails.
  bool bind_current_thread(unsigned pu) const;
  // Sets the calling thread's memory policy: local binds to the NUMA node(s) of `pu` (false when
  // `pu` is nullopt), interleave interleaves across every NUMA node, first_touch does nothing and
  // returns true. False when this is not this system or hwloc fails (no NUMA support, a
  // container that forbids it); never throws.
  bool bind_memory(mem_policy m, std::optional<unsigned> pu) const;
  // The PU the calling thread last ran on (hwloc_get_last_cpu_location), to record where a
  // worker actually ran; nullopt when this is not this system or hwloc cannot tell.
  std::optional<unsigned> current_pu() const;
  std::optional<unsigned> numa_node_of_pu(unsigned pu) const;  // nullopt: no such PU
  std::optional<unsigned> core_of_pu(unsigned pu) const;       // nullopt: no such PU or no cores
  std::optional<unsigned> package_of_pu(unsigned pu) const;    // nullopt: no such PU or packages

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// "0,2,4-7": ascending runs of consecutive values written as ranges, the order kept.
std::string compress_ranges(const std::vector<unsigned>& v);

// The policy named by "none", "compact", "scatter" or "cores-first" (not a PU list), or
// nullopt; parse_placement's first step.
std::optional<pin_policy> parse_pin_policy(std::string_view s);

}  // namespace smrlab
