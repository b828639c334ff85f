"""Tests of plots/smrlab_plots/over_time.py: which trial is drawn for each scheme (largest
thread count, median peak, ok rows only), the samples, bound and measured phase drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from smrlab_plots import data, over_time, structure_kinds, style
from figure_reading import block_headings, block_titles
from synthetic_run import kinds_of, kinds_rows, row, samples_of


def series(trial, scale):
    """A recognisable series per trial: 40 samples, trial * scale * (1..40)."""
    return [trial * scale * (i + 1) for i in range(40)]


def build(extra_rows=(), with_phase=True):
    """ebr and hp on one panel; returns (ok rows, samples)."""
    rows, samples = [], []

    def add(r, values, sampled=True):
        rows.append(r)
        if sampled:
            samples.extend(samples_of(r, values, with_phase=with_phase))

    # ebr, 4 threads: peaks 1000, 3000, 2000 -> median trial 3
    for trial, peak in ((1, 1000), (2, 3000), (3, 2000)):
        add(row("ebr", 4, trial, 1.0, peak), series(trial, 10))
    # ebr, 1 thread: not the largest count, never drawn
    add(row("ebr", 1, 1, 1.0, 2000), series(9, 10))
    # ebr, 8 threads but no samples: not a candidate
    add(row("ebr", 8, 1, 1.0, 5), [], sampled=False)
    # ebr, 4 threads, failed: its peak would make it the (lower) median if it counted
    add(row("ebr", 4, 4, 1.0, 1500, status="error"), series(7, 10))
    # hp, 4 threads: peaks 20, 30, 10 -> median trial 1; bound 32
    for trial, peak in ((1, 20), (2, 30), (3, 10)):
        add(row("hp", 4, trial, 1.0, peak, bound=32), series(trial, 0.25))
    for r, values in extra_rows:
        add(r, values)
    results = pd.DataFrame(rows)
    ok = data.ok_rows(results)
    frame = pd.DataFrame(samples)
    frame["t_s"] = frame["t_ms"] / 1000
    return ok, frame


def chosen_of(chosen):
    return {(r["scheme"], r["threads"]): (r["trial"], r["unreclaimed_peak"])
            for _, r in chosen.iterrows()}


def test_picks_largest_threads_and_median_peak_among_ok_trials():
    ok, samples = build()
    chosen, notes = over_time.select_trials(ok, samples)
    assert chosen_of(chosen) == {("ebr", 4): (3, 2000), ("hp", 4): (1, 20)}
    assert list(chosen["candidates"]) == [3, 3]  # the failed trial was no candidate
    assert notes == []


def test_even_count_takes_the_lower_middle_peak():
    trials = pd.DataFrame([row("x", 2, t, 1.0, p) for t, p in enumerate([10, 40, 20, 30], 1)])
    picked = over_time.median_peak_trial(trials)
    assert (picked["trial"], picked["unreclaimed_peak"]) == (3, 20)


def test_draws_the_chosen_trials_samples_in_seconds():
    ok, samples = build()
    chosen, _ = over_time.select_trials(ok, samples)
    fig = over_time.draw_over_time(chosen, samples, style.scheme_colours(ok["scheme"]))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["ebr"].get_ydata()) == series(3, 10)
    assert list(lines["hp"].get_ydata()) == series(1, 0.25)
    assert list(lines["ebr"].get_xdata())[:3] == pytest.approx([0.0, 0.01, 0.02])
    assert "4 threads" in ax.get_title()
    assert ax.get_yscale() == "symlog"


def test_bound_is_a_dotted_horizontal_line_in_the_scheme_colour():
    ok, samples = build()
    chosen, _ = over_time.select_trials(ok, samples)
    colours = style.scheme_colours(ok["scheme"])
    ax = over_time.draw_over_time(chosen, samples, colours).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["hp bound"].get_ydata()) == [32, 32]
    assert lines["hp bound"].get_linestyle() == ":"
    assert lines["hp bound"].get_color() == lines["hp"].get_color()
    assert "ebr bound" not in lines


def measured_span(ax):
    (span,) = [p for p in ax.patches if p.get_label() == "measured phase"]
    xs = [x for x, _ in span.get_xy()]
    return min(xs), max(xs)


def test_measured_phase_from_the_phase_column():
    ok, samples = build()
    chosen, _ = over_time.select_trials(ok, samples)
    ax = over_time.draw_over_time(chosen, samples, style.scheme_colours(ok["scheme"])).axes[0]
    # samples_of: 10 ms apart, warm-up up to 100 ms, measure up to 380 ms, then teardown
    assert measured_span(ax) == pytest.approx((0.1, 0.38))


def test_measured_phase_from_warmup_without_phase_column():
    ok, samples = build(with_phase=False)
    chosen, _ = over_time.select_trials(ok, samples)
    ax = over_time.draw_over_time(chosen, samples, style.scheme_colours(ok["scheme"])).axes[0]
    assert measured_span(ax) == pytest.approx((0.1, 1.1))  # warmup_s 0.1, elapsed_s 1.0


def test_measured_window_of_one_trial():
    r = pd.Series(row("x", 1, 1, 1.0, 1, warmup_s=0.5, elapsed_s=""))
    samples = pd.DataFrame({"t_s": [0.0, 1.0, 2.0]})
    assert over_time.measured_window(samples, r) == (0.5, 2.0)  # to the last sample
    with_phase = samples.assign(phase=["warmup", "measure", "stop"])
    assert over_time.measured_window(with_phase, r) == (1.0, 1.0)
    no_measure = samples.assign(phase=["warmup", "stop", "teardown"])
    assert over_time.measured_window(no_measure, r) is None


def test_scheme_missing_at_the_panel_thread_count_is_noted():
    extra = [(row("hprc", 1, 1, 1.0, 9), series(1, 1))]
    ok, samples = build(extra)
    chosen, notes = over_time.select_trials(ok, samples)
    assert "hprc" not in set(chosen["scheme"])
    assert notes == ["stack, push50_pop50: no trial with samples at 4 threads for hprc, "
                     "so not drawn."]


def test_fault_values_are_separate_panels():
    extra = [(row("ebr", 4, t, 1.0, 10 ** 6 * t, fault="park:1"), series(t, 10 ** 5))
             for t in (1, 2, 3)]
    ok, samples = build(extra)
    chosen, _ = over_time.select_trials(ok, samples)
    fig = over_time.draw_over_time(chosen, samples, style.scheme_colours(ok["scheme"]))
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert ["fault=park:1" in ax.get_title() for ax in axes] == [False, True]
    parked = {line.get_label(): line for line in axes[1].get_lines()}
    assert set(parked) == {"ebr"}
    assert list(parked["ebr"].get_ydata()) == series(2, 10 ** 5)  # median peak 2e6


def test_a_trial_stopped_at_the_memory_cap_is_drawn_and_its_end_marked():
    # A stalled epoch scheme on a big machine hits the cap: its growth is the point of the
    # figure, so its samples are drawn (ok_rows alone would drop it).
    rows = [row("ebr", 4, 1, 1.0, 10 ** 7, status="memory_cap"),
            row("hp", 4, 1, 1.0, 20, bound=32)]
    results = pd.DataFrame(rows)
    frame = pd.DataFrame(samples_of(rows[0], series(1, 10 ** 5)) + samples_of(rows[1], series(1, 0.5)))
    frame["t_s"] = frame["t_ms"] / 1000
    assert set(data.ok_rows(results)["scheme"]) == {"hp"}
    measured = data.measured_rows(results)
    chosen, _ = over_time.select_trials(measured, frame)
    assert set(chosen["scheme"]) == {"ebr", "hp"}
    ax = over_time.draw_over_time(chosen, frame, style.scheme_colours(measured["scheme"])).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["ebr"].get_ydata()) == series(1, 10 ** 5)
    capped = lines["ebr stopped at the memory cap"]
    assert capped.get_marker() == over_time.CAPPED_MARKER
    assert list(capped.get_ydata()) == [series(1, 10 ** 5)[-1]]
    assert "hp stopped at the memory cap" not in lines


def test_panels_are_grouped_by_kind():
    rows = kinds_rows()
    ok = data.ok_rows(pd.DataFrame(rows))
    frame = pd.DataFrame([x for r in rows for x in samples_of(r, [1, 2, 3, 2])])
    frame["t_s"] = frame["t_ms"] / 1000
    chosen, _ = over_time.select_trials(ok, frame)
    fig = over_time.draw_over_time(chosen, frame, style.scheme_colours(ok["scheme"]),
                                   kinds=kinds_of())
    assert block_headings(fig) == [structure_kinds.kind_title(k) for k in ("pool", "deque", "set")]
    assert block_titles(fig) == [["michael_scott_queue", "treiber_stack"],
                                 ["sundell_tsigas_deque"],
                                 ["harris_michael_list", "natarajan_mittal_bst"]]
    (deque,) = [ax for ax in fig.subfigs[1].axes if ax.get_visible()]
    assert [line.get_label() for line in deque.get_lines()] == \
        ["ebr", "ebr bound", "hprc", "hprc bound"]
