#include "harness/topology.hpp"

#include <hwloc.h>

#include <stdexcept>

namespace smrlab {

std::optional<pin_policy> parse_pin_policy(std::string_view s) {
  if (s == "none") return pin_policy::none;
  if (s == "compact") return pin_policy::compact;
  return std::nullopt;
}

std::string_view to_string(pin_policy p) {
  switch (p) {
    case pin_policy::none:
      return "none";
    case pin_policy::compact:
      return "compact";
  }
  return "?";
}

std::string topology_summary::text() const {
  return "packages:" + std::to_string(packages) + " numa:" + std::to_string(numa_nodes) +
         " cores:" + std::to_string(cores) + " pus:" + std::to_string(pus);
}

struct topology::impl {
  hwloc_topology_t topo = nullptr;
};

topology::topology() : impl_(std::make_unique<impl>()) {
  if (hwloc_topology_init(&impl_->topo) != 0 || hwloc_topology_load(impl_->topo) != 0) {
    throw std::runtime_error("hwloc could not load the machine topology");
  }
}

topology::~topology() { hwloc_topology_destroy(impl_->topo); }

topology_summary topology::summary() const {
  auto count = [&](hwloc_obj_type_t t) {
    const int n = hwloc_get_nbobjs_by_type(impl_->topo, t);
    return n > 0 ? static_cast<unsigned>(n) : 0U;
  };
  topology_summary s;
  s.packages = count(HWLOC_OBJ_PACKAGE);
  s.numa_nodes = count(HWLOC_OBJ_NUMANODE);
  s.cores = count(HWLOC_OBJ_CORE);
  s.pus = count(HWLOC_OBJ_PU);
  return s;
}

std::optional<unsigned> topology::pu_for(unsigned thread, pin_policy policy) const {
  const unsigned pus = summary().pus;
  if (policy == pin_policy::none || pus == 0) return std::nullopt;
  return thread % pus;
}

bool topology::bind_current_thread(unsigned pu) const {
  hwloc_obj_t obj = hwloc_get_obj_by_type(impl_->topo, HWLOC_OBJ_PU, pu);
  if (obj == nullptr) return false;
  return hwloc_set_cpubind(impl_->topo, obj->cpuset, HWLOC_CPUBIND_THREAD) == 0;
}

}  // namespace smrlab
