#include "harness/worker_placement.hpp"

#include <optional>

#include "harness/topology.hpp"

namespace smrlab {

worker_binding place_worker(const trial_config& cfg, unsigned id) {
  worker_binding b;
  const std::optional<unsigned> planned =
      id < cfg.placement_plan.size() ? cfg.placement_plan[id].pu : std::nullopt;
  if (planned) b.planned_pu = static_cast<int>(*planned);
  if (cfg.machine == nullptr || !cfg.machine->is_this_system()) return b;
  if (planned) b.bound = cfg.machine->bind_current_thread(*planned);
  if (cfg.membind != mem_policy::first_touch) {
    b.memory_bound = cfg.machine->bind_memory(cfg.membind, planned);
  }
  return b;
}

void record_where_it_ran(const trial_config& cfg, worker_binding& b) {
  if (cfg.machine == nullptr || !cfg.machine->is_this_system()) return;
  if (auto pu = cfg.machine->current_pu()) {
    b.ran_on_pu = static_cast<int>(*pu);
    if (auto node = cfg.machine->numa_node_of_pu(*pu)) b.numa_node = static_cast<int>(*node);
  }
}

}  // namespace smrlab
