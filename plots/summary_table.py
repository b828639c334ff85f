#!/usr/bin/env python3
"""Print the summary of a smrlab run as a text table: per structure, workload, scheme and
thread count (and pin policy, allocator, fault, ... where the run has more than one value of
them: such trials are never pooled), the median throughput over trials (with min and max),
its ratio to a baseline scheme measured in the same run, and the unreclaimed peak (median)
beside the scheme's bound.

Usage: summary_table.py RUN_DIR [--baseline none]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import pandas as pd

    from smrlab_plots.data import (
        GROUP_KEYS, InputError, bounds, load_results, ok_rows, summarise, varying_columns,
    )
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    print(f"summary_table.py: {exc}; install python3-pandas python3-matplotlib", file=sys.stderr)
    sys.exit(1)


def summary(df: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per structure, workload, scheme, threads and variant value (pin policy,
    allocator, fault, ... where the run has more than one): median/min/max throughput,
    trials, ratio to the baseline's median at the same structure, workload, threads and
    variant values (NaN where the baseline has no row), median unreclaimed peak and the
    bound (NaN where none). The variant columns are the frame's columns between threads
    and median."""
    ok = ok_rows(df)
    variants = varying_columns(ok)
    keys = GROUP_KEYS + variants
    thr = summarise(ok, variants=variants)
    peak = summarise(ok, "unreclaimed_peak", variants)[keys + ["median"]]
    peak = peak.rename(columns={"median": "unreclaimed_peak_median"})
    out = thr.merge(peak, on=keys, how="left")
    out = out.merge(bounds(ok, variants), on=keys, how="left")
    same = [k for k in keys if k != "scheme"]
    base = thr[thr["scheme"] == baseline][same + ["median"]]
    base = base.rename(columns={"median": "baseline_median"})
    out = out.merge(base, on=same, how="left")
    out["ratio"] = out["median"] / out["baseline_median"]
    order = ["structure", "workload", *variants, "scheme", "threads"]
    return out.drop(columns=["baseline_median"]).sort_values(order).reset_index(drop=True)


def _variant_columns(table: pd.DataFrame) -> list[str]:
    columns = list(table.columns)
    return columns[columns.index("threads") + 1:columns.index("median")]


def format_table(table: pd.DataFrame, baseline: str) -> str:
    # Text columns are as wide as their longest value (set workloads have long names).
    text = ["structure", "workload", *_variant_columns(table), "scheme"]
    width = {c: max([len(c)] + [len(str(v)) for v in table[c]]) for c in text}
    lines = [
        " ".join(f"{c:<{width[c]}}" for c in text) + " "
        f"{'thr':>3} {'median Mops/s':>13} "
        f"{'min':>8} {'max':>8} {'n':>2} {'/' + baseline:>8} {'unrecl.peak':>12} {'bound':>10}"
    ]
    for r in table.itertuples(index=False):
        ratio = "" if pd.isna(r.ratio) else f"{r.ratio:.2f}"
        bound = "" if pd.isna(r.bound) else f"{int(r.bound)}"
        peak = "" if pd.isna(r.unreclaimed_peak_median) else f"{int(r.unreclaimed_peak_median)}"
        values = r._asdict()
        lines.append(
            " ".join(f"{str(values[c]):<{width[c]}}" for c in text) + " "
            f"{r.threads:>3} "
            f"{r.median / 1e6:>13.3f} {r.min / 1e6:>8.3f} {r.max / 1e6:>8.3f} {r.trials:>2} "
            f"{ratio:>8} {peak:>12} {bound:>10}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="summary_table.py", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path)
    parser.add_argument("--baseline", default="none", help="scheme the ratios divide by")
    args = parser.parse_args(argv)
    try:
        df = load_results(args.run_dir / "results.csv")
    except InputError as exc:
        print(f"summary_table.py: {exc}", file=sys.stderr)
        return 2
    print(format_table(summary(df, args.baseline), args.baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
