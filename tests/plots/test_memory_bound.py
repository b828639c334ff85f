"""Tests of plots/smrlab_plots/memory_bound.py: the unreclaimed peaks, bands and bounds
drawn, and the y scale."""

from __future__ import annotations

import pandas as pd
import pytest

from smrlab_plots import data, memory_bound, structure_kinds, style
from figure_reading import band_limits, block_headings, block_legends, block_titles
from figure_reading import lines_by_label
from synthetic_run import kinds_of, kinds_rows, known_rows, row


def draw(rows, variants=None, kinds=None):
    ok = data.ok_rows(pd.DataFrame(rows))
    colours = style.scheme_colours(ok["scheme"])
    return memory_bound.draw_memory_bound(
        data.summarise(ok, "unreclaimed_peak", variants), data.bounds(ok, variants), colours,
        kinds=kinds)


def test_bound_is_dotted_in_the_scheme_colour():
    lines = lines_by_label(draw(known_rows()))
    (hp,) = lines["hp"]
    (bound,) = lines["hp bound"]
    assert list(hp.get_ydata()) == [4, 20]
    assert list(bound.get_xdata()) == [1, 4]
    assert list(bound.get_ydata()) == [8, 32]
    assert bound.get_linestyle() == ":"
    assert bound.get_color() == hp.get_color()
    assert "ebr bound" not in lines  # ebr has no bound: nothing drawn


def test_band_spans_min_to_max():
    fig = draw(known_rows())
    _, low, high = band_limits(fig.axes[0], "ebr min–max")
    assert (low, high) == (100, 3000)


def test_symlog_when_ebr_is_in_millions_and_hp_in_tens():
    rows = [row("ebr", 4, t, 1.0, 3_000_000 * t) for t in (1, 2, 3)]
    rows += [row("hazard_pointers", 4, t, 1.0, 10 + t, bound=32) for t in (1, 2, 3)]
    ax = draw(rows).axes[0]
    assert ax.get_yscale() == "symlog"
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylim()[1] >= 9_000_000  # the largest trial is in view


def test_linear_when_values_are_close():
    rows = [row("hp", 1, t, 1.0, 10 + t, bound=32) for t in (1, 2, 3)]
    ax = draw(rows).axes[0]
    assert ax.get_yscale() == "linear"


def test_bounds_follow_the_panel_variants():
    rows = [row("hp", 2, 1, 1.0, 5, bound=16, fault="none"),
            row("hp", 2, 1, 1.0, 7, bound=16, fault="park:1")]
    fig = draw(rows)
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert [ax.get_title().splitlines()[-1] for ax in axes] == ["fault=none", "fault=park:1"]
    for ax, peak in zip(axes, (5, 7)):
        labels = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
        assert labels == {"hp": [peak], "hp bound": [16]}


def test_medians_per_thread_count():
    lines = lines_by_label(draw(known_rows()))
    (ebr,) = lines["ebr"]
    assert list(ebr.get_ydata()) == pytest.approx([200, 2000])


def test_panels_are_grouped_by_kind_with_their_bounds():
    fig = draw(kinds_rows(), kinds=kinds_of())
    assert block_headings(fig) == [structure_kinds.kind_title(k) for k in ("pool", "deque", "set")]
    assert block_titles(fig) == [["michael_scott_queue", "treiber_stack"],
                                 ["sundell_tsigas_deque"],
                                 ["harris_michael_list", "natarajan_mittal_bst"]]
    assert block_legends(fig) == [["ebr", "hprc", "scheme's bound", "min–max over trials"]] * 3
    deque = [ax for ax in fig.axes if ax.get_title().startswith("sundell_tsigas_deque")][0]
    lines = {line.get_label(): list(line.get_ydata()) for line in deque.get_lines()}
    assert lines["ebr"] == [40, 80] and lines["hprc bound"] == [8, 16]


def test_without_kinds_one_grid():
    fig = draw(kinds_rows())
    assert block_headings(fig) == [] and len(block_titles(fig)[0]) == 5
