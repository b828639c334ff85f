"""Tests of plots/smrlab_plots/compatibility.py: reading meta.json's matrix, the text and
colour of each cell, and what a malformed matrix is told apart by."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from smrlab_plots import compatibility, data
from synthetic_run import compatibility as compat_json
from synthetic_run import row

REASON = ("deque requires traverses_deleted_nodes: it follows links stored in unlinked "
          "nodes, which this scheme does not protect (hp)")


def matrix():
    return compatibility.parse_compatibility(
        compat_json(["ebr", "hp", "none"], ["stack", "deque"], {("hp", "deque"): REASON}))


def ok_rows():
    rows = [row("ebr", 1, t, 1.0, 1, structure="stack") for t in (1, 2, 3)]
    rows += [row("hp", 1, 1, 1.0, 1, structure="stack")]
    rows += [row("ebr", 1, 1, 1.0, 1, structure="deque", status="error")]  # not ok
    return data.ok_rows(pd.DataFrame(rows))


def test_parse_keeps_the_listed_order():
    m = matrix()
    assert m.schemes == ["ebr", "hp", "none"]
    assert m.structures == ["stack", "deque"]
    assert len(m.matrix) == 6
    assert [d["name"] for d in m.scheme_info] == m.schemes


@pytest.mark.parametrize("value, needle", [
    ([], "not an object"),
    ({"schemes": []}, "no \"matrix\" list"),
    ({"matrix": [{"scheme": "x"}]}, "matrix entry 0 lacks"),
])
def test_parse_rejects_malformed(value, needle):
    with pytest.raises(ValueError, match=needle):
        compatibility.parse_compatibility(value)


def test_names_only_in_the_matrix_are_kept():
    m = compatibility.parse_compatibility(
        {"matrix": [{"scheme": "a", "structure": "s", "available": True, "reason": ""}]})
    assert (m.schemes, m.structures) == (["a"], ["s"])


def test_short_reason():
    assert compatibility.short_reason(REASON, "deque") == "requires traverses_deleted_nodes"
    assert compatibility.short_reason("too many threads", "deque") == "too many threads"
    assert compatibility.short_reason("", "deque") == "unavailable"


def test_cells_count_ok_trials_of_each_pairing():
    cells = compatibility.compatibility_cells(matrix(), ok_rows())
    got = {(c.scheme, c.structure): (c.state, c.label) for c in cells.itertuples()}
    assert got == {
        ("ebr", "stack"): ("run", "yes, 3 trials"),
        ("ebr", "deque"): ("not run", "yes, not run"),  # its only trial failed
        ("hp", "stack"): ("run", "yes, 1 trial"),
        ("hp", "deque"): ("unavailable", "no: requires traverses_deleted_nodes"),
        ("none", "stack"): ("not run", "yes, not run"),
        ("none", "deque"): ("not run", "yes, not run"),
    }
    assert cells.set_index(["scheme", "structure"]).loc[("hp", "deque"), "reason"] == REASON


def test_figure_cells_have_the_texts_and_colours():
    m = matrix()
    cells = compatibility.compatibility_cells(m, ok_rows())
    fig = compatibility.draw_compatibility(cells, m.schemes, m.structures)
    ax = fig.axes[0]
    colours = {p.get_label(): p.get_facecolor() for p in ax.patches}
    assert colours["ebr × stack"] == to_rgba(compatibility.CELL_COLOURS["run"])
    assert colours["none × deque"] == to_rgba(compatibility.CELL_COLOURS["not run"])
    assert colours["hp × deque"] == to_rgba(compatibility.CELL_COLOURS["unavailable"])
    texts = {t.get_text().replace("\n", " ") for t in ax.texts}
    assert {"yes, 3 trials", "yes, 1 trial", "yes, not run",
            "no: requires traverses_deleted_nodes"} <= texts
    # rows are schemes, columns structures, in meta.json's order
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ebr", "hp", "none"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stack", "deque"]
    (hp_deque,) = [p for p in ax.patches if p.get_label() == "hp × deque"]
    assert hp_deque.get_xy() == (1, 1)


def test_long_words_are_not_broken():
    m = matrix()
    cells = compatibility.compatibility_cells(m, ok_rows())
    ax = compatibility.draw_compatibility(cells, m.schemes, m.structures).axes[0]
    lines = [line for t in ax.texts for line in t.get_text().splitlines()]
    assert "traverses_deleted_nodes" in lines
