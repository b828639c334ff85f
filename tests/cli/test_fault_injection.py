"""Fault injection through the command line (workloads/fault_injection.hpp): `--fault park:N`
parks N of a trial's threads inside an operation for the whole trial. This is the stall
experiment: an epoch scheme's garbage grows for as long as the thread stays parked, while
hazard-pointer schemes stay under their bounds. The trials do a fixed number of operations, and
the checks are on counts, never on timing, so a loaded machine cannot change the outcome.
The binary is named by $SMRLAB_BIN.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli import describe, did_work, read_dicts, smrlab

STALL = ["run", "--schemes", "ebr,hazard_pointers,hprc", "--structures", "treiber_stack",
         "--threads", "1,3", "--fault", "none,park:1", "--trials", "1",
         "--ops-per-thread", "30000", "--warmup", "0"]


def _stall_run(tmp_path: Path):
    out = tmp_path / "run"
    p = smrlab(tmp_path, *STALL, "--out", str(out))
    assert p.returncode == 0, describe(p)
    return p, read_dicts(out / "results.csv"), read_dicts(out / "timeseries.csv")


def test_park_is_a_sweep_dimension_and_needs_a_thread_left_to_work(tmp_path):
    p, rows, _ = _stall_run(tmp_path)
    # 3 schemes x (threads 1 and 3 without a fault + threads 3 parked); park:1 at 1 thread
    # would leave no worker, and is skipped with the reason.
    assert len(rows) == 9, describe(p)
    assert "fault park:1 at 1 threads: no thread would be left" in p.stderr, describe(p)
    assert {r["fault"] for r in rows} == {"none", "park:1"}
    for r in rows:
        assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r


def test_a_parked_thread_stops_ebr_reclaiming_but_not_the_hazard_pointer_schemes(tmp_path):
    _, rows, series = _stall_run(tmp_path)
    parked = {r["scheme"]: r for r in rows if r["fault"] == "park:1"}
    ebr = parked["ebr"]
    # Nothing retired while the thread is parked can be reclaimed: the epoch cannot advance
    # past a thread inside an operation.
    assert int(ebr["retired"]) > 0
    assert int(ebr["reclaimed"]) == 0, ebr
    assert int(ebr["unreclaimed_end"]) == int(ebr["retired"])
    # ... so its garbage only grows, and its peak is everything the others retired.
    assert int(ebr["unreclaimed_peak"]) == int(ebr["retired"])
    samples = [int(s["unreclaimed"]) for s in series if s["trial_id"] == ebr["trial_id"]]
    assert samples, "no memory samples for the parked ebr trial"
    assert samples == sorted(samples), "ebr's unreclaimed count went down while parked"
    # The bounded schemes reclaim around the parked thread and stay under their bound.
    for scheme in ("hazard_pointers", "hprc"):
        r = parked[scheme]
        assert r["bound"], r
        assert int(r["reclaimed"]) > 0, r
        assert int(r["unreclaimed_peak"]) <= int(r["bound"]), r
    # Two of the three threads worked, each its 30000 operations: fairness is over them, the
    # parked one is left out.
    for r in parked.values():
        assert int(r["ops_min_thread"]) == 30000, r
        assert int(r["total_ops"]) == 60000, r


def test_bad_fault_names_the_accepted_forms(tmp_path):
    for bad in ("sleep:1", "park:0", "park"):
        p = smrlab(tmp_path, "run", "--fault", bad, "--dry-run")
        assert p.returncode == 2, describe(p)
        assert "park:N" in p.stderr, describe(p)


def test_the_fault_preset_key_is_checked(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('name = "p"\nfault = ["none", "park:x"]\n', encoding="utf-8")
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--dry-run")
    assert p.returncode == 2, describe(p)
    assert "park:x" in p.stderr and str(preset) in p.stderr, describe(p)


def test_sleeping_and_exiting_threads_are_sweep_values_and_leave_correct_runs(tmp_path):
    out = tmp_path / "run"
    p = smrlab(tmp_path, "run", "--schemes", "ebr,hazard_pointers,hprc", "--structures",
               "treiber_stack", "--threads", "3", "--fault", "sleep:1:5ms,exit:1",
               "--trials", "1", "--duration", "100ms", "--warmup", "10ms", "--out", str(out))
    assert p.returncode == 0, describe(p)
    rows = read_dicts(out / "results.csv")
    assert sorted({r["fault"] for r in rows}) == ["exit:1", "sleep:1:5ms"]
    for r in rows:
        # Validated, and everything retired (the exited thread's garbage included) reclaimed.
        assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r
        if r["bound"]:
            assert int(r["unreclaimed_peak"]) <= int(r["bound"]), r


# The schemes that ping (schemes/thread_ping.hpp), where this build has them.
PINGING = ("hp_pop", "epoch_pop", "nbr_plus")


def test_the_ping_schemes_answer_parked_asleep_and_exiting_threads_and_count_their_pings(
        tmp_path):
    from test_cli import scheme_names
    pinging = [s for s in PINGING if s in scheme_names(tmp_path)]
    if not pinging:
        pytest.skip("no scheme of this build pings")
    out = tmp_path / "run"
    # About 10 000 retires per working thread, past the 1024 of a ping scheme's threshold at 3
    # threads (8 x 2 targets x the default floor of 64): ping rounds that reach a thread parked,
    # asleep or about to exit.
    p = smrlab(tmp_path, "run", "--schemes", ",".join(pinging + ["ebr"]), "--structures",
               "treiber_stack", "--threads", "3", "--fault", "park:1,sleep:1:2ms,exit:1",
               "--trials", "1", "--ops-per-thread", "20000", "--warmup", "0", "--out", str(out))
    assert p.returncode == 0, describe(p)
    rows = read_dicts(out / "results.csv")
    assert len(rows) == 3 * (len(pinging) + 1), describe(p)
    for r in rows:
        assert did_work(r) and (r["valid"], r["teardown"]) == ("ok", "ok"), r
        if r["scheme"] == "ebr":
            assert (r["pings"], r["ns_per_ping"]) == ("0", ""), r
            continue
        # epoch_pop pings only when a thread holds its epoch back (the parked one does; a
        # sleeper may; one that exits does not), hp_pop and nbr_plus at every scan.
        if r["scheme"] != "epoch_pop" or r["fault"] == "park:1":
            assert int(r["pings"]) > 0, r
        assert (r["ns_per_ping"] == "") == (r["pings"] == "0"), r
        if r["ns_per_ping"]:
            assert float(r["ns_per_ping"]) > 0, r
        assert int(r["reclaimed"]) > 0, r
        assert int(r["unreclaimed_peak"]) <= int(r["bound"]), r
