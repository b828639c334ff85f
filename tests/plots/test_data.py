"""Tests of plots/smrlab_plots/data.py: reading and checking the run's files, and the
numbers the figures are drawn from (medians, bounds, PU count, panels, variants)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smrlab_plots import data
from synthetic_run import (
    RESULT_COLUMNS, TIMESERIES_COLUMNS, known_rows, row, samples_of, write_results,
    write_timeseries,
)


@pytest.fixture
def ok(tmp_path):
    write_results(tmp_path, known_rows())
    return data.ok_rows(data.load_results(tmp_path / "results.csv"))


# ---------------------------------------------------------------------------- results.csv


def test_summarise_throughput_medians_min_max(ok):
    s = data.summarise(ok, "throughput_ops_s")
    assert list(s.columns) == ["scheme", "structure", "workload", "threads",
                               "median", "min", "max", "trials"]
    got = {(r.scheme, r.threads): (r.median, r.min, r.max, r.trials)
           for r in s.itertuples(index=False)}
    assert got == {
        ("ebr", 1): (20.0, 10.0, 30.0, 3),
        ("ebr", 4): (45.0, 40.0, 50.0, 4),  # 40, 45, 45, 50: the valid!=ok row counts
        ("hp", 1): (6.0, 5.0, 7.0, 3),
        ("hp", 4): (14.0, 12.0, 16.0, 3),
    }


def test_summarise_unreclaimed_peak(ok):
    s = data.summarise(ok, "unreclaimed_peak").set_index(["scheme", "threads"])
    assert s.loc[("ebr", 1), "median"] == 200
    assert s.loc[("ebr", 4), "median"] == 2000
    assert (s.loc[("hp", 4), "min"], s.loc[("hp", 4), "max"]) == (10, 30)


def test_summarise_even_count_median_is_mean_of_middle_pair():
    df = pd.DataFrame([row("x", 2, t, v, 0) for t, v in enumerate([1.0, 2.0, 10.0, 20.0], 1)])
    s = data.summarise(data.ok_rows(df))
    assert s.loc[0, "median"] == 6.0
    assert (s.loc[0, "min"], s.loc[0, "max"], s.loc[0, "trials"]) == (1.0, 20.0, 4)


def test_failed_rows_are_excluded(tmp_path):
    write_results(tmp_path, known_rows())
    df = data.load_results(tmp_path / "results.csv")
    ok = data.ok_rows(df)
    assert (len(df), len(ok)) == (16, 13)
    assert ok["throughput_ops_s"].max() < 1e9


def test_bounds_only_where_given(ok):
    b = data.bounds(ok)
    assert set(b["scheme"]) == {"hp"}
    assert dict(zip(b["threads"], b["bound"])) == {1: 8, 4: 32}


def test_pu_count():
    assert data.pu_count(pd.DataFrame({"pus": [4, 4]})) == 4
    assert data.pu_count(pd.DataFrame({"pus": [8, 4]})) == 4
    assert data.pu_count(pd.DataFrame({"threads": [1]})) is None
    assert data.pu_count(pd.DataFrame({"pus": [None, None]})) is None


def test_problem_rows(tmp_path):
    write_results(tmp_path, known_rows())
    bad = data.problem_rows(data.load_results(tmp_path / "results.csv"))
    assert sorted(bad["status"]) == ["error", "memory_cap", "no_progress", "ok"]
    assert "count mismatch: 3 lost" in set(bad["valid"])


def test_trial_id_and_names_stay_text(tmp_path):
    rows = [row("NA", 1, 1, 5.0, 1, tid="0012345678901234"),
            row("null", 1, 1, 6.0, 1, tid="0000000000000001")]
    write_results(tmp_path, rows)
    ok = data.ok_rows(data.load_results(tmp_path / "results.csv"))
    assert list(ok["trial_id"]) == ["0012345678901234", "0000000000000001"]
    assert list(ok["scheme"]) == ["NA", "null"]


@pytest.mark.parametrize("text, needle", [
    ("", "file is empty"),
    ("hello,world\n1,2\n", "missing core column(s): scheme"),
    (",".join(data.CORE_COLUMNS) + "\n", "has a header but no trials"),
    (",".join(data.CORE_COLUMNS) + "\nhp,s,w,1,2,3,ok\nhp,s,w,1,2,3,ok,x,y\n",
     "not a readable CSV file"),
])
def test_load_results_rejects_bad_files(tmp_path, text, needle):
    path = tmp_path / "results.csv"
    path.write_text(text)
    with pytest.raises(data.InputError) as err:
        data.load_results(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value)


def test_load_results_missing_file(tmp_path):
    with pytest.raises(data.InputError, match="no such file"):
        data.load_results(tmp_path / "results.csv")


# ------------------------------------------------------------------------------ variants


def pin_rows():
    """hp at 2 threads under two pin policies: compact 10/20/30, scatter 100/200/300."""
    return [row("hp", 2, t, v, 5, pin_policy=pin)
            for pin, values in (("compact", (10.0, 20.0, 30.0)), ("scatter", (100.0, 200.0, 300.0)))
            for t, v in enumerate(values, 1)]


def test_varying_columns():
    ok = data.ok_rows(pd.DataFrame(pin_rows()))
    assert data.varying_columns(ok) == ["pin_policy"]
    assert data.varying_columns(data.ok_rows(pd.DataFrame(known_rows()))) == []


def test_summarise_never_pools_variants():
    s = data.summarise(data.ok_rows(pd.DataFrame(pin_rows())))
    assert list(s.columns) == ["scheme", "structure", "workload", "threads", "pin_policy",
                               "median", "min", "max", "trials"]
    assert dict(zip(s["pin_policy"], s["median"])) == {"compact": 20.0, "scatter": 200.0}


def test_summarise_keys_every_varying_column():
    rows = [row("ebr", 1, 1, 10.0, 5, fault="none", allocator="system"),
            row("ebr", 1, 1, 20.0, 5, fault="park:1", allocator="system"),
            row("ebr", 1, 1, 30.0, 5, fault="none", allocator="jemalloc")]
    s = data.summarise(data.ok_rows(pd.DataFrame(rows)))
    assert len(s) == 3
    assert list(s.columns[4:6]) == ["fault", "allocator"]


def test_panels_split_by_variant_and_title():
    ok = data.ok_rows(pd.DataFrame(pin_rows()))
    keys = data.panels(ok)
    assert [p.variants for p in keys] == [(("pin_policy", "compact"),),
                                          (("pin_policy", "scatter"),)]
    assert keys[1].title() == "stack\npush50_pop50\npin=scatter"
    assert list(keys[1].select(ok)["throughput_ops_s"]) == [100.0, 200.0, 300.0]


def test_panel_title_names_several_variants_and_empty_values():
    panel = data.Panel("list", "w", (("topology_source", ""), ("fault", "park:1")))
    assert panel.title() == "list\nw\ntopology=this machine, fault=park:1"


def test_panels_without_variants():
    ok = data.ok_rows(pd.DataFrame(known_rows()))
    assert data.panels(ok) == [data.Panel("stack", "push50_pop50", ())]


def test_missing_variant_column_is_not_a_variant():
    df = pd.DataFrame(known_rows()).drop(columns=["fault", "membind"])
    assert data.varying_columns(data.ok_rows(df)) == []


@pytest.mark.parametrize("present, expected", [
    (["jemalloc", "system", "mimalloc"], "system"),
    (["mimalloc", "jemalloc"], "jemalloc"),
    (["system"], "system"),
])
def test_preferred_allocator(present, expected):
    ok = data.ok_rows(pd.DataFrame([row("hp", 1, 1, 1.0, 1, allocator=a) for a in present]))
    assert data.preferred_allocator(ok) == expected
    assert data.allocators(ok) == sorted(present)
    assert set(data.rows_of_allocator(ok, expected)["allocator"]) == {expected}


def test_no_allocator_column():
    ok = data.ok_rows(pd.DataFrame(known_rows()).drop(columns=["allocator"]))
    assert data.preferred_allocator(ok) is None
    assert len(data.rows_of_allocator(ok, None)) == len(ok)


# -------------------------------------------------------------------------- timeseries.csv


def test_load_timeseries_missing_is_none(tmp_path):
    assert data.load_timeseries(tmp_path / "timeseries.csv") is None


def test_load_timeseries_reads_samples_and_phase(tmp_path):
    r = row("ebr", 2, 1, 1.0, 30, tid="0000000000000042")
    write_timeseries(tmp_path, samples_of(r, [0, 10, 20, 30], step_ms=50, warmup_ms=100))
    s = data.load_timeseries(tmp_path / "timeseries.csv")
    assert list(s["trial_id"]) == ["0000000000000042"] * 4
    assert list(s["t_s"]) == [0.0, 0.05, 0.1, 0.15]
    assert list(s["unreclaimed"]) == [0, 10, 20, 30]
    assert list(s["phase"]) == ["warmup", "warmup", "measure", "teardown"]


def test_load_timeseries_without_phase_column(tmp_path):
    r = row("ebr", 2, 1, 1.0, 30)
    write_timeseries(tmp_path, samples_of(r, [1, 2], with_phase=False), TIMESERIES_COLUMNS[:-1])
    s = data.load_timeseries(tmp_path / "timeseries.csv")
    assert "phase" not in s.columns
    assert list(s["unreclaimed"]) == [1, 2]


def test_load_timeseries_header_only_is_empty(tmp_path):
    write_timeseries(tmp_path, [])
    s = data.load_timeseries(tmp_path / "timeseries.csv")
    assert s.empty and "t_s" in s.columns


@pytest.mark.parametrize("text, needle", [
    ("", "file is empty"),
    ("trial_id,t_ms\nab,1\n", "missing time-series column(s): unreclaimed"),
    ("trial_id,t_ms,unreclaimed\nab,1,2\nab,2,3,4,5\n", "not a readable CSV file"),
    ("trial_id,t_ms,unreclaimed\nab,1,2\nab,two,3\n",
     "column t_ms holds a value that is not a number in data row 2: 'two'"),
])
def test_load_timeseries_rejects_malformed(tmp_path, text, needle):
    path = tmp_path / "timeseries.csv"
    path.write_text(text)
    with pytest.raises(data.InputError) as err:
        data.load_timeseries(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------------------ meta.json


def test_load_meta(tmp_path):
    path = tmp_path / "meta.json"
    assert data.load_meta(path).problem == "No meta.json in this run folder."
    path.write_text("{not json")
    bad = data.load_meta(path)
    assert bad.data is None and bad.text == "{not json" and "not valid JSON" in bad.problem
    path.write_text("[1, 2]")
    assert "not a JSON object" in data.load_meta(path).problem
    path.write_text(json.dumps({"machine": {"topology": {"pus": 8}}}))
    meta = data.load_meta(path)
    assert meta.problem is None
    assert meta.get("machine.topology.pus") == 8
    assert meta.get("machine.hostname") is None
    assert meta.get("machine.topology.pus.x") is None


def test_result_columns_in_the_synthetic_run_are_documented():
    # The synthetic files use the column names results/README.md documents (`fault`
    # and `phase` come with the fault-injection change and may not be documented yet).
    readme = (Path(__file__).resolve().parents[2] / "results" / "README.md").read_text()
    for column in RESULT_COLUMNS + TIMESERIES_COLUMNS:
        if column not in ("fault", "phase"):
            assert f"`{column}`" in readme, column
