"""Figure: unreclaimed objects against time ("does garbage keep growing, or stay under the
scheme's bound?"): the figure of the stall experiment, where one thread parked inside an
operation makes an epoch scheme's garbage grow while hazard-pointer schemes stay flat.

One panel per structure x workload (x variant values), at the largest thread count of
the panel. One line per scheme, from timeseries.csv: the samples of ONE representative
trial, the one whose unreclaimed_peak is the median of the scheme's trials at that
thread count (for an even count, the lower of the middle two). Trials whose results.csv
row has status ok are candidates, and so are trials stopped at the memory cap (an
epoch scheme with a stalled thread on a big machine): their samples up to the cap are
drawn, the end marked with a cross. Samples are tied to rows by trial_id.
Each scheme's bound (that trial's `bound`) is a dotted horizontal line in its colour;
the measured phase (samples with phase == measure; without a phase column, from
warmup_s to warmup_s + elapsed_s of results.csv) is shaded.

Panels are grouped by structure kind, one block of rows per kind under a heading that
names it, as in the throughput figure (throughput.py says why); plot_results.py also
writes one figure per kind (unreclaimed_over_time_set, ...) when a run has several.
"""

from __future__ import annotations

import math

import pandas as pd

from . import data, structure_kinds, style

MEASURED_COLOUR = "0.9"
CAPPED_MARKER = "X"


def select_trials(ok: pd.DataFrame, samples: pd.DataFrame, variants=None):
    """The representative trial of each scheme in each panel.

    `ok` are results rows with status ok or memory_cap (data.measured_rows, one
    allocator) with a trial_id
    column; `samples` is data.load_timeseries. `variants` as data.panels (default: the
    variant columns that vary in ok).

    Returns (chosen, notes): chosen has one row per panel and scheme with the columns of
    `ok` (trial_id, trial, threads, unreclaimed_peak, bound, ...) plus `panel` (a
    data.Panel) and `candidates` (how many trials it was chosen among); notes are
    sentences about schemes left out of a panel.
    """
    if variants is None:
        variants = data.varying_columns(ok)
    have_samples = set(samples["trial_id"].unique())
    candidates = ok[(ok["trial_id"] != "") & ok["trial_id"].isin(have_samples)]
    chosen_rows, notes = [], []
    for panel in data.panels(candidates, variants):
        part = panel.select(candidates)
        threads = int(part["threads"].max())
        at = part[part["threads"] == threads]
        for scheme, trials in at.groupby("scheme", sort=True):
            row = median_peak_trial(trials).copy()
            row["panel"] = panel
            row["candidates"] = len(trials)
            chosen_rows.append(row)
        left_out = sorted(set(part["scheme"]) - set(at["scheme"]))
        if left_out:
            notes.append(
                f"{panel.title().replace(chr(10), ', ')}: no trial with samples at "
                f"{threads} threads for {', '.join(left_out)}, so not drawn."
            )
    chosen = pd.DataFrame(chosen_rows).reset_index(drop=True)
    return chosen, notes


def median_peak_trial(trials: pd.DataFrame) -> pd.Series:
    """The trial whose unreclaimed_peak is the median of `trials` (the lower middle one
    for an even count; ties broken by trial index). Trials without a peak come last."""
    order = trials.assign(
        _missing=pd.to_numeric(trials["unreclaimed_peak"], errors="coerce").isna(),
        _peak=pd.to_numeric(trials["unreclaimed_peak"], errors="coerce"),
        _trial=pd.to_numeric(trials["trial"], errors="coerce") if "trial" in trials else 0,
    ).sort_values(["_missing", "_peak", "_trial"])
    with_peak = int((~order["_missing"]).sum())
    index = (with_peak - 1) // 2 if with_peak else 0
    return order.drop(columns=["_missing", "_peak", "_trial"]).iloc[index]


def trial_samples(samples: pd.DataFrame, trial_id: str) -> pd.DataFrame:
    """The samples of one trial, in time order."""
    return samples[samples["trial_id"] == trial_id].sort_values("t_s")


def measured_window(trial_rows: pd.DataFrame, result: pd.Series):
    """(start_s, end_s) of the trial's measured phase, or None when it cannot be told.

    From the samples' phase column where it has values (first to last sample with phase
    == measure); otherwise from results.csv: warmup_s to warmup_s + elapsed_s (or to the
    last sample when elapsed_s is missing).
    """
    if "phase" in trial_rows.columns and (trial_rows["phase"] != "").any():
        measured = trial_rows[trial_rows["phase"] == data.MEASURE_PHASE]["t_s"]
        if measured.empty:
            return None
        return float(measured.min()), float(measured.max())
    warmup = _number(result.get("warmup_s"))
    if warmup is None:
        return None
    elapsed = _number(result.get("elapsed_s"))
    if elapsed is not None:
        return warmup, warmup + elapsed
    if trial_rows.empty:
        return None
    return warmup, float(trial_rows["t_s"].max())


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def draw_over_time(chosen: pd.DataFrame, samples: pd.DataFrame, colours: dict,
                   subtitle: str = "", kinds: dict | None = None):
    """Draw the chosen trials' samples (select_trials); returns the Figure.

    Lines are labelled with the scheme name (x: seconds since the trial started, y:
    unreclaimed objects), bounds "<scheme> bound" (dotted, horizontal), the shaded
    measured phase "measured phase" (the union of the chosen trials' windows). `kinds`
    ({structure: kind}) groups the panels by kind, as in the throughput figure.
    """
    keys = list(dict.fromkeys(chosen["panel"])) if not chosen.empty else []
    groups = structure_kinds.panel_groups(keys, kinds)
    fig, blocks = style.grouped_panel_grid(structure_kinds.block_headings(groups), width=5.2)
    for (holder, axes), (_, panels) in zip(blocks, groups):
        drawn = set()
        for ax, panel in zip(axes, panels):
            drawn |= _draw_panel(ax, panel, chosen[chosen["panel"] == panel], samples, colours)
        schemes = chosen[chosen["panel"].isin(panels)]["scheme"] if panels else []
        handles = style.scheme_handles(colours, schemes, markers=False)
        if "bound" in drawn:
            handles.append(style.bound_handle())
        if "window" in drawn:
            handles.append(style.Patch(color=MEASURED_COLOUR, label="measured phase"))
        if "capped" in drawn:
            handles.append(style.Line2D([], [], marker=CAPPED_MARKER, color="0.3",
                                        linestyle="none", label="stopped at the memory cap"))
        style.figure_legend(holder, handles)
    fig.suptitle("Unreclaimed objects over time (per scheme, the trial with the median peak "
                 "at the largest thread count)" + (f" — {subtitle}" if subtitle else ""))
    return fig


def _draw_panel(ax, panel: data.Panel, part: pd.DataFrame, samples: pd.DataFrame,
                colours: dict) -> set:
    """One panel's lines, bounds and measured phase; returns which of "bound", "window"
    and "capped" it drew (for the legend)."""
    drawn = set()
    values, windows = [], []
    for _, result in part.sort_values("scheme").iterrows():
        scheme = result["scheme"]
        look = style.scheme_style(colours, scheme)
        rows = trial_samples(samples, result["trial_id"])
        ax.plot(rows["t_s"], rows["unreclaimed"], label=scheme, color=look["color"],
                linewidth=1.3)
        if str(result.get("status", "")).strip() == data.CAPPED_STATUS and not rows.empty:
            ax.plot(rows["t_s"].iloc[-1:], rows["unreclaimed"].iloc[-1:],
                    marker=CAPPED_MARKER, markersize=9, linestyle="none",
                    color=look["color"], label=f"{scheme} stopped at the memory cap")
            drawn.add("capped")
        values += list(rows["unreclaimed"])
        bound = _number(result.get("bound"))
        if bound is not None:
            ax.axhline(bound, color=look["color"], linestyle=style.BOUND_LINESTYLE,
                       linewidth=1.5, label=f"{scheme} bound")
            values.append(bound)
            drawn.add("bound")
        window = measured_window(rows, result)
        if window is not None:
            windows.append(window)
    if windows:
        ax.axvspan(min(w[0] for w in windows), max(w[1] for w in windows),
                   color=MEASURED_COLOUR, zorder=0, linewidth=0, label="measured phase")
        drawn.add("window")
    style.object_count_axis(ax, values, always_symlog=True)
    ax.set_xlabel("time since the trial started (s)")
    ax.set_ylabel("unreclaimed objects")
    threads = int(part["threads"].iloc[0])
    ax.set_title(f"{panel.title()}\n{threads} thread{'s' if threads != 1 else ''}",
                 fontsize="medium")
    return drawn
