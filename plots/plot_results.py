#!/usr/bin/env python3
"""Draw the figures of one smrlab run.

Reads RUN_DIR/results.csv (one row per trial; columns documented in results/README.md)
and writes, into RUN_DIR/figures unless --out says otherwise:

  throughput.png / .svg        throughput against threads, one panel per
                               structure x workload, one line per scheme: the median
                               over trials with a min-max band; a dashed vertical line
                               at the PU count when thread counts go past it
  unreclaimed_peak.png / .svg  unreclaimed peak against threads, median over trials,
                               one line per scheme; the scheme's bound, where it has
                               one, dotted in the same colour
  index.html                   the figures, the trials that failed a check, and the
                               run's meta.json

Only rows with status == ok are plotted. The data shaping (summarise, bounds,
pu_count) is kept in plain functions so that tests can check what is plotted.

Exit status: 0 figures written; 2 results.csv missing, empty, unreadable, lacking a
core column, or without a single ok trial; 1 matplotlib/pandas missing.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import sys
from pathlib import Path

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    import pandas as pd
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    sys.stderr.write(
        f"plot_results.py: error: {exc}; run it with an interpreter that has matplotlib "
        "and pandas (scripts/find_python.sh prints one), or install them: "
        "apt-get install python3-matplotlib python3-pandas\n"
    )
    sys.exit(1)

PROG = "plot_results.py"

# Column names that results/README.md declares stable and this script relies on.
CORE_COLUMNS = (
    "scheme",
    "structure",
    "workload",
    "threads",
    "throughput_ops_s",
    "unreclaimed_peak",
    "status",
)
GROUP_KEYS = ["scheme", "structure", "workload", "threads"]
PANEL_KEYS = ["structure", "workload"]
SUMMARY_COLUMNS = GROUP_KEYS + ["median", "min", "max", "trials"]
# Columns whose value is "ok" when the trial passed that check.
CHECK_COLUMNS = ("status", "valid", "teardown")


class InputError(Exception):
    """results.csv cannot be used; the message is shown to the user as is."""


# ----------------------------------------------------------------------- data shaping


def load_results(path: Path) -> pd.DataFrame:
    """Read results.csv, checking that it exists, is not empty, and has the core columns."""
    if not path.exists():
        raise InputError(f"{path}: no such file (is this a smrlab run folder?)")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: file is empty (no header, no trials)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable CSV file: {first}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in CORE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing core column(s): {', '.join(missing)} "
            f"(see results/README.md; found: {', '.join(df.columns) or 'none'})"
        )
    if df.empty:
        raise InputError(f"{path}: has a header but no trials")
    return df


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows with status == ok, with numeric columns parsed as numbers.

    Rows whose threads or throughput do not parse as numbers are dropped.
    """
    ok = df[df["status"].astype(str).str.strip() == "ok"].copy()
    for col in ("threads", "throughput_ops_s", "unreclaimed_peak", "bound", "pus"):
        if col in ok.columns:
            ok[col] = pd.to_numeric(ok[col], errors="coerce")
    ok = ok.dropna(subset=["threads", "throughput_ops_s"])
    ok["threads"] = ok["threads"].astype(int)
    for col in ("scheme", "structure", "workload"):
        ok[col] = ok[col].astype(str)
    return ok


def summarise(df: pd.DataFrame, value: str = "throughput_ops_s") -> pd.DataFrame:
    """Median, min and max of `value` over trials, per scheme, structure, workload, threads.

    Returns a DataFrame with columns scheme, structure, workload, threads, median, min,
    max, trials (number of trials with a value), sorted by those keys. Rows without a
    value are left out.
    """
    data = df[GROUP_KEYS + [value]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce")
    data = data.dropna(subset=[value])
    if data.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = data.groupby(GROUP_KEYS, sort=True)[value]
    out = grouped.agg(["median", "min", "max", "count"]).reset_index()
    out = out.rename(columns={"count": "trials"})
    out["threads"] = out["threads"].astype(int)
    return out[SUMMARY_COLUMNS].sort_values(GROUP_KEYS).reset_index(drop=True)


def bounds(df: pd.DataFrame) -> pd.DataFrame:
    """The scheme's bound per scheme, structure, workload, threads, where it has one.

    Returns columns scheme, structure, workload, threads, bound; empty when the CSV has
    no bound column or every bound is empty.
    """
    if "bound" not in df.columns:
        return pd.DataFrame(columns=GROUP_KEYS + ["bound"])
    data = df[GROUP_KEYS + ["bound"]].copy()
    data["bound"] = pd.to_numeric(data["bound"], errors="coerce")
    data = data.dropna(subset=["bound"])
    if data.empty:
        return pd.DataFrame(columns=GROUP_KEYS + ["bound"])
    # The bound depends only on the configuration, so all trials agree; max is a guard.
    out = data.groupby(GROUP_KEYS, sort=True)["bound"].max().reset_index()
    out["threads"] = out["threads"].astype(int)
    return out.sort_values(GROUP_KEYS).reset_index(drop=True)


def pu_count(df: pd.DataFrame) -> int | None:
    """Processing units of the machine, from the pus column; None when unknown."""
    if "pus" not in df.columns:
        return None
    pus = pd.to_numeric(df["pus"], errors="coerce").dropna()
    if pus.empty:
        return None
    # One run is one machine; if rows disagree, mark the smallest.
    value = int(pus.min())
    return value if value > 0 else None


def panels(summary: pd.DataFrame) -> list[tuple[str, str]]:
    """(structure, workload) pairs, one figure panel each, sorted."""
    pairs = summary[PANEL_KEYS].drop_duplicates().sort_values(PANEL_KEYS)
    return [(str(s), str(w)) for s, w in pairs.itertuples(index=False)]


def scheme_colours(schemes) -> dict[str, tuple]:
    """A fixed colour per scheme (sorted by name), the same in every figure."""
    names = sorted(set(map(str, schemes)))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


# --------------------------------------------------------------------------- drawing

MARKERS = "osD^v<>pPXh*"


def _scheme_style(colours: dict, scheme: str) -> dict:
    index = sorted(colours).index(scheme)
    return {"color": colours[scheme], "marker": MARKERS[index % len(MARKERS)]}


def _panel_grid(n: int):
    ncols = min(3, max(1, n))
    nrows = math.ceil(n / ncols) if n else 1
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.6 * ncols, 3.5 * nrows), squeeze=False, constrained_layout=True
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _threads_axis(ax, threads) -> None:
    ticks = sorted(set(int(t) for t in threads))
    if ticks and ticks[0] >= 1 and ticks[-1] / ticks[0] >= 4:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("threads")
    ax.grid(True, which="major", alpha=0.3)


def _legend(fig, colours: dict, extra: list) -> None:
    handles = [
        Line2D([], [], label=name, linestyle="-", **_scheme_style(colours, name))
        for name in sorted(colours)
    ] + extra
    # Outside the panels, on the right; savefig(bbox_inches="tight") keeps it in frame.
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize="small")


def draw_throughput(summary: pd.DataFrame, pus: int | None, colours: dict):
    """Throughput (Mops/s) against threads; returns the Figure.

    Each scheme's median line carries the scheme name as its label; the band is the
    min-max over trials.
    """
    keys = panels(summary)
    fig, axes = _panel_grid(len(keys))
    marked_pus = False
    for ax, (structure, workload) in zip(axes, keys):
        part = summary[(summary["structure"] == structure) & (summary["workload"] == workload)]
        for scheme, rows in part.groupby("scheme", sort=True):
            rows = rows.sort_values("threads")
            style = _scheme_style(colours, scheme)
            ax.plot(rows["threads"], rows["median"] / 1e6, label=scheme, linestyle="-", **style)
            ax.fill_between(
                rows["threads"], rows["min"] / 1e6, rows["max"] / 1e6,
                color=style["color"], alpha=0.2, linewidth=0,
            )
        if pus is not None and part["threads"].max() > pus:
            ax.axvline(pus, color="0.4", linestyle="--", linewidth=1, label=f"PUs ({pus})")
            marked_pus = True
        _threads_axis(ax, part["threads"])
        ax.set_ylim(bottom=0)
        ax.set_title(f"{structure}\n{workload}", fontsize="medium")
        ax.set_ylabel("throughput (Mops/s)")
    extra = []
    if marked_pus:
        extra.append(Line2D([], [], color="0.4", linestyle="--", label=f"PUs ({pus})"))
    extra.append(
        plt.Rectangle((0, 0), 1, 1, color="0.5", alpha=0.2, label="min–max over trials")
    )
    _legend(fig, colours, extra)
    fig.suptitle("Throughput (median over trials)")
    return fig


def draw_unreclaimed(summary: pd.DataFrame, bound_df: pd.DataFrame, colours: dict):
    """Unreclaimed peak against threads, with each scheme's bound dotted; returns the Figure.

    Median lines are labelled with the scheme name, bound lines with "<scheme> bound".
    """
    keys = panels(summary)
    fig, axes = _panel_grid(len(keys))
    any_bound = False
    for ax, (structure, workload) in zip(axes, keys):
        part = summary[(summary["structure"] == structure) & (summary["workload"] == workload)]
        bpart = bound_df[
            (bound_df["structure"] == structure) & (bound_df["workload"] == workload)
        ]
        values = list(part["median"])
        for scheme, rows in part.groupby("scheme", sort=True):
            rows = rows.sort_values("threads")
            style = _scheme_style(colours, scheme)
            ax.plot(rows["threads"], rows["median"], label=scheme, linestyle="-", **style)
            brows = bpart[bpart["scheme"] == scheme].sort_values("threads")
            if not brows.empty:
                ax.plot(
                    brows["threads"], brows["bound"], label=f"{scheme} bound",
                    color=style["color"], linestyle=":", linewidth=1.5,
                )
                values += list(brows["bound"])
                any_bound = True
        _threads_axis(ax, part["threads"])
        positive = [v for v in values if v > 0]
        if positive and max(positive) / max(1.0, min(positive)) > 100:
            ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{structure}\n{workload}", fontsize="medium")
        ax.set_ylabel("unreclaimed objects (peak)")
    extra = []
    if any_bound:
        extra.append(Line2D([], [], color="0.3", linestyle=":", label="scheme's bound"))
    _legend(fig, colours, extra)
    fig.suptitle("Unreclaimed objects, peak (median over trials)")
    return fig


def save_figure(fig, out_dir: Path, stem: str) -> list[Path]:
    """Write STEM.png and STEM.svg; returns their paths."""
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return paths


# ------------------------------------------------------------------------ index.html


def _problem_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Trials where status, valid or teardown is present and not ok."""
    bad = pd.Series(False, index=df.index)
    for col in CHECK_COLUMNS:
        if col in df.columns:
            values = df[col].fillna("").astype(str).str.strip()
            bad |= values != "ok"
    return df[bad]


def _html_table(df: pd.DataFrame, columns: list[str]) -> str:
    cols = [c for c in columns if c in df.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for _, row in df[cols].iterrows():
        cells = "".join(
            f"<td>{html.escape('' if pd.isna(row[c]) else str(row[c]))}</td>" for c in cols
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>\n" + "\n".join(body) + "</table>"


def write_index(
    out_dir: Path, run_dir: Path, figures: list[tuple[str, str]], df: pd.DataFrame, ok: pd.DataFrame
) -> Path:
    """figures/index.html: the figures, the trials that failed a check, meta.json."""
    rel = lambda p: html.escape(os.path.relpath(p, out_dir))  # noqa: E731
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>smrlab run {html.escape(run_dir.resolve().name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em}"
        "img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;"
        "overflow:auto}table{border-collapse:collapse;font-size:small}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>",
        "</head><body>",
        f"<h1>smrlab run {html.escape(run_dir.resolve().name)}</h1>",
        f"<p>{len(df)} trials in <a href=\"{rel(run_dir / 'results.csv')}\">results.csv</a>, "
        f"{len(ok)} plotted (status ok); schemes: "
        f"{html.escape(', '.join(sorted(ok['scheme'].unique())))}; structures: "
        f"{html.escape(', '.join(sorted(ok['structure'].unique())))}.</p>",
    ]
    for stem, title in figures:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(
            f'<p><a href="{html.escape(stem)}.svg"><img src="{html.escape(stem)}.png" '
            f'alt="{html.escape(title)}"></a><br><a href="{html.escape(stem)}.png">PNG</a> · '
            f'<a href="{html.escape(stem)}.svg">SVG</a></p>'
        )
    problems = _problem_rows(df)
    parts.append("<h2>Trials that failed a check</h2>")
    if problems.empty:
        parts.append("<p>None: every trial has status, valid and teardown ok.</p>")
    else:
        parts.append(
            _html_table(
                problems,
                ["scheme", "structure", "workload", "threads", "trial", "status", "valid",
                 "teardown", "message"],
            )
        )
    meta_path = run_dir / "meta.json"
    parts.append("<h2>meta.json</h2>")
    if meta_path.is_file():
        text = meta_path.read_text(encoding="utf-8", errors="replace")
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except json.JSONDecodeError as exc:
            parts.append(f"<p>meta.json is not valid JSON ({html.escape(str(exc))}); as is:</p>")
        parts.append(f"<pre>{html.escape(text)}</pre>")
    else:
        parts.append("<p>No meta.json in this run folder.</p>")
    parts.append("</body></html>\n")
    path = out_dir / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ main


def make_figures(run_dir: Path, out_dir: Path) -> list[Path]:
    """Read RUN_DIR/results.csv and write every figure and index.html into OUT_DIR."""
    df = load_results(run_dir / "results.csv")
    ok = ok_rows(df)
    if ok.empty:
        counts = df["status"].fillna("(empty)").astype(str).value_counts()
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        raise InputError(
            f"{run_dir / 'results.csv'}: no trial with status ok to plot ({summary})"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    colours = scheme_colours(ok["scheme"])
    plt.rcParams["svg.hashsalt"] = "smrlab"  # stable SVG ids from run to run

    written: list[Path] = []
    written += save_figure(
        draw_throughput(summarise(ok, "throughput_ops_s"), pu_count(df), colours),
        out_dir, "throughput",
    )
    written += save_figure(
        draw_unreclaimed(summarise(ok, "unreclaimed_peak"), bounds(ok), colours),
        out_dir, "unreclaimed_peak",
    )
    figures = [
        ("throughput", "Throughput against threads"),
        ("unreclaimed_peak", "Unreclaimed objects (peak) against threads"),
    ]
    written.append(write_index(out_dir, run_dir, figures, df, ok))
    return written


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Draw the throughput and unreclaimed-memory figures of one smrlab run "
        "(RUN_DIR/results.csv, documented in results/README.md).",
        epilog="Exit status: 0 done; 2 results.csv missing, empty, malformed or without an "
        "ok trial.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path,
                        help="run folder written by smrlab run (holds results.csv)")
    parser.add_argument("--out", metavar="FIGDIR", type=Path, default=None,
                        help="where to write the figures (default: RUN_DIR/figures)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = args.out if args.out is not None else args.run_dir / "figures"
    try:
        written = make_figures(args.run_dir, out_dir)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
