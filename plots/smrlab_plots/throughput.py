"""Figure: throughput against threads ("how fast is each scheme, and how does it scale?").

One panel per structure x workload (x variant values), one line per scheme: the median
throughput over trials in Mops/s, with a band from the slowest to the fastest trial. A
dashed vertical line marks the PU count in panels whose thread counts go past it
(beyond it, workers share processing units).
"""

from __future__ import annotations

import pandas as pd

from . import data, style
from .style import plt


def draw_throughput(summary: pd.DataFrame, pus: int | None, colours: dict,
                    subtitle: str = ""):
    """Draw `summary` (data.summarise of throughput_ops_s); returns the Figure.

    Each scheme's median line is labelled with the scheme name; its band (a
    PolyCollection) with "<scheme> min–max"; the PU marker with "PUs (<n>)". Values are
    plotted in Mops/s. `subtitle` is appended to the figure title (e.g. which allocator).
    """
    keys = data.panels(summary)
    fig, axes = style.panel_grid(len(keys))
    marked_pus = False
    for ax, panel in zip(axes, keys):
        part = panel.select(summary)
        for scheme, rows in part.groupby("scheme", sort=True):
            rows = rows.sort_values("threads")
            look = style.scheme_style(colours, scheme)
            ax.plot(rows["threads"], rows["median"] / 1e6, label=scheme, linestyle="-", **look)
            ax.fill_between(
                rows["threads"], rows["min"] / 1e6, rows["max"] / 1e6,
                color=look["color"], alpha=style.BAND_ALPHA, linewidth=0,
                label=f"{scheme} min–max",
            )
        if pus is not None and part["threads"].max() > pus:
            ax.axvline(pus, color=style.PU_MARKER_COLOUR, linestyle="--", linewidth=1,
                       label=f"PUs ({pus})")
            marked_pus = True
        style.threads_axis(ax, part["threads"])
        ax.set_ylim(bottom=0)
        ax.set_title(panel.title(), fontsize="medium")
        ax.set_ylabel("throughput (Mops/s)")
    handles = style.scheme_handles(colours, summary["scheme"])
    if marked_pus:
        handles.append(plt.Line2D([], [], color=style.PU_MARKER_COLOUR, linestyle="--",
                                  label=f"PUs ({pus})"))
    handles.append(style.band_handle())
    style.figure_legend(fig, handles)
    fig.suptitle("Throughput (median over trials)" + (f" — {subtitle}" if subtitle else ""))
    return fig
