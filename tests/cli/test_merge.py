"""Tests of `smrlab merge` (harness/merge_command.cpp): combining run folders, such as the shards
of one sweep, into one run folder. The inputs are small real runs of `smrlab run`, one scheme
set per folder; shard information is simulated by editing their meta.json the way
`smrlab run --shard i/n` writes it (sweep.shard and plan). The binary is named by $SMRLAB_BIN:

    SMRLAB_BIN=build/release/smrlab $(scripts/find_python.sh --with-pytest) -m pytest \\
        tests/cli/test_merge.py -q
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from test_cli import describe, read_csv, read_dicts, smrlab

RUN = ["run", "--structures", "treiber_stack", "--threads", "1", "--trials", "1",
       "--duration", "50ms", "--warmup", "0", "--prefill", "100"]
# The input runs: folder name -> schemes it ran.
RUNS = {"A": "none,ebr", "B": "hazard_pointers", "C": "immediate_free"}


# ------------------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """A folder holding the finished runs A, B and C. Tests copy the runs they use."""
    cwd = tmp_path_factory.mktemp("runs")
    for name, schemes in RUNS.items():
        p = smrlab(cwd, *RUN, "--schemes", schemes, "--out", name)
        assert p.returncode == 0, describe(p)
    return cwd


def copy_runs(runs: Path, tmp_path: Path, *names: str) -> None:
    """Copies the named runs into tmp_path (copy name "A2" of run "A" with ("A", "A2"))."""
    for name in names:
        src, dst = (name, name) if isinstance(name, str) else name
        shutil.copytree(runs / src, tmp_path / dst)


def merge(cwd: Path, *args: str):
    return smrlab(cwd, "merge", *args)


def set_shard(run: Path, index: int, count: int, digest: str = "00112233aabbccdd",
              trials: int | None = None) -> None:
    """Marks a run folder as shard index/count of the sweep whose plan has `digest`."""
    path = run / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["sweep"]["shard"] = {"index": index, "count": count}
    meta["plan"] = {"trials": trials if trials is not None else 3 * count, "digest": digest}
    path.write_text(json.dumps(meta, indent=2), encoding="utf-8")


def results_rows(run: Path) -> list[list[str]]:
    return read_csv(run / "results.csv")[1]


def trial_ids(run: Path) -> list[str]:
    return [r["trial_id"] for r in read_dicts(run / "results.csv")]


def series_ids(run: Path) -> list[str]:
    return [r["trial_id"] for r in read_dicts(run / "timeseries.csv")]


def rewrite_results(run: Path, change) -> None:
    """Rewrites run/results.csv with change(header, rows) -> (header, rows)."""
    header, rows = read_csv(run / "results.csv")
    header, rows = change(header, rows)
    with (run / "results.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])


# ------------------------------------------------------------------------------ merging

def test_help_exits_0(tmp_path):
    p = merge(tmp_path, "--help")
    assert p.returncode == 0, describe(p)
    assert "--out" in p.stdout and "--partial" in p.stdout, describe(p)


def test_two_folders_keep_every_row_in_order_with_their_samples(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    p = merge(tmp_path, "--out", "M", "B", "A")
    assert p.returncode == 0, describe(p)
    m, a, b = tmp_path / "M", tmp_path / "A", tmp_path / "B"
    assert "3 row(s) from 2 folder(s) (not shards) written to M" in p.stdout, describe(p)
    assert read_csv(m / "results.csv")[0] == read_csv(a / "results.csv")[0]
    assert results_rows(m) == results_rows(b) + results_rows(a)  # the order given: B first
    assert series_ids(m) == series_ids(b) + series_ids(a)
    assert set(series_ids(m)) == set(trial_ids(m))
    assert not list(m.glob("*.merge-tmp")), "temporary files left behind"


def test_merged_from_and_meta(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 0, describe(p)
    meta = json.loads((tmp_path / "M" / "meta.json").read_text(encoding="utf-8"))
    metas = [json.loads((tmp_path / n / "meta.json").read_text(encoding="utf-8"))
             for n in ("A", "B")]
    assert meta["sweep"]["schemes"] == metas[0]["sweep"]["schemes"], "base is A's meta.json"
    assert [e["path"] for e in meta["merged_from"]] == ["A", "B"]
    assert [e["rows"] for e in meta["merged_from"]] == [2, 1]
    for entry, src in zip(meta["merged_from"], metas):
        assert entry["created"] == src["created"]
        assert entry["machine"] == src["machine"]["hostname"]
        assert entry["git_rev"] == src["build"]["git_rev"]
        assert entry["shard"] is None
    assert meta["merge"]["shards"] is None


def test_a_cut_off_row_is_dropped_with_a_warning(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    results = tmp_path / "A" / "results.csv"
    text = results.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    results.write_text(text + last[: len(last) // 2], encoding="utf-8")  # a crash mid-row
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 0, describe(p)
    assert "dropped 1 incomplete row(s)" in p.stderr, describe(p)
    assert len(results_rows(tmp_path / "M")) == 3


def test_a_missing_timeseries_is_a_warning(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    (tmp_path / "B" / "timeseries.csv").unlink()
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 0, describe(p)
    assert "B has no timeseries.csv" in p.stderr, describe(p)
    assert series_ids(tmp_path / "M") == series_ids(tmp_path / "A")
    assert len(results_rows(tmp_path / "M")) == 3


# ------------------------------------------------------------------------------ refused inputs

def test_the_same_trial_in_two_folders_is_refused(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", ("A", "A2"))

    def rerun_ebr(header, rows):
        col = header.index("throughput_ops_s")
        return header, [r[:col] + ["1"] + r[col + 1:] for r in rows if "ebr" in r]
    rewrite_results(tmp_path / "A2", rerun_ebr)
    p = merge(tmp_path, "--out", "M", "A", "A2")
    assert p.returncode == 2, describe(p)
    err = p.stderr
    assert err.startswith("smrlab merge: trial "), describe(p)
    for word in ("scheme ebr", "structure treiber_stack", "workload push50_pop50", "threads 1",
                 "trial 1", "A and A2"):
        assert word in err, f"{word!r} missing\n{describe(p)}"
    assert not (tmp_path / "M" / "results.csv").exists()


def test_an_identical_duplicate_is_kept_once(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", ("A", "A_copy"), "B")
    p = merge(tmp_path, "--out", "M", "A", "A_copy", "B")
    assert p.returncode == 0, describe(p)
    assert "warning: 2 row(s) of A_copy are identical to rows of A" in p.stderr, describe(p)
    m = tmp_path / "M"
    assert results_rows(m) == results_rows(tmp_path / "A") + results_rows(tmp_path / "B")
    assert series_ids(m) == series_ids(tmp_path / "A") + series_ids(tmp_path / "B")
    meta = json.loads((m / "meta.json").read_text(encoding="utf-8"))
    assert [e["rows"] for e in meta["merged_from"]] == [2, 0, 1]


def test_a_different_header_is_refused(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    rewrite_results(tmp_path / "B", lambda h, rows: (h + ["extra"], [r + ["x"] for r in rows]))
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 2, describe(p)
    assert "different columns" in p.stderr, describe(p)
    assert "A/results.csv" in p.stderr and "B/results.csv" in p.stderr, describe(p)
    assert not (tmp_path / "M").exists()


def test_an_output_with_results_is_never_overwritten(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B", ("C", "M"))
    before = (tmp_path / "M" / "results.csv").read_bytes()
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 2, describe(p)
    assert "M/results.csv already exists" in p.stderr, describe(p)
    assert "another --out" in p.stderr, describe(p)
    assert (tmp_path / "M" / "results.csv").read_bytes() == before


def test_the_output_may_not_be_an_input(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    p = merge(tmp_path, "--out", "A", "A", "B")
    assert p.returncode == 2, describe(p)
    assert "--out A is one of the inputs" in p.stderr, describe(p)


@pytest.mark.parametrize("make_bad", ["absent", "no_results"])
def test_a_missing_input_is_refused(runs, tmp_path, make_bad):
    copy_runs(runs, tmp_path, "A")
    if make_bad == "no_results":
        (tmp_path / "X").mkdir()
    p = merge(tmp_path, "--out", "M", "A", "X")
    assert p.returncode == 2, describe(p)
    expected = "input X does not exist" if make_bad == "absent" else "input X has no results.csv"
    assert p.stderr.startswith(f"smrlab merge: {expected}"), describe(p)
    assert len(p.stderr.splitlines()) == 1, describe(p)
    assert not (tmp_path / "M").exists()


# ------------------------------------------------------------------------------ shards

def test_every_shard_present_merges_and_records_the_shards(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    set_shard(tmp_path / "A", 1, 2, trials=3)
    set_shard(tmp_path / "B", 2, 2, trials=3)
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 0, describe(p)
    assert "(shards 1, 2 of 2)" in p.stdout, describe(p)
    assert "warning" not in p.stderr, describe(p)
    meta = json.loads((tmp_path / "M" / "meta.json").read_text(encoding="utf-8"))
    assert [e["shard"] for e in meta["merged_from"]] == [{"index": 1, "count": 2},
                                                         {"index": 2, "count": 2}]
    assert meta["sweep"]["shard"] is None, "the merged folder is not one shard"
    assert meta["merge"]["shards"] == {"count": 2, "present": [1, 2], "missing": [],
                                       "repeated": []}


def test_a_missing_shard_is_refused_unless_partial(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "C")
    set_shard(tmp_path / "A", 1, 3)
    set_shard(tmp_path / "C", 3, 3)
    p = merge(tmp_path, "--out", "M", "A", "C")
    assert p.returncode == 2, describe(p)
    assert "shard(s) 2 of 3 missing (present: 1, 3)" in p.stderr, describe(p)
    assert "--partial" in p.stderr, describe(p)
    assert not (tmp_path / "M").exists()

    p = merge(tmp_path, "--out", "M", "--partial", "A", "C")
    assert p.returncode == 0, describe(p)
    assert "warning: shard(s) 2 of 3 missing" in p.stderr, describe(p)
    assert "(shards 1, 3 of 3; missing 2)" in p.stdout, describe(p)
    assert len(results_rows(tmp_path / "M")) == 3
    meta = json.loads((tmp_path / "M" / "meta.json").read_text(encoding="utf-8"))
    assert meta["merge"]["shards"]["missing"] == [2] and meta["merge"]["partial"] is True


def test_a_shard_given_twice_is_refused_unless_partial(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    set_shard(tmp_path / "A", 1, 2, trials=3)
    set_shard(tmp_path / "B", 2, 2, trials=3)
    p = merge(tmp_path, "--out", "M", "A", "B", "A")
    assert p.returncode == 2, describe(p)
    assert "shard(s) 1 of 2 given more than once" in p.stderr, describe(p)
    p = merge(tmp_path, "--out", "M", "--partial", "A", "B", "A")
    assert p.returncode == 0, describe(p)
    assert len(results_rows(tmp_path / "M")) == 3


def test_shards_of_different_sweeps_are_refused(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    set_shard(tmp_path / "A", 1, 2, digest="00112233aabbccdd")
    set_shard(tmp_path / "B", 2, 2, digest="ffffffff00000000")
    p = merge(tmp_path, "--out", "M", "--partial", "A", "B")
    assert p.returncode == 2, describe(p)
    assert "shards of different sweeps" in p.stderr, describe(p)
    assert "00112233aabbccdd" in p.stderr and "ffffffff00000000" in p.stderr, describe(p)


def test_fewer_rows_than_planned_is_a_warning(runs, tmp_path):
    copy_runs(runs, tmp_path, "A", "B")
    set_shard(tmp_path / "A", 1, 2, trials=4)
    set_shard(tmp_path / "B", 2, 2, trials=4)
    p = merge(tmp_path, "--out", "M", "A", "B")
    assert p.returncode == 0, describe(p)
    assert "hold 3 of the sweep's 4 planned trials" in p.stderr, describe(p)
