"""Side-by-side ratios against the peer libraries (liburcu, libcds), from one run.

Each comparison names two pairings, ours and the peer's, as (scheme, structure). For every
configuration both were measured in (workload, threads and any variant that varies in the run:
allocator, pin policy, fault, ...), the ratio is median(ours) / median(theirs) of the ok trials'
throughput: above 1, ours is faster. Both sides come from the same results.csv, so from one run
on one machine. Nothing here names a figure; report.py and ratio_table.py print the table.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from smrlab_plots import data


@dataclass(frozen=True)
class Comparison:
    label: str
    ours: tuple[str, str]    # (scheme, structure)
    theirs: tuple[str, str]  # (scheme, structure)


# The comparisons of the peers preset (workloads/presets/peers.toml), in the order first.
COMPARISONS = (
    Comparison("hazard_pointers vs libcds HP, same Treiber stack code",
               ("hazard_pointers", "treiber_stack"), ("libcds_hp", "treiber_stack")),
    Comparison("ebr vs liburcu urcu-memb, same Treiber stack code",
               ("ebr", "treiber_stack"), ("urcu_memb", "treiber_stack")),
    Comparison("Treiber stack on hazard_pointers vs libcds TreiberStack<HP>",
               ("hazard_pointers", "treiber_stack"), ("libcds_hp", "libcds_treiber_stack")),
    Comparison("hazard_pointers vs libcds DHP, same Treiber stack code",
               ("hazard_pointers", "treiber_stack"), ("libcds_dhp", "treiber_stack")),
    Comparison("ebr vs liburcu urcu-qsbr, same Treiber stack code",
               ("ebr", "treiber_stack"), ("urcu_qsbr", "treiber_stack")),
    Comparison("Treiber stack on ebr vs liburcu cds_lfs stack (urcu-memb)",
               ("ebr", "treiber_stack"), ("urcu_memb", "urcu_lfstack")),
    Comparison("Natarajan-Mittal BST on hazard_pointers vs libcds EllenBinTree<HP>",
               ("hazard_pointers", "natarajan_mittal_bst"),
               ("libcds_hp", "libcds_ellen_bintree")),
    Comparison("hazard_pointers vs libcds HP, same Natarajan-Mittal BST code",
               ("hazard_pointers", "natarajan_mittal_bst"), ("libcds_hp", "natarajan_mittal_bst")),
    Comparison("Ellen et al. BST: ours vs libcds EllenBinTree, both on libcds HP",
               ("libcds_hp", "ellen_bst"), ("libcds_hp", "libcds_ellen_bintree")),
    Comparison("Ellen et al. BST on hazard_pointers vs libcds EllenBinTree<HP>",
               ("hazard_pointers", "ellen_bst"), ("libcds_hp", "libcds_ellen_bintree")),
)

COLUMNS = ["comparison", "ours", "theirs", "workload", "threads", "variant",
           "ours_median", "ours_trials", "theirs_median", "theirs_trials", "ratio"]


def _side(summary: pd.DataFrame, pairing: tuple[str, str]) -> pd.DataFrame:
    scheme, structure = pairing
    return summary[(summary["scheme"] == scheme) & (summary["structure"] == structure)]


def ratio_table(results: pd.DataFrame, comparisons=COMPARISONS) -> pd.DataFrame:
    """One row per comparison and configuration measured on both sides (see the module
    docstring); empty (with COLUMNS) when no comparison has both sides in the run."""
    ok = data.ok_rows(results)
    if ok.empty:
        return pd.DataFrame(columns=COLUMNS)
    variants = data.varying_columns(ok)
    summary = data.summarise(ok, variants=variants)
    same = ["workload", "threads", *variants]
    rows = []
    for c in comparisons:
        ours = _side(summary, c.ours)
        theirs = _side(summary, c.theirs)
        if ours.empty or theirs.empty:
            continue
        both = ours.merge(theirs, on=same, suffixes=("_ours", "_theirs"))
        for _, r in both.iterrows():
            variant = ", ".join(f"{v}={r[v]}" for v in variants)
            rows.append({
                "comparison": c.label,
                "ours": "/".join(c.ours),
                "theirs": "/".join(c.theirs),
                "workload": r["workload"],
                "threads": int(r["threads"]),
                "variant": variant,
                "ours_median": r["median_ours"],
                "ours_trials": int(r["trials_ours"]),
                "theirs_median": r["median_theirs"],
                "theirs_trials": int(r["trials_theirs"]),
                "ratio": r["median_ours"] / r["median_theirs"],
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown(table: pd.DataFrame) -> str:
    """The table as GitHub markdown: throughput in Mops/s, ratio to 2 decimals."""
    show_variant = table["variant"].astype(str).str.len().gt(0).any()
    head = ["comparison", "threads", *(["variant"] if show_variant else []),
            "ours (Mops/s)", "theirs (Mops/s)", "trials", "ratio"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        cells = [r["comparison"], str(r["threads"]),
                 *([str(r["variant"])] if show_variant else []),
                 f"{r['ours_median'] / 1e6:.2f}", f"{r['theirs_median'] / 1e6:.2f}",
                 f"{r['ours_trials']}/{r['theirs_trials']}", f"{r['ratio']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
