"""Tests of plots/smrlab_plots/throughput.py: the medians, bands and PU marker drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from smrlab_plots import data, structure_kinds, style, throughput
from figure_reading import band_limits, block_headings, block_legends, block_titles
from figure_reading import lines_by_label
from synthetic_run import KIND_STRUCTURES, compatibility, kinds_rows, known_rows, meta, row


def draw(rows, subtitle="", kinds=None):
    ok = data.ok_rows(pd.DataFrame(rows))
    colours = style.scheme_colours(ok["scheme"])
    fig = throughput.draw_throughput(data.summarise(ok), data.pu_count(ok), colours, subtitle,
                                     kinds)
    return fig, colours


def suite_kinds(structures=KIND_STRUCTURES):
    """{structure: kind} as plot_results.py reads it from a synthetic meta.json."""
    value = meta(compatibility=compatibility(["ebr", "hprc"], list(structures)))
    return structure_kinds.kinds_from_meta(data.Meta(value))


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


def test_panels_are_grouped_by_kind_pool_deque_set():
    fig, _ = draw(kinds_rows(), kinds=suite_kinds())
    assert block_headings(fig) == [structure_kinds.kind_title(k) for k in ("pool", "deque", "set")]
    # Within a kind, the structures in meta.json's order (compatibility.structures).
    assert block_titles(fig) == [["michael_scott_queue", "treiber_stack"],
                                 ["sundell_tsigas_deque"],
                                 ["harris_michael_list", "natarajan_mittal_bst"]]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().splitlines()[1] for ax in panels] == \
        ["push50_pop50"] * 2 + ["deque_push50_pop50"] + \
        ["insert25_remove25_lookup50 keys=1000 uniform"] * 2
    assert {ax.get_ylabel() for ax in panels} == {"throughput (Mops/s)"}


def test_each_kind_has_a_legend_of_its_schemes():
    fig, _ = draw(kinds_rows(), kinds=suite_kinds())
    assert block_legends(fig) == [["ebr", "hprc", "min–max over trials"]] * 3
    # Without the tree, the sets are the list only, which hprc does not run.
    rows = [r for r in kinds_rows() if r["structure"] != "natarajan_mittal_bst"]
    fig, _ = draw(rows, kinds=suite_kinds())
    assert block_legends(fig)[2] == ["ebr", "min–max over trials"]


def test_medians_are_drawn_in_their_kind_panel():
    fig, _ = draw(kinds_rows(), kinds=suite_kinds())
    by_title = {ax.get_title().splitlines()[0]: ax for ax in fig.axes if ax.get_visible()}
    (ebr,) = [line for line in by_title["sundell_tsigas_deque"].get_lines()
              if line.get_label() == "ebr"]
    assert list(ebr.get_ydata()) == pytest.approx([4.0, 8.0])  # index 3: 4 Mops/s a thread


def test_without_kinds_the_panels_are_one_grid_as_before():
    fig, _ = draw(kinds_rows())
    assert block_headings(fig) == []
    assert block_titles(fig) == [sorted(KIND_STRUCTURES)]


def test_structures_meta_json_does_not_list_are_other_last():
    kinds = suite_kinds(["treiber_stack", "harris_michael_list"])
    fig, _ = draw(kinds_rows(), kinds=kinds)
    assert block_headings(fig) == [structure_kinds.kind_title(k) for k in ("pool", "set", "other")]
    assert block_titles(fig) == [["treiber_stack"], ["harris_michael_list"],
                                 ["michael_scott_queue", "natarajan_mittal_bst",
                                  "sundell_tsigas_deque"]]


def test_one_kind_is_one_grid_without_heading():
    rows = [r for r in kinds_rows() if r["structure"] in ("treiber_stack", "michael_scott_queue")]
    fig, _ = draw(rows, "pools", kinds=suite_kinds())
    assert block_headings(fig) == []
    assert block_titles(fig) == [["michael_scott_queue", "treiber_stack"]]
