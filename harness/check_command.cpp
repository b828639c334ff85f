#include "harness/check_command.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#ifndef SMRLAB_SOURCE_DIR
#error "SMRLAB_SOURCE_DIR must name the source tree (harness/CMakeLists.txt)"
#endif

namespace smrlab {

namespace {

namespace fs = std::filesystem;

constexpr const char* checker_name = "smrlab_modelcheck";

// Where the checker may be, in order.
std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("SMRLAB_MODELCHECK_BIN"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;  // set: the only place looked at
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path() / checker_name);
  out.push_back(fs::path(SMRLAB_SOURCE_DIR) / "build" / "modelcheck" / checker_name);
  return out;
}

std::optional<fs::path> find_checker(const std::vector<fs::path>& where) {
  for (const fs::path& p : where) {
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

}  // namespace

CLI::App* add_check_subcommand(CLI::App& app) {
  auto* check = app.add_subcommand(
      "check",
      "model-check a scheme: explore its pairings' interleavings under SC and x86-TSO and print "
      "a replayable counterexample (runs the modelcheck preset's smrlab_modelcheck; "
      "`smrlab check --help` shows its options)");
  check->prefix_command();  // everything after `check` is the checker's, --help included
  check->set_help_flag();
  return check;
}

int run_check(const std::vector<std::string>& args) {
  const std::vector<fs::path> where = candidates();
  const std::optional<fs::path> checker = find_checker(where);
  if (!checker) {
    fmt::print(stderr,
               "smrlab check: the model checker is not built (no {} at {}): run `cmake --preset "
               "modelcheck && cmake --build --preset modelcheck`, or set SMRLAB_MODELCHECK_BIN\n",
               checker_name, where.back().string());
    return 2;
  }
  std::vector<std::string> argv_strings{checker->string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::setenv("SMRLAB_CHECK_NAME", "smrlab check", 1);  // how the checker names itself in replays
  ::execv(argv[0], argv.data());
  fmt::print(stderr, "smrlab check: cannot run {}: {}\n", checker->string(), std::strerror(errno));
  return 2;
}

}  // namespace smrlab
