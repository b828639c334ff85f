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
