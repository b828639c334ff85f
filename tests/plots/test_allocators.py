"""Tests of plots/smrlab_plots/allocators.py: the thread count compared at, the medians per
scheme and allocator, and the bar heights and error bars drawn."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from smrlab_plots import allocators, data, structure_kinds, style
from figure_reading import block_headings, block_titles
from synthetic_run import kinds_of, kinds_rows, row


def rows():
    """ebr and hp under system and jemalloc at 1, 2 and 4 threads on 2 PUs. At 2 threads:
    ebr/system 10,20,30 Mops/s; ebr/jemalloc 40,50,60; hp/system 1,2,3; hp/jemalloc has
    no trial. Bytes only for jemalloc."""
    out = []
    for threads in (1, 2, 4):
        for allocator, scheme, values in (("system", "ebr", (10, 20, 30)),
                                          ("jemalloc", "ebr", (40, 50, 60)),
                                          ("system", "hp", (1, 2, 3))):
            for trial, v in enumerate(values, 1):
                bytes_peak = (v << 20) if allocator == "jemalloc" else ""
                out.append(row(scheme, threads, trial, v * 1e6 * threads, 5, pus=2,
                               allocator=allocator, allocator_bytes_peak=bytes_peak))
    return out


@pytest.mark.parametrize("threads, pus, expected", [
    ((1, 2, 4), 2, 2),
    ((1, 2, 4), 3, 2),
    ((1, 2, 4), None, 4),
    ((4, 8), 2, 8),  # all exceed the PUs: the largest
])
def test_comparison_threads(threads, pus, expected):
    frame = pd.DataFrame({"threads": list(threads)})
    assert allocators.comparison_threads(frame, pus) == expected


def test_summary_at_the_largest_count_within_pus():
    ok = data.ok_rows(pd.DataFrame(rows()))
    s = allocators.allocator_summary(ok, "throughput_ops_s", data.pu_count(ok))
    got = {(r.scheme, r.allocator): (r.threads, r.median, r.min, r.max)
           for r in s.itertuples(index=False)}
    assert got == {
        ("ebr", "jemalloc"): (2, 100e6, 80e6, 120e6),
        ("ebr", "system"): (2, 40e6, 20e6, 60e6),
        ("hp", "system"): (2, 4e6, 2e6, 6e6),
    }


def bars(ax):
    """{allocator: {scheme: height}} read back from the BarContainers of ax."""
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    out = {}
    for container in ax.containers:
        if isinstance(container, BarContainer):
            out[container.get_label()] = {
                ticks[round(p.get_x() + p.get_width() / 2)]: p.get_height()
                for p in container.patches
            }
    return out


def test_bar_heights_are_median_mops_per_scheme_and_allocator():
    ok = data.ok_rows(pd.DataFrame(rows()))
    s = allocators.allocator_summary(ok, "throughput_ops_s", data.pu_count(ok))
    fig = allocators.draw_allocator_comparison(s, style.category_colours(data.allocators(ok)))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ebr", "hp"]
    assert bars(ax) == {"jemalloc": {"ebr": pytest.approx(100)},
                        "system": {"ebr": pytest.approx(40), "hp": pytest.approx(4)}}
    assert "2 threads" in ax.get_title()


def test_error_bars_span_min_to_max():
    ok = data.ok_rows(pd.DataFrame(rows()))
    s = allocators.allocator_summary(ok, "throughput_ops_s", data.pu_count(ok))
    colours = style.category_colours(["jemalloc", "system"])
    ax = allocators.draw_allocator_comparison(s, colours).axes[0]
    errorbars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    spans = sorted(
        tuple(sorted((seg[0][1], seg[1][1])))
        for c in errorbars for seg in c.lines[2][0].get_segments()
    )
    assert spans == [pytest.approx((2, 6)), pytest.approx((20, 60)), pytest.approx((80, 120))]


def test_memory_bars_in_mib_where_measured():
    ok = data.ok_rows(pd.DataFrame(rows()))
    s = allocators.allocator_summary(ok, "allocator_bytes_peak", data.pu_count(ok))
    assert set(s["allocator"]) == {"jemalloc"}  # system's bytes are empty: not measured
    fig = allocators.draw_allocator_memory(s, style.category_colours(["jemalloc", "system"]))
    assert bars(fig.axes[0]) == {"jemalloc": {"ebr": pytest.approx(50)}}


def test_mimalloc_caveat_in_the_memory_title():
    ok = data.ok_rows(pd.DataFrame(rows()))
    s = allocators.allocator_summary(ok, "allocator_bytes_peak", None)
    with_mi = allocators.draw_allocator_memory(s, style.category_colours(["jemalloc", "mimalloc"]))
    without = allocators.draw_allocator_memory(s, style.category_colours(["jemalloc", "system"]))
    assert "committed memory, not live bytes" in with_mi._suptitle.get_text()
    assert "committed" not in without._suptitle.get_text()


def test_variants_other_than_allocator_split_panels():
    extra = [row("ebr", 2, t, 7e6, 5, pin_policy="scatter", allocator=a, pus=2)
             for a in ("system", "jemalloc") for t in (1, 2)]
    ok = data.ok_rows(pd.DataFrame(rows() + extra))
    s = allocators.allocator_summary(ok, "throughput_ops_s", 2)
    fig = allocators.draw_allocator_comparison(s, style.category_colours(data.allocators(ok)))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert [t.splitlines()[2] for t in titles] == ["pin=compact", "pin=scatter"]
    assert bars(fig.axes[1]) == {"jemalloc": {"ebr": pytest.approx(7)},
                                 "system": {"ebr": pytest.approx(7)}}


def test_panels_are_grouped_by_kind_one_legend():
    two = [dict(r, allocator=a, allocator_bytes_peak=1 << 20)
           for r in kinds_rows() for a in ("system", "jemalloc")]
    ok = data.ok_rows(pd.DataFrame(two))
    colours = style.category_colours(data.allocators(ok))
    fig = allocators.draw_allocator_memory(
        allocators.allocator_summary(ok, "allocator_bytes_peak", 2), colours, "sets",
        kinds_of())
    assert block_headings(fig) == [structure_kinds.kind_title(k) for k in ("pool", "deque", "set")]
    assert block_titles(fig) == [["michael_scott_queue", "treiber_stack"],
                                 ["sundell_tsigas_deque"],
                                 ["harris_michael_list", "natarajan_mittal_bst"]]
    assert [len(sub.legends) for sub in fig.subfigs] == [1, 0, 0]
    assert fig._suptitle.get_text().endswith(" — sets")
