"""The kind of each structure (pool, deque or set), from meta.json, and structures grouped
and ordered by kind.

A structure's kind says which workload driver runs it (structures/structure.hpp): a pool
(stacks, queues) runs push/pop mixes, a deque push/pop mixes at both ends, a set
insert/remove/lookup mixes over a key range. Panels of one kind therefore share their
x/y semantics, and the figures with one panel per structure group them by kind.

The kinds come from meta.json's `compatibility.structures` list (the shape of `smrlab
list --format json`: each entry has a `name` and a `kind`). A run without it (an older
run, a meta.json that is missing or invalid) or a structure it does not list is of kind
OTHER; nothing here raises on a malformed value.
"""

from __future__ import annotations

import re

KINDS = ("pool", "deque", "set")
OTHER = "other"
# What a kind's panels show, for a block heading or a figure title.
KIND_TITLES = {
    "pool": "pools (stacks, queues): push/pop mixes",
    "deque": "deques: push/pop mixes at both ends",
    "set": "sets: insert/remove/lookup mixes over a key range",
    OTHER: "other structures (kind not in meta.json)",
}


def kinds_from_meta(meta) -> dict[str, str]:
    """{structure: kind} from a data.Meta (or None): every entry of
    compatibility.structures with a name and a non-empty kind; {} when there is none."""
    listed = meta.get("compatibility.structures") if meta is not None else None
    if not isinstance(listed, list):
        return {}
    kinds = {}
    for entry in listed:
        if isinstance(entry, dict) and "name" in entry:
            kind = str(entry.get("kind") or "").strip().lower()
            if kind:
                kinds.setdefault(str(entry["name"]), kind)
    return kinds


def kind_of(structure: str, kinds: dict | None) -> str:
    """The structure's kind in `kinds` (kinds_from_meta), OTHER when not listed."""
    return (kinds or {}).get(str(structure), OTHER)


def kind_rank(kind: str) -> tuple:
    """Sort key of a kind: pool, deque, set, then kinds this module does not know (by
    name, so that a new kind gets a group of its own), then OTHER."""
    if kind in KINDS:
        return (0, KINDS.index(kind), "")
    if kind == OTHER:
        return (2, 0, "")
    return (1, 0, kind)


def kind_title(kind: str) -> str:
    """The heading of a kind's panels ("sets: insert/remove/lookup mixes ...")."""
    return KIND_TITLES.get(kind, f"{kind} structures")


def group_by_kind(items, kinds: dict | None, structure=str) -> list[tuple[str, list]]:
    """[(kind, items of that kind)] in kind_rank order; items keep their order within a
    kind. `structure(item)` is the item's structure name (default: the item itself)."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(kind_of(structure(item), kinds), []).append(item)
    return sorted(groups.items(), key=lambda pair: kind_rank(pair[0]))


def order_by_kind(structures, kinds: dict | None) -> list[str]:
    """The structures ordered by kind (pool, deque, set, others, OTHER), keeping their
    order within a kind; duplicates dropped."""
    unique = list(dict.fromkeys(map(str, structures)))
    return [name for _, names in group_by_kind(unique, kinds) for name in names]


def listed_first(items, kinds: dict | None, structure=str) -> list:
    """The items with their structures in the order `kinds` lists them (meta.json's:
    the suite's own structures before the peers'), unlisted ones after; stable, so that
    items of one structure keep their order."""
    position = {name: i for i, name in enumerate(kinds or {})}
    return sorted(items, key=lambda item: position.get(str(structure(item)), len(position)))


def panel_groups(panels, kinds: dict | None) -> list[tuple[str, list]]:
    """data.Panel objects (anything with a `structure`) grouped by kind (group_by_kind),
    each kind's structures in meta.json's order (listed_first), a structure's panels in
    the order given; [(OTHER, [])] when there are none, so that a figure without panels
    still has one (empty) block."""
    of = lambda panel: panel.structure  # noqa: E731
    return group_by_kind(listed_first(panels, kinds, of), kinds, of) or [(OTHER, [])]


def block_headings(groups) -> list[tuple[str, int]]:
    """[(kind_title, number of items)] of group_by_kind's groups: the `groups` argument
    of style.grouped_panel_grid."""
    return [(kind_title(kind), len(items)) for kind, items in groups]


def file_suffix(kind: str) -> str:
    """The kind as it ends a figure's file name (throughput_set): lower-case letters,
    digits, "_" and "-" only."""
    return re.sub(r"[^a-z0-9_-]+", "_", str(kind).lower()).strip("_") or OTHER
