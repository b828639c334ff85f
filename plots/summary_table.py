#!/usr/bin/env python3
"""Print the summary of a smrlab run as a text table: per structure, workload, scheme and
thread count, the median throughput over trials (with min and max), its ratio to a baseline
scheme measured in the same run, and the unreclaimed peak (median) beside the scheme's bound.

Usage: summary_table.py RUN_DIR [--baseline none]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import pandas as pd

    from plot_results import InputError, bounds, load_results, ok_rows, summarise
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    print(f"summary_table.py: {exc}; install python3-pandas python3-matplotlib", file=sys.stderr)
    sys.exit(1)

KEYS = ["structure", "workload", "scheme", "threads"]


def summary(df: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per structure, workload, scheme, threads: median/min/max throughput, trials,
    ratio to the baseline's median at the same structure, workload and threads (NaN where
    the baseline has no row), median unreclaimed peak and the bound (NaN where none)."""
    ok = ok_rows(df)
    thr = summarise(ok)
    peak = summarise(ok, "unreclaimed_peak")[["scheme", "structure", "workload", "threads", "median"]]
    peak = peak.rename(columns={"median": "unreclaimed_peak_median"})
    out = thr.merge(peak, on=["scheme", "structure", "workload", "threads"], how="left")
    out = out.merge(bounds(ok), on=["scheme", "structure", "workload", "threads"], how="left")
    base = thr[thr["scheme"] == baseline][["structure", "workload", "threads", "median"]]
    base = base.rename(columns={"median": "baseline_median"})
    out = out.merge(base, on=["structure", "workload", "threads"], how="left")
    out["ratio"] = out["median"] / out["baseline_median"]
    return out.drop(columns=["baseline_median"]).sort_values(KEYS).reset_index(drop=True)


def format_table(table: pd.DataFrame, baseline: str) -> str:
    # Text columns are as wide as their longest value (set workloads have long names).
    w_structure = max([len("structure")] + [len(str(v)) for v in table["structure"]])
    w_workload = max([len("workload")] + [len(str(v)) for v in table["workload"]])
    w_scheme = max([len("scheme")] + [len(str(v)) for v in table["scheme"]])
    lines = [
        f"{'structure':<{w_structure}} {'workload':<{w_workload}} {'scheme':<{w_scheme}} "
        f"{'thr':>3} {'median Mops/s':>13} "
        f"{'min':>8} {'max':>8} {'n':>2} {'/' + baseline:>8} {'unrecl.peak':>12} {'bound':>10}"
    ]
    for r in table.itertuples(index=False):
        ratio = "" if pd.isna(r.ratio) else f"{r.ratio:.2f}"
        bound = "" if pd.isna(r.bound) else f"{int(r.bound)}"
        peak = "" if pd.isna(r.unreclaimed_peak_median) else f"{int(r.unreclaimed_peak_median)}"
        lines.append(
            f"{r.structure:<{w_structure}} {r.workload:<{w_workload}} {r.scheme:<{w_scheme}} "
            f"{r.threads:>3} "
            f"{r.median / 1e6:>13.3f} {r.min / 1e6:>8.3f} {r.max / 1e6:>8.3f} {r.trials:>2} "
            f"{ratio:>8} {peak:>12} {bound:>10}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
