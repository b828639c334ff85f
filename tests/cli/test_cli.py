"""Tests of the `smrlab` command line: listing, argument checking, a small real sweep and
its output files, resuming (after a clean finish and after a crash), fixed-work mode,
preset files and Ctrl-C. The binary under test is named by $SMRLAB_BIN:

    SMRLAB_BIN=build/release/smrlab $(scripts/find_python.sh --with-pytest) -m pytest tests/cli -q

Every test runs the binary in its own temporary folder and checks both the exit code and
what the binary said.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS_README = ROOT / "results" / "README.md"
TIMEOUT = 120

TIMESERIES_COLUMNS = ["trial_id", "scheme", "structure", "workload", "allocator", "threads",
                      "trial", "t_ms", "unreclaimed", "rss_bytes", "allocator_bytes", "phase"]
BUILTIN_SCHEMES = ["none", "immediate_free", "ebr", "hazard_pointers"]

# The small real sweep shared by several tests: 2 schemes x 2 thread counts x 2 trials.
SWEEP = ["run", "--schemes", "ebr,hazard_pointers", "--structures", "treiber_stack",
         "--threads", "1,2", "--trials", "2",
         "--duration", "50ms", "--warmup", "10ms", "--prefill", "100"]
SWEEP_ROWS = 8


# ------------------------------------------------------------------------------ helpers

def smrlab_bin() -> str:
    path = os.environ.get("SMRLAB_BIN")
    if not path:
        pytest.fail("SMRLAB_BIN is not set: point it at the smrlab binary to test, e.g. "
                    "SMRLAB_BIN=build/release/smrlab python3 -m pytest tests/cli",
                    pytrace=False)
    p = Path(path)
    if not p.is_absolute():
        p = (Path.cwd() / p).resolve()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"SMRLAB_BIN={path} is not an executable file", pytrace=False)
    return str(p)


def smrlab(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs the binary with `args` in `cwd`; returns the completed process (text output)."""
    return subprocess.run([smrlab_bin(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def run_script(script: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs one of the repository's top-level scripts (run_experiments.sh, run_tests.sh) with
    `args` in `cwd`, for the tests of their own argument checks."""
    return subprocess.run(["bash", str(ROOT / script), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)


def describe(p: subprocess.CompletedProcess) -> str:
    return f"exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}"


def documented_columns(readme: Path = RESULTS_README, section: str = "results.csv") -> list[str]:
    """The column names of the table under `## <section>` in results/README.md, in order:
    the first cell of every body row of the first table in that section, backticks removed."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    heading = f"## {section}"
    try:
        start = lines.index(heading) + 1
    except ValueError:
        raise AssertionError(f"{readme} has no '{heading}' section") from None
    columns: list[str] = []
    in_table = False
    for line in lines[start:]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if in_table:
                break  # the first table of the section has ended
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            in_table = True  # the table's header row
            continue
        if re.fullmatch(r":?-+:?", cells[0]):
            continue  # the separator row
        columns.append(cells[0].strip("`"))
    assert columns, f"no table found under '{heading}' in {readme}"
    return columns


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (rows as lists, so short rows stay visible)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows, f"{path} is empty"
    return rows[0], rows[1:]


def read_dicts(path: Path) -> list[dict[str, str]]:
    header, rows = read_csv(path)
    for r in rows:
        assert len(r) == len(header), f"{path}: row with {len(r)} of {len(header)} cells: {r}"
    return [dict(zip(header, r)) for r in rows]


def did_work(r: dict[str, str]) -> bool:
    """Whether a row is a trial that ran and did its work: `ok`, or `no_progress` with operations
    completed, which says that a worker was starved for a stretch of the measured phase (on a
    loaded machine, a verdict on the wall clock, not on the code under test). A trial with no
    operation at all is never accepted."""
    if r["status"] == "ok":
        return True
    return r["status"] == "no_progress" and int(r["total_ops"]) > 0


def scheme_names(cwd: Path) -> list[str]:
    p = smrlab(cwd, "list", "--format", "json")
    assert p.returncode == 0, describe(p)
    return [s["name"] for s in json.loads(p.stdout)["schemes"]]


def write_preset(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    """A run folder holding the finished SWEEP. Tests that change it work on a copy."""
    cwd = tmp_path_factory.mktemp("sweep")
    p = smrlab(cwd, *SWEEP, "--out", "OUT")
    assert p.returncode == 0, describe(p)
    assert f"{SWEEP_ROWS} trial(s) written" in p.stderr, describe(p)
    return cwd / "OUT"


def copy_run(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "OUT"
    shutil.copytree(src, dst)
    return dst


# ------------------------------------------------------------------------------ list

def test_list_text_shows_every_scheme_structure_and_the_thread_limit(tmp_path):
    p = smrlab(tmp_path, "list")
    assert p.returncode == 0, describe(p)
    for name in BUILTIN_SCHEMES + ["treiber_stack"]:
        assert re.search(rf"^\s+{name}\s", p.stdout, re.MULTILINE), f"{name} missing\n{p.stdout}"
    matrix = [line for line in p.stdout.splitlines()
              if re.match(r"^\s+immediate_free\s+x\s+treiber_stack\s", line)]
    assert len(matrix) == 1, p.stdout
    assert "at most 1 thread" in matrix[0], matrix[0]


def test_list_json_has_schemes_structures_and_matrix(tmp_path):
    p = smrlab(tmp_path, "list", "--format", "json")
    assert p.returncode == 0, describe(p)
    data = json.loads(p.stdout)
    assert {"schemes", "structures", "matrix"} <= data.keys()
    names = {s["name"] for s in data["schemes"]}
    assert set(BUILTIN_SCHEMES) <= names
    assert "treiber_stack" in {d["name"] for d in data["structures"]}
    assert len(data["matrix"]) == len(data["schemes"]) * len(data["structures"])


# ------------------------------------------------------------------------------ bad input

def test_unknown_scheme_is_named_and_registered_schemes_listed(tmp_path):
    p = smrlab(tmp_path, "run", "--schemes", "nosuch")
    assert p.returncode == 2, describe(p)
    assert "unknown scheme 'nosuch'" in p.stderr, describe(p)
    listed = p.stderr.split("registered schemes:", 1)
    assert len(listed) == 2, describe(p)
    for name in scheme_names(tmp_path):
        assert name in listed[1], f"{name} not listed\n{describe(p)}"
    assert not (tmp_path / "results").exists()


def test_unknown_structure(tmp_path):
    p = smrlab(tmp_path, "run", "--structures", "nosuch")
    assert p.returncode == 2, describe(p)
    assert "unknown structure 'nosuch'" in p.stderr, describe(p)
    assert "treiber_stack" in p.stderr, describe(p)


def test_empty_thread_list_is_refused(tmp_path):
    p = smrlab(tmp_path, "run", "--threads", "")
    assert p.returncode == 2, describe(p)
    assert "thread" in p.stderr.lower(), describe(p)
    assert not (tmp_path / "results").exists()


def test_zero_threads_is_refused(tmp_path):
    p = smrlab(tmp_path, "run", "--threads", "0")
    assert p.returncode == 2, describe(p)
    assert "not a positive thread count" in p.stderr, describe(p)


def test_non_numeric_threads_is_a_parse_error(tmp_path):
    p = smrlab(tmp_path, "run", "--threads", "a,b")
    assert p.returncode == 2, describe(p)
    assert "--threads" in p.stderr, describe(p)


def test_bad_duration(tmp_path):
    p = smrlab(tmp_path, "run", "--duration", "xyz")
    assert p.returncode == 2, describe(p)
    assert "bad --duration 'xyz'" in p.stderr, describe(p)


def test_zero_duration(tmp_path):
    p = smrlab(tmp_path, "run", "--duration", "0s")
    assert p.returncode == 2, describe(p)
    assert "bad --duration" in p.stderr, describe(p)


def test_duration_and_ops_per_thread_exclude_each_other(tmp_path):
    p = smrlab(tmp_path, "run", "--duration", "1s", "--ops-per-thread", "10")
    assert p.returncode == 2, describe(p)
    assert "excludes" in p.stderr, describe(p)
    assert not (tmp_path / "results").exists()


def test_thread_limit_leaves_nothing_to_run(tmp_path):
    p = smrlab(tmp_path, "run", "--schemes", "immediate_free", "--threads", "2")
    assert p.returncode == 2, describe(p)
    assert "nothing to run" in p.stderr, describe(p)
    assert "at most 1 thread" in p.stderr, describe(p)
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------------------ help

def test_app_help(tmp_path):
    p = smrlab(tmp_path, "--help")
    assert p.returncode == 0, describe(p)
    for word in ("list", "run", "--help", "--version"):
        assert word in p.stdout, describe(p)


def test_run_help_mentions_every_option(tmp_path):
    p = smrlab(tmp_path, "run", "--help")
    assert p.returncode == 0, describe(p)
    for option in ("--preset", "--schemes", "--structures", "--threads", "--trials",
                   "--duration", "--ops-per-thread", "--warmup", "--prefill", "--pin",
                   "--seed", "--memory-cap", "--out", "--resume", "--quiet", "--mix",
                   "--key-range", "--dist"):
        assert option in p.stdout, f"{option} missing\n{describe(p)}"


def test_list_help(tmp_path):
    p = smrlab(tmp_path, "list", "--help")
    assert p.returncode == 0, describe(p)
    assert "--format" in p.stdout, describe(p)


# ------------------------------------------------------------------------------ a real sweep

def test_documented_columns_helper_reads_the_results_table():
    cols = documented_columns()
    assert cols[0] == "timestamp"
    for core in ("scheme", "structure", "workload", "threads", "trial", "pin_policy",
                 "allocator", "total_ops", "throughput_ops_s", "unreclaimed_peak",
                 "unreclaimed_mean", "unreclaimed_end", "bound", "rss_peak_bytes", "valid",
                 "status"):
        assert core in cols
    assert len(cols) == len(set(cols))
    assert documented_columns(section="timeseries.csv") == TIMESERIES_COLUMNS


def test_sweep_results_csv(finished_sweep):
    header, _ = read_csv(finished_sweep / "results.csv")
    assert header == documented_columns()
    rows = read_dicts(finished_sweep / "results.csv")
    assert len(rows) == SWEEP_ROWS
    seen = set()
    for r in rows:
        assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r
        assert r["structure"] == "treiber_stack"
        assert r["threads"] in {"1", "2"}, r
        assert r["trial"] in {"1", "2"}, r
        assert r["mode"] == "duration"
        assert float(r["throughput_ops_s"]) > 0, r
        assert int(r["total_ops"]) > 0, r
        peak = int(r["unreclaimed_peak"])
        if r["scheme"] == "hazard_pointers":
            assert r["bound"] != "", r
            assert peak <= int(r["bound"]), r
        elif r["scheme"] == "ebr":
            assert r["bound"] == "", r
        else:
            pytest.fail(f"unexpected scheme {r['scheme']}")
        seen.add((r["scheme"], r["threads"], r["trial"]))
    assert len(seen) == SWEEP_ROWS  # every combination exactly once


def test_sweep_meta_json(finished_sweep):
    meta = json.loads((finished_sweep / "meta.json").read_text(encoding="utf-8"))
    for key in ("machine", "build", "sweep"):
        assert key in meta, meta.keys()
    assert meta["sweep"]["schemes"] == ["ebr", "hazard_pointers"]
    assert meta["sweep"]["threads"] == [1, 2]


def test_sweep_timeseries_csv(finished_sweep):
    path = finished_sweep / "timeseries.csv"
    assert path.is_file()
    header, rows = read_csv(path)
    assert header == TIMESERIES_COLUMNS
    assert rows, "the sampler recorded nothing"
    assert all(len(r) == len(header) for r in rows)
    assert {r[1] for r in rows} == {"ebr", "hazard_pointers"}
    trial_ids = {r["trial_id"] for r in read_dicts(finished_sweep / "results.csv")}
    assert {r[0] for r in rows} == trial_ids, "every trial's samples, tied by trial_id"


def test_existing_output_is_refused_without_resume(finished_sweep, tmp_path):
    out = copy_run(finished_sweep, tmp_path)
    before = (out / "results.csv").read_bytes()
    p = smrlab(tmp_path, *SWEEP, "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "already exists" in p.stderr, describe(p)
    assert "--resume" in p.stderr, describe(p)
    assert (out / "results.csv").read_bytes() == before


def test_resume_of_a_finished_run_does_nothing(finished_sweep, tmp_path):
    out = copy_run(finished_sweep, tmp_path)
    p = smrlab(tmp_path, *SWEEP, "--out", "OUT", "--resume")
    assert p.returncode == 0, describe(p)
    assert f"{SWEEP_ROWS} of {SWEEP_ROWS} trials already done" in p.stderr, describe(p)
    assert len(read_dicts(out / "results.csv")) == SWEEP_ROWS


def test_resume_after_a_crash_redoes_the_cut_row(finished_sweep, tmp_path):
    out = copy_run(finished_sweep, tmp_path)
    results = out / "results.csv"
    text = results.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines(keepends=True)
    last = lines[-1].rstrip("\n")
    cut = "".join(lines[:-1]) + last[: len(last) // 2]  # half a row, no trailing newline
    results.write_text(cut, encoding="utf-8")

    p = smrlab(tmp_path, *SWEEP, "--out", "OUT", "--resume")
    assert p.returncode == 0, describe(p)
    assert "dropped 1 incomplete row" in p.stderr, describe(p)
    assert f"{SWEEP_ROWS - 1} of {SWEEP_ROWS} trials already done" in p.stderr, describe(p)
    assert results.read_text(encoding="utf-8").endswith("\n")
    header, raw = read_csv(results)
    assert header == documented_columns()
    assert all(len(r) == len(header) for r in raw), raw
    rows = [dict(zip(header, r)) for r in raw]
    assert len(rows) == SWEEP_ROWS
    assert len({(r["scheme"], r["threads"], r["trial"]) for r in rows}) == SWEEP_ROWS
    assert all(did_work(r) for r in rows), rows


def test_ops_mode_runs_exactly_the_requested_operations(tmp_path):
    p = smrlab(tmp_path, "run", "--ops-per-thread", "2000", "--threads", "2", "--schemes",
               "ebr", "--structures", "treiber_stack", "--prefill", "100", "--warmup", "10ms",
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    assert "trial(s) written" in p.stderr, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert rows
    for r in rows:
        assert r["mode"] == "ops", r
        assert r["total_ops"] == "4000", r
        assert r["ops_per_thread"] == "2000", r
        assert r["target_duration_s"] == "", r
        assert did_work(r), r


# ------------------------------------------------------------------------------ presets

def test_preset_unknown_key_is_named(tmp_path):
    preset = write_preset(tmp_path / "p.toml", 'name = "x"\nthreadz = [1]\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "unknown key 'threadz'" in p.stderr, describe(p)
    assert not (tmp_path / "OUT").exists()


def test_preset_syntax_error_names_the_line(tmp_path):
    preset = write_preset(tmp_path / "p.toml", 'name = "x"\ntrials = = 1\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "line 2" in p.stderr, describe(p)
    assert not (tmp_path / "OUT").exists()


def test_valid_preset_runs(tmp_path):
    preset = write_preset(tmp_path / "tiny.toml",
                          'name = "tiny"\nschemes = ["ebr"]\nstructures = ["treiber_stack"]\n'
                          'threads = [1]\ntrials = 1\n'
                          'duration = "50ms"\nwarmup = "10ms"\nprefill = 10\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 0, describe(p)
    assert "1 trial(s) written" in p.stderr, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert len(rows) == 1
    r = rows[0]
    assert (r["scheme"], r["threads"], r["prefill"]) == ("ebr", "1", "10") and did_work(r), r
    assert float(r["target_duration_s"]) == pytest.approx(0.05)
    meta = json.loads((tmp_path / "OUT" / "meta.json").read_text(encoding="utf-8"))
    assert meta["sweep"]["label"] == "tiny"


def test_missing_preset_file(tmp_path):
    p = smrlab(tmp_path, "run", "--preset", str(tmp_path / "missing.toml"))
    assert p.returncode == 2, describe(p)
    assert "missing.toml" in p.stderr, describe(p)
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------------------ Ctrl-C

def data_rows_written(path: Path) -> int:
    """Complete data lines in a results.csv being written (a line counts once it ends)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    return max(0, text.count("\n") - 1)


def test_ctrl_c_keeps_finished_rows_and_says_how_to_resume(tmp_path):
    stdout = (tmp_path / "stdout.txt").open("w")
    stderr = (tmp_path / "stderr.txt").open("w")
    results = tmp_path / "OUT" / "results.csv"
    proc = subprocess.Popen(
        [smrlab_bin(), "run", "--duration", "2s", "--trials", "5", "--schemes", "ebr",
         "--structures", "treiber_stack", "--threads", "1", "--warmup", "10ms", "--out", "OUT"],
        cwd=tmp_path, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while data_rows_written(results) < 1:
            assert proc.poll() is None, f"smrlab exited early with {proc.returncode}"
            assert time.monotonic() < deadline, "no row written within 30 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stdout.close()
        stderr.close()
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert rc == 130, f"exit {rc}\n{err}"
    assert "--resume" in err, err
    header, rows = read_csv(results)
    assert header == documented_columns()
    assert 1 <= len(rows) < 5, rows
    for r in rows:
        assert len(r) == len(header), r
        assert did_work(dict(zip(header, r))), r


# ------------------------------------------------------------------------------ --free

def test_bad_free_mode_is_refused_and_writes_nothing(tmp_path):
    p = smrlab(tmp_path, "run", "--free", "lazy", "--out", str(tmp_path / "out"))
    assert p.returncode == 2, describe(p)
    assert "unknown free mode 'lazy'" in p.stderr, describe(p)
    assert not (tmp_path / "out").exists()


def test_free_modes_run_side_by_side_with_their_own_rows_and_trial_ids(tmp_path):
    """--free batch,amortized is a sweep dimension: one row per mode, each with its mode,
    its own trial_id, every node reclaimed by teardown, and the bound kept."""
    out = tmp_path / "out"
    p = smrlab(tmp_path, "run", "--schemes", "hazard_pointers,qsbr", "--structures",
               "treiber_stack", "--threads", "2", "--duration", "50ms", "--warmup", "10ms",
               "--free", "batch,amortized", "--out", str(out), "--quiet")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(out / "results.csv")
    assert sorted((r["scheme"], r["free_mode"]) for r in rows) == [
        ("hazard_pointers", "amortized"), ("hazard_pointers", "batch"),
        ("qsbr", "amortized"), ("qsbr", "batch")]
    assert len({r["trial_id"] for r in rows}) == 4
    for r in rows:
        assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r
        if r["bound"]:
            assert int(r["unreclaimed_peak"]) <= int(r["bound"]), r
    meta = json.loads((out / "meta.json").read_text())
    assert meta["sweep"]["free_modes"] == ["batch", "amortized"]
