"""Tests of plots/smrlab_plots/overhead.py and its place in index.html: reading
overhead.csv (smrlab overhead), the ratio table (median of each driver, ratio of the
medians, min-max of the per-trial ratios, harness runs that are not ok left out), the
harness_overhead figure (a panel per structure, a line per scheme with the ratios, the
dashed target line), the table in index.html, and one clear error for a malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest

import script_runner

from figure_reading import lines_by_label
from smrlab_plots import overhead, style
from smrlab_plots.data import InputError
from synthetic_run import (
    OVERHEAD_BARE, OVERHEAD_COLUMNS, OVERHEAD_RATIO, OVERHEAD_TRIAL_FACTOR, known_rows,
    overhead_rows, write_overhead, write_results,
)

SCRIPT = Path(__file__).resolve().parents[2] / "plots" / "plot_results.py"
FACTORS = sorted(OVERHEAD_TRIAL_FACTOR.values())


def table_of(tmp_path, rows=None):
    runs = overhead.load_overhead(write_overhead(tmp_path, rows or overhead_rows()))
    return overhead.overhead_table(runs)


def by_key(table):
    return {(r.scheme, r.structure, r.threads): r for r in table.itertuples(index=False)}


# ------------------------------------------------------------------------------ the table


def test_medians_ratio_and_per_trial_range(tmp_path):
    table = table_of(tmp_path)
    assert list(table.columns) == overhead.COLUMNS
    rows = by_key(table)
    assert set(rows) == {(s, d, t) for d in OVERHEAD_BARE for (s, t) in OVERHEAD_RATIO}
    for (scheme, structure, threads), r in rows.items():
        ratio = OVERHEAD_RATIO[(scheme, threads)]
        bare = OVERHEAD_BARE[structure]
        assert r.bare_median == pytest.approx(bare)
        assert r.harness_median == pytest.approx(bare * ratio)
        assert r.ratio == pytest.approx(ratio)
        assert r.ratio_min == pytest.approx(ratio * FACTORS[0])
        assert r.ratio_max == pytest.approx(ratio * FACTORS[-1])
        # Trial 4's harness run failed: it is counted as a trial, left out of the medians.
        assert (r.trials, r.harness_ok) == (4, 3)


def test_harness_runs_that_fail_a_check_are_left_out(tmp_path):
    rows = overhead_rows(failed_trial=False)
    for r in rows:
        if (r["scheme"], r["threads"], r["trial"], r["driver"]) == ("ebr", 1, 3, "harness"):
            r["valid"] = "element conservation failed"
            r["throughput_ops_s"] = 1.0  # would pull the median down if it counted
    r = by_key(table_of(tmp_path, rows))[("ebr", "treiber_stack", 1)]
    assert (r.trials, r.harness_ok) == (3, 2)
    kept = [0.98 * f for f in (1.0, 0.99)]
    assert r.ratio == pytest.approx(sum(kept) / 2)
    assert (r.ratio_min, r.ratio_max) == (pytest.approx(min(kept)), pytest.approx(max(kept)))


def test_a_configuration_without_a_usable_bare_run_has_no_ratio(tmp_path):
    rows = [r for r in overhead_rows(failed_trial=False)
            if not (r["scheme"] == "ebr" and r["threads"] == 2 and r["driver"] == "bare")]
    r = by_key(table_of(tmp_path, rows))[("ebr", "treiber_stack", 2)]
    assert r.harness_ok == 3
    assert r.ratio != r.ratio and r.ratio_min != r.ratio_min  # NaN
    assert overhead.ratio_cell(r._asdict()) == "–"


def test_pivot_has_a_column_per_thread_count_and_the_range(tmp_path):
    pivot = overhead.ratio_pivot(table_of(tmp_path))
    assert list(pivot.columns) == ["scheme", "structure", "1 thread", "2 threads", "harness ok"]
    cells = {(r["scheme"], r["structure"]): r for _, r in pivot.iterrows()}
    assert len(cells) == 4
    hp = cells[("hazard_pointers", "treiber_stack")]
    assert hp["1 thread"] == (f"{0.90:.3f} ({0.90 * FACTORS[0]:.3f}–{0.90 * FACTORS[-1]:.3f})")
    assert hp["2 threads"].startswith("0.960 (")
    assert hp["harness ok"] == "6/8"
    below = overhead.below_target(table_of(tmp_path))
    assert sorted(zip(below["scheme"], below["structure"], below["threads"])) == [
        ("hazard_pointers", "natarajan_mittal_bst", 1), ("hazard_pointers", "treiber_stack", 1)]


# ------------------------------------------------------------------------------ the figure


def test_figure_has_a_panel_per_structure_and_a_line_per_scheme(tmp_path):
    table = table_of(tmp_path)
    colours = style.scheme_colours(["ebr", "hazard_pointers", "none"])
    fig = overhead.draw_overhead(table, colours)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == sorted(OVERHEAD_BARE)
    lines = lines_by_label(fig)
    for scheme in ("ebr", "hazard_pointers"):
        assert len(lines[scheme]) == 2  # one per panel
        for line in lines[scheme]:
            assert list(line.get_xdata()) == [1, 2]
            want = [OVERHEAD_RATIO[(scheme, 1)], OVERHEAD_RATIO[(scheme, 2)]]
            assert list(line.get_ydata()) == pytest.approx(want)
            assert line.get_color() == colours[scheme]  # as in the other figures
    for target in lines["target"]:
        assert list(target.get_ydata()) == [overhead.TARGET, overhead.TARGET]
        assert target.get_linestyle() == "--"
    assert len(lines["target"]) == 2


# ------------------------------------------------------------------------------ reading


def test_no_file_is_none(tmp_path):
    assert overhead.load_overhead(tmp_path / "overhead.csv") is None


@pytest.mark.parametrize("text, needle", [
    ("", "file is empty"),
    ("scheme,structure,threads,trial,driver\nebr,treiber_stack,1,1,bare\n",
     "missing column(s): throughput_ops_s"),
    ("scheme,structure,threads,trial,driver,throughput_ops_s\nebr,s,1,1,harnes,5\n",
     "data row 1: driver is 'harnes', not harness or bare"),
    ("scheme,structure,threads,trial,driver,throughput_ops_s\nebr,s,1,1,bare,5\n"
     "ebr,s,two,1,bare,5\n", "data row 2: column threads holds a value that is not a number"),
    ("scheme,structure,threads,trial,driver,throughput_ops_s\nebr,s,1,1,bare,\n",
     "column throughput_ops_s holds a value that is not a number"),
    ('scheme,structure,threads,trial,driver,throughput_ops_s\n"ebr,s,1,1,bare,5\n',
     "not a readable CSV file"),
])
def test_malformed_file_is_one_input_error(tmp_path, text, needle):
    path = tmp_path / "overhead.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        overhead.load_overhead(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------------------ plot_results


def run_script(*args):
    return script_runner.run(SCRIPT, *args)


def test_index_shows_the_ratio_table_and_the_figure(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_overhead(d, overhead_rows())
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    assert (d / "figures" / "harness_overhead.png").is_file()
    assert (d / "figures" / "harness_overhead.svg").is_file()
    page = (d / "figures" / "index.html").read_text()
    assert 'src="harness_overhead.png"' in page
    assert "Ratio harness / bare loop per scheme × structure" in page
    assert "<th>1 thread</th><th>2 threads</th>" in page
    assert f"<td>{0.98:.3f} ({0.98 * FACTORS[0]:.3f}–{0.98 * FACTORS[-1]:.3f})</td>" in page
    assert ("Below 0.95: hazard_pointers × natarajan_mittal_bst at 1 thread, hazard_pointers "
            "× treiber_stack at 1 thread.") in page
    assert '<a href="../overhead.csv">overhead.csv</a>' in page


def test_missing_file_is_a_skipped_figure(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert "<b>harness_overhead</b>: no overhead.csv in the run folder" in page
    assert not (d / "figures" / "harness_overhead.png").exists()


def test_file_without_a_usable_pair_is_a_skipped_figure(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_overhead(d, [r for r in overhead_rows() if r["driver"] == "harness"])
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert "<b>harness_overhead</b>: overhead.csv has no configuration where both drivers " \
           "have a usable run" in page


def test_malformed_file_exit_2_one_line_nothing_written(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_overhead(d, overhead_rows(), [c for c in OVERHEAD_COLUMNS if c != "driver"])
    result = run_script(d)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "overhead.csv: missing column(s): driver" in lines[0]
    assert not (d / "figures").exists()
