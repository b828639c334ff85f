"""Tests of plots/smrlab_plots/micro.py: reading Google Benchmark JSON (median aggregates
when present, else the median of the plain runs; failed runs left out; time units), the
errors for a malformed micro.json, and the micro_costs figure (one panel per family, one
line per scheme with the values read, the schemes' colours of the other figures)."""

from __future__ import annotations

import pytest

from figure_reading import lines_by_label
from smrlab_plots import micro, style
from smrlab_plots.data import InputError
from synthetic_run import MICRO_BASE_NS, micro_cost, micro_doc, micro_entry, write_micro


def costs_of(df):
    return {(r.family, r.scheme, r.threads): r.ns_per_op for r in df.itertuples(index=False)}


def load(tmp_path, doc):
    return micro.load_micro(write_micro(tmp_path, doc))


# ------------------------------------------------------------------------------ reading


def test_median_aggregates_are_used_and_scaled_by_threads(tmp_path):
    df = load(tmp_path, micro_doc(threads=(1, 2, 4)))
    assert list(df.columns) == micro.COLUMNS
    want = {(f, s, t): micro_cost(f, s, t)
            for f, costs in MICRO_BASE_NS.items() for s in costs for t in (1, 2, 4)}
    got = costs_of(df)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key
    assert set(df["statistic"]) == {"median"}
    assert set(df["repetitions"]) == {3}
    assert micro.statistic_note(df) == "median of 3 repetitions"


def test_without_aggregates_the_median_of_the_plain_runs(tmp_path):
    entries = [micro_entry("guard", "ebr", 2, v, repetitions=3) for v in (10.0, 30.0, 20.0)]
    entries.append(micro_entry("guard", "none", 1, 1.5))
    df = load(tmp_path, {"benchmarks": entries})
    assert costs_of(df) == {("guard", "ebr", 2): 40.0, ("guard", "none", 1): 1.5}
    assert dict(zip(df["scheme"], df["repetitions"])) == {"ebr": 3, "none": 1}
    assert set(df["statistic"]) == {"runs"}
    assert micro.statistic_note(df).startswith("median of repetitions")
    single = load(tmp_path, {"benchmarks": [micro_entry("guard", "none", 1, 1.5)]})
    assert micro.statistic_note(single) == "one run per benchmark (no repetitions)"


def test_plain_runs_only_where_a_benchmark_has_no_median(tmp_path):
    entries = [
        micro_entry("deref", "ebr", 1, 100.0, repetitions=2),
        micro_entry("deref", "ebr", 1, 5.0, aggregate="median", repetitions=2),
        micro_entry("deref", "ebr", 1, 50.0, aggregate="mean", repetitions=2),
        micro_entry("deref", "hprc", 1, 7.0),
    ]
    df = load(tmp_path, {"benchmarks": entries})
    assert costs_of(df) == {("deref", "ebr", 1): 5.0, ("deref", "hprc", 1): 7.0}
    assert dict(zip(df["scheme"], df["statistic"])) == {"ebr": "median", "hprc": "runs"}


def test_failed_runs_are_left_out_and_time_units_converted(tmp_path):
    entries = [
        micro_entry("alloc_retire", "ebr", 2, 0.05, time_unit="us"),
        micro_entry("alloc_retire", "hprc", 2, 9.0, error=True),
    ]
    df = load(tmp_path, {"benchmarks": entries})
    assert costs_of(df) == {("alloc_retire", "ebr", 2): pytest.approx(100.0)}
    only_failed = load(tmp_path, {"benchmarks": entries[1:]})
    assert only_failed.empty and list(only_failed.columns) == micro.COLUMNS


def test_no_file_is_none(tmp_path):
    assert micro.load_micro(tmp_path / "micro.json") is None


@pytest.mark.parametrize("text, needle", [
    ("", "micro.json: not valid JSON: Expecting value at line 1 column 1"),
    ('{"benchmarks": [', "micro.json: not valid JSON"),
    ("[1, 2]", 'micro.json: not Google Benchmark JSON output (no "benchmarks" list)'),
    ('{"benchmarks": {}}', 'micro.json: not Google Benchmark JSON output'),
    ('{"benchmarks": [3]}', "micro.json: benchmark entry 1 is not a JSON object"),
    ('{"benchmarks": [{"name": "guard", "real_time": 1}]}',
     "micro.json: benchmark entry 1 has no name of the form family/scheme/... ('guard')"),
    ('{"benchmarks": [{"name": "guard/ebr", "real_time": 1, "threads": 0}]}',
     "benchmark entry 1 (guard/ebr): threads is not a positive integer: 0"),
    ('{"benchmarks": [{"name": "guard/ebr", "threads": 1}]}',
     "benchmark entry 1 (guard/ebr): real_time is not a number: None"),
    ('{"benchmarks": [{"name": "guard/ebr", "real_time": 1, "time_unit": "min"}]}',
     "benchmark entry 1 (guard/ebr): unknown time_unit 'min'"),
])
def test_malformed_input_names_the_file_and_the_problem(tmp_path, text, needle):
    path = write_micro(tmp_path, text)
    with pytest.raises(InputError) as err:
        micro.load_micro(path)
    message = str(err.value)
    assert message.startswith(str(path)), message
    assert needle in message, message
    assert "\n" not in message


# ------------------------------------------------------------------------------ drawing


def test_one_panel_per_family_and_one_line_per_scheme(tmp_path):
    df = load(tmp_path, micro_doc(threads=(1, 2, 4)))
    colours = style.scheme_colours(["ebr", "hazard_pointers", "hprc"])  # the sweep's schemes
    fig = micro.draw_micro_costs(df, colours)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [micro.FAMILY_TITLES[f] for f in micro.FAMILIES]
    for ax, family in zip(axes, micro.FAMILIES):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(lines) == set(MICRO_BASE_NS[family])
        for scheme, line in lines.items():
            assert list(line.get_xdata()) == [1, 2, 4]
            assert list(line.get_ydata()) == pytest.approx(
                [micro_cost(family, scheme, t) for t in (1, 2, 4)])
        assert ax.get_yscale() == "linear"
        assert ax.get_ylabel() == micro.Y_LABEL
    by_label = lines_by_label(fig)
    for scheme in colours:  # the same colour and marker as in the other figures
        look = style.scheme_style(colours, scheme)
        for line in by_label[scheme]:
            assert line.get_color() == look["color"] and line.get_marker() == look["marker"]
    # "none" was not in the sweep: a colour of its own, and in the legend
    (none_colour,) = {line.get_color() for line in by_label["none"]}
    assert none_colour not in colours.values()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["ebr", "hazard_pointers", "hprc", "none"]


def test_log_y_when_costs_span_more_than_two_decades(tmp_path):
    entries = [micro_entry("alloc_retire", "none", 1, 1.0),
               micro_entry("alloc_retire", "valois_rc", 1, 500.0),
               micro_entry("guard", "none", 1, 1.0), micro_entry("guard", "ebr", 1, 50.0)]
    fig = micro.draw_micro_costs(load(tmp_path, {"benchmarks": entries}), {})
    scales = {ax.get_title(): ax.get_yscale() for ax in fig.axes if ax.get_visible()}
    assert scales == {micro.FAMILY_TITLES["guard"]: "linear",
                      micro.FAMILY_TITLES["alloc_retire"]: "log"}


def test_unknown_families_come_after_the_known_ones(tmp_path):
    entries = [micro_entry("zz_new", "ebr", 1, 1.0), micro_entry("deref", "ebr", 1, 1.0),
               micro_entry("guard", "ebr", 1, 1.0)]
    assert micro.families(load(tmp_path, {"benchmarks": entries})) == ["guard", "deref",
                                                                        "zz_new"]


def test_colours_of_many_extra_schemes_stay_distinct():
    base = style.scheme_colours(["a", "b"])
    extra = [f"s{i}" for i in range(12)]
    looks = micro.line_styles(["a", "b", *extra], base)
    assert looks["a"] == style.scheme_style(base, "a")
    colours = [looks[s]["color"] for s in ["a", "b", *extra]]
    assert len(set(colours)) == len(colours)
