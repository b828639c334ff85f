"""Figure: throughput against threads ("how fast is each scheme, and how does it scale?").

One panel per structure x workload (x variant values), one line per scheme: the median
throughput over trials in Mops/s, with a band from the slowest to the fastest trial. A
dashed vertical line marks the PU count in panels whose thread counts go past it
(beyond it, workers share processing units).

Panels are grouped by structure kind (structure_kinds: pools, deques, sets, then
structures of no known kind): each kind is a block of its own rows under a heading that
names it, with a legend of the schemes drawn in it. A kind's panels share their x/y
semantics (pools and deques run push/pop mixes, sets insert/remove/lookup mixes over a
key range, with far lower throughput on a list), and with nine or more structures a
kind's block stays a few rows that read together, where one alphabetical grid would mix
a stack beside a list. plot_results.py also writes each kind as a figure of its own
(throughput_set, ...) when a run has several kinds: those are the ones index.html shows
inline, since each fits on a screen.
"""

from __future__ import annotations

import pandas as pd

from . import data, structure_kinds, style
from .style import plt


def draw_throughput(summary: pd.DataFrame, pus: int | None, colours: dict,
                    subtitle: str = "", kinds: dict | None = None):
    """Draw `summary` (data.summarise of throughput_ops_s); returns the Figure.

    Each scheme's median line is labelled with the scheme name; its band (a
    PolyCollection) with "<scheme> min–max"; the PU marker with "PUs (<n>)". Values are
    plotted in Mops/s. `subtitle` is appended to the figure title (e.g. which allocator).
    `kinds` ({structure: kind}, structure_kinds.kinds_from_meta) groups the panels by
    kind; without it (or with one kind) the panels are one grid, as before.
    """
    groups = structure_kinds.panel_groups(data.panels(summary), kinds)
    fig, blocks = style.grouped_panel_grid(structure_kinds.block_headings(groups))
    for (holder, axes), (_, keys) in zip(blocks, groups):
        parts = [panel.select(summary) for panel in keys]
        marked_pus = False
        for ax, panel, part in zip(axes, keys, parts):
            marked_pus |= _draw_panel(ax, panel, part, pus, colours)
        schemes = pd.concat(parts)["scheme"] if parts else summary["scheme"]
        handles = style.scheme_handles(colours, schemes)
        if marked_pus:
            handles.append(plt.Line2D([], [], color=style.PU_MARKER_COLOUR, linestyle="--",
                                      label=f"PUs ({pus})"))
        handles.append(style.band_handle())
        style.figure_legend(holder, handles)
    fig.suptitle("Throughput (median over trials)" + (f" — {subtitle}" if subtitle else ""))
    return fig


def _draw_panel(ax, panel: data.Panel, part: pd.DataFrame, pus: int | None,
                colours: dict) -> bool:
    """One panel's lines and bands; returns whether it has the PU marker."""
    for scheme, rows in part.groupby("scheme", sort=True):
        rows = rows.sort_values("threads")
        look = style.scheme_style(colours, scheme)
        ax.plot(rows["threads"], rows["median"] / 1e6, label=scheme, linestyle="-", **look)
        ax.fill_between(
            rows["threads"], rows["min"] / 1e6, rows["max"] / 1e6,
            color=look["color"], alpha=style.BAND_ALPHA, linewidth=0,
            label=f"{scheme} min–max",
        )
    marked = pus is not None and part["threads"].max() > pus
    if marked:
        ax.axvline(pus, color=style.PU_MARKER_COLOUR, linestyle="--", linewidth=1,
                   label=f"PUs ({pus})")
    style.threads_axis(ax, part["threads"])
    ax.set_ylim(bottom=0)
    ax.set_title(panel.title(), fontsize="medium")
    ax.set_ylabel("throughput (Mops/s)")
    return bool(marked)
