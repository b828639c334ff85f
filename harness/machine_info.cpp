#include "harness/machine_info.hpp"

#include <unistd.h>

#include <fstream>
#include <string>

#include "smrlab/build_info.hpp"

namespace smrlab {

namespace {
std::string read_cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(' '));
        return v;
      }
    }
  }
  return "unknown";
}
}  // namespace

machine_info describe_machine(const topology& t) {
  machine_info m;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) m.hostname = host;
  m.cpu_model = read_cpu_model();
  m.topo = t.summary();
#if defined(__clang__)
  m.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  m.compiler = std::string("gcc ") + __VERSION__;
#else
  m.compiler = "unknown";
#endif
  m.build_type = SMRLAB_BUILD_TYPE;
  m.cxx_flags = SMRLAB_CXX_FLAGS;
  m.git_rev = SMRLAB_GIT_REV;
  m.version = SMRLAB_VERSION;
  return m;
}

}  // namespace smrlab
