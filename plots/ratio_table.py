#!/usr/bin/env python3
"""Print the side-by-side ratios of smrlab's schemes and structures against the peer
libraries (liburcu, libcds) measured in one run: median throughput of ours over theirs, per
comparison, workload and thread count (above 1: ours is faster). The comparisons are listed in
plots/smrlab_plots/peer_ratios.py; run the peers preset to measure them all:

    ./run_experiments.sh --preset peers
    plots/ratio_table.py results/<run>              # markdown table
    plots/ratio_table.py results/<run> --csv        # the same as CSV

Usage: ratio_table.py RUN_DIR [--csv]
Exit status: 0 printed, 1 no comparison has both sides in the run, 2 bad input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    from smrlab_plots.data import InputError, load_results
    from smrlab_plots.peer_ratios import markdown, ratio_table
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    print(f"ratio_table.py: {exc}; install python3-pandas python3-matplotlib", file=sys.stderr)
    sys.exit(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="ratio_table.py",
        description="Ratios of smrlab's schemes and structures against liburcu and libcds, "
                    "measured side by side in one run (median throughput, ours / theirs).")
    parser.add_argument("run_dir", type=Path, help="a run folder holding results.csv")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of markdown")
    args = parser.parse_args(argv)
    try:
        results = load_results(args.run_dir / "results.csv")
    except InputError as exc:
        print(f"ratio_table.py: error: {exc}", file=sys.stderr)
        return 2
    table = ratio_table(results)
    if table.empty:
        print(f"ratio_table.py: no comparison against a peer has both sides in "
              f"{args.run_dir}/results.csv (run the peers preset: "
              f"./run_experiments.sh --preset peers)", file=sys.stderr)
        return 1
    sys.stdout.write(table.to_csv(index=False) if args.csv else markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
