"""Tests of plots/smrlab_plots/peer_ratios.py and plots/ratio_table.py: the ratio is the
median of ours over the median of theirs, per configuration both were measured in, from one
run; a comparison missing a side is left out; bad input is one error line."""
import sys
from pathlib import Path

import pandas as pd
import pytest

import script_runner

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plots"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from smrlab_plots import peer_ratios  # noqa: E402
from synthetic_run import row, write_results  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "plots" / "ratio_table.py"


def stack_rows():
    out = []
    # hazard_pointers/treiber_stack: 10, 12, 11 Mops -> median 11; libcds_hp: 8, 9, 10 -> 9.
    for trial, (ours, theirs, cds_stack) in enumerate(
            [(10e6, 8e6, 20e6), (12e6, 9e6, 22e6), (11e6, 10e6, 21e6)], start=1):
        for threads in (1, 2):
            out.append(row("hazard_pointers", threads, trial, ours * threads, 10,
                           structure="treiber_stack"))
            out.append(row("libcds_hp", threads, trial, theirs * threads, 10,
                           structure="treiber_stack"))
            out.append(row("libcds_hp", threads, trial, cds_stack, 10,
                           structure="libcds_treiber_stack"))
    # A failed trial of ours is not counted.
    out.append(row("hazard_pointers", 1, 4, 1e12, 10, structure="treiber_stack",
                   status="error"))
    return pd.DataFrame(out)


def test_ratio_is_median_over_median_per_thread_count():
    t = peer_ratios.ratio_table(stack_rows())
    hp = t[t.theirs == "libcds_hp/treiber_stack"].set_index("threads")
    assert list(hp.index) == [1, 2]
    assert hp.loc[1, "ours_median"] == 11e6
    assert hp.loc[1, "theirs_median"] == 9e6
    assert hp.loc[1, "ratio"] == pytest.approx(11 / 9)
    assert hp.loc[2, "ratio"] == pytest.approx(22 / 18)
    assert hp.loc[1, "ours_trials"] == 3  # the error row is left out


def test_a_peer_structure_is_compared_with_our_structure():
    t = peer_ratios.ratio_table(stack_rows())
    cds = t[t.theirs == "libcds_hp/libcds_treiber_stack"].set_index("threads")
    assert cds.loc[1, "ours"] == "hazard_pointers/treiber_stack"
    assert cds.loc[1, "ratio"] == pytest.approx(11 / 21)


def test_a_comparison_without_both_sides_is_left_out():
    t = peer_ratios.ratio_table(stack_rows())
    assert not t.theirs.str.startswith("urcu").any()
    alone = stack_rows()
    alone = alone[alone.scheme == "hazard_pointers"]
    assert peer_ratios.ratio_table(alone).empty


def test_configurations_that_vary_are_never_pooled():
    rows = []
    for alloc, (ours, theirs) in {"system": (10e6, 5e6), "jemalloc": (10e6, 20e6)}.items():
        rows.append(row("hazard_pointers", 1, 1, ours, 1, structure="treiber_stack",
                        allocator=alloc))
        rows.append(row("libcds_hp", 1, 1, theirs, 1, structure="treiber_stack",
                        allocator=alloc))
    t = peer_ratios.ratio_table(pd.DataFrame(rows)).set_index("variant")
    assert t.loc["allocator=system", "ratio"] == pytest.approx(2.0)
    assert t.loc["allocator=jemalloc", "ratio"] == pytest.approx(0.5)


def test_markdown_has_one_line_per_row():
    t = peer_ratios.ratio_table(stack_rows())
    text = peer_ratios.markdown(t)
    assert text.count("\n") == len(t) + 2
    assert "| 1.22 |" in text  # 11/9


def test_cli_prints_the_table_and_reports_bad_input(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    write_results(run, stack_rows().to_dict("records"))
    done = script_runner.run(SCRIPT, str(run))
    assert done.returncode == 0, done.stderr
    assert "libcds TreiberStack<HP>" in done.stdout
    as_csv = script_runner.run(SCRIPT, str(run), "--csv")
    assert as_csv.stdout.splitlines()[0].startswith("comparison,ours,theirs")

    missing = script_runner.in_subprocess(SCRIPT, tmp_path / "nowhere")
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1

    ours_only = tmp_path / "ours_only"
    ours_only.mkdir()
    write_results(ours_only, [row("ebr", 1, 1, 1e6, 1, structure="treiber_stack")])
    none = script_runner.run(SCRIPT, str(ours_only))
    assert none.returncode == 1
    assert "peers" in none.stderr
