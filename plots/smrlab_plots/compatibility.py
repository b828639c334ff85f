"""Figure: the scheme x structure compatibility matrix ("which pairings exist, why not the
others, and which did this run measure?").

From meta.json's `compatibility` key, which has the shape of `smrlab list --format json`:
{"matrix": [{scheme, structure, available, reason}], "schemes": [{name, ...traits}],
"structures": [{name, kind, ...requirements}]}. Rows are schemes, columns structures,
both in the order meta.json lists them. An available pairing is green, darker when this
run has ok trials of it ("yes, N trials") than when not ("yes, not run"); an unavailable
one is red with the short form of its reason (the full reason is in index.html).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd

from . import style
from .style import plt

CELL_COLOURS = {
    "run": "#74c476",
    "not run": "#d5efcf",
    "unavailable": "#f4c2c2",
}
CELL_WRAP = 22  # characters per line of a cell's text (longer words stay whole)


@dataclass
class Compatibility:
    """meta.json's compatibility matrix, checked: `matrix` has the columns scheme,
    structure, available (bool) and reason; the name lists keep meta.json's order."""

    matrix: pd.DataFrame
    schemes: list[str]
    structures: list[str]
    scheme_info: list[dict] = field(default_factory=list)
    structure_info: list[dict] = field(default_factory=list)


def parse_compatibility(value) -> Compatibility:
    """Check meta.json's `compatibility` value; ValueError says what is wrong with it."""
    if not isinstance(value, dict):
        raise ValueError(f"it is a {type(value).__name__}, not an object")
    entries = value.get("matrix")
    if not isinstance(entries, list) or not entries:
        raise ValueError("it has no \"matrix\" list")
    rows = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"scheme", "structure", "available"} <= set(entry):
            raise ValueError(f"matrix entry {i} lacks scheme, structure or available")
        rows.append({
            "scheme": str(entry["scheme"]),
            "structure": str(entry["structure"]),
            "available": bool(entry["available"]),
            "reason": str(entry.get("reason") or ""),
        })
    matrix = pd.DataFrame(rows)
    scheme_info = _named_list(value.get("schemes"))
    structure_info = _named_list(value.get("structures"))
    schemes = _ordered([d["name"] for d in scheme_info], matrix["scheme"])
    structures = _ordered([d["name"] for d in structure_info], matrix["structure"])
    return Compatibility(matrix, schemes, structures, scheme_info, structure_info)


def _named_list(value) -> list[dict]:
    if not isinstance(value, list):
        return []
    return [dict(d, name=str(d["name"])) for d in value if isinstance(d, dict) and "name" in d]


def _ordered(listed: list[str], seen) -> list[str]:
    """The names as listed, then any others the matrix mentions, in order of appearance."""
    out = list(dict.fromkeys(listed))
    out += [n for n in dict.fromkeys(map(str, seen)) if n not in out]
    return out


def short_reason(reason: str, structure: str) -> str:
    """The short form of an unavailability reason: the part before the first colon,
    without the structure's name in front ("sundell_tsigas_deque requires
    traverses_deleted_nodes: it follows ..." -> "requires traverses_deleted_nodes")."""
    text = reason.split(":", 1)[0].strip()
    if text.startswith(structure + " "):
        text = text[len(structure) + 1:]
    return text or "unavailable"


def compatibility_cells(compat: Compatibility, ok: pd.DataFrame) -> pd.DataFrame:
    """One row per matrix cell (schemes x structures in order): scheme, structure,
    available, reason, trials (this run's ok trials of the pairing, every allocator and
    variant), state ("run", "not run" or "unavailable") and label (the cell's text)."""
    counts = ok.groupby(["scheme", "structure"]).size().to_dict() if not ok.empty else {}
    given = {(r.scheme, r.structure): r for r in compat.matrix.itertuples(index=False)}
    rows = []
    for scheme in compat.schemes:
        for structure in compat.structures:
            entry = given.get((scheme, structure))
            trials = int(counts.get((scheme, structure), 0))
            if entry is None:
                available, reason = False, "not in the matrix"
            else:
                available, reason = entry.available, entry.reason
            if available:
                state = "run" if trials else "not run"
                label = f"yes, {trials} trial{'s' if trials != 1 else ''}" if trials \
                    else "yes, not run"
            else:
                state = "unavailable"
                label = "no: " + short_reason(reason, structure)
            rows.append({"scheme": scheme, "structure": structure, "available": available,
                         "reason": reason, "trials": trials, "state": state, "label": label})
    return pd.DataFrame(rows)


def draw_compatibility(cells: pd.DataFrame, schemes: list[str], structures: list[str]):
    """The matrix as a grid of coloured cells (Rectangles labelled "<scheme> × <structure>",
    coloured by CELL_COLOURS[state]) with each cell's label, wrapped; returns the Figure."""
    ncols, nrows = len(structures), len(schemes)
    fig, ax = plt.subplots(figsize=(1.9 * ncols + 2.2, 0.8 * nrows + 1.6),
                           constrained_layout=True)
    for row in cells.itertuples(index=False):
        x = structures.index(row.structure)
        y = schemes.index(row.scheme)
        ax.add_patch(plt.Rectangle(
            (x, y), 1, 1, facecolor=CELL_COLOURS[row.state], edgecolor="white", linewidth=2,
            label=f"{row.scheme} × {row.structure}",
        ))
        text = textwrap.fill(row.label, CELL_WRAP, break_long_words=False,
                             break_on_hyphens=False)
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize="small")
    ax.set_xlim(0, ncols)
    ax.set_ylim(nrows, 0)
    ax.set_xticks([i + 0.5 for i in range(ncols)])
    ax.set_xticklabels(structures, rotation=20, ha="left")
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(nrows)])
    ax.set_yticklabels(schemes)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        style.Patch(color=CELL_COLOURS["run"], label="available, measured in this run"),
        style.Patch(color=CELL_COLOURS["not run"], label="available, not in this run"),
        style.Patch(color=CELL_COLOURS["unavailable"], label="unavailable (reason)"),
    ]
    style.figure_legend(fig, handles)
    fig.suptitle("Scheme × structure compatibility")
    return fig
