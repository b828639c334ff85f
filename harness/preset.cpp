#include "harness/preset.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <variant>
#include <vector>

#include "harness/allocator.hpp"
#include "harness/thread_counts.hpp"
#include "harness/topology.hpp"
#include "harness/units.hpp"

namespace smrlab {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(fmt::format("preset {}: {}", path, what));
}

std::vector<std::string> string_list(const std::string& path, const toml::node& n,
                                     const char* key) {
  const auto* arr = n.as_array();
  if (arr == nullptr) fail(path, fmt::format("'{}' must be an array of strings", key));
  std::vector<std::string> out;
  for (const auto& e : *arr) {
    const auto v = e.value<std::string>();
    if (!v) fail(path, fmt::format("'{}' must be an array of strings", key));
    out.push_back(*v);
  }
  return out;
}

template <class T>
T integer(const std::string& path, const toml::node& n, const char* key, std::int64_t min) {
  const auto v = n.value<std::int64_t>();
  if (!v || *v < min) fail(path, fmt::format("'{}' must be an integer >= {}", key, min));
  return static_cast<T>(*v);
}

// A string, or a non-empty array of strings (a sweep over the values).
std::vector<std::string> one_or_many_strings(const std::string& path, const toml::node& n,
                                             const char* key, const char* example) {
  if (const auto v = n.value<std::string>()) return {*v};
  const auto* arr = n.as_array();
  if (arr == nullptr || arr->empty()) {
    fail(path, fmt::format("'{}' must be a string such as {} or a non-empty array of them", key,
                           example));
  }
  return string_list(path, n, key);
}

// One entry of 'threads': an integer >= 1, or a multiple of the PU count ("2x").
void read_thread_count(const std::string& path, const toml::node& n, sweep_options& o) {
  if (const auto v = n.value<std::string>()) {
    thread_request r;
    if (v->empty() || v->back() != 'x' || !parse_thread_count(*v, r)) {
      fail(path, fmt::format("'threads' entry \"{}\" is not a multiple of the PU count such as "
                             "\"2x\"",
                             *v));
    }
    o.threads_per_pu.push_back(r.per_pu.front());
    return;
  }
  o.threads.push_back(integer<unsigned>(path, n, "threads", 1));
}

double seconds(const std::string& path, const toml::node& n, const char* key) {
  const auto s = n.value<std::string>();
  const auto d = s ? parse_duration(*s) : std::nullopt;
  if (!d)
    fail(path, fmt::format("'{}' must be a duration string such as \"1s\" or \"500ms\"", key));
  return *d;
}

// A key range or an array of them (`key` names the key in messages).
std::vector<std::uint64_t> key_ranges(const std::string& path, const toml::node& n,
                                      const std::string& key) {
  std::vector<std::uint64_t> out;
  if (const auto* arr = n.as_array()) {
    if (arr->empty()) fail(path, fmt::format("'{}' must not be an empty array", key));
    for (const auto& e : *arr) out.push_back(integer<std::uint64_t>(path, e, key.c_str(), 1));
  } else {
    out.push_back(integer<std::uint64_t>(path, n, key.c_str(), 1));
  }
  return out;
}

// [key_range_by_structure]: a set structure's name = its key range or array of them. The
// names are checked against the registry with the rest of the sweep (validate, sweep.cpp).
void read_key_ranges_by_structure(const std::string& path, const toml::node& n, sweep_options& o) {
  const auto* table = n.as_table();
  if (table == nullptr) {
    fail(path,
         "'key_range_by_structure' must be a table: structure = key range, or an array of them");
  }
  o.key_ranges_by_structure.clear();
  for (const auto& [name, ranges] : *table) {
    const std::string key = "key_range_by_structure." + std::string(name.str());
    o.key_ranges_by_structure[std::string(name.str())] = key_ranges(path, ranges, key);
  }
}

}  // namespace

void load_preset(const std::string& path, sweep_options& o) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail(path, fmt::format("line {}, column {}: {}", where.line, where.column, e.description()));
  }
  static const std::vector<std::string> known{"name",
                                              "description",
                                              "schemes",
                                              "structures",
                                              "threads",
                                              "trials",
                                              "duration",
                                              "ops_per_thread",
                                              "warmup",
                                              "prefill",
                                              "pin",
                                              "seed",
                                              "memory_cap",
                                              "mix",
                                              "key_range",
                                              "key_range_by_structure",
                                              "dist",
                                              "membind",
                                              "topology",
                                              "allocator",
                                              "fault",
                                              "isolation",
                                              "sample_interval",
                                              "free"};
  for (const auto& [k, v] : t) {
    if (std::find(known.begin(), known.end(), std::string(k.str())) == known.end()) {
      fail(path, fmt::format("unknown key '{}'; known keys: {}", k.str(), fmt::join(known, ", ")));
    }
  }
  if (t.contains("duration") && t.contains("ops_per_thread")) {
    fail(path, "give either 'duration' or 'ops_per_thread', not both");
  }
  o.preset = path;
  if (const auto* n = t.get("name")) {
    const auto v = n->value<std::string>();
    if (!v || v->empty()) fail(path, "'name' must be a non-empty string");
    o.label = *v;
  }
  if (const auto* n = t.get("description"); n != nullptr && !n->is_string()) {
    fail(path, "'description' must be a string");
  }
  if (const auto* n = t.get("schemes")) o.schemes = string_list(path, *n, "schemes");
  if (const auto* n = t.get("structures")) o.structures = string_list(path, *n, "structures");
  if (const auto* n = t.get("threads")) {
    // "auto" (or leaving the key out): from the topology, see harness/thread_counts.hpp.
    const auto* arr = n->as_array();
    if (n->value<std::string>() == "auto") {
      o.threads.clear();
    } else if (arr == nullptr || arr->empty()) {
      fail(path,
           "'threads' must be a non-empty array of integers and multiples of the PU count "
           "(\"2x\"), or \"auto\"");
    } else {
      o.threads.clear();
      o.threads_per_pu.clear();
      for (const auto& e : *arr) read_thread_count(path, e, o);
    }
  }
  if (const auto* n = t.get("trials")) o.trials = integer<unsigned>(path, *n, "trials", 1);
  if (const auto* n = t.get("duration")) {
    o.mode = run_mode::duration;
    o.duration_s = seconds(path, *n, "duration");
  }
  if (const auto* n = t.get("ops_per_thread")) {
    o.mode = run_mode::ops;
    o.ops_per_thread = integer<std::uint64_t>(path, *n, "ops_per_thread", 1);
  }
  if (const auto* n = t.get("warmup")) {
    const auto s = n->value<std::string>();
    if (s && parse_duration_or_zero(*s) == 0.0) {
      o.warmup_s = 0;
    } else {
      o.warmup_s = seconds(path, *n, "warmup");
    }
  }
  if (const auto* n = t.get("prefill")) o.prefill = integer<std::uint64_t>(path, *n, "prefill", 0);
  // A key whose value is one string or an array of them, each parsed by `parse` (returning
  // std::variant<T, std::string>).
  auto parsed_list = [&]<class T>(const char* key, const char* example, auto parse,
                                  std::vector<T>& out) {
    const auto* n = t.get(key);
    if (n == nullptr) return;
    out.clear();
    for (const auto& text : one_or_many_strings(path, *n, key, example)) {
      auto parsed = parse(text);
      if (const auto* err = std::get_if<std::string>(&parsed)) fail(path, *err);
      out.push_back(std::get<T>(parsed));
    }
  };
  parsed_list("mix", "\"50,50,0\"", parse_op_mix, o.mixes);

  if (const auto* n = t.get("key_range")) o.key_ranges = key_ranges(path, *n, "key_range");
  if (const auto* n = t.get("key_range_by_structure")) read_key_ranges_by_structure(path, *n, o);
  parsed_list("dist", "\"uniform\" or \"zipf:0.99\"", parse_key_distribution, o.dists);

  if (const auto* n = t.get("seed")) o.seed = integer<std::uint64_t>(path, *n, "seed", 0);
  parsed_list("pin", "\"compact\" or \"pus:0,2\"", parse_placement, o.pins);
  parsed_list("allocator", "\"jemalloc\"", parse_allocator_choice, o.allocators);
  parsed_list("fault", "\"park:1\"", parse_fault, o.faults);
  parsed_list("free", "\"amortized\"", parse_free_mode, o.frees);
  if (const auto* n = t.get("membind")) {
    const auto s = n->value<std::string>();
    if (!s) fail(path, "'membind' must be a string: first-touch, local or interleave");
    auto parsed = parse_mem_policy(*s);
    if (const auto* err = std::get_if<std::string>(&parsed)) fail(path, *err);
    o.membind = std::get<mem_policy>(parsed);
  }
  if (const auto* n = t.get("topology")) {
    const auto s = n->value<std::string>();
    if (!s) fail(path, "'topology' must be a string: synthetic:\"...\" or an hwloc XML path");
    o.topology_source = *s;
  }

  if (const auto* n = t.get("isolation")) {
    const auto s = n->value<std::string>();
    const auto m = s ? parse_isolation(*s) : std::nullopt;
    if (!m) fail(path, "'isolation' must be \"process\" or \"none\"");
    o.isolation = *m;
  }
  if (const auto* n = t.get("sample_interval")) {
    // "0" (or 0) turns the sampler off; otherwise a duration string such as "1ms".
    const auto s = n->value<std::string>();
    if (n->is_integer() && n->value<std::int64_t>() == 0) {
      o.sample_interval_s = 0;
    } else if (s && parse_duration_or_zero(*s) == 0.0) {
      o.sample_interval_s = 0;
    } else {
      o.sample_interval_s = seconds(path, *n, "sample_interval");
    }
  }
  if (const auto* n = t.get("memory_cap")) {
    const auto s = n->value<std::string>();
    const auto b = s ? parse_size(*s) : std::nullopt;
    if (!b) fail(path, "'memory_cap' must be a size string such as \"4GiB\"");
    o.memory_cap_bytes = *b;
  }
}

}  // namespace smrlab
