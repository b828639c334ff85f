"""Reading back what a matplotlib Figure draws, for the tests that check the data plotted."""

from __future__ import annotations


def lines_by_label(fig) -> dict[str, list]:
    """Every Line2D of every axes of `fig`, grouped by its label (one list per label, in
    panel order)."""
    out: dict[str, list] = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            out.setdefault(line.get_label(), []).append(line)
    return out


def band_limits(ax, label):
    """(x values, lowest y, highest y) of the fill_between band with this label."""
    (band,) = [c for c in ax.collections if c.get_label() == label]
    vertices = band.get_paths()[0].vertices
    return sorted(set(vertices[:, 0])), vertices[:, 1].min(), vertices[:, 1].max()


def block_headings(fig) -> list[str]:
    """The headings of a figure's blocks of panels (style.grouped_panel_grid), top down;
    [] when its panels are one grid."""
    return [sub._suptitle.get_text() for sub in fig.subfigs]


def block_titles(fig) -> list[list[str]]:
    """The titles of the visible panels of each block, top down (one list when the
    panels are one grid); a title's first line only (the structure)."""
    holders = fig.subfigs or [fig]
    return [[ax.get_title().splitlines()[0] for ax in holder.axes if ax.get_visible()]
            for holder in holders]


def block_legends(fig) -> list[list[str]]:
    """The legend entries of each block, top down."""
    holders = fig.subfigs or [fig]
    return [[t.get_text() for t in holder.legends[0].get_texts()] for holder in holders]
