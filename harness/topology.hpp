// topology: what hwloc sees of this machine (packages, NUMA nodes, cores, PUs) and the binding
// of worker threads to PUs under a pin policy. The placement planner for synthetic NUMA shapes
// builds on this.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smrlab {

enum class pin_policy {
  none,     // threads float; the OS schedules them
  compact,  // thread i on PU i (hwloc logical order), wrapping when threads exceed PUs
};

std::optional<pin_policy> parse_pin_policy(std::string_view s);
std::string_view to_string(pin_policy p);

struct topology_summary {
  unsigned packages = 0;
  unsigned numa_nodes = 0;
  unsigned cores = 0;
  unsigned pus = 0;
  std::string text() const;  // "packages:1 numa:1 cores:2 pus:2"
};

class topology {
 public:
  topology();  // the real machine
  ~topology();
  topology(const topology&) = delete;
  topology& operator=(const topology&) = delete;

  topology_summary summary() const;
  // The PU (hwloc logical index) worker `thread` runs on under `policy`, or nullopt for none.
  std::optional<unsigned> pu_for(unsigned thread, pin_policy policy) const;
  // Binds the calling thread to a PU; returns false (and leaves it unbound) on failure.
  bool bind_current_thread(unsigned pu) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smrlab
