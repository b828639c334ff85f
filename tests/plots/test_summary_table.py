"""Tests of plots/summary_table.py: medians, ratios to the baseline measured in the same run,
and the bound beside the peak."""
import sys
from pathlib import Path

import pandas as pd
import pytest

import script_runner

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plots"))
import summary_table  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "plots" / "summary_table.py"


def rows():
    out = []
    for trial, (none_t, hp_t) in enumerate([(10e6, 6e6), (12e6, 9e6), (11e6, 7e6)], start=1):
        out.append(dict(scheme="none", structure="s", workload="w", threads=1, trial=trial,
                        throughput_ops_s=none_t, unreclaimed_peak=100, bound="", status="ok"))
        out.append(dict(scheme="hazard_pointers", structure="s", workload="w", threads=1,
                        trial=trial, throughput_ops_s=hp_t, unreclaimed_peak=50 + trial,
                        bound=64, status="ok"))
    out.append(dict(scheme="hazard_pointers", structure="s", workload="w", threads=1, trial=4,
                    throughput_ops_s=1e9, unreclaimed_peak=0, bound=64, status="error"))
    return pd.DataFrame(out)


def test_ratio_is_median_over_the_baseline_median():
    t = summary_table.summary(rows(), "none")
    hp = t[t.scheme == "hazard_pointers"].iloc[0]
    assert hp["median"] == 7e6  # the error row is left out
    assert hp["ratio"] == pytest.approx(7e6 / 11e6)
    assert hp["bound"] == 64
    assert hp["unreclaimed_peak_median"] == 52
    none = t[t.scheme == "none"].iloc[0]
    assert none["ratio"] == 1.0
    assert pd.isna(none["bound"])


def test_command_line_prints_the_table(tmp_path):
    rows().to_csv(tmp_path / "results.csv", index=False)
    p = script_runner.run(SCRIPT, str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert "hazard_pointers" in p.stdout and "0.64" in p.stdout


def test_missing_results_is_a_clear_error(tmp_path):
    p = script_runner.in_subprocess(SCRIPT, tmp_path)
    assert p.returncode == 2
    assert "no such file" in p.stderr


def test_variants_are_not_pooled_and_ratios_stay_within_a_variant():
    out = []
    for pin, scale in (("compact", 1.0), ("scatter", 10.0)):
        for scheme, value in (("none", 10e6), ("hazard_pointers", 5e6)):
            out.append(dict(scheme=scheme, structure="s", workload="w", threads=2, trial=1,
                            pin_policy=pin, throughput_ops_s=value * scale,
                            unreclaimed_peak=1, bound="", status="ok"))
    t = summary_table.summary(pd.DataFrame(out), "none")
    hp = t[t.scheme == "hazard_pointers"].set_index("pin_policy")
    assert hp.loc["compact", "median"] == 5e6 and hp.loc["scatter", "median"] == 50e6
    assert list(hp["ratio"]) == [0.5, 0.5]
    text = summary_table.format_table(t, "none")
    assert text.splitlines()[0].split()[:4] == ["structure", "workload", "pin_policy", "scheme"]
    assert "scatter" in text
