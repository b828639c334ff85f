"""Tests of `smrlab run --isolation process|none` (harness/trial_process.hpp): both modes run
the same trials and record the mode per row and in meta.json; under `process` every trial runs
in its own child process (meta.json's "processes" maps each trial_id to the id of the process
that ran it); a child that dies becomes an error row and the sweep goes on; Ctrl-C stops a
process-isolated sweep and --resume finishes it. The binary under test is named by $SMRLAB_BIN.

A child is made to die with the test-only environment variable SMRLAB_TEST_DIE_BEFORE_ROW=
SCHEME/TRIAL: a child running that one trial kills itself with SIGSEGV after writing the trial's
samples and before writing its row. SMRLAB_TEST_HANG_BEFORE_ROW=SCHEME/TRIAL makes it hang there
instead, deaf to SIGINT and SIGTERM: a stand-in for an operation that never returns, which only
--trial-timeout (or the grace after an interrupt) ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from test_cli import data_rows_written, describe, did_work, read_dicts, smrlab, smrlab_bin

RUN = ["run", "--schemes", "ebr,hazard_pointers", "--structures", "treiber_stack",
       "--threads", "1", "--trials", "2", "--duration", "30ms", "--warmup", "5ms",
       "--prefill", "50"]
ROWS = 4  # 2 schemes x 2 trials


def meta_of(out: Path) -> dict:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def trial_ids_sampled(series: Path) -> set[str]:
    """The trial_ids in the complete lines of a timeseries.csv being written (none if absent)."""
    try:
        lines = series.read_text(encoding="utf-8").split("\n")[:-1]
    except FileNotFoundError:
        return set()
    if not lines:
        return set()
    column = lines[0].split(",").index("trial_id")
    return {cells[column] for cells in (line.split(",") for line in lines[1:])
            if len(cells) > column}


def run_mode(tmp_path: Path, mode: str, *extra: str, env: dict | None = None):
    out = tmp_path / mode
    args = [smrlab_bin(), *RUN, *extra, "--isolation", mode, "--out", str(out)]
    p = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                       check=False)
    return p, out


def test_both_modes_run_the_same_trials_and_record_the_mode(tmp_path):
    ids = {}
    for mode in ("process", "none"):
        p, out = run_mode(tmp_path, mode)
        assert p.returncode == 0, describe(p)
        assert f"{ROWS} trial(s) written" in p.stderr, describe(p)
        rows = read_dicts(out / "results.csv")
        assert len(rows) == ROWS
        for r in rows:
            assert (r["isolation"], r["valid"]) == (mode, "ok") and did_work(r), r
            assert r["sample_interval_ms"] == "1.000", r
            for column in ("sampler_cpu_ms", "sampler_max_gap_ms", "worker_max_stall_ms"):
                assert float(r[column]) >= 0, (column, r)
            assert r["allocator_detail"].startswith("glibc"), r
        series = read_dicts(out / "timeseries.csv")
        assert {s["trial_id"] for s in series} == {r["trial_id"] for r in rows}
        assert meta_of(out)["sweep"]["isolation"] == mode
        ids[mode] = sorted(r["trial_id"] for r in rows)
    assert ids["process"] == ids["none"]


def test_under_process_each_trial_runs_in_its_own_process(tmp_path):
    pids = {}
    for mode in ("process", "none"):
        p, out = run_mode(tmp_path, mode)
        assert p.returncode == 0, describe(p)
        rows = read_dicts(out / "results.csv")
        processes = meta_of(out)["processes"]
        assert set(processes) == {r["trial_id"] for r in rows}
        pids[mode] = list(processes.values())
    assert len(set(pids["process"])) == ROWS, pids
    assert len(set(pids["none"])) == 1, pids
    assert not set(pids["process"]) & set(pids["none"])


def test_a_sample_interval_reaches_every_row(tmp_path):
    p, out = run_mode(tmp_path, "process", "--sample-interval", "5ms")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(out / "results.csv")
    assert {r["sample_interval_ms"] for r in rows} == {"5.000"}
    assert meta_of(out)["sweep"]["sample_interval_s"] == 0.005


def test_a_child_that_dies_becomes_an_error_row_and_the_sweep_goes_on(tmp_path):
    env = dict(os.environ, SMRLAB_TEST_DIE_BEFORE_ROW="ebr/1")
    p, out = run_mode(tmp_path, "process", env=env)
    assert p.returncode == 1, describe(p)
    assert "FAILED: status=error" in p.stderr, describe(p)
    assert f"{ROWS} trial(s) written" in p.stderr, describe(p)
    rows = read_dicts(out / "results.csv")
    assert len(rows) == ROWS
    (dead,) = [r for r in rows if (r["scheme"], r["trial"]) == ("ebr", "1")]
    assert dead["status"] == "error", dead
    assert "the trial's process died: signal 11 (Segmentation fault)" in dead["message"], dead
    assert dead["isolation"] == "process", dead
    others = [r for r in rows if r is not dead]
    assert all(did_work(r) for r in others), others
    # The samples the dead child wrote before its row were cut off with it.
    series = read_dicts(out / "timeseries.csv")
    assert {s["trial_id"] for s in series} == {r["trial_id"] for r in others}
    # A resumed sweep takes the error row as finished.
    p = smrlab(tmp_path, *RUN, "--isolation", "process", "--out", str(out), "--resume")
    assert p.returncode == 0, describe(p)
    assert f"{ROWS} of {ROWS} trials already done" in p.stderr, describe(p)


def test_a_child_that_hangs_is_killed_at_the_trial_timeout_and_the_sweep_goes_on(tmp_path):
    env = dict(os.environ, SMRLAB_TEST_HANG_BEFORE_ROW="ebr/1")
    p, out = run_mode(tmp_path, "process", "--trial-timeout", "6s", env=env)
    assert p.returncode == 1, describe(p)
    assert f"{ROWS} trial(s) written" in p.stderr, describe(p)
    rows = read_dicts(out / "results.csv")
    assert len(rows) == ROWS
    (hung,) = [r for r in rows if (r["scheme"], r["trial"]) == ("ebr", "1")]
    assert hung["status"] == "error", hung
    assert "still running after 6 s: killed" in hung["message"], hung
    assert "--trial-timeout" in hung["message"], hung
    others = [r for r in rows if r is not hung]
    assert all(did_work(r) for r in others), others


def test_a_bad_trial_timeout_is_refused(tmp_path):
    p, out = run_mode(tmp_path, "process", "--trial-timeout", "soon")
    assert p.returncode == 2, describe(p)
    assert p.stderr.count("\n") == 1 and "--trial-timeout" in p.stderr, describe(p)
    assert not out.exists()


def test_the_die_variable_is_ignored_without_process_isolation(tmp_path):
    # It is a test hook for the children of a process-isolated sweep only.
    env = dict(os.environ, SMRLAB_TEST_DIE_BEFORE_ROW="ebr/1")
    p, out = run_mode(tmp_path, "none", env=env)
    assert p.returncode == 0, describe(p)
    assert all(did_work(r) for r in read_dicts(out / "results.csv"))


def interrupt_once(tmp_path: Path, args: list[str], ready, env: dict | None = None,
                   wait_s: float = 30) -> tuple[int, str]:
    """Starts `smrlab *args` in tmp_path, sends it SIGINT (to the parent only: it passes it on
    to its child) once ready() is true, and returns its exit status and stderr."""
    with (tmp_path / "stderr.txt").open("w") as stderr:
        proc = subprocess.Popen([smrlab_bin(), *args], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while not ready():
                assert proc.poll() is None, f"smrlab exited early with {proc.returncode}"
                assert time.monotonic() < deadline, "not ready to interrupt within 60 s"
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=wait_s)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return rc, (tmp_path / "stderr.txt").read_text(encoding="utf-8")


def test_ctrl_c_stops_a_process_isolated_sweep_and_resume_finishes_it(tmp_path):
    args = ["run", "--schemes", "ebr", "--structures", "treiber_stack", "--threads", "1",
            "--trials", "4", "--duration", "500ms", "--warmup", "10ms", "--prefill", "50",
            "--isolation", "process", "--out", "OUT"]
    results = tmp_path / "OUT" / "results.csv"
    rc, err = interrupt_once(tmp_path, args, lambda: data_rows_written(results) >= 1)
    assert rc == 130, f"exit {rc}\n{err}"
    assert "--resume" in err, err
    rows = read_dicts(results)
    assert 1 <= len(rows) < 4, rows
    assert all(did_work(r) for r in rows), rows

    p = smrlab(tmp_path, *args, "--resume")
    assert p.returncode == 0, describe(p)
    assert f"{len(rows)} of 4 trials already done" in p.stderr, describe(p)
    rows = read_dicts(results)
    assert sorted(r["trial"] for r in rows) == ["1", "2", "3", "4"]
    assert all(did_work(r) and r["isolation"] == "process" for r in rows), rows
    series = read_dicts(tmp_path / "OUT" / "timeseries.csv")
    assert {s["trial_id"] for s in series} == {r["trial_id"] for r in rows}


def test_ctrl_c_ends_a_sweep_whose_child_does_not_stop(tmp_path):
    # The child is deaf to the SIGINT its parent passes on (an operation that never returns):
    # the parent kills it after the grace period and stops, as for any interrupt.
    args = ["run", "--schemes", "ebr", "--structures", "treiber_stack", "--threads", "1",
            "--trials", "2", "--duration", "30ms", "--warmup", "5ms", "--prefill", "50",
            "--isolation", "process", "--out", "OUT"]
    results = tmp_path / "OUT" / "results.csv"
    # The second trial's samples are written just before its child hangs.
    series = tmp_path / "OUT" / "timeseries.csv"
    env = dict(os.environ, SMRLAB_TEST_HANG_BEFORE_ROW="ebr/2")
    rc, err = interrupt_once(tmp_path, args, lambda: len(trial_ids_sampled(series)) >= 2,
                             env=env, wait_s=90)
    assert rc == 130, f"exit {rc}\n{err}"
    rows = read_dicts(results)
    assert [r["trial"] for r in rows] == ["1"], rows
    p = smrlab(tmp_path, *args, "--resume")
    assert p.returncode == 0, describe(p)
    assert sorted(r["trial"] for r in read_dicts(results)) == ["1", "2"]


def test_allocators_under_none_run_in_one_child_each(tmp_path):
    p, out = run_mode(tmp_path, "none", "--allocator", "system,jemalloc")
    assert p.returncode == 0, describe(p)
    assert "running the jemalloc trials in a child process" in p.stderr, describe(p)
    rows = read_dicts(out / "results.csv")
    assert len(rows) == 2 * ROWS
    for r in rows:
        assert did_work(r) and r["isolation"] == "none", r
        assert r["allocator_detail"].startswith(r["allocator"] if r["allocator"] != "system"
                                                else "glibc"), r
    pids = meta_of(out)["processes"]
    by_allocator = {}
    for r in rows:
        by_allocator.setdefault(r["allocator"], set()).add(pids[r["trial_id"]])
    assert all(len(v) == 1 for v in by_allocator.values()), by_allocator
    assert by_allocator["system"] != by_allocator["jemalloc"]


def test_allocators_under_process_run_each_trial_under_its_allocator(tmp_path):
    p, out = run_mode(tmp_path, "process", "--allocator", "system,jemalloc")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(out / "results.csv")
    assert len(rows) == 2 * ROWS
    for r in rows:
        assert did_work(r) and r["isolation"] == "process", r
    assert {r["allocator_detail"].split(" ")[0] for r in rows} == {"glibc", "jemalloc"}
    assert len(set(meta_of(out)["processes"].values())) == 2 * ROWS


def test_the_dry_run_says_which_isolation(tmp_path):
    for mode in ("process", "none"):
        p = smrlab(tmp_path, *RUN, "--isolation", mode, "--dry-run")
        assert p.returncode == 0, describe(p)
        assert f"isolation {mode}:" in p.stdout, describe(p)
    p = smrlab(tmp_path, *RUN, "--dry-run")
    assert "isolation process:" in p.stdout, describe(p)


def test_a_bad_isolation_is_refused(tmp_path):
    p = smrlab(tmp_path, *RUN, "--isolation", "thread", "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "--isolation" in p.stderr, describe(p)
    assert not (tmp_path / "OUT").exists()
