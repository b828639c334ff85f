"""The availability hook, for real: hp_asym and ebr_asym need
membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), and where the kernel lacks or refuses it they say
so in one line and are skipped, never run on a fallback. The refusal is made by
$SMRLAB_DENY_MEMBARRIER (tests/support/deny_membarrier.cpp), which installs a seccomp filter that
fails SYS_membarrier with ENOSYS or EPERM and then execs `smrlab`. Run by ctest
(tests/CMakeLists.txt sets both variables):

    SMRLAB_BIN=build/release/harness/smrlab \
    SMRLAB_DENY_MEMBARRIER=build/release/tests/smrlab_deny_membarrier \
        python3 -m pytest tests/cli/test_membarrier_refused.py -q
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

TIMEOUT = 120
ASYM = ("hp_asym", "ebr_asym")
SHORT_RUN = ["--structures", "treiber_stack", "--threads", "1", "--trials", "1",
             "--duration", "50ms", "--warmup", "10ms", "--prefill", "100"]


def executable(variable: str) -> str:
    path = os.environ.get(variable)
    if not path:
        pytest.fail(f"{variable} is not set (tests/CMakeLists.txt sets it)", pytrace=False)
    p = Path(path).resolve()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"{variable}={path} is not an executable file", pytrace=False)
    return str(p)


def smrlab(cwd: Path, *args: str, deny: str | None = None) -> subprocess.CompletedProcess:
    """Runs smrlab with `args`; with `deny`, under the filter that fails membarrier with it."""
    cmd = [executable("SMRLAB_BIN"), *args]
    if deny:
        cmd = [executable("SMRLAB_DENY_MEMBARRIER"), deny, *cmd]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)


def describe(p: subprocess.CompletedProcess) -> str:
    return f"exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}"


def registered(tmp_path: Path) -> list[str]:
    """The asymmetric schemes this build registered (a development subset may leave some out)."""
    p = smrlab(tmp_path, "list")
    assert p.returncode == 0, describe(p)
    names = [n for n in ASYM if f"\n  {n} " in p.stdout]
    if not names:
        pytest.fail("neither hp_asym nor ebr_asym is registered in this build", pytrace=False)
    return names


def test_list_says_unavailable_with_the_reason(tmp_path):
    for scheme in registered(tmp_path):
        p = smrlab(tmp_path, "list", deny="ENOSYS")
        assert p.returncode == 0, describe(p)
        rows = [l for l in p.stdout.splitlines() if l.strip().startswith(f"{scheme} ") and " x " in l]
        assert rows, describe(p)
        for row in rows:
            assert "unavailable: " in row, row
            assert "MEMBARRIER_CMD_PRIVATE_EXPEDITED" in row and "ENOSYS" in row, row
        ebr_rows = [l for l in p.stdout.splitlines() if l.strip().startswith("ebr ") and " x " in l]
        assert any(r.rstrip().endswith("ok") for r in ebr_rows), describe(p)


def test_list_says_available_without_the_filter(tmp_path):
    """On this machine membarrier works (the unit tests check that against the kernel), so the
    filter is what makes the difference, and the schemes never skip silently here."""
    if subprocess.run([executable("SMRLAB_DENY_MEMBARRIER")], capture_output=True,
                      check=False).returncode != 2:
        pytest.fail("the helper does not print its usage", pytrace=False)
    for scheme in registered(tmp_path):
        p = smrlab(tmp_path, "list")
        rows = [l for l in p.stdout.splitlines() if l.strip().startswith(f"{scheme} ") and " x " in l]
        assert rows and not any("MEMBARRIER" in r for r in rows), describe(p)


def test_a_sweep_skips_them_in_one_line_each_and_runs_the_rest(tmp_path):
    schemes = registered(tmp_path)
    p = smrlab(tmp_path, "run", "--schemes", ",".join([*schemes, "ebr"]), *SHORT_RUN,
               "--out", "OUT", deny="EPERM")
    assert p.returncode == 0, describe(p)
    for scheme in schemes:
        said = [l for l in p.stderr.splitlines() if "skipping" in l and scheme in l]
        assert len(said) == 1, describe(p)
        assert "EPERM" in said[0] and "MEMBARRIER_CMD_QUERY" in said[0], said[0]
        assert "no fallback" in said[0], said[0]
    with open(tmp_path / "OUT" / "results.csv", newline="", encoding="utf-8") as f:
        ran = {row["scheme"] for row in csv.DictReader(f)}
    assert ran == {"ebr"}, ran


def test_a_run_of_only_unavailable_schemes_has_nothing_to_run(tmp_path):
    schemes = registered(tmp_path)
    p = smrlab(tmp_path, "run", "--schemes", ",".join(schemes), *SHORT_RUN, "--out", "OUT",
               deny="ENOSYS")
    assert p.returncode == 2, describe(p)
    assert "nothing to run" in p.stderr, describe(p)
    assert "ENOSYS" in p.stderr, describe(p)
    assert not (tmp_path / "OUT" / "results.csv").exists()
