// Scheme traits and structure requirements: the facts the registry uses to decide which
// scheme x structure pairings exist (never a hand-written list), plus the inputs of each
// scheme's garbage bound and the configuration every domain is built from.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smr {

// What a scheme guarantees. Declared as `static constexpr scheme_traits traits` by each scheme.
struct scheme_traits {
  // Links read out of an already unlinked node are safe to follow (EBR, QSBR, RC: true;
  // hazard pointers: false, a hazard protects only the local reference it was published for).
  bool traverses_deleted_nodes = false;
  // A link stored in a node keeps its target from being reclaimed, so a thread may reach a node
  // through a link after the node was retired, whenever the thread started (link-counting
  // schemes: valois_rc, hprc; none, which reclaims nothing). Epoch, era, interval, Hyaline and
  // hazard schemes protect only what a thread could reach when it started or protected itself,
  // so they do not provide it. Conservative default: false.
  bool safe_global_references = false;
  // The number of retired-but-unreclaimed objects has a bound (see S::bound).
  bool bounded_garbage = false;
  // A thread stalled inside an operation does not stop others from reclaiming.
  bool robust_to_stalled_threads = false;
  // Memory never returns to the general allocator (a type-stable pool).
  bool type_stable_memory = false;
  // The scheme calls the node's clean-up and terminate callbacks (link-counting schemes).
  bool needs_structure_callbacks = false;
  // Links carry reference counts (valois_rc, hprc): a value installed with cas() or store()
  // must be held by a reference while the count is taken. When false, a structure may install a
  // value it read with a plain load out of a node it protects (Treiber's pop installs top->next
  // without protecting it). Conservative default: true, so a scheme that does not say keeps
  // every structure on the fully protected path.
  bool counted_links = true;
  // References are protected only inside a restartable read phase or once reserved for a write
  // phase (NBR, schemes/read_phases.hpp): the scheme neutralises a reader by restarting its read
  // phase. It pairs only with structures that declare read_write_phases.
  bool restarts_read_phases = false;
  // Largest number of threads that may use one domain at once; 0 = no limit.
  unsigned max_threads = 0;
  // Why max_threads is set, printed when a run asks for more.
  std::string_view max_threads_reason = {};
  // The bound on unreclaimed objects, as a formula (N threads, K hazards per thread, R the scan
  // threshold, ...), printed by `smrlab list`; empty exactly when bounded_garbage is false. A
  // bound that depends on what bound_inputs does not carry (the era schemes': the nodes alive in
  // one era) is written here, and S::bound returns std::nullopt.
  std::string_view bound_formula = {};
  // The metadata the scheme adds to every node, in words (its node_base, or a header before the
  // node); empty for none. `smrlab list` prints it with sizeof(node_base).
  std::string_view node_metadata = {};
};

// What a structure needs from a scheme, and the parameters of the garbage bounds.
// Declared as `static constexpr structure_requirements requirements` by each structure.
struct structure_requirements {
  bool traverses_deleted_nodes = false;  // follows links stored in unlinked nodes
  // May reach a node through a link after the node was retired: a link that still points at it
  // from a node another thread can reach (the deque's prev hints, and the links frozen in a
  // deleted node that is still linked). Only a scheme whose links keep their targets alive may
  // free anything then (Sundell and Tsigas assume "safe global references").
  bool safe_global_references = false;
  unsigned hazards_per_thread = 1;  // k: local references alive at once in one operation
  unsigned links_per_node = 1;      // l_max
  unsigned transient_links = 0;     // alpha: live links that may point at a deleted node
  // Non-empty: the structure is a peer library's own implementation whose reclamation is that
  // library's (libcds's TreiberStack on its hazard pointers, liburcu's stack on RCU), so it
  // pairs with the one scheme of this name, the adapter that sets that library up, and no other.
  // It runs as a reference row beside the structures written against the contract.
  std::string_view only_scheme = {};
  // A set's size in nodes, where its key range bounds it: at most nodes_per_key per key plus
  // fixed_nodes (sentinels) in the structure, and nodes_per_key per thread in flight (allocated
  // and not yet linked, or unlinked and not yet retired). 0: not stated (pools, deques), and then
  // no scheme's bound may depend on the structure's size (live_nodes_bound).
  unsigned nodes_per_key = 0;
  unsigned fixed_nodes = 0;
  // Every operation is written as read phases, each restartable from its start, and write
  // phases entered by reserving the references they touch (schemes/read_phases.hpp), so it
  // pairs with schemes that restart read phases (restarts_read_phases: NBR).
  bool read_write_phases = false;
  // Its nodes' links form cycles that outlive the nodes' removal (the Ellen et al. tree: an
  // update field holds an Info record whose fields point back at the node), which a scheme
  // that counts links never frees: it pairs only with schemes whose links are not counted.
  bool cyclic_links = false;
};

// Everything a scheme's bound formula may depend on.
struct bound_inputs {
  unsigned threads = 1;
  structure_requirements structure{};
  unsigned scan_threshold_min = 0;  // the domain's configured floor on the scan threshold
  // The most nodes alive at once (in the structure or in flight), where the workload bounds it:
  // a set over a key range (live_nodes_bound). Unknown for a pool or deque, whose size the mix
  // does not bound.
  std::optional<std::uint64_t> live_nodes{};
  unsigned epoch_advance_interval = 64;  // the domain's F (era and interval schemes)
};

// The most nodes alive at once in a set of `keys` keys driven by `threads` threads: the nodes of
// every key and the sentinels, and each thread's in-flight nodes. Unknown (std::nullopt) for a
// structure that does not state its nodes per key.
constexpr std::optional<std::uint64_t> live_nodes_bound(const structure_requirements& r,
                                                        std::uint64_t keys, unsigned threads) {
  if (r.nodes_per_key == 0) return std::nullopt;
  return std::uint64_t{r.nodes_per_key} * (keys + threads) + r.fixed_nodes;
}

// When a scheme frees what its reclamation found safe (schemes/free_pacing.hpp): all at once
// (batch, the published algorithms), or a few at each later retire (amortized).
enum class free_mode : std::uint8_t { batch, amortized };

// Settings every domain is constructed from; each scheme reads the fields it uses.
struct domain_config {
  unsigned max_threads = 512;        // capacity of the thread registry
  unsigned threads = 8;              // N: threads expected to run at once (sizes per-thread lists)
  unsigned hazards_per_thread = 1;   // k (hazard-pointer schemes)
  unsigned links_per_node = 1;       // l_max (link-counting schemes)
  unsigned transient_links = 0;      // alpha (link-counting schemes)
  unsigned scan_threshold_min = 64;  // floor on the retire-list size that triggers a scan
  unsigned epoch_advance_interval = 64;  // retires between attempts to advance the epoch
  free_mode free = free_mode::batch;     // the schemes with batches (schemes/free_pacing.hpp)
  unsigned frees_per_retire = 1;         // amortized: queued objects freed at each retire
};

// The domains' check of domain_config::hazards_per_thread: 1..`most` (the scheme's slots per
// thread), else std::invalid_argument naming the scheme.
inline void require_hazards_per_thread(const domain_config& c, std::string_view scheme,
                                       unsigned most) {
  if (c.hazards_per_thread == 0 || c.hazards_per_thread > most) {
    throw std::invalid_argument(std::string(scheme) + ": hazards_per_thread must be 1.." +
                                std::to_string(most));
  }
}

// The configuration a structure's requirements imply for `threads` concurrent threads.
inline domain_config config_for(const structure_requirements& r, unsigned threads = 8) {
  domain_config c;
  c.threads = threads;
  c.max_threads = threads + 512;  // room for the main thread and short-lived helpers
  c.hazards_per_thread = r.hazards_per_thread;
  c.links_per_node = r.links_per_node;
  c.transient_links = r.transient_links;
  return c;
}

// One row of the compatibility check: a requirement one side of a pairing may have and the
// matching guarantee of the other, with the reason printed when it is missing. A structure's
// requirement names what it needs of the scheme; a scheme's (scheme_requires) what it needs of
// the structure.
struct requirement_check {
  std::string_view trait;
  bool required;
  bool provided;
  std::string_view why;
  bool scheme_requires = false;
};

constexpr std::array<requirement_check, 4> requirement_checks(const scheme_traits& s,
                                                              const structure_requirements& r) {
  return {
      requirement_check{"traverses_deleted_nodes", r.traverses_deleted_nodes,
                        s.traverses_deleted_nodes,
                        "follows links stored in unlinked nodes, which this scheme does not "
                        "protect"},
      requirement_check{"safe_global_references", r.safe_global_references,
                        s.safe_global_references,
                        "may reach a node through a link after the node was retired (a prev "
                        "hint, or a link frozen in a deleted node still linked), and this scheme "
                        "protects only what a thread could reach when it started or protected "
                        "itself; only link-counting schemes keep such a node alive"},
      requirement_check{"uncounted_links", r.cyclic_links, !s.counted_links,
                        "links its nodes in cycles (an update field holds an Info record that "
                        "points back at the node), which a scheme that counts links never frees"},
      requirement_check{"read_write_phases", s.restarts_read_phases, r.read_write_phases,
                        "restarts an operation's read phase to neutralise it and protects only "
                        "what a write phase reserved, and the structure is not written in "
                        "read and write phases (schemes/read_phases.hpp)",
                        true},
  };
}

// Whether the pairing exists; used at compile time to build the cross product.
constexpr bool compatible(std::string_view scheme, const scheme_traits& s,
                          const structure_requirements& r) {
  if (!r.only_scheme.empty() && r.only_scheme != scheme) return false;
  for (const auto& c : requirement_checks(s, r)) {
    if (c.required && !c.provided) return false;
  }
  return true;
}

// Returns std::nullopt when the pairing exists, otherwise the reason it does not.
inline std::optional<std::string> incompatibility(std::string_view scheme, const scheme_traits& s,
                                                  std::string_view structure,
                                                  const structure_requirements& r) {
  if (!r.only_scheme.empty() && r.only_scheme != scheme) {
    return std::string(structure) + " is " + std::string(r.only_scheme) +
           "'s own structure and runs only on it: its reclamation is that library's (" +
           std::string(scheme) + ")";
  }
  for (const auto& c : requirement_checks(s, r)) {
    if (!c.required || c.provided) continue;
    if (c.scheme_requires) {
      return std::string(structure) + " lacks " + std::string(c.trait) + ", which " +
             std::string(scheme) + " requires: " + std::string(scheme) + " " + std::string(c.why);
    }
    return std::string(structure) + " requires " + std::string(c.trait) + ": it " +
           std::string(c.why) + " (" + std::string(scheme) + ")";
  }
  return std::nullopt;
}

// Returns std::nullopt when `threads` threads may run the scheme, otherwise the reason.
inline std::optional<std::string> thread_limit_violation(std::string_view scheme,
                                                         const scheme_traits& s, unsigned threads) {
  if (s.max_threads != 0 && threads > s.max_threads) {
    return std::string(scheme) + " supports at most " + std::to_string(s.max_threads) +
           " thread(s) (" + std::string(s.max_threads_reason) + "); " + std::to_string(threads) +
           " requested";
  }
  return std::nullopt;
}

}  // namespace smr
