"""Synthetic smrlab run folders for the plotting tests: results.csv rows, timeseries.csv
samples and meta.json with known values. Plain functions, shared by the test files."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

# A subset of the results.csv columns, in the documented order, plus `fault`; the
# scripts must not need the others.
RESULT_COLUMNS = [
    "timestamp", "trial_id", "machine", "pus", "allocator", "scheme", "structure",
    "workload", "threads", "pin_policy", "membind", "trial", "warmup_s", "elapsed_s",
    "total_ops", "throughput_ops_s", "unreclaimed_peak", "bound", "allocator_bytes_peak",
    "teardown", "valid", "status", "message", "topology_source", "fault",
]
TIMESERIES_COLUMNS = [
    "trial_id", "scheme", "structure", "workload", "allocator", "threads", "trial", "t_ms",
    "unreclaimed", "rss_bytes", "allocator_bytes", "phase",
]


def trial_id(*key) -> str:
    """16 hex digits standing for the harness's hash of a trial's key."""
    return hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()


def row(scheme, threads, trial, throughput, peak, *, structure="stack",
        workload="push50_pop50", bound="", status="ok", valid="ok", teardown="ok",
        message="", pin_policy="compact", membind="first-touch", allocator="system",
        fault="none", topology_source="", pus=2, warmup_s=0.1, elapsed_s=1.0,
        allocator_bytes_peak="", tid=None):
    """One results.csv row; trial_id is derived from the key unless given."""
    if tid is None:
        tid = trial_id(scheme, structure, workload, threads, trial, pin_policy, membind,
                       allocator, fault, topology_source)
    return {
        "timestamp": "2025-01-01T00:00:00Z", "trial_id": tid, "machine": "testhost",
        "pus": pus, "allocator": allocator, "scheme": scheme, "structure": structure,
        "workload": workload, "threads": threads, "pin_policy": pin_policy,
        "membind": membind, "trial": trial, "warmup_s": warmup_s, "elapsed_s": elapsed_s,
        "total_ops": int(throughput), "throughput_ops_s": throughput,
        "unreclaimed_peak": peak, "bound": bound,
        "allocator_bytes_peak": allocator_bytes_peak, "teardown": teardown, "valid": valid,
        "status": status, "message": message, "topology_source": topology_source,
        "fault": fault,
    }


def known_rows():
    """Two schemes, two thread counts, three trials each, plus rows that must be ignored."""
    return [
        # ebr, 1 thread: throughput 10, 30, 20 -> median 20, min 10, max 30
        row("ebr", 1, 1, 10.0, 100),
        row("ebr", 1, 2, 30.0, 300),
        row("ebr", 1, 3, 20.0, 200),
        # ebr, 4 threads: 40, 45, 50 -> median 45
        row("ebr", 4, 1, 50.0, 1000),
        row("ebr", 4, 2, 40.0, 3000),
        row("ebr", 4, 3, 45.0, 2000),
        # hp, with a bound of 8 * threads
        row("hp", 1, 1, 5.0, 3, bound=8),
        row("hp", 1, 2, 7.0, 5, bound=8),
        row("hp", 1, 3, 6.0, 4, bound=8),
        row("hp", 4, 1, 12.0, 20, bound=32),
        row("hp", 4, 2, 14.0, 30, bound=32),
        row("hp", 4, 3, 16.0, 10, bound=32),
        # Not ok: excluded from everything that is plotted.
        row("ebr", 1, 4, 1e9, 1e9, status="error", message="threw: bad_alloc, somewhere"),
        row("hp", 4, 4, 1e9, 1e9, bound=32, status="memory_cap", message="over 4GiB"),
        # A trial that did no work (results/README.md, "Trials that did no work").
        row("hp", 1, 4, 1e9, 1e9, bound=8, status="no_progress",
            message="no operation completed in the 0.250 s measured phase"),
        # ok, but the structure check failed: plotted, and listed in index.html.
        row("ebr", 4, 5, 45.0, 2000, valid="count mismatch: 3 lost"),
    ]


def write_csv(path: Path, rows, columns) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_results(run_dir: Path, rows, columns=RESULT_COLUMNS) -> Path:
    return write_csv(run_dir / "results.csv", rows, columns)


def write_timeseries(run_dir: Path, samples, columns=TIMESERIES_COLUMNS) -> Path:
    return write_csv(run_dir / "timeseries.csv", samples, columns)


def samples_of(result: dict, values, *, step_ms=10.0, warmup_ms=100.0, measure_ms=None,
               with_phase=True):
    """Samples of one trial: values[i] at t = i * step_ms, phase warmup before warmup_ms,
    measure up to warmup_ms + measure_ms (default: all the rest but the last sample),
    teardown after."""
    n = len(values)
    if measure_ms is None:
        measure_ms = (n - 2) * step_ms - warmup_ms
    out = []
    for i, value in enumerate(values):
        t = i * step_ms
        if t < warmup_ms:
            phase = "warmup"
        elif t <= warmup_ms + measure_ms:
            phase = "measure"
        else:
            phase = "teardown"
        sample = {
            "trial_id": result["trial_id"], "scheme": result["scheme"],
            "structure": result["structure"], "workload": result["workload"],
            "allocator": result["allocator"], "threads": result["threads"],
            "trial": result["trial"], "t_ms": t, "unreclaimed": value,
            "rss_bytes": 1 << 24, "allocator_bytes": 1 << 20,
        }
        if with_phase:
            sample["phase"] = phase
        out.append(sample)
    return out


# The kinds of the suite's structures (smrlab list --format json), peers included.
STRUCTURE_KINDS = {
    "treiber_stack": "pool", "michael_scott_queue": "pool", "libcds_treiber_stack": "pool",
    "urcu_lfstack": "pool", "sundell_tsigas_deque": "deque",
    "harris_michael_list": "set", "harris_list": "set", "michael_hash_map": "set",
    "natarajan_mittal_bst": "set", "libcds_ellen_bintree": "set",
}


def structure_kind(structure: str) -> str:
    """The kind `smrlab list` gives the structure: STRUCTURE_KINDS, else by its name
    (..deque: deque; a list, tree, map or bst: set; else pool)."""
    if structure in STRUCTURE_KINDS:
        return STRUCTURE_KINDS[structure]
    if structure.endswith("deque"):
        return "deque"
    if any(word in structure for word in ("list", "tree", "map", "bst")):
        return "set"
    return "pool"


def compatibility(schemes, structures, unavailable=None, trait_overrides=None):
    """The `compatibility` value of meta.json (the shape of `smrlab list --format json`);
    unavailable maps (scheme, structure) to the reason; each structure's kind is
    structure_kind's."""
    unavailable = unavailable or {}
    return {
        "schemes": [
            {"name": s, "description": f"the {s} scheme", "bounded_garbage": s != "ebr",
             "robust_to_stalled_threads": s != "ebr", "traverses_deleted_nodes": s == "ebr",
             "type_stable_memory": False, "needs_structure_callbacks": s == "hprc",
             "max_threads": 0, **(trait_overrides or {}).get(s, {})}
            for s in schemes
        ],
        "structures": [
            {"name": d, "kind": structure_kind(d), "description": f"the {d}",
             "traverses_deleted_nodes": d.endswith("deque"), "hazards_per_thread": 2,
             "links_per_node": 1, "transient_links": 0}
            for d in structures
        ],
        "matrix": [
            {"scheme": s, "structure": d, "available": (s, d) not in unavailable,
             "reason": unavailable.get((s, d), "")}
            for d in structures for s in schemes
        ],
    }


# Structures of all three kinds, in the order of their names (which mixes the kinds), with
# a workload of their kind each; ebr runs all, hprc all but the lists.
KIND_STRUCTURES = ("harris_michael_list", "michael_scott_queue", "natarajan_mittal_bst",
                   "sundell_tsigas_deque", "treiber_stack")
KIND_WORKLOADS = {"pool": "push50_pop50", "deque": "deque_push50_pop50",
                  "set": "insert25_remove25_lookup50 keys=1000 uniform"}


def kinds_of(structures=KIND_STRUCTURES) -> dict:
    """{structure: kind}, as structure_kinds.kinds_from_meta reads it from a meta.json
    with compatibility(..., structures)."""
    return {s: structure_kind(s) for s in structures}


def kinds_rows(structures=KIND_STRUCTURES):
    """results.csv rows of ebr and hprc on `structures`, 1 and 2 threads, 3 trials: the
    median throughput is (structure's index + 1) Mops/s per thread, the peak 10 x that."""
    rows = []
    for i, structure in enumerate(structures):
        workload = KIND_WORKLOADS[structure_kind(structure)]
        for scheme in ("ebr", "hprc"):
            if scheme == "hprc" and structure.endswith("list"):
                continue
            for threads in (1, 2):
                for trial, factor in ((1, 0.9), (2, 1.0), (3, 1.1)):
                    rows.append(row(scheme, threads, trial, (i + 1) * threads * factor * 1e6,
                                    10 * (i + 1) * threads, structure=structure,
                                    workload=workload, bound=8 * threads))
    return rows


def meta(**extra):
    """A meta.json like smrlab run writes, with known values."""
    out = {
        "created": "2025-01-31T14:02:11Z",
        "smrlab_version": "0.4.2",
        "machine": {"hostname": "testhost", "cpu_model": "Test <CPU> 9000",
                    "topology": {"packages": 1, "numa_nodes": 2, "cores": 4, "pus": 8}},
        "build": {"compiler": "GNU 12.2.0", "build_type": "Release", "cxx_flags": "-O2 -g",
                  "git_rev": "abc1234-dirty"},
        "allocators": ["system"],
        "sweep": {"label": "stall", "preset": "workloads/presets/stall.toml", "trials": 3},
        "command_line": "smrlab run --preset stall --out results/x",
    }
    out.update(extra)
    return out


def write_meta(run_dir: Path, value) -> Path:
    path = run_dir / "meta.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2))
    return path


# The stall experiment, in small: one thread parked inside an operation (fault park:1)
# makes ebr's garbage grow without end, while hazard_pointers and hprc stay under their
# bounds; fault none is the control. Two allocators, two structures, three thread counts.
STALL_SCHEMES = ("ebr", "hazard_pointers", "hprc")
STALL_STRUCTURES = ("treiber_stack", "sundell_tsigas_deque")
STALL_WORKLOADS = {"treiber_stack": "push50_pop50", "sundell_tsigas_deque":
                   "deque_push50_pop50"}
STALL_UNAVAILABLE = {
    ("hazard_pointers", "sundell_tsigas_deque"):
        "sundell_tsigas_deque requires traverses_deleted_nodes: it follows links stored in "
        "unlinked nodes, which this scheme does not protect (hazard_pointers)",
}
STALL_THREADS = (1, 2, 4)
STALL_FAULTS = ("none", "park:1")
STALL_ALLOCATORS = ("jemalloc", "system")


def stall_bound(scheme: str, threads: int):
    return {"hazard_pointers": 2 * threads * 4, "hprc": threads * threads * 6}.get(scheme, "")


def stall_series(scheme: str, fault: str, threads: int, trial: int, n: int = 40):
    """Unreclaimed objects over n samples: ebr grows under park:1 (to millions), else
    every scheme hovers below its bound."""
    if scheme == "ebr" and fault == "park:1":
        return [int(2000 * (i + 1) ** 2.2 * (1 + 0.05 * trial)) for i in range(n)]
    level = {"ebr": 300, "hazard_pointers": 5, "hprc": 20}[scheme] * threads
    return [level + (i * 7 + trial) % 5 for i in range(n)]


def micro_entry(family, scheme, threads, real_time, *, aggregate=None, repetitions=1,
                time_unit="ns", error=False):
    """One entry of Google Benchmark's JSON "benchmarks" list, as smrlab_micro names it: a
    plain run (aggregate None) or an aggregate ("median", "mean", "stddev", "cv")."""
    run_name = f"{family}/{scheme}/real_time/threads:{threads}"
    entry = {
        "name": run_name + (f"_{aggregate}" if aggregate else ""),
        "run_name": run_name, "run_type": "aggregate" if aggregate else "iteration",
        "repetitions": repetitions, "repetition_index": 0, "threads": threads,
        "iterations": 1000, "real_time": real_time, "cpu_time": real_time,
        "time_unit": time_unit, "items_per_second": 1e9 / real_time if real_time else 0,
    }
    if aggregate:
        entry.update(aggregate_name=aggregate, aggregate_unit="time")
        del entry["repetition_index"]
    if error:
        entry.update(error_occurred=True, error_message="skipped")
    return entry


# Costs of the stall run's micro suite: real_time (wall time over all threads' operations)
# such that real_time * threads is base * (1 + 0.5 * log2(threads)) ns per operation.
MICRO_BASE_NS = {
    "guard": {"ebr": 4.0, "hazard_pointers": 0.5, "hprc": 0.5, "none": 0.4},
    "deref": {"ebr": 5.0, "hazard_pointers": 12.0, "hprc": 20.0, "none": 1.0},
    "read_phase": {"ebr": 5.0, "hazard_pointers": 12.0, "hprc": 20.0, "none": 1.0},
    "alloc_retire": {"ebr": 60.0, "hazard_pointers": 90.0, "hprc": 150.0, "none": 40.0},
}


def micro_cost(family, scheme, threads):
    """ns per operation per thread that micro_doc's median aggregates stand for."""
    return MICRO_BASE_NS[family][scheme] * (1 + 0.5 * (threads.bit_length() - 1))


def micro_doc(threads=STALL_THREADS, repetitions=3):
    """A micro.json with `repetitions` plain runs and the four aggregates of each benchmark
    (as --benchmark_repetitions writes it): the median aggregate is micro_cost / threads
    (real_time), the plain runs and the mean differ from it."""
    entries = []
    for family, costs in MICRO_BASE_NS.items():
        for scheme in costs:
            for t in threads:
                median = micro_cost(family, scheme, t) / t
                for i in range(repetitions):
                    entries.append(micro_entry(family, scheme, t, median * (1.5 + i),
                                               repetitions=repetitions))
                for name, value in (("mean", median * 3), ("median", median),
                                    ("stddev", 0.1), ("cv", 0.01)):
                    entries.append(micro_entry(family, scheme, t, value, aggregate=name,
                                               repetitions=repetitions))
    return {"context": {"smrlab_git_rev": "abc1234", "num_cpus": 2}, "benchmarks": entries}


def write_micro(run_dir: Path, value) -> Path:
    path = run_dir / "micro.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2))
    return path


# overhead.csv (smrlab overhead): per scheme x threads, the ratio harness / bare that the
# median harness trial has; per trial, the harness throughput is bare * ratio * the trial's
# factor (the median factor is 1), so the per-trial ratios span ratio * 0.99 .. ratio * 1.02.
OVERHEAD_COLUMNS = ["scheme", "structure", "workload", "threads", "trial", "driver", "order",
                    "elapsed_s", "total_ops", "throughput_ops_s", "status", "valid",
                    "teardown", "message"]
OVERHEAD_RATIO = {("ebr", 1): 0.98, ("ebr", 2): 0.97,
                  ("hazard_pointers", 1): 0.90, ("hazard_pointers", 2): 0.96}
OVERHEAD_BARE = {"treiber_stack": 20e6, "natarajan_mittal_bst": 8e6}
OVERHEAD_TRIAL_FACTOR = {1: 1.0, 2: 0.99, 3: 1.02}


def overhead_rows(*, failed_trial=True):
    """Rows of a synthetic overhead.csv: both drivers per scheme x structure x threads for
    trials 1-3 (ABBA order), and with failed_trial a 4th trial whose harness run failed."""
    rows = []
    for structure, bare in OVERHEAD_BARE.items():
        for (scheme, threads), ratio in OVERHEAD_RATIO.items():
            trials = dict(OVERHEAD_TRIAL_FACTOR)
            if failed_trial:
                trials[4] = None
            for trial, factor in trials.items():
                harness = bare * ratio * factor if factor is not None else 0.5 * bare
                status = "ok" if factor is not None else "error"
                for driver, speed in (("harness", harness), ("bare", bare)):
                    first = (driver == "harness") == (trial % 2 == 1)
                    rows.append({
                        "scheme": scheme, "structure": structure, "workload": "push50_pop50",
                        "threads": threads, "trial": trial, "driver": driver,
                        "order": 1 if first else 2, "elapsed_s": 0.3,
                        "total_ops": int(speed * 0.3), "throughput_ops_s": speed,
                        "status": status if driver == "harness" else "",
                        "valid": "ok" if driver == "harness" else "",
                        "teardown": "ok" if driver == "harness" else "",
                        "message": "threw: boom" if status == "error" and driver == "harness"
                        else "",
                    })
    return rows


def write_overhead(run_dir: Path, rows, columns=OVERHEAD_COLUMNS) -> Path:
    return write_csv(run_dir / "overhead.csv", rows, columns)


def stall_run(run_dir: Path, *, with_phase=True, with_meta=True) -> Path:
    """Write a complete synthetic stall-experiment run into run_dir; returns it."""
    results, samples = [], []
    for allocator in STALL_ALLOCATORS:
        for fault in STALL_FAULTS:
            for structure in STALL_STRUCTURES:
                for scheme in STALL_SCHEMES:
                    if (scheme, structure) in STALL_UNAVAILABLE:
                        continue
                    for threads in STALL_THREADS:
                        for trial in (1, 2, 3):
                            series = stall_series(scheme, fault, threads, trial)
                            base = {"ebr": 30e6, "hazard_pointers": 18e6, "hprc": 9e6}[scheme]
                            speed = base * min(threads, 2) * (0.8 if fault != "none" else 1)
                            speed *= (1.1 if allocator == "jemalloc" else 1.0)
                            r = row(scheme, threads, trial, speed * (1 + 0.03 * trial),
                                    max(series), structure=structure,
                                    workload=STALL_WORKLOADS[structure],
                                    bound=stall_bound(scheme, threads), allocator=allocator,
                                    fault=fault, pus=2,
                                    allocator_bytes_peak=(max(series) * 64 + (32 << 20)
                                                          if allocator == "jemalloc"
                                                          else max(series) * 48 + (1 << 20)))
                            results.append(r)
                            samples += samples_of(r, series, with_phase=with_phase)
    results.append(row("hprc", 4, 4, 1.0, 1, structure="treiber_stack", status="error",
                       message="threw: out of ids", allocator="system", fault="park:1"))
    write_results(run_dir, results)
    columns = TIMESERIES_COLUMNS if with_phase else TIMESERIES_COLUMNS[:-1]
    write_timeseries(run_dir, samples, columns)
    if with_meta:
        write_meta(run_dir, meta(
            allocators=list(STALL_ALLOCATORS),
            compatibility=compatibility(STALL_SCHEMES + ("none",), STALL_STRUCTURES,
                                        STALL_UNAVAILABLE),
            resumed=[{"at": "2025-01-31T15:00:00Z", "command_line": "smrlab run --resume",
                      "git_rev": "abc1234"}],
            merged_from=["results/2025-01-30-a-stall", "results/2025-01-30-b-stall"],
        ))
    write_micro(run_dir, micro_doc())
    write_overhead(run_dir, overhead_rows())
    return run_dir
