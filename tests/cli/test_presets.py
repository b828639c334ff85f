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


# Multiples of the PU count ("2x"), from --threads and from a preset, resolve on the topology the
# run is planned on: 3 PUs here, so 2x is 6 and 4x is 12.
THREE_PUS = "synthetic:pack:1 core:3 pu:1"


def planned_threads(*args: str) -> list[int]:
    p = subprocess.run([smrlab(), "run", "--schemes", "ebr", "--structures", "treiber_stack",
                        "--topology", THREE_PUS, "--dry-run", *args],
                       capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    return sorted(int(w.split("=")[1]) for line in p.stdout.splitlines() for w in line.split()
                  if w.startswith("threads="))


def test_thread_counts_may_be_multiples_of_the_pu_count(tmp_path):
    assert planned_threads("--threads", "1,2x,4x") == [1, 6, 12]
    preset = tmp_path / "over.toml"
    preset.write_text('name = "over"\nthreads = [2, "2x", "4x"]\n', encoding="utf-8")
    assert planned_threads("--preset", str(preset)) == [2, 6, 12]


@pytest.mark.parametrize("bad", ["0x", "x", "2y", "-1x"])
def test_a_bad_multiple_is_refused_in_one_line(bad, tmp_path):
    p = subprocess.run([smrlab(), "run", "--threads", bad, "--dry-run"], capture_output=True,
                       text=True, timeout=60, check=False)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and "2x,4x" in p.stderr, p.stderr
    preset = tmp_path / "bad.toml"
    preset.write_text(f'name = "bad"\nthreads = ["{bad}"]\n', encoding="utf-8")
    p = subprocess.run([smrlab(), "run", "--preset", str(preset), "--dry-run"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and f'"{bad}"' in p.stderr, p.stderr
