#include "harness/list_command.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "harness/registry.hpp"

namespace smrlab {

namespace {
std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string thread_note(const smr::scheme_traits& t) {
  return t.max_threads == 0 ? "" : fmt::format(" (at most {} thread)", t.max_threads);
}

// The availability hook's answer, on the scheme's own line.
std::string availability_note(const scheme_info& s) {
  return s.unavailable ? " [unavailable here]" : "";
}
// A pool's order (a stack's lifo, a queue's fifo); nothing for other kinds.
std::string order_note(const structure_info& d) {
  if (d.kind != smr::structure_kind::pool) return "";
  return fmt::format(" order={}", smr::to_string(d.order));
}
// What the scheme adds to every node, and node_base's size.
std::string node_metadata_note(const scheme_info& s) {
  if (s.traits.node_metadata.empty()) return "nothing";
  return fmt::format("{} (node_base: {} bytes)", s.traits.node_metadata, s.node_base_bytes);
}
}  // namespace

std::string list_text() {
  std::string out = "Schemes\n";
  out += fmt::format("  {:<18} {:<9} {:<8} {:<8} {:<8} {:<9} {:<7}  {}\n", "name", "traverses",
                     "bounded", "robust", "typestbl", "callbacks", "counted", "description");
  for (const auto& s : schemes()) {
    out +=
        fmt::format("  {:<18} {:<9} {:<8} {:<8} {:<8} {:<9} {:<7}  {}{}{}\n", s.name,
                    yes_no(s.traits.traverses_deleted_nodes), yes_no(s.traits.bounded_garbage),
                    yes_no(s.traits.robust_to_stalled_threads), yes_no(s.traits.type_stable_memory),
                    yes_no(s.traits.needs_structure_callbacks), yes_no(s.traits.counted_links),
                    s.description, thread_note(s.traits), availability_note(s));
  }
  out += "\nBounds and per-node metadata\n";
  for (const auto& s : schemes()) {
    out += fmt::format("  {:<18} bound: {}\n  {:<18} node:  {}\n", s.name,
                       s.traits.bound_formula.empty() ? "none" : s.traits.bound_formula, "",
                       node_metadata_note(s));
  }
  out += "\nStructures\n";
  for (const auto& d : structures()) {
    out += fmt::format(
        "  {:<18} kind={:<5}{} k={} l_max={} alpha={} traverses_deleted={} safe_global_refs={} "
        "phases={}{}  {}\n",
        d.name, smr::to_string(d.kind), order_note(d), d.requirements.hazards_per_thread,
        d.requirements.links_per_node, d.requirements.transient_links,
        yes_no(d.requirements.traverses_deleted_nodes),
        yes_no(d.requirements.safe_global_references), yes_no(d.requirements.read_write_phases),
        d.requirements.only_scheme.empty() ? std::string()
                                           : " only_on=" + std::string(d.requirements.only_scheme),
        d.description);
  }
  out += "\nMatrix (scheme x structure)\n";
  for (const auto& d : structures()) {
    for (const auto& s : schemes()) {
      const auto why = pairing_unavailable(s, d);
      out += fmt::format("  {:<18} x {:<18} {}\n", s.name, d.name,
                         why ? "unavailable: " + *why : "ok" + thread_note(s.traits));
    }
  }
  return out;
}

std::string list_json() {
  nlohmann::json j;
  for (const auto& s : schemes()) {
    j["schemes"].push_back({{"name", s.name},
                            {"description", s.description},
                            {"traverses_deleted_nodes", s.traits.traverses_deleted_nodes},
                            {"safe_global_references", s.traits.safe_global_references},
                            {"bounded_garbage", s.traits.bounded_garbage},
                            {"robust_to_stalled_threads", s.traits.robust_to_stalled_threads},
                            {"type_stable_memory", s.traits.type_stable_memory},
                            {"needs_structure_callbacks", s.traits.needs_structure_callbacks},
                            {"counted_links", s.traits.counted_links},
                            {"restarts_read_phases", s.traits.restarts_read_phases},
                            {"max_threads", s.traits.max_threads},
                            {"bound_formula", s.traits.bound_formula},
                            {"node_metadata", s.traits.node_metadata},
                            {"node_base_bytes", s.node_base_bytes},
                            {"available", !s.unavailable.has_value()},
                            {"unavailable_reason", s.unavailable.value_or("")}});
  }
  for (const auto& d : structures()) {
    j["structures"].push_back(
        {{"name", d.name},
         {"description", d.description},
         {"kind", smr::to_string(d.kind)},
         {"order", d.kind == smr::structure_kind::pool ? std::string(smr::to_string(d.order))
                                                       : std::string()},
         {"hazards_per_thread", d.requirements.hazards_per_thread},
         {"links_per_node", d.requirements.links_per_node},
         {"transient_links", d.requirements.transient_links},
         {"traverses_deleted_nodes", d.requirements.traverses_deleted_nodes},
         {"safe_global_references", d.requirements.safe_global_references},
         {"read_write_phases", d.requirements.read_write_phases},
         {"only_scheme", d.requirements.only_scheme}});
    for (const auto& s : schemes()) {
      const auto why = pairing_unavailable(s, d);
      j["matrix"].push_back({{"scheme", s.name},
                             {"structure", d.name},
                             {"available", !why.has_value()},
                             {"reason", why.value_or("")}});
    }
  }
  return j.dump(2);
}

}  // namespace smrlab
