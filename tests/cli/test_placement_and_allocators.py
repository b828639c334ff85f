"""Tests of `smrlab topology` and of placement and allocators in `smrlab run`: the plans on
synthetic NUMA shapes this 2-core machine does not have, binding skipped (and said) on them,
placement policies as a sweep dimension, and allocators as a sweep dimension whose rows say
which allocator actually served malloc. The binary under test is named by $SMRLAB_BIN."""

from __future__ import annotations

import json
import os
import re
import subprocess

from test_cli import describe, did_work, read_dicts, smrlab, smrlab_bin

SHAPE = "synthetic:pack:2 numa:2 core:8 pu:2"  # 4 NUMA nodes, 32 cores, 64 PUs
STACK_RUN = ["run", "--structures", "treiber_stack", "--duration", "30ms", "--warmup", "5ms",
             "--prefill", "10"]
EBR_RUN = [*STACK_RUN, "--schemes", "ebr"]


def plan_lines(text: str) -> list[tuple[int, int, int, int]]:
    """(thread, pu, core, numa) rows of a topology report's plan tables, in order."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)(\s+shared)?\s*$", line)
        if m:
            rows.append(tuple(int(x) for x in m.groups()[:4]))
    return rows


def test_topology_of_this_machine(tmp_path):
    p = smrlab(tmp_path, "topology", "--threads", "4")
    assert p.returncode == 0, describe(p)
    assert "this machine" in p.stdout and "pus" in p.stdout.lower(), describe(p)


def test_topology_plans_on_a_synthetic_numa_shape_in_json(tmp_path):
    p = smrlab(tmp_path, "topology", "--topology", SHAPE, "--threads", "4,32", "--pin", "scatter",
               "--format", "json")
    assert p.returncode == 0, describe(p)
    j = json.loads(p.stdout)
    four = j["plans"]["4"]
    assert len(four) == 4
    # scatter: round-robin over the 4 NUMA nodes first
    assert [s["numa_node"] for s in four] == [0, 1, 2, 3]
    thirty_two = j["plans"]["32"]
    assert len({s["pu"] for s in thirty_two}) == 32  # 64 PUs: no sharing yet
    assert not any(s["shares_pu"] for s in thirty_two)


def test_compact_fills_one_numa_node_first(tmp_path):
    p = smrlab(tmp_path, "topology", "--topology", SHAPE, "--threads", "16", "--pin", "compact",
               "--format", "json")
    assert p.returncode == 0, describe(p)
    plan = json.loads(p.stdout)["plans"]["16"]
    assert {s["numa_node"] for s in plan} == {0}
    assert [s["pu"] for s in plan] == list(range(16))


def test_cores_first_uses_every_core_before_an_smt_sibling(tmp_path):
    p = smrlab(tmp_path, "topology", "--topology", "synthetic:pack:1 core:4 pu:2", "--threads", "8",
               "--pin", "cores-first", "--format", "json")
    assert p.returncode == 0, describe(p)
    plan = json.loads(p.stdout)["plans"]["8"]
    assert [s["core"] for s in plan[:4]] == [0, 1, 2, 3]
    assert [s["core"] for s in plan[4:]] == [0, 1, 2, 3]
    assert len({s["pu"] for s in plan}) == 8


def test_topology_report_text_notes_oversubscription(tmp_path):
    p = smrlab(tmp_path, "topology", "--topology", "synthetic:numa:2 core:2 pu:1", "--threads", "2,8")
    assert p.returncode == 0, describe(p)
    assert "oversubscribed" in p.stdout, describe(p)
    assert len(plan_lines(p.stdout)) == 2 + 8, describe(p)


def test_bad_topology_and_bad_policy_are_refused(tmp_path):
    p = smrlab(tmp_path, "topology", "--topology", str(tmp_path / "missing.xml"))
    assert p.returncode == 2, describe(p)
    assert "missing.xml" in p.stderr, describe(p)
    p = smrlab(tmp_path, "topology", "--pin", "diagonal")
    assert p.returncode == 2, describe(p)
    assert "diagonal" in p.stderr, describe(p)


def test_run_on_a_synthetic_topology_plans_but_does_not_bind_and_says_so(tmp_path):
    p = smrlab(tmp_path, *EBR_RUN, "--threads", "4", "--topology", SHAPE, "--pin", "scatter",
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    assert "binding skipped" in p.stderr, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert r["binding"].startswith("skipped"), r
    assert r["topology_source"] == SHAPE, r
    assert r["numa_nodes"] == "4" and r["pus"] == "64", r
    assert r["pin_policy"] == "scatter" and r["oversubscribed"] == "no", r
    assert len(r["planned_pus"].split()) == 4, r
    meta = json.loads((tmp_path / "OUT" / "meta.json").read_text(encoding="utf-8"))
    assert meta["topology"]["source"] == SHAPE


def test_placements_are_a_sweep_dimension_and_binding_is_recorded(tmp_path):
    p = smrlab(tmp_path, *EBR_RUN, "--threads", "2", "--pin", "none", "--pin", "compact",
               "--pin", "pus:1", "--membind", "local", "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    by_pin = {r["pin_policy"]: r for r in rows}
    assert set(by_pin) == {"none", "compact", "pus:1"}
    assert by_pin["none"]["binding"] == "unbound"
    assert by_pin["compact"]["binding"] == "bound 2/2"
    assert by_pin["pus:1"]["planned_pus"] == "1 1"
    assert all(r["membind"] == "local" for r in rows)
    meta = json.loads((tmp_path / "OUT" / "meta.json").read_text(encoding="utf-8"))
    workers = meta["placement"]["threads=2 pin=pus:1 allocator=system"]
    assert [w["planned_pu"] for w in workers] == [1, 1]
    assert all(w["bound"] and w["ran_on_pu"] == 1 and w["numa_node"] == 0 for w in workers)


def test_threads_beyond_the_pus_are_recorded_as_oversubscribed(tmp_path):
    p = smrlab(tmp_path, *EBR_RUN, "--threads", "64", "--topology", "synthetic:core:2 pu:1",
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert r["oversubscribed"] == "yes", r


def test_a_pu_that_does_not_exist_is_refused(tmp_path):
    p = smrlab(tmp_path, *EBR_RUN, "--threads", "1", "--pin", "pus:0,999", "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "999" in p.stderr, describe(p)


def test_allocators_are_a_sweep_dimension_checked_at_run_time(tmp_path):
    p = smrlab(tmp_path, *STACK_RUN, "--schemes", "ebr,hazard_pointers", "--threads", "2",
               "--allocator", "system,jemalloc,mimalloc", "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert len(rows) == 6, rows
    for r in rows:
        assert did_work(r) and r["valid"] == "ok", r
        detail = r["allocator_detail"]
        if r["allocator"] == "system":
            assert detail.startswith("glibc"), r
        else:
            # The row names the allocator that really served malloc, with its library.
            assert detail.startswith(r["allocator"]), r
            assert ".so" in detail, r
        assert int(r["allocator_bytes_peak"]) > 0, r
    series = read_dicts(tmp_path / "OUT" / "timeseries.csv")
    assert {s["allocator"] for s in series} == {"system", "jemalloc", "mimalloc"}
    assert {s["trial_id"] for s in series} == {r["trial_id"] for r in rows}
    # A resumed run has nothing left to do, in this process or in the children.
    p = smrlab(tmp_path, *STACK_RUN, "--schemes", "ebr,hazard_pointers", "--threads", "2",
               "--allocator", "system,jemalloc,mimalloc", "--out", "OUT", "--resume")
    assert p.returncode == 0, describe(p)
    assert len(read_dicts(tmp_path / "OUT" / "results.csv")) == 6


def test_unknown_allocator_is_refused(tmp_path):
    p = smrlab(tmp_path, *EBR_RUN, "--threads", "1", "--allocator", "hoard", "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "hoard" in p.stderr, describe(p)


def test_a_trial_whose_allocator_did_not_take_is_an_error_row_not_a_silent_one(tmp_path):
    # What a child process sees when its LD_PRELOAD did not take: it asked for jemalloc, and
    # glibc serves malloc. The row must say so rather than pass as a jemalloc measurement.
    env = dict(os.environ, SMRLAB_SWEEP_CHILD="1")
    env.pop("LD_PRELOAD", None)
    p = subprocess.run([smrlab_bin(), *EBR_RUN, "--threads", "1", "--allocator", "jemalloc",
                        "--out", "OUT"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120, check=False)
    assert p.returncode == 1, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert r["allocator"] == "jemalloc" and r["status"] == "error", r
    assert "served by glibc" in r["message"], r


def test_preset_keys_for_placement_memory_topology_and_allocators(tmp_path):
    preset = tmp_path / "placed.toml"
    preset.write_text('name = "placed"\nschemes = ["ebr"]\nstructures = ["treiber_stack"]\n'
                      'threads = [2]\nduration = "30ms"\nwarmup = "5ms"\nprefill = 10\n'
                      'pin = ["scatter", "pus:1"]\nmembind = "interleave"\n'
                      f'topology = "{SHAPE}"\nallocator = ["system"]\n', encoding="utf-8")
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert sorted(r["pin_policy"] for r in rows) == ["pus:1", "scatter"]
    assert {(r["membind"], r["topology_source"], r["allocator"]) for r in rows} == {
        ("interleave", SHAPE, "system")}
    scatter = next(r for r in rows if r["pin_policy"] == "scatter")
    assert scatter["planned_pus"] == "0 16", scatter


def test_preset_with_a_bad_placement_names_the_file(tmp_path):
    preset = tmp_path / "bad.toml"
    preset.write_text('name = "bad"\npin = "diagonal"\n', encoding="utf-8")
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "bad.toml" in p.stderr and "diagonal" in p.stderr, describe(p)
