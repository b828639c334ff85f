"""Every shipped preset in workloads/presets/ must stay valid as schemes and structures come and
go: `smrlab run --preset F --dry-run` checks its keys, names and values without running it."""
import os
import subprocess
from pathlib import Path

import pytest

PRESETS = sorted((Path(__file__).resolve().parents[2] / "workloads" / "presets").glob("*.toml"))


def smrlab():
    path = os.environ.get("SMRLAB_BIN")
    assert path, "set SMRLAB_BIN to the smrlab binary (ctest does this)"
    return path


def test_there_are_presets():
    assert any(p.stem == "quick" for p in PRESETS)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_is_valid(preset, tmp_path):
    p = subprocess.run([smrlab(), "run", "--preset", str(preset), "--dry-run",
                        "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    assert " trials" in p.stdout
    assert not (tmp_path / "out").exists(), "a dry run must not write anything"
