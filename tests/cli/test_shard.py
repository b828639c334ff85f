"""Sharding a sweep (harness/shard.hpp) and putting it back together (`smrlab merge`), and the
thread counts a sweep takes from the topology when none are given. The binary is named by
$SMRLAB_BIN.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from test_cli import describe, read_dicts, smrlab

SWEEP = ["run", "--schemes", "none,ebr,hazard_pointers", "--structures", "treiber_stack",
         "--threads", "1,2", "--trials", "2", "--duration", "30ms", "--warmup", "0",
         "--prefill", "50"]
TRIALS = 12  # 3 schemes x 2 thread counts x 2 trials


def _planned(p) -> list[str]:
    """The configurations a dry run prints, one per line."""
    return [line.strip() for line in p.stdout.splitlines() if line.startswith("  ")]


def test_shards_partition_the_sweep_and_merge_back_into_it(tmp_path):
    whole = tmp_path / "whole"
    p = smrlab(tmp_path, *SWEEP, "--out", str(whole))
    assert p.returncode == 0, describe(p)
    whole_ids = {r["trial_id"] for r in read_dicts(whole / "results.csv")}
    assert len(whole_ids) == TRIALS

    shards = []
    sizes = []
    for i in (1, 2, 3):
        out = tmp_path / f"shard-{i}"
        p = smrlab(tmp_path, *SWEEP, "--shard", f"{i}/3", "--out", str(out))
        assert p.returncode == 0, describe(p)
        assert f"shard {i}/3: 4 of the sweep's {TRIALS} trials" in p.stderr, describe(p)
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        assert meta["sweep"]["shard"] == {"index": i, "count": 3}
        shards.append(out)
        sizes.append(len(read_dicts(out / "results.csv")))
    assert sizes == [4, 4, 4]
    digests = {json.loads((d / "meta.json").read_text())["plan"]["digest"] for d in shards}
    whole_meta = json.loads((whole / "meta.json").read_text(encoding="utf-8"))
    assert digests == {whole_meta["plan"]["digest"]}, "shards of one sweep share its digest"
    assert whole_meta["plan"]["trials"] == TRIALS

    merged = tmp_path / "merged"
    p = smrlab(tmp_path, "merge", "--out", str(merged), *map(str, shards))
    assert p.returncode == 0, describe(p)
    rows = read_dicts(merged / "results.csv")
    assert {r["trial_id"] for r in rows} == whole_ids, "the shards together are the sweep"
    assert len(rows) == TRIALS
    series_ids = {s["trial_id"] for s in read_dicts(merged / "timeseries.csv")}
    assert series_ids == whole_ids


def test_a_missing_shard_is_reported_by_merge(tmp_path):
    outs = []
    for i in (1, 3):
        out = tmp_path / f"shard-{i}"
        p = smrlab(tmp_path, *SWEEP, "--shard", f"{i}/3", "--out", str(out))
        assert p.returncode == 0, describe(p)
        outs.append(str(out))
    p = smrlab(tmp_path, "merge", "--out", str(tmp_path / "merged"), *outs)
    assert p.returncode == 2, describe(p)
    assert "2 of 3 missing" in p.stderr, describe(p)


def test_the_dry_run_of_a_shard_lists_only_its_slice(tmp_path):
    # One trial each, so that every planned trial prints as its own line.
    one_trial = [("1" if prev == "--trials" else a) for prev, a in zip([""] + SWEEP, SWEEP)]
    whole = smrlab(tmp_path, *one_trial, "--dry-run")
    assert whole.returncode == 0, describe(whole)
    slices = []
    for i in (1, 2):
        p = smrlab(tmp_path, *one_trial, "--shard", f"{i}/2", "--dry-run")
        assert p.returncode == 0, describe(p)
        slices.append(set(_planned(p)))
    assert slices[0].isdisjoint(slices[1])
    assert slices[0] | slices[1] == set(_planned(whole))


def test_bad_shard_is_refused(tmp_path):
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        p = smrlab(tmp_path, *SWEEP, "--shard", bad, "--dry-run")
        assert p.returncode == 2, describe(p)
        assert "1 <= i <= n" in p.stderr, describe(p)


def test_a_shard_with_nothing_in_it_says_so(tmp_path):
    p = smrlab(tmp_path, "run", "--schemes", "ebr", "--structures", "treiber_stack",
               "--threads", "1", "--shard", "2/2", "--dry-run")
    assert p.returncode == 2, describe(p)
    assert "shard 2/2 of a 1-trial sweep is empty" in p.stderr, describe(p)


def test_threads_default_from_the_topology_up_to_twice_its_pus(tmp_path):
    # 3 PUs: 1, 2, then the PU count and twice it.
    args = ["run", "--schemes", "ebr", "--structures", "treiber_stack", "--dry-run",
            "--topology", "synthetic:pack:1 core:3 pu:1"]
    for extra in ([], ["--threads", "auto"]):
        p = smrlab(tmp_path, *args, *extra)
        assert p.returncode == 0, describe(p)
        threads = sorted({int(m) for m in re.findall(r"threads=(\d+)", p.stdout)})
        assert threads == [1, 2, 3, 6], describe(p)
    p = smrlab(tmp_path, *args, "--threads", "1,auto")
    assert p.returncode == 2, describe(p)
    preset = tmp_path / "auto.toml"
    preset.write_text('name = "auto"\nthreads = "auto"\n', encoding="utf-8")
    p = smrlab(tmp_path, *args, "--preset", str(preset))
    assert p.returncode == 0, describe(p)
    assert sorted({int(m) for m in re.findall(r"threads=(\d+)", p.stdout)}) == [1, 2, 3, 6]


def test_a_shard_runs_the_same_configurations_under_every_allocator(tmp_path):
    # The jemalloc trials run in a child process that plans only its own allocator's part of
    # the sweep; it must take the same slice as its parent.
    sweep = [*SWEEP, "--allocator", "system,jemalloc"]
    whole = tmp_path / "whole"
    p = smrlab(tmp_path, *sweep, "--out", str(whole))
    assert p.returncode == 0, describe(p)
    whole_ids = {r["trial_id"] for r in read_dicts(whole / "results.csv")}
    assert len(whole_ids) == 2 * TRIALS

    shards = []
    for i in (1, 2):
        out = tmp_path / f"shard-{i}"
        p = smrlab(tmp_path, *sweep, "--shard", f"{i}/2", "--out", str(out))
        assert p.returncode == 0, describe(p)
        rows = read_dicts(out / "results.csv")
        by_allocator = {}
        for r in rows:
            key = (r["scheme"], r["threads"], r["trial"])
            by_allocator.setdefault(r["allocator"], set()).add(key)
        assert set(by_allocator) == {"system", "jemalloc"}, describe(p)
        assert by_allocator["system"] == by_allocator["jemalloc"]
        assert len(rows) == TRIALS
        shards.append(str(out))

    merged = tmp_path / "merged"
    p = smrlab(tmp_path, "merge", "--out", str(merged), *shards)
    assert p.returncode == 0, describe(p)
    assert {r["trial_id"] for r in read_dicts(merged / "results.csv")} == whole_ids
