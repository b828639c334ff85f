"""Tests of plots/smrlab_plots/style.py: colours, axes and saving that every figure shares."""

from __future__ import annotations

from smrlab_plots import style
from smrlab_plots.style import plt


def test_scheme_colours_depend_only_on_the_names():
    a = style.scheme_colours(["hp", "ebr", "hp"])
    b = style.scheme_colours(["ebr", "hp"])
    assert a == b and list(a) == ["ebr", "hp"]
    assert a["ebr"] != a["hp"]
    assert len(set(style.scheme_colours([f"s{i}" for i in range(15)]).values())) == 15


def test_scheme_style_gives_each_scheme_a_marker():
    colours = style.scheme_colours(["a", "b"])
    assert style.scheme_style(colours, "a")["marker"] != style.scheme_style(colours, "b")["marker"]
    handles = style.scheme_handles(colours, markers=False)
    assert [h.get_label() for h in handles] == ["a", "b"]
    assert all(h.get_marker() in ("None", None, "") for h in handles)


def test_threads_axis_is_log2_over_a_wide_span():
    fig, (ax,) = style.panel_grid(1)
    style.threads_axis(ax, [1, 2, 4, 8])
    assert ax.get_xscale() == "log"
    assert list(ax.get_xticks()) == [1, 2, 4, 8]
    fig, (ax,) = style.panel_grid(1)
    style.threads_axis(ax, [2, 3])
    assert ax.get_xscale() == "linear"


def test_object_count_axis():
    fig, axes = style.panel_grid(3)
    style.object_count_axis(axes[0], [10, 20, 3_000_000])
    style.object_count_axis(axes[1], [10, 20, 30])
    style.object_count_axis(axes[2], [10, 20, 30], always_symlog=True)
    assert [ax.get_yscale() for ax in axes] == ["symlog", "linear", "symlog"]
    assert all(ax.get_ylim()[0] == 0 for ax in axes)


def test_panel_grid_hides_the_spare_axes():
    fig, axes = style.panel_grid(4)
    assert len(axes) == 4
    assert sum(ax.get_visible() for ax in fig.axes) == 4 and len(fig.axes) == 6


def test_save_figure_writes_png_and_the_same_svg_each_time(tmp_path):
    def draw():
        fig, (ax,) = style.panel_grid(1)
        ax.plot([1, 2], [3, 4])
        return fig

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = style.save_figure(draw(), tmp_path / "a", "fig")
    second = style.save_figure(draw(), tmp_path / "b", "fig")
    assert [p.name for p in first] == ["fig.png", "fig.svg"]
    assert first[0].read_bytes()[:4] == b"\x89PNG"
    assert first[1].read_bytes() == second[1].read_bytes()
    assert not plt.get_fignums()  # saved figures are closed
