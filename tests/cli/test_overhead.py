"""Tests of `smrlab overhead` (harness/overhead_command.cpp): the harness trial and the
bare-loop reference run side by side for every scheme x structure x thread count, one CSV
row per run of either driver, ABBA order, the table on stdout (text and csv), pairings and
thread counts that do not exist skipped with the reason, bad input (one line, exit 2,
nothing written) and Ctrl-C (nothing kept). Nothing here depends on how fast anything is.
The binary is named by $SMRLAB_BIN."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from test_cli import ROOT, describe, did_work, smrlab, smrlab_bin

TINY = ["--duration", "20ms", "--warmup", "0", "--quiet"]
SMALL = ["overhead", "--schemes", "ebr,hazard_pointers",
         "--structures", "treiber_stack,natarajan_mittal_bst", "--threads", "1,2",
         "--trials", "2", *TINY]
RUN_COLUMNS = ["scheme", "structure", "workload", "threads", "trial", "driver", "order",
               "elapsed_s", "total_ops", "throughput_ops_s", "status", "valid", "teardown",
               "message"]
SUMMARY_COLUMNS = ["scheme", "structure", "workload", "threads", "trials", "harness_ok",
                   "harness_median_ops_s", "bare_median_ops_s", "ratio", "ratio_min",
                   "ratio_max"]


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small measurement, run once: 2 schemes x 2 structures x 2 thread counts x 2
    trials, CSV to out.csv, the text table on stdout."""
    d = tmp_path_factory.mktemp("overhead")
    p = smrlab(d, *SMALL, "--out", "out.csv")
    return d, p


def test_one_row_per_run_of_each_driver(small):
    d, p = small
    assert p.returncode == 0, describe(p)
    assert sorted(x.name for x in d.iterdir()) == ["out.csv"]  # no temporary file left
    rows = read_rows(d / "out.csv")
    assert rows and list(rows[0])[:len(RUN_COLUMNS)] == RUN_COLUMNS
    assert len(rows) == 2 * 2 * 2 * 2 * 2
    keys = {(r["scheme"], r["structure"], r["threads"], r["trial"], r["driver"]) for r in rows}
    assert keys == {(s, d_, t, n, drv) for s in ("ebr", "hazard_pointers")
                    for d_ in ("treiber_stack", "natarajan_mittal_bst") for t in ("1", "2")
                    for n in ("1", "2") for drv in ("harness", "bare")}
    for r in rows:
        assert int(r["total_ops"]) > 0, r
        elapsed, ops = float(r["elapsed_s"]), int(r["total_ops"])
        assert float(r["throughput_ops_s"]) == pytest.approx(ops / elapsed, rel=1e-4)
        if r["driver"] == "harness":
            assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r
        else:
            assert r["status"] == "" and r["valid"] == ""
    workloads = {r["structure"]: r["workload"] for r in rows}
    assert workloads["treiber_stack"] == "push50_pop50"
    assert workloads["natarajan_mittal_bst"].startswith("insert50_remove50_lookup0")


def test_drivers_alternate_which_goes_first(small):
    d, _ = small
    for r in read_rows(d / "out.csv"):
        harness_first = r["trial"] == "1"  # odd trials: harness first; even: bare first
        first = (r["driver"] == "harness") == harness_first
        assert r["order"] == ("1" if first else "2"), r
    # The pairs run one after the other, in the file's order.
    rows = read_rows(d / "out.csv")
    for a, b in zip(rows[::2], rows[1::2]):
        assert (a["scheme"], a["structure"], a["threads"], a["trial"]) == \
               (b["scheme"], b["structure"], b["threads"], b["trial"])
        assert {a["driver"], b["driver"]} == {"harness", "bare"}


def test_text_table_has_a_line_per_configuration(small):
    _, p = small
    lines = p.stdout.splitlines()
    assert lines[0].split()[:3] == ["scheme", "structure", "threads"]
    assert "harness/bare" in lines[0] and "min-max" in lines[0]
    body = [line for line in lines[1:] if line.strip() and not line.startswith("harness/bare")]
    assert len(body) == 8, p.stdout
    seen = set()
    for line in body:
        cells = line.split()
        scheme, structure, threads = cells[:3]
        seen.add((scheme, structure, threads))
        harness, bare, ratio = map(float, cells[3:6])
        assert ratio == pytest.approx(harness / bare, rel=0.01, abs=0.002)
        low, high = map(float, cells[6].split("-"))
        assert low <= high
        assert cells[7] == "2/2"
    assert len(seen) == 8
    # Sorted by scheme, structure, threads.
    assert [tuple(line.split()[:3]) for line in body] == sorted(seen)


def test_csv_table_and_no_out_file(tmp_path):
    p = smrlab(tmp_path, "overhead", "--schemes", "ebr", "--structures", "treiber_stack",
               "--threads", "1", "--trials", "3", *TINY, "--format", "csv")
    assert p.returncode == 0, describe(p)
    assert list(tmp_path.iterdir()) == []
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert list(rows[0]) == SUMMARY_COLUMNS
    (row,) = rows
    assert (row["scheme"], row["structure"], row["threads"]) == ("ebr", "treiber_stack", "1")
    assert (row["trials"], row["harness_ok"]) == ("3", "3")
    ratio = float(row["harness_median_ops_s"]) / float(row["bare_median_ops_s"])
    assert float(row["ratio"]) == pytest.approx(ratio, rel=1e-4)
    assert float(row["ratio_min"]) <= float(row["ratio_max"])


def test_default_schemes_are_every_registered_one(tmp_path):
    listing = json.loads(smrlab(tmp_path, "list", "--format", "json").stdout)
    paired = {m["scheme"] for m in listing["matrix"]
              if m["structure"] == "treiber_stack" and m["available"]}
    p = smrlab(tmp_path, "overhead", "--structures", "treiber_stack", "--threads", "1",
               "--trials", "1", *TINY, "--out", "o.csv")
    assert p.returncode == 0, describe(p)
    assert {r["scheme"] for r in read_rows(tmp_path / "o.csv")} == paired
    unpaired = {s["name"] for s in listing["schemes"]} - paired
    for scheme in unpaired:
        assert f"smrlab overhead: skipping {scheme} x treiber_stack:" in p.stderr


def test_pairings_and_thread_counts_that_do_not_exist_are_skipped(tmp_path):
    p = smrlab(tmp_path, "overhead", "--schemes", "immediate_free,hazard_pointers",
               "--structures", "treiber_stack,sundell_tsigas_deque", "--threads", "1,2",
               "--trials", "1", *TINY, "--out", "o.csv")
    assert p.returncode == 0, describe(p)
    assert "skipping hazard_pointers x sundell_tsigas_deque:" in p.stderr
    assert "skipping immediate_free supports at most 1 thread" in p.stderr
    assert p.stderr.count("skipping") == 2, p.stderr  # each said once
    runs = {(r["scheme"], r["structure"], r["threads"]) for r in read_rows(tmp_path / "o.csv")}
    assert runs == {("immediate_free", "treiber_stack", "1"),
                    ("immediate_free", "sundell_tsigas_deque", "1"),
                    ("hazard_pointers", "treiber_stack", "1"),
                    ("hazard_pointers", "treiber_stack", "2")}


def test_help():
    p = subprocess.run([smrlab_bin(), "overhead", "--help"], capture_output=True, text=True,
                       timeout=60, check=False)
    assert p.returncode == 0
    for option in ("--schemes", "--structures", "--threads", "--trials", "--duration",
                   "--warmup", "--sample-interval", "--out", "--format"):
        assert option in p.stdout, option
    help_text = subprocess.run([str(ROOT / "run_experiments.sh"), "--help"],
                               capture_output=True, text=True, timeout=60, check=False).stdout
    assert "--no-overhead" in help_text and "overhead.csv" in help_text
    # The option is taken (the next bad value is what fails, before anything is built).
    p = subprocess.run([str(ROOT / "run_experiments.sh"), "--no-overhead", "--jobs", "x"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 2 and "--jobs needs a positive integer" in p.stderr, p.stderr


BAD = {
    "unknown scheme": (["--schemes", "nope"], "unknown scheme 'nope'"),
    "unknown structure": (["--structures", "nope"], "unknown structure 'nope'"),
    "bad threads": (["--threads", "1,x"], "bad --threads"),
    "zero trials": (["--trials", "0"], "bad --trials"),
    "bad duration": (["--duration", "soon"], "bad --duration 'soon'"),
    "zero duration": (["--duration", "0"], "bad --duration '0'"),
    "bad warmup": (["--warmup", "-1ms"], "bad --warmup"),
    "bad sample interval": (["--sample-interval", "often"], "bad --sample-interval"),
    "bad format": (["--format", "xml"], "bad --format 'xml'"),
    "nothing to run": (["--schemes", "hazard_pointers", "--structures", "sundell_tsigas_deque"],
                       "nothing to run"),
    "unwritable out": (["--out", "no/such/dir/o.csv"], "cannot write --out"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_one_line_exit_2_nothing_written(name, tmp_path):
    args, needle = BAD[name]
    defaults = {"--schemes": "ebr", "--threads": "1", "--trials": "1", "--duration": "20ms",
                "--warmup": "0"}
    for option in args[::2]:
        defaults.pop(option, None)  # the case gives it
    p = smrlab(tmp_path, "overhead", *[x for kv in defaults.items() for x in kv], *args)
    assert p.returncode == 2, describe(p)
    errors = [line for line in p.stderr.splitlines()
              if line.strip() and "skipping" not in line]
    assert len(errors) == 1, describe(p)
    assert needle in errors[0], describe(p)
    assert list(tmp_path.iterdir()) == [], "bad input must write nothing"


def test_an_existing_out_file_is_not_overwritten(tmp_path):
    (tmp_path / "o.csv").write_text("keep me\n")
    p = smrlab(tmp_path, "overhead", "--schemes", "ebr", "--structures", "treiber_stack",
               "--threads", "1", "--trials", "1", *TINY, "--out", "o.csv")
    assert p.returncode == 2, describe(p)
    assert "o.csv already exists" in p.stderr
    assert (tmp_path / "o.csv").read_text() == "keep me\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["o.csv"]


def test_ctrl_c_keeps_nothing(tmp_path):
    proc = subprocess.Popen(
        [smrlab_bin(), "overhead", "--schemes", "ebr", "--structures", "treiber_stack",
         "--threads", "1", "--trials", "50", "--duration", "200ms", "--warmup", "0",
         "--out", "o.csv"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "o.csv.partial").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (tmp_path / "o.csv.partial").exists(), "the run never started writing"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; nothing was kept" in err
    assert list(tmp_path.iterdir()) == []
