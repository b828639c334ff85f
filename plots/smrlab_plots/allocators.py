"""Figures: the schemes under each allocator ("does the allocator change the ranking, and
how much memory does it hold?"). Drawn only when a run has more than one allocator.

allocator_comparison: one panel per structure x workload (x variant values other than
the allocator), grouped bars: one group per scheme, one bar per allocator, the median
throughput over trials (Mops/s) with min–max error bars, at one thread count per panel:
the largest not above the PU count (the largest present when all exceed it).

allocator_memory: the same layout for allocator_bytes_peak (MiB), the peak of what the
allocator reports as allocated. Allocators count differently: mimalloc reports memory
it has committed from the OS, not live bytes, so compare an allocator with itself.

Both group their panels by structure kind, one block of rows per kind under a heading
that names it, as in the throughput figure (throughput.py says why); plot_results.py also
writes one figure per kind (allocator_comparison_set, ...) when a run has several.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import data, structure_kinds, style

MIB = float(1 << 20)


def comparison_threads(rows: pd.DataFrame, pus: int | None) -> int:
    """The thread count a panel compares at: the largest not above `pus`, or the largest
    present when all exceed it (or when pus is unknown)."""
    counts = sorted(set(int(t) for t in rows["threads"]))
    within = [t for t in counts if pus is None or t <= pus]
    return within[-1] if within else counts[-1]


def allocator_summary(ok: pd.DataFrame, value: str, pus: int | None,
                      variants=None) -> pd.DataFrame:
    """Median, min and max of `value` per panel, scheme and allocator, at each panel's
    comparison_threads.

    `ok` are the ok rows of every allocator; `variants` the variant columns other than
    allocator to key panels on (default: those that vary in ok). Returns the columns of
    data.summarise keyed on those variants and allocator (scheme, structure, workload,
    threads, variants..., allocator, median, min, max, trials).
    """
    if variants is None:
        variants = data.varying_columns(ok)
    variants = [v for v in variants if v != "allocator"]
    keyed = variants + ["allocator"]
    parts = []
    for panel in data.panels(ok, variants):
        rows = panel.select(ok)
        at = rows[rows["threads"] == comparison_threads(rows, pus)]
        parts.append(data.summarise(at, value, keyed))
    if not parts:
        return data.summarise(ok.iloc[0:0], value, keyed)
    return pd.concat(parts, ignore_index=True)


def draw_allocator_bars(summary: pd.DataFrame, allocator_colours: dict, *, scale: float,
                        ylabel: str, title: str, kinds: dict | None = None):
    """Grouped bars of `summary` (allocator_summary): x = scheme, one bar per allocator
    (a BarContainer labelled with the allocator's name), height = median / scale, error
    bars from min to max. `kinds` ({structure: kind}) groups the panels by kind, as in
    the throughput figure; the allocators' legend is drawn once. Returns the Figure."""
    variants = [c for c in data.VARIANT_COLUMNS if c in summary.columns and c != "allocator"]
    groups = structure_kinds.panel_groups(data.panels(summary, variants), kinds)
    names = sorted(allocator_colours)
    fig, blocks = style.grouped_panel_grid(structure_kinds.block_headings(groups),
                                           width=5.0, height=3.8)
    for (_, axes), (_, keys) in zip(blocks, groups):
        for ax, panel in zip(axes, keys):
            _draw_panel(ax, panel, panel.select(summary), allocator_colours, names, scale,
                        ylabel)
    handles = [style.Patch(color=allocator_colours[n], label=n) for n in names]
    style.figure_legend(blocks[0][0], handles)
    fig.suptitle(title)
    return fig


def _draw_panel(ax, panel: data.Panel, part: pd.DataFrame, allocator_colours: dict,
                names: list[str], scale: float, ylabel: str) -> None:
    """One panel's bars: a group per scheme, a bar per allocator."""
    width = 0.8 / max(1, len(names))
    schemes = sorted(set(part["scheme"]))
    positions = {scheme: i for i, scheme in enumerate(schemes)}
    for i, allocator in enumerate(names):
        rows = part[part["allocator"] == allocator].sort_values("scheme")
        if rows.empty:
            continue
        xs = [positions[s] + (i - (len(names) - 1) / 2) * width for s in rows["scheme"]]
        medians = rows["median"].to_numpy(float) / scale
        below = medians - rows["min"].to_numpy(float) / scale
        above = rows["max"].to_numpy(float) / scale - medians
        ax.bar(xs, medians, width, yerr=np.vstack([below, above]), capsize=2,
               color=allocator_colours[allocator], label=allocator,
               error_kw={"elinewidth": 0.8, "ecolor": "0.2"})
    ax.set_xticks(range(len(schemes)))
    ax.set_xticklabels(schemes, rotation=30, ha="right")
    ax.set_xlim(-0.6, max(len(schemes), 1) - 0.4)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", alpha=0.3)
    threads = sorted(set(int(t) for t in part["threads"]))
    at = f"\n{', '.join(map(str, threads))} threads" if threads else ""
    ax.set_title(panel.title() + at, fontsize="medium")


def draw_allocator_comparison(summary: pd.DataFrame, allocator_colours: dict,
                              subtitle: str = "", kinds: dict | None = None):
    """Throughput bars (allocator_summary of throughput_ops_s, in Mops/s); `subtitle` is
    appended to the title (e.g. the kind of a per-kind figure)."""
    return draw_allocator_bars(
        summary, allocator_colours, scale=1e6, ylabel="throughput (Mops/s)",
        title="Throughput per allocator (median over trials, min–max error bars)"
        + (f" — {subtitle}" if subtitle else ""), kinds=kinds,
    )


def draw_allocator_memory(summary: pd.DataFrame, allocator_colours: dict,
                          subtitle: str = "", kinds: dict | None = None):
    """Allocator-bytes bars (allocator_summary of allocator_bytes_peak, in MiB). The
    title warns that mimalloc's bytes are committed memory when mimalloc is shown;
    `subtitle` is appended to it."""
    caveat = "; mimalloc: committed memory, not live bytes" \
        if "mimalloc" in allocator_colours else ""
    return draw_allocator_bars(
        summary, allocator_colours, scale=MIB, ylabel="allocator bytes, peak (MiB)",
        title=f"Allocator bytes, peak, per allocator (median over trials{caveat})"
        + (f" — {subtitle}" if subtitle else ""), kinds=kinds,
    )
