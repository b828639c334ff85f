"""Figure and table: harness_overhead, what the harness itself costs, from
RUN_DIR/overhead.csv, which `smrlab overhead` writes (run_experiments.sh runs it after the
micro suite). One row per run of either driver: the harness trial (sampler thread,
validation tally, fault and phase checks) or the bare-loop reference (the same
operations, keys, seeds, prefill and placement with only a counter), run side by side.

Per scheme x structure x threads: the median throughput of each driver and the ratio
harness / bare of the medians, with the min-max of the per-trial ratios (a trial's two
runs). A harness run whose status, valid or teardown is not ok, and a run that completed
no operation, are left out. The figure: ratio against threads, one line per scheme, one
panel per structure, a dashed line at TARGET (the harness within 5% of the bare loop).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from . import style  # first: selects the Agg backend
from matplotlib.lines import Line2D  # noqa: E402, I001
from . import micro  # line_styles: looks for schemes the sweep did not run
from .data import InputError

OVERHEAD_CSV = "overhead.csv"
TARGET = 0.95
DRIVERS = ("harness", "bare")
REQUIRED = ("scheme", "structure", "threads", "trial", "driver", "throughput_ops_s")
NUMERIC = ("threads", "trial", "throughput_ops_s", "total_ops", "elapsed_s")
CHECKS = ("status", "valid", "teardown")
KEYS = ["scheme", "structure", "threads"]
COLUMNS = [*KEYS, "trials", "harness_ok", "harness_median", "bare_median", "ratio",
           "ratio_min", "ratio_max"]


def load_overhead(path: Path) -> pd.DataFrame | None:
    """Read overhead.csv; None when the run has none.

    Returns its rows with threads, trial and throughput_ops_s as numbers. A file that is
    empty, not CSV, lacks one of REQUIRED, names a driver other than harness or bare, or
    holds a value that is not a number where one is needed raises InputError naming the
    file (and the row).
    """
    if not path.exists():
        return None
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: file is empty (no header, no rows; an interrupted "
                         "smrlab overhead keeps no file)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable CSV file: {first}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s): {', '.join(missing)} (smrlab overhead "
                         f"writes them; found: {', '.join(df.columns) or 'none'})")
    return _parse(df, path)


def _parse(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    out = df.copy()
    bad_driver = ~out["driver"].isin(DRIVERS)
    if bad_driver.any():
        i = int(bad_driver.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: data row {i + 1}: driver is {out['driver'].iloc[i]!r}, "
                         "not harness or bare")
    for col in (c for c in NUMERIC if c in out.columns):
        raw = out[col]
        numbers = pd.to_numeric(raw, errors="coerce")
        blank = raw.str.strip() == ""
        bad = numbers.isna() & (~blank | (col in REQUIRED))
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"{path}: data row {i + 1}: column {col} holds a value that is "
                             f"not a number: {str(raw.iloc[i])!r}")
        out[col] = numbers
    out["threads"] = out["threads"].astype(int)
    out["trial"] = out["trial"].astype(int)
    return out


def counted(runs: pd.DataFrame) -> pd.Series:
    """Which runs enter the medians: ok checks (harness runs) and operations completed."""
    keep = runs["throughput_ops_s"] > 0
    if "total_ops" in runs.columns:
        keep &= runs["total_ops"].fillna(1) > 0
    harness = runs["driver"] == "harness"
    for col in (c for c in CHECKS if c in runs.columns):
        keep &= ~harness | (runs[col] == "ok")
    return keep


def overhead_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per scheme x structure x threads (sorted), with the columns of COLUMNS:
    trials (harness runs in the file), harness_ok (those counted), each driver's median
    throughput, ratio (of the medians; NaN where a driver has none), ratio_min and
    ratio_max (over the trials where both runs count)."""
    kept = runs[counted(runs)]
    rows = []
    for key, part in runs.groupby(KEYS, sort=True):
        good = kept.loc[kept.index.intersection(part.index)]
        harness = good[good["driver"] == "harness"].set_index("trial")["throughput_ops_s"]
        bare = good[good["driver"] == "bare"].set_index("trial")["throughput_ops_s"]
        harness = harness[~harness.index.duplicated(keep="last")]
        bare = bare[~bare.index.duplicated(keep="last")]
        both = harness.index.intersection(bare.index)
        per_trial = harness[both] / bare[both]
        h_med = harness.median() if len(harness) else math.nan
        b_med = bare.median() if len(bare) else math.nan
        rows.append({
            **dict(zip(KEYS, key)),
            "trials": int((part["driver"] == "harness").sum()),
            "harness_ok": int(len(harness)),
            "harness_median": h_med, "bare_median": b_med,
            "ratio": h_med / b_med if len(harness) and len(bare) else math.nan,
            "ratio_min": per_trial.min() if len(per_trial) else math.nan,
            "ratio_max": per_trial.max() if len(per_trial) else math.nan,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def ratio_cell(row) -> str:
    """"0.973 (0.950–0.990)": the ratio and the range of the per-trial ratios; "–" when
    there is no ratio."""
    if pd.isna(row["ratio"]):
        return "–"
    text = f"{row['ratio']:.3f}"
    if not pd.isna(row["ratio_min"]):
        text += f" ({row['ratio_min']:.3f}–{row['ratio_max']:.3f})"
    return text


def ratio_pivot(table: pd.DataFrame) -> pd.DataFrame:
    """The table index.html shows: a row per scheme x structure, a column per thread
    count ("1 thread", "2 threads", ...) holding ratio_cell, and harness_ok as "ok/trials"
    over all thread counts."""
    out = []
    thread_counts = sorted(set(int(t) for t in table["threads"]))
    for (scheme, structure), part in table.groupby(["scheme", "structure"], sort=True):
        row = {"scheme": scheme, "structure": structure}
        by_threads = {int(r["threads"]): r for _, r in part.iterrows()}
        for n in thread_counts:
            row[threads_label(n)] = ratio_cell(by_threads[n]) if n in by_threads else ""
        row["harness ok"] = f"{int(part['harness_ok'].sum())}/{int(part['trials'].sum())}"
        out.append(row)
    columns = ["scheme", "structure", *map(threads_label, thread_counts), "harness ok"]
    return pd.DataFrame(out, columns=columns)


def threads_label(n: int) -> str:
    return f"{n} thread" if n == 1 else f"{n} threads"


def below_target(table: pd.DataFrame) -> pd.DataFrame:
    """The rows whose ratio is under TARGET."""
    return table[table["ratio"] < TARGET]


def draw_overhead(table: pd.DataFrame, colours: dict):
    """The harness_overhead figure: a panel per structure, x = threads, y = ratio harness /
    bare, one line per scheme (the other figures' colours where the scheme is in them),
    a dashed line at TARGET and a faint one at 1."""
    table = table.dropna(subset=["ratio"])
    structures = sorted(set(table["structure"]))
    looks = micro.line_styles(table["scheme"], colours)
    fig, axes = style.panel_grid(len(structures))
    for ax, structure in zip(axes, structures):
        part = table[table["structure"] == structure]
        for scheme, rows in part.groupby("scheme", sort=True):
            rows = rows.sort_values("threads")
            ax.plot(rows["threads"], rows["ratio"], label=scheme, linestyle="-",
                    **looks[scheme])
        ax.axhline(TARGET, color="0.3", linestyle="--", linewidth=1, label="target")
        ax.axhline(1.0, color="0.7", linestyle="-", linewidth=0.8, label="parity")
        style.threads_axis(ax, part["threads"])
        low = min([TARGET, *part["ratio"]])
        high = max([1.0, *part["ratio"]])
        pad = 0.05 * (high - low) + 0.01
        ax.set_ylim(low - pad, high + pad)
        ax.grid(True, which="major", axis="y", alpha=0.3)
        ax.set_title(structure, fontsize="medium")
        ax.set_ylabel("throughput ratio harness / bare")
    handles = [Line2D([], [], label=s, linestyle="-", **looks[s]) for s in sorted(looks)]
    handles.append(Line2D([], [], color="0.3", linestyle="--",
                          label=f"target {TARGET:g} (within 5%)"))
    style.figure_legend(fig, handles)
    return fig
