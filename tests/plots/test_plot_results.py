"""Tests for plots/plot_results.py: the data it plots, the files it writes, and how it
fails on bad input. Run with an interpreter that has matplotlib, pandas and pytest:

    $(scripts/find_python.sh --with-pytest) -m pytest tests/plots -q
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "plots" / "plot_results.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("plot_results", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pr = _load_module()

# A subset of the results.csv columns, in the documented order; the script must not
# need the others.
COLUMNS = [
    "machine", "pus", "scheme", "structure", "workload", "threads", "pin_policy", "trial",
    "total_ops", "throughput_ops_s", "unreclaimed_peak", "bound", "teardown", "valid",
    "status", "message",
]


def row(scheme, threads, trial, throughput, peak, *, structure="stack",
        workload="push50_pop50", bound="", status="ok", valid="ok", message=""):
    return {
        "machine": "testhost", "pus": 2, "scheme": scheme, "structure": structure,
        "workload": workload, "threads": threads, "pin_policy": "compact", "trial": trial,
        "total_ops": int(throughput), "throughput_ops_s": throughput,
        "unreclaimed_peak": peak, "bound": bound, "teardown": "ok", "valid": valid,
        "status": status, "message": message,
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
        # ok, but the structure check failed: plotted, and listed in index.html.
        row("ebr", 4, 5, 45.0, 2000, valid="count mismatch: 3 lost"),
    ]


def write_csv(path: Path, rows, columns=COLUMNS):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_script(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def run_dir(tmp_path):
    d = tmp_path / "2025-01-01-testhost-quick"
    write_csv(d / "results.csv", known_rows())
    (d / "meta.json").write_text(json.dumps({"host": "testhost", "cpu": "Test <CPU>",
                                             "preset": {"name": "quick", "trials": 3}}))
    return d


# ------------------------------------------------------------------------ data shaping


def test_summarise_throughput_medians_min_max(run_dir):
    df = pr.ok_rows(pr.load_results(run_dir / "results.csv"))
    s = pr.summarise(df, "throughput_ops_s")
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
    assert set(s["structure"]) == {"stack"}
    assert set(s["workload"]) == {"push50_pop50"}


def test_summarise_unreclaimed_peak(run_dir):
    df = pr.ok_rows(pr.load_results(run_dir / "results.csv"))
    s = pr.summarise(df, "unreclaimed_peak").set_index(["scheme", "threads"])
    assert s.loc[("ebr", 1), "median"] == 200
    assert s.loc[("ebr", 4), "median"] == 2000
    assert (s.loc[("hp", 4), "min"], s.loc[("hp", 4), "max"]) == (10, 30)


def test_summarise_even_count_median_is_mean_of_middle_pair():
    import pandas as pd

    df = pd.DataFrame([row("x", 2, t, v, 0) for t, v in enumerate([1.0, 2.0, 10.0, 20.0], 1)])
    s = pr.summarise(df)
    assert s.loc[0, "median"] == 6.0
    assert (s.loc[0, "min"], s.loc[0, "max"], s.loc[0, "trials"]) == (1.0, 20.0, 4)


def test_failed_rows_are_excluded(run_dir):
    df = pr.load_results(run_dir / "results.csv")
    ok = pr.ok_rows(df)
    assert len(df) == 15
    assert len(ok) == 13
    assert ok["throughput_ops_s"].max() < 1e9


def test_bounds_only_where_given(run_dir):
    df = pr.ok_rows(pr.load_results(run_dir / "results.csv"))
    b = pr.bounds(df)
    assert set(b["scheme"]) == {"hp"}
    assert dict(zip(b["threads"], b["bound"])) == {1: 8, 4: 32}


def test_pu_count():
    import pandas as pd

    assert pr.pu_count(pd.DataFrame({"pus": [4, 4]})) == 4
    assert pr.pu_count(pd.DataFrame({"threads": [1]})) is None
    assert pr.pu_count(pd.DataFrame({"pus": [None, None]})) is None


# ----------------------------------------------------------------- what is drawn


def _lines_by_label(fig):
    out = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            out.setdefault(line.get_label(), []).append(line)
    return out


def test_throughput_figure_plots_the_medians(run_dir):
    df = pr.ok_rows(pr.load_results(run_dir / "results.csv"))
    colours = pr.scheme_colours(df["scheme"])
    fig = pr.draw_throughput(pr.summarise(df), pr.pu_count(df), colours)
    lines = _lines_by_label(fig)
    (ebr,) = lines["ebr"]
    assert list(ebr.get_xdata()) == [1, 4]
    assert list(ebr.get_ydata()) == pytest.approx([20e-6, 45e-6])  # Mops/s
    # 4 threads on 2 PUs: the oversubscription marker is drawn, dashed, at x = 2.
    (pus,) = lines["PUs (2)"]
    assert pus.get_linestyle() == "--"
    assert list(pus.get_xdata()) == [2, 2]


def test_unreclaimed_figure_draws_bound_dotted_in_scheme_colour(run_dir):
    df = pr.ok_rows(pr.load_results(run_dir / "results.csv"))
    colours = pr.scheme_colours(df["scheme"])
    fig = pr.draw_unreclaimed(pr.summarise(df, "unreclaimed_peak"), pr.bounds(df), colours)
    lines = _lines_by_label(fig)
    (hp,) = lines["hp"]
    (bound,) = lines["hp bound"]
    assert list(hp.get_ydata()) == [4, 20]
    assert list(bound.get_ydata()) == [8, 32]
    assert bound.get_linestyle() == ":"
    assert bound.get_color() == hp.get_color()
    assert "ebr bound" not in lines


# ----------------------------------------------------------------------- the script


def test_script_writes_png_svg_and_index(run_dir):
    result = run_script(run_dir)
    assert result.returncode == 0, result.stderr
    figures = run_dir / "figures"
    for stem in ("throughput", "unreclaimed_peak"):
        png = figures / f"{stem}.png"
        svg = figures / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in svg.read_text()
    index = (figures / "index.html").read_text()
    assert 'src="throughput.png"' in index
    assert 'src="unreclaimed_peak.png"' in index
    # meta.json, pretty-printed and escaped
    assert "&quot;host&quot;: &quot;testhost&quot;" in index
    assert "Test &lt;CPU&gt;" in index
    # trials that failed a check are listed
    assert "memory_cap" in index
    assert "count mismatch: 3 lost" in index


def test_script_out_option(run_dir, tmp_path):
    out = tmp_path / "elsewhere" / "figs"
    result = run_script(run_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert (out / "throughput.svg").is_file()
    assert (out / "index.html").is_file()
    assert not (run_dir / "figures").exists()


def test_script_without_meta_or_pus_or_bound(tmp_path):
    columns = [c for c in COLUMNS if c not in ("pus", "bound")]
    d = tmp_path / "run"
    write_csv(d / "results.csv", known_rows(), columns)
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    assert "No meta.json" in (d / "figures" / "index.html").read_text()


def _assert_input_error(result, *needles):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plot_results.py: error: ")
    for needle in needles:
        assert needle in lines[0]


def test_missing_core_columns_exit_2(tmp_path):
    d = tmp_path / "run"
    columns = [c for c in COLUMNS if c not in ("throughput_ops_s", "status")]
    write_csv(d / "results.csv", known_rows(), columns)
    _assert_input_error(run_script(d), "missing core column", "throughput_ops_s", "status")
    assert not (d / "figures").exists()


def test_not_a_results_csv_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "results.csv").write_text("hello,world\n1,2\n")
    _assert_input_error(run_script(d), "missing core column")


def test_ragged_csv_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    header = ",".join(pr.CORE_COLUMNS)
    (d / "results.csv").write_text(f"{header}\nhp,s,w,1,2,3,ok\nhp,s,w,1,2,3,ok,x,y,z\n")
    _assert_input_error(run_script(d), "not a readable CSV", "line 3")


def test_empty_file_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "results.csv").write_text("")
    _assert_input_error(run_script(d), "empty")


def test_header_only_exit_2(tmp_path):
    d = tmp_path / "run"
    write_csv(d / "results.csv", [])
    _assert_input_error(run_script(d), "no trials")


def test_missing_file_exit_2(tmp_path):
    _assert_input_error(run_script(tmp_path / "nowhere"), "no such file")


def test_no_ok_trials_exit_2(tmp_path):
    d = tmp_path / "run"
    rows = [row("ebr", 1, 1, 1.0, 1, status="error"), row("hp", 1, 1, 1.0, 1, status="memory_cap")]
    write_csv(d / "results.csv", rows)
    _assert_input_error(run_script(d), "no trial with status ok", "1 error", "1 memory_cap")


def test_help():
    result = run_script("--help")
    assert result.returncode == 0
    assert "RUN_DIR" in result.stdout and "--out" in result.stdout
