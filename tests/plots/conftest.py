"""pytest set-up for the plotting tests: plots/ on sys.path (so that `smrlab_plots` and
`summary_table` import), and this folder (so that `synthetic_run` imports)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLOTS = HERE.parents[1] / "plots"
for path in (str(PLOTS), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Close the figures a test drew (matplotlib keeps them open otherwise)."""
    yield
    from smrlab_plots.style import plt

    plt.close("all")
