#include "harness/sweep_plan.hpp"

#include <fmt/format.h>

#include <utility>

#include "harness/results_columns.hpp"

namespace smrlab {

namespace {

// The key ranges a set structure runs: its own, where the sweep names them, else the sweep's.
const std::vector<std::uint64_t>& key_ranges_for(const structure_info& d, const sweep_options& o) {
  const auto own = o.key_ranges_by_structure.find(d.name);
  return own != o.key_ranges_by_structure.end() ? own->second : o.key_ranges;
}

// The workloads a structure runs in this sweep: every mix, and for sets every key range and
// distribution too (pools and deques have no keys).
std::vector<workload_params> workloads_for(const structure_info& d, const sweep_options& o) {
  std::vector<workload_params> out;
  for (const auto& mix : o.mixes) {
    if (d.kind != smr::structure_kind::set) {
      out.push_back({mix, 0, key_distribution{}});
      continue;
    }
    for (auto range : key_ranges_for(d, o)) {
      for (const auto& dist : o.dists) out.push_back({mix, range, dist});
    }
  }
  return out;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

// The innermost loops of the plan, for one (allocator, trial, threads, placement, fault, free
// mode):
// structure -> workload -> scheme, appended to `out` with consecutive positions.
void plan_pairings(const sweep_options& o, const std::vector<std::string>& scheme_names,
                   const std::vector<std::string>& structure_names, planned_trial base,
                   std::size_t& position, std::vector<planned_trial>& out,
                   const std::function<void(const std::string&)>& skip) {
  const unsigned n = base.threads;
  for (const auto& dn : structure_names) {
    const structure_info* d = find_structure(dn);
    for (const auto& w : workloads_for(*d, o)) {
      if (auto why = workload_unsupported(d->kind, w)) {
        skip(fmt::format("{} with {}: {}", dn, w.mix.describe(), *why));
        continue;
      }
      for (const auto& sn : scheme_names) {
        const scheme_info* s = find_scheme(sn);
        if (s->unavailable) {  // said once for the scheme, not once per structure
          skip(*s->unavailable);
          continue;
        }
        if (auto why = pairing_unavailable(*s, *d)) {
          skip(fmt::format("{} x {}: {}", sn, dn, *why));
          continue;
        }
        if (auto why = smr::thread_limit_violation(s->name, s->traits, n)) {
          skip(fmt::format("{} at {} threads: {}", sn, n, *why));
          continue;
        }
        planned_trial p = base;
        p.scheme = s;
        p.structure = d;
        p.workload = w;
        p.prefill = o.prefill.value_or(default_prefill(d->kind, w));
        p.position = position++;
        out.push_back(p);
      }
    }
  }
}

}  // namespace

std::string fnv1a_hex(const std::string& key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

std::uint64_t trial_seed(const sweep_options& o, const planned_trial& p) {
  return o.seed + p.trial;
}

std::optional<std::string> allocator_unavailable(allocator_kind a,
                                                 const active_allocator_info& me) {
  if (a == me.kind) return std::nullopt;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return std::string("a sanitizer build serves malloc itself; use the release build");
#else
  if (!preload_library(a)) return "not installed (" + install_hint(a) + ")";
  return std::nullopt;
#endif
}

std::vector<planned_trial> plan_trials(const sweep_options& o,
                                       const std::vector<std::string>& scheme_names,
                                       const std::vector<std::string>& structure_names,
                                       const active_allocator_info& me,
                                       const std::function<void(const std::string&)>& skip) {
  std::vector<planned_trial> plan;
  for (const allocator_kind a : o.allocators) {
    if (auto why = allocator_unavailable(a, me)) {
      skip(fmt::format("allocator {}: {}", to_string(a), *why));
      continue;
    }
    std::size_t position = 0;
    for (unsigned trial = 1; trial <= o.trials; ++trial) {
      for (unsigned n : o.threads) {
        for (const auto& pin : o.pins) {
          for (const auto& fault : o.faults) {
            if (auto why = fault.unfit_for(n)) {
              skip(fmt::format("fault {} at {} threads: {}", fault.describe(), n, *why));
              continue;
            }
            for (const smr::free_mode f : o.frees) {
              const planned_trial base{nullptr, nullptr, {}, 0, n, pin, fault, f, a, trial, 0};
              plan_pairings(o, scheme_names, structure_names, base, position, plan, skip);
            }
          }
        }
      }
    }
  }
  return plan;
}

csv_row describe_trial(const planned_trial& p, const sweep_options& o, const machine_info& m,
                       const topology& t) {
  const bool is_set = p.structure->kind == smr::structure_kind::set;
  csv_row row(result_columns);
  row.set("machine", m.hostname)
      .set("cpu_model", m.cpu_model)
      .set("topology", m.topo.text())
      .set("numa_nodes", std::to_string(m.topo.numa_nodes))
      .set("pus", std::to_string(m.topo.pus))
      .set("allocator", std::string(to_string(p.allocator)))
      .set("topology_source", o.topology_source.empty() ? "" : t.source())
      .set("compiler", m.compiler)
      .set("build_type", m.build_type)
      .set("git_rev", m.git_rev)
      .set("scheme", std::string(p.scheme->name))
      .set("structure", std::string(p.structure->name))
      .set("workload", workload_name(p.structure->kind, p.workload))
      .set("mix", p.workload.mix.describe())
      .set("key_range", is_set ? std::to_string(p.workload.key_range) : "")
      .set("key_dist", is_set ? p.workload.dist.describe() : "")
      .set("threads", std::to_string(p.threads))
      .set("pin_policy", p.pin.describe())
      .set("fault", p.fault.describe())
      .set("free_mode", std::string(to_string(p.free)))
      .set("membind", std::string(to_string(o.membind)))
      .set("oversubscribed", p.threads > m.topo.pus ? "yes" : "no")
      .set("trial", std::to_string(p.trial))
      .set("seed", std::to_string(trial_seed(o, p)))
      .set("mode", o.mode == run_mode::duration ? "duration" : "ops")
      .set("target_duration_s", o.mode == run_mode::duration ? number(o.duration_s) : "")
      .set("ops_per_thread", o.mode == run_mode::ops ? std::to_string(o.ops_per_thread) : "")
      .set("warmup_s", number(o.warmup_s))
      .set("prefill", std::to_string(p.prefill))
      .set("isolation", std::string(to_string(o.isolation)))
      .set("sample_interval_ms", fmt::format("{:.3f}", o.sample_interval_s * 1e3));
  std::string planned;
  for (const auto& slot : t.plan(p.threads, p.pin)) {
    if (!planned.empty()) planned += ' ';
    planned += slot.pu ? std::to_string(*slot.pu) : "-";
  }
  row.set("planned_pus", planned);
  row.set("trial_id", fnv1a_hex(trial_key([&](std::string_view c) { return row.get(c); })));
  return row;
}

sweep_plan describe_plan(std::vector<planned_trial> trials, const sweep_options& o,
                         const machine_info& m, const topology& t) {
  sweep_plan plan;
  plan.rows.reserve(trials.size());
  std::string all_ids;
  for (const auto& p : trials) {
    plan.rows.push_back(describe_trial(p, o, m, t));
    all_ids += plan.rows.back().get("trial_id");
  }
  plan.whole = {trials.size(), fnv1a_hex(all_ids)};
  plan.trials = std::move(trials);
  return plan;
}

void keep_shard(sweep_plan& plan, const shard_spec& s) {
  std::vector<planned_trial> trials;
  std::vector<csv_row> rows;
  for (std::size_t i = 0; i < plan.trials.size(); ++i) {
    if (!s.owns(plan.trials[i].position)) continue;
    trials.push_back(plan.trials[i]);
    rows.push_back(std::move(plan.rows[i]));
  }
  plan.trials = std::move(trials);
  plan.rows = std::move(rows);
}

}  // namespace smrlab
