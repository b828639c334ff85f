"""The cmpxchg16b availability hook (schemes/cmpxchg16b.hpp), end to end: hyaline and hyaline_s
build their slot heads on the double-width compare-and-swap, and on a CPU without it they are
unavailable with one clear line, in `smrlab list` and in a run, which skips them and never runs
them. The CPU without it is qemu-user's (`qemu-x86_64 -cpu qemu64,-cx16`, Debian's qemu-user,
installed by scripts/setup.sh): the same binary, whose CPUID leaf 1 then lacks the bit. Under
`-cpu qemu64,+cx16` the same binary has both schemes and runs them, so the CPU flag is what
makes the difference. The runs use `--isolation none`: qemu-user does not follow an exec, so a
trial in a child process would run on the host's CPU, not the emulated one.

    SMRLAB_BIN=build/release/smrlab python3 -m pytest tests/cli/test_cmpxchg16b.py -q
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from test_cli import describe, did_work, read_dicts, smrlab_bin

TIMEOUT = 300
HYALINES = ("hyaline", "hyaline_s")
SHORT_RUN = ["--structures", "treiber_stack", "--threads", "1", "--trials", "1",
             "--duration", "50ms", "--warmup", "10ms", "--prefill", "100", "--pin", "none",
             "--isolation", "none"]
WITHOUT = "qemu64,-cx16"
WITH = "qemu64,+cx16"

if platform.machine() not in ("x86_64", "AMD64", "amd64"):
    pytest.skip("cmpxchg16b is an x86-64 instruction; elsewhere hyaline is never available "
                "(tests/schemes/hyaline checks that)", allow_module_level=True)


def qemu() -> str:
    path = shutil.which("qemu-x86_64")
    if not path:
        pytest.fail("qemu-x86_64 is not on PATH: scripts/setup.sh installs Debian's qemu-user",
                    pytrace=False)
    return path


def smrlab(cwd: Path, cpu: str, *args: str) -> subprocess.CompletedProcess:
    """Runs smrlab with `args` on qemu-user's CPU model `cpu`."""
    return subprocess.run([qemu(), "-cpu", cpu, smrlab_bin(), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def listed(cwd: Path, cpu: str) -> dict[str, dict]:
    p = smrlab(cwd, cpu, "list", "--format", "json")
    assert p.returncode == 0, describe(p)
    return {s["name"]: s for s in json.loads(p.stdout)["schemes"]}


@pytest.fixture(scope="module")
def hyalines(tmp_path_factory) -> list[str]:
    """The hyaline schemes this build registered (a development subset may leave them out)."""
    names = [n for n in HYALINES if n in listed(tmp_path_factory.mktemp("list"), WITH)]
    if not names:
        pytest.fail("neither hyaline nor hyaline_s is registered in this build", pytrace=False)
    return names


def reason(scheme: str) -> str:
    return (f"{scheme} needs a double-width compare-and-swap (x86-64 cmpxchg16b), which this "
            "CPU lacks")


def test_list_says_unavailable_with_the_reason_only_where_the_cpu_lacks_it(tmp_path, hyalines):
    without = listed(tmp_path, WITHOUT)
    with_it = listed(tmp_path, WITH)
    for scheme in hyalines:
        assert not without[scheme]["available"], without[scheme]
        assert without[scheme]["unavailable_reason"] == reason(scheme)
        assert with_it[scheme]["available"], with_it[scheme]
    # The flag takes nothing else away: a scheme on single-word atomics stays available.
    assert without["ebr"]["available"], without["ebr"]
    p = smrlab(tmp_path, WITHOUT, "list")
    assert p.returncode == 0, describe(p)
    for scheme in hyalines:
        rows = [l for l in p.stdout.splitlines()
                if l.strip().startswith(f"{scheme} ") and " x " in l]
        assert rows, describe(p)
        assert all(r.rstrip().endswith("unavailable: " + reason(scheme)) for r in rows), rows


def test_a_run_of_only_them_has_nothing_to_run_and_writes_nothing(tmp_path, hyalines):
    p = smrlab(tmp_path, WITHOUT, "run", "--schemes", ",".join(hyalines), *SHORT_RUN,
               "--out", "OUT")
    assert p.returncode == 2, describe(p)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    errors = [l for l in lines if not l.startswith("smrlab: skipping")]
    assert len(errors) == 1 and "nothing to run" in errors[0], describe(p)
    for scheme in hyalines:
        said = [l for l in lines if l.startswith("smrlab: skipping") and reason(scheme) in l]
        assert len(said) == 1, describe(p)
    assert not (tmp_path / "OUT").exists()


def test_a_sweep_skips_them_and_runs_the_rest(tmp_path, hyalines):
    p = smrlab(tmp_path, WITHOUT, "run", "--schemes", ",".join([*hyalines, "ebr"]), *SHORT_RUN,
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert {r["scheme"] for r in rows} == {"ebr"}, rows
    assert all(r["status"] == "ok" and did_work(r) for r in rows), rows


def test_with_the_instruction_the_same_binary_runs_them(tmp_path, hyalines):
    p = smrlab(tmp_path, WITH, "run", "--schemes", ",".join(hyalines), *SHORT_RUN,
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert sorted(r["scheme"] for r in rows) == sorted(hyalines), rows
    assert all(r["status"] == "ok" and did_work(r) for r in rows), rows
