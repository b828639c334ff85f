// machine_info: facts about the machine and the build that every row and meta.json record.
#pragma once

#include <string>

#include "harness/topology.hpp"

namespace smrlab {

struct machine_info {
  std::string hostname;
  std::string cpu_model;
  topology_summary topo;
  std::string compiler;
  std::string build_type;
  std::string cxx_flags;
  std::string git_rev;
  std::string version;
};

machine_info describe_machine(const topology& t);

}  // namespace smrlab
