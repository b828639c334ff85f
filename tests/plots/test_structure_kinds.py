"""Tests of plots/smrlab_plots/structure_kinds.py: each structure's kind from meta.json,
the fallback to "other", and the order by kind."""

from __future__ import annotations

import pytest

from smrlab_plots import data, structure_kinds
from smrlab_plots.structure_kinds import OTHER
from synthetic_run import KIND_STRUCTURES, compatibility, meta

SUITE = ("treiber_stack", "michael_scott_queue", "sundell_tsigas_deque", "harris_michael_list",
         "harris_list", "michael_hash_map", "natarajan_mittal_bst", "libcds_treiber_stack",
         "urcu_lfstack", "libcds_ellen_bintree")


def kinds(structures=SUITE):
    return structure_kinds.kinds_from_meta(
        data.Meta(meta(compatibility=compatibility(["ebr"], list(structures)))))


def test_kinds_from_meta_compatibility_structures():
    assert kinds() == {
        "treiber_stack": "pool", "michael_scott_queue": "pool", "sundell_tsigas_deque": "deque",
        "harris_michael_list": "set", "harris_list": "set", "michael_hash_map": "set",
        "natarajan_mittal_bst": "set", "libcds_treiber_stack": "pool", "urcu_lfstack": "pool",
        "libcds_ellen_bintree": "set",
    }


@pytest.mark.parametrize("value", [
    None,                                             # no meta.json, or not valid JSON
    data.Meta(None, None, "No meta.json in this run folder."),
    data.Meta({"created": "T"}),                      # an older run: no compatibility key
    data.Meta({"compatibility": "oops"}),
    data.Meta({"compatibility": {"structures": {"treiber_stack": "pool"}}}),
    data.Meta({"compatibility": {"structures": [17, {"kind": "set"}, {"name": "x"},
                                                {"name": "y", "kind": None}]}}),
])
def test_kinds_from_meta_without_kinds_is_empty(value):
    assert structure_kinds.kinds_from_meta(value) == {}


def test_unlisted_structure_is_other():
    assert structure_kinds.kind_of("treiber_stack", kinds()) == "pool"
    assert structure_kinds.kind_of("skip_list", kinds()) == OTHER
    assert structure_kinds.kind_of("treiber_stack", None) == OTHER
    assert structure_kinds.kind_of("treiber_stack", {}) == OTHER


def test_order_by_kind_keeps_the_order_within_a_kind():
    ordered = structure_kinds.order_by_kind(sorted(SUITE) + ["skip_list"], kinds())
    assert ordered == [
        "libcds_treiber_stack", "michael_scott_queue", "treiber_stack", "urcu_lfstack",
        "sundell_tsigas_deque",
        "harris_list", "harris_michael_list", "libcds_ellen_bintree", "michael_hash_map",
        "natarajan_mittal_bst",
        "skip_list",
    ]


def test_group_by_kind_pool_deque_set_then_new_kinds_then_other():
    given = {"q": "pool", "d": "deque", "s": "set", "m": "map", "a": "arena"}
    groups = structure_kinds.group_by_kind(["x", "s", "m", "d", "a", "q", "s2"],
                                           dict(given, s2="set"))
    assert groups == [("pool", ["q"]), ("deque", ["d"]), ("set", ["s", "s2"]),
                      ("arena", ["a"]), ("map", ["m"]), (OTHER, ["x"])]


def test_without_kinds_everything_is_one_group_in_its_order():
    assert structure_kinds.group_by_kind(list(KIND_STRUCTURES), {}) == \
        [(OTHER, list(KIND_STRUCTURES))]
    assert structure_kinds.order_by_kind(KIND_STRUCTURES, None) == list(KIND_STRUCTURES)


def test_panel_groups_list_structures_in_meta_order_and_are_never_empty():
    panels = [data.Panel(s, "w") for s in sorted(SUITE)]
    groups = structure_kinds.panel_groups(panels, kinds())
    assert [(kind, [p.structure for p in ps]) for kind, ps in groups] == [
        ("pool", ["treiber_stack", "michael_scott_queue", "libcds_treiber_stack",
                  "urcu_lfstack"]),
        ("deque", ["sundell_tsigas_deque"]),
        ("set", ["harris_michael_list", "harris_list", "michael_hash_map",
                 "natarajan_mittal_bst", "libcds_ellen_bintree"]),
    ]
    assert structure_kinds.panel_groups([], kinds()) == [(OTHER, [])]


def test_titles_and_file_suffixes():
    assert structure_kinds.kind_title("set").startswith("sets")
    assert structure_kinds.kind_title(OTHER) == "other structures (kind not in meta.json)"
    assert structure_kinds.kind_title("map") == "map structures"
    assert structure_kinds.file_suffix("set") == "set"
    assert structure_kinds.file_suffix("Priority Queue/2") == "priority_queue_2"
    assert structure_kinds.file_suffix("???") == OTHER
