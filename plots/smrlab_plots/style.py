"""What every figure shares: the scheme colours and markers (the same in every figure of
a run), the panel grid, the threads and memory axes, the legend, and saving a figure as
PNG and SVG. Importing this module selects matplotlib's file-only Agg backend.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

plt.rcParams["svg.hashsalt"] = "smrlab"  # stable SVG ids from run to run

MARKERS = "osD^v<>pPXh*"
PU_MARKER_COLOUR = "0.4"
BAND_ALPHA = 0.2
BOUND_LINESTYLE = ":"


def scheme_colours(schemes) -> dict[str, tuple]:
    """A fixed colour per scheme (sorted by name), the same in every figure."""
    names = sorted(set(map(str, schemes)))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def category_colours(names, cmap_name: str = "Set2") -> dict[str, tuple]:
    """A colour per name (sorted), from a palette other than the schemes' one."""
    ordered = sorted(set(map(str, names)))
    cmap = plt.get_cmap(cmap_name)
    return {name: cmap(i % cmap.N) for i, name in enumerate(ordered)}


def scheme_style(colours: dict, scheme: str) -> dict:
    """Colour and marker of a scheme's line."""
    index = sorted(colours).index(scheme)
    return {"color": colours[scheme], "marker": MARKERS[index % len(MARKERS)]}


def panel_grid(n: int, *, width: float = 4.6, height: float = 3.5, ncols_max: int = 3):
    """A figure with n panels, at most ncols_max a row; returns (figure, list of axes)."""
    ncols = min(ncols_max, max(1, n))
    nrows = math.ceil(n / ncols) if n else 1
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
        constrained_layout=True,
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def grouped_panel_grid(groups, *, width: float = 4.6, height: float = 3.5,
                       ncols_max: int = 3):
    """A figure whose panels come in groups (the structure kinds): one block of panel
    rows per group, each block starting on a new row under its heading (top left, bold),
    at most ncols_max panels a row and the same column count in every block, so that
    panels keep one size. `groups` is [(heading, number of panels)]. With one group (or
    none), panel_grid as is, without a heading.

    Returns (figure, [(holder, axes)] per group): holder is the block's SubFigure (the
    figure itself with one group), where the block's legend goes (figure_legend).
    """
    groups = list(groups)
    if len(groups) <= 1:
        fig, axes = panel_grid(groups[0][1] if groups else 0, width=width, height=height,
                               ncols_max=ncols_max)
        return fig, [(fig, axes)]
    ncols = min(ncols_max, max(1, max(n for _, n in groups)))
    rows = [max(1, math.ceil(n / ncols)) for _, n in groups]
    fig = plt.figure(figsize=(width * ncols, height * sum(rows) + 0.4 * len(groups)),
                     constrained_layout=True)
    holders = fig.subfigures(len(groups), 1, height_ratios=rows, squeeze=False)[:, 0]
    blocks = []
    for holder, (heading, n), nrows in zip(holders, groups, rows):
        flat = list(holder.subplots(nrows, ncols, squeeze=False).flat)
        for ax in flat[n:]:
            ax.set_visible(False)
        holder.suptitle(heading, x=0.0, ha="left", fontweight="bold")
        blocks.append((holder, flat[:n]))
    return fig, blocks


def threads_axis(ax, threads) -> None:
    """x axis of thread counts: a tick at each count, log2 when they span 4x or more."""
    ticks = sorted(set(int(t) for t in threads))
    if ticks and ticks[0] >= 1 and ticks[-1] / ticks[0] >= 4:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("threads")
    ax.grid(True, which="major", alpha=0.3)


def object_count_axis(ax, values, *, always_symlog: bool = False) -> None:
    """y axis for counts of objects, which span from tens (hazard pointers) to millions
    (an epoch scheme behind a stalled thread): symmetric-log (linear below 1, so that 0
    can be shown) when the positive values span more than 100x, or when asked; linear
    otherwise. Starts at 0 either way."""
    positive = [float(v) for v in values if v == v and v > 0]
    spread = max(positive) / max(1.0, min(positive)) if positive else 1.0
    if always_symlog or spread > 100:
        ax.set_yscale("symlog", linthresh=1, linscale=0.6)
        top = max(positive) if positive else 1.0
        ax.set_ylim(bottom=0, top=top * 3)
    else:
        ax.set_ylim(bottom=0)
    ax.grid(True, which="major", axis="y", alpha=0.3)


def scheme_handles(colours: dict, schemes=None, *, markers: bool = True) -> list:
    """Legend entries for the schemes (all of colours, or the ones named), sorted; with
    each scheme's marker unless markers is False (lines drawn without markers)."""
    names = sorted(colours) if schemes is None else sorted(set(schemes))
    handles = []
    for name in names:
        look = scheme_style(colours, name)
        if not markers:
            look.pop("marker")
        handles.append(Line2D([], [], label=name, linestyle="-", **look))
    return handles


def bound_handle() -> Line2D:
    return Line2D([], [], color="0.3", linestyle=BOUND_LINESTYLE, label="scheme's bound")


def band_handle() -> Patch:
    return Patch(color="0.5", alpha=BAND_ALPHA, label="min–max over trials")


def figure_legend(fig, handles: list) -> None:
    """The legend outside the panels, on the right (savefig(bbox_inches="tight") keeps it
    in frame); `fig` may be a block of grouped_panel_grid (a SubFigure)."""
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize="small")


def save_figure(fig, out_dir: Path, stem: str) -> list[Path]:
    """Write STEM.png and STEM.svg, close the figure; returns the two paths."""
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return paths
