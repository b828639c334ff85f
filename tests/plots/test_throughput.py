"""Tests of plots/smrlab_plots/throughput.py: the medians, bands and PU marker drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from smrlab_plots import data, style, throughput
from figure_reading import band_limits, lines_by_label
from synthetic_run import known_rows, row


def draw(rows, subtitle=""):
    ok = data.ok_rows(pd.DataFrame(rows))
    colours = style.scheme_colours(ok["scheme"])
    fig = throughput.draw_throughput(data.summarise(ok), data.pu_count(ok), colours, subtitle)
    return fig, colours


def test_plots_the_medians_in_mops():
    fig, _ = draw(known_rows())
    lines = lines_by_label(fig)
    (ebr,) = lines["ebr"]
    assert list(ebr.get_xdata()) == [1, 4]
    assert list(ebr.get_ydata()) == pytest.approx([20e-6, 45e-6])
    (hp,) = lines["hp"]
    assert list(hp.get_ydata()) == pytest.approx([6e-6, 14e-6])


def test_band_spans_min_to_max():
    fig, _ = draw(known_rows())
    xs, low, high = band_limits(fig.axes[0], "hp min–max")
    assert xs == [1, 4]
    assert (low, high) == pytest.approx((5e-6, 16e-6))  # slowest and fastest hp trial


def test_pu_marker_where_threads_exceed_pus():
    fig, _ = draw(known_rows())  # 4 threads on 2 PUs
    (pus,) = lines_by_label(fig)["PUs (2)"]
    assert pus.get_linestyle() == "--"
    assert list(pus.get_xdata()) == [2, 2]


def test_no_pu_marker_within_pus():
    rows = [r for r in known_rows() if r["threads"] == 1]
    fig, _ = draw(rows)
    assert not any(label.startswith("PUs") for label in lines_by_label(fig))


def test_scheme_colour_is_fixed():
    fig, colours = draw(known_rows())
    (hp,) = lines_by_label(fig)["hp"]
    assert hp.get_color() == colours["hp"]


def test_two_pin_policies_are_two_panels_not_pooled():
    rows = [row("hp", 2, t, v * 1e6, 5, pin_policy=pin)
            for pin, values in (("compact", (1, 2, 3)), ("scatter", (10, 20, 30)))
            for t, v in enumerate(values, 1)]
    fig, _ = draw(rows)
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_lines()]
    assert [ax.get_title() for ax in axes] == ["stack\npush50_pop50\npin=compact",
                                               "stack\npush50_pop50\npin=scatter"]
    medians = [list(ax.get_lines()[0].get_ydata()) for ax in axes]
    assert medians == [[2.0], [20.0]]


def test_new_scheme_names_appear_without_code_changes():
    rows = [row("brand_new_scheme", 1, t, 1e6 * t, 1) for t in (1, 2, 3)]
    fig, _ = draw(rows)
    assert "brand_new_scheme" in lines_by_label(fig)


def test_subtitle_names_the_allocator():
    fig, _ = draw(known_rows(), "allocator system only")
    assert fig._suptitle.get_text().endswith("allocator system only")
