"""Figure: unreclaimed objects (peak) against threads, beside each scheme's bound ("does
each scheme keep the garbage it promises to, as threads grow?").

One panel per structure x workload (x variant values), one line per scheme: the median
over trials of `unreclaimed_peak`, with a min–max band. A scheme with a theoretical bound
(`bound` column; HP: N·R, HP+RC: N²·(k + l_max + α + 1)) has it drawn dotted in the same
colour. The y axis turns symmetric-log when the values span more than 100x (an epoch
scheme in the millions beside hazard pointers in the tens).

Panels are grouped by structure kind, one block of rows per kind under a heading that
names it, as in the throughput figure (throughput.py says why); plot_results.py also
writes one figure per kind (memory_bound_set, ...) when a run has several.
"""

from __future__ import annotations

import pandas as pd

from . import data, structure_kinds, style


def draw_memory_bound(summary: pd.DataFrame, bound_df: pd.DataFrame, colours: dict,
                      subtitle: str = "", kinds: dict | None = None):
    """Draw `summary` (data.summarise of unreclaimed_peak) and `bound_df` (data.bounds,
    keyed on the same variant columns); returns the Figure.

    Median lines are labelled with the scheme name, bands "<scheme> min–max", bound
    lines "<scheme> bound". `kinds` ({structure: kind}) groups the panels by kind, as in
    the throughput figure.
    """
    groups = structure_kinds.panel_groups(data.panels(summary), kinds)
    fig, blocks = style.grouped_panel_grid(structure_kinds.block_headings(groups))
    for (holder, axes), (_, keys) in zip(blocks, groups):
        any_bound = False
        schemes = []
        for ax, panel in zip(axes, keys):
            part = panel.select(summary)
            any_bound |= _draw_panel(ax, part, panel.select(bound_df), colours)
            ax.set_title(panel.title(), fontsize="medium")
            schemes += list(part["scheme"])
        handles = style.scheme_handles(colours, schemes if keys else summary["scheme"])
        if any_bound:
            handles.append(style.bound_handle())
        handles.append(style.band_handle())
        style.figure_legend(holder, handles)
    fig.suptitle("Unreclaimed objects, peak (median over trials), and each scheme's bound"
                 + (f" — {subtitle}" if subtitle else ""))
    return fig


def _draw_panel(ax, part: pd.DataFrame, bpart: pd.DataFrame, colours: dict) -> bool:
    """One panel's medians, bands and bounds; returns whether it drew a bound."""
    values = list(part["max"])
    any_bound = False
    for scheme, rows in part.groupby("scheme", sort=True):
        rows = rows.sort_values("threads")
        look = style.scheme_style(colours, scheme)
        ax.plot(rows["threads"], rows["median"], label=scheme, linestyle="-", **look)
        ax.fill_between(
            rows["threads"], rows["min"], rows["max"], color=look["color"],
            alpha=style.BAND_ALPHA, linewidth=0, label=f"{scheme} min–max",
        )
        brows = bpart[bpart["scheme"] == scheme].sort_values("threads")
        if not brows.empty:
            ax.plot(
                brows["threads"], brows["bound"], label=f"{scheme} bound",
                color=look["color"], linestyle=style.BOUND_LINESTYLE, linewidth=1.5,
            )
            values += list(brows["bound"])
            any_bound = True
    style.threads_axis(ax, part["threads"])
    style.object_count_axis(ax, values)
    ax.set_ylabel("unreclaimed objects (peak)")
    return any_bound
