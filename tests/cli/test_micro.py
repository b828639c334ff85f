"""Tests of the `smrlab_micro` Google Benchmark suite (harness/micro/): every scheme that
`smrlab list` prints (plugins included) has the three benchmark families at the expected
thread counts, a short JSON run has one entry per scheme x thread count, the alloc_retire
teardown check (everything retired is reclaimed) passes, read_phase/<scheme> is deref's
machine code for every scheme that does not restart read phases (the extension compiles
away), and Google Benchmark's own command line is there. Nothing here depends on how fast
anything is.

    SMRLAB_BIN=build/release/smrlab $(scripts/find_python.sh --with-pytest) -m pytest \
        tests/cli/test_micro.py -q

The micro binary is $SMRLAB_MICRO_BIN, else `smrlab_micro` next to $SMRLAB_BIN.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

FAMILIES = ("guard", "deref", "read_phase", "alloc_retire")
# The one benchmark that is not per scheme: the asymmetric fence's heavy side on its own.
HEAVY_FENCE = ("heavy_fence", "membarrier")
# The schemes whose availability is the heavy fence's (both need membarrier).
FENCED_SCHEMES = ("hp_asym", "ebr_asym")
TIMEOUT = 60
# <family>/<scheme>/real_time/threads:<n>
NAME = re.compile(
    r"^(?P<family>[a-z_]+)/(?P<scheme>[a-z0-9_]+)/real_time/threads:(?P<threads>\d+)$")
# One ping round (schemes/thread_ping.hpp) to N other threads: thread_ping/targets:<n>/real_time
PING_NAME = re.compile(r"^thread_ping/targets:(?P<targets>\d+)/real_time$")


def _executable(variable: str, path: str) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = (Path.cwd() / p).resolve()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"{variable}={path} is not an executable file", pytrace=False)
    return str(p)


def smrlab_bin() -> str:
    path = os.environ.get("SMRLAB_BIN")
    if not path:
        pytest.fail("SMRLAB_BIN is not set: point it at the smrlab binary, e.g. "
                    "SMRLAB_BIN=build/release/smrlab python3 -m pytest tests/cli",
                    pytrace=False)
    return _executable("SMRLAB_BIN", path)


def micro_bin() -> str:
    path = os.environ.get("SMRLAB_MICRO_BIN")
    if path:
        return _executable("SMRLAB_MICRO_BIN", path)
    return _executable("SMRLAB_MICRO_BIN (default: next to SMRLAB_BIN)",
                       str(Path(smrlab_bin()).with_name("smrlab_micro")))


def run(binary: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def expected_thread_counts(max_threads: int, hardware_threads: int | None = None) -> list[int]:
    """As harness/micro/micro_thread_counts.hpp: powers of two up to the hardware threads,
    the hardware-thread count itself, capped by the scheme's max_threads (0: no cap)."""
    top = max(1, hardware_threads or os.cpu_count() or 1)
    if max_threads:
        top = min(top, max_threads)
    counts = []
    n = 1
    while n <= top:
        counts.append(n)
        n *= 2
    if counts[-1] != top:
        counts.append(top)
    return counts


@pytest.fixture(scope="module")
def schemes() -> dict[str, int]:
    """scheme name -> max_threads, as `smrlab list --format json` prints them, for the schemes
    that can run in this process (the micro suite leaves an unavailable one out, as sweeps do)."""
    p = run(smrlab_bin(), "list", "--format", "json")
    assert p.returncode == 0, p.stderr
    listed = json.loads(p.stdout)["schemes"]
    assert listed, "smrlab list printed no scheme"
    return {s["name"]: int(s["max_threads"]) for s in listed if s["available"]}


@pytest.fixture(scope="module")
def heavy_fence_available() -> bool | None:
    """Whether membarrier is usable here, as `smrlab list` says of the schemes that need it;
    None when this build has neither of them."""
    p = run(smrlab_bin(), "list", "--format", "json")
    assert p.returncode == 0, p.stderr
    fenced = [bool(s["available"]) for s in json.loads(p.stdout)["schemes"]
              if s["name"] in FENCED_SCHEMES]
    return fenced[0] if fenced else None


@pytest.fixture(scope="module")
def listed_benchmarks() -> list[tuple[str, str, int]]:
    p = run(micro_bin(), "--benchmark_list_tests=true")
    assert p.returncode == 0, p.stderr
    out = []
    for line in p.stdout.splitlines():
        if PING_NAME.match(line.strip()):
            continue  # test_thread_ping_rounds_to_up_to_twice_the_hardware_threads
        m = NAME.match(line.strip())
        assert m, f"unexpected benchmark name {line!r}"
        out.append((m["family"], m["scheme"], int(m["threads"])))
    return out


def test_every_listed_scheme_is_in_every_family_at_its_thread_counts(schemes, listed_benchmarks):
    assert len(set(listed_benchmarks)) == len(listed_benchmarks), "a benchmark is listed twice"
    for scheme, max_threads in schemes.items():
        for family in FAMILIES:
            threads = [t for f, s, t in listed_benchmarks if f == family and s == scheme]
            assert threads == expected_thread_counts(max_threads), (family, scheme, threads)
    per_scheme = [b for b in listed_benchmarks if b[:2] != HEAVY_FENCE]
    extra = {s for _, s, _ in per_scheme} - set(schemes)
    assert not extra, f"benchmarks of schemes smrlab list does not know: {extra}"
    assert {f for f, _, _ in per_scheme} == set(FAMILIES)


def test_the_heavy_fence_is_listed_exactly_where_the_schemes_that_need_it_can_run(
        listed_benchmarks, heavy_fence_available):
    fences = [t for f, s, t in listed_benchmarks if (f, s) == HEAVY_FENCE]
    if heavy_fence_available is None:  # a build without hp_asym and ebr_asym
        assert fences in ([], expected_thread_counts(0))
    else:
        assert fences == (expected_thread_counts(0) if heavy_fence_available else [])


def test_a_heavy_fence_run_times_the_fence(tmp_path, heavy_fence_available):
    if not heavy_fence_available:
        pytest.skip("membarrier is unavailable here: the suite leaves heavy_fence out")
    p = run(micro_bin(), "--benchmark_filter=^heavy_fence/", "--benchmark_min_time=0.01",
            "--benchmark_format=json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    entries = json.loads(p.stdout)["benchmarks"]
    assert [int(e["threads"]) for e in entries] == expected_thread_counts(0)
    for e in entries:
        assert e["real_time"] > 0 and e["iterations"] > 0, e


def test_a_json_run_has_one_entry_per_scheme_and_thread_count(tmp_path, schemes,
                                                              listed_benchmarks):
    out = tmp_path / "guard.json"
    p = run(micro_bin(), "--benchmark_filter=^guard/", "--benchmark_min_time=0.01",
            "--benchmark_format=json", f"--benchmark_out={out}", "--benchmark_out_format=json",
            cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for text in (p.stdout, out.read_text(encoding="utf-8")):
        doc = json.loads(text)
        context = doc["context"]
        assert context["smrlab_git_rev"]
        assert context["smrlab_build_type"]
        assert sorted(context["smrlab_schemes"].split(",")) == sorted(schemes)
        entries = doc["benchmarks"]
        got = sorted((e["run_name"].split("/")[1], int(e["threads"])) for e in entries)
        want = sorted((s, t) for f, s, t in listed_benchmarks if f == "guard")
        assert got == want
        for e in entries:
            assert e["run_type"] == "iteration"
            assert e["time_unit"] == "ns"
            assert e["real_time"] > 0 and e["items_per_second"] > 0, e


def test_alloc_retire_reclaims_everything_it_retired(schemes):
    # Teardown aborts the run unless retired == reclaimed after reclaim_all_quiescent.
    p = run(micro_bin(), "--benchmark_filter=^alloc_retire/", "--benchmark_min_time=0.01",
            "--benchmark_format=json")
    assert p.returncode == 0, p.stderr
    entries = json.loads(p.stdout)["benchmarks"]
    assert {e["run_name"].split("/")[1] for e in entries} == set(schemes)
    for e in entries:
        assert 0.0 <= e["reclaimed_in_loop"] <= 1.0, e
    # The scheme that never reclaims before teardown, and the one that frees at once.
    by_scheme = {e["run_name"].split("/")[1]: e["reclaimed_in_loop"] for e in entries}
    if "none" in by_scheme:
        assert by_scheme["none"] == 0.0
    if "immediate_free" in by_scheme:
        assert by_scheme["immediate_free"] == 1.0


def test_thread_ping_rounds_to_up_to_twice_the_hardware_threads(tmp_path):
    p = run(micro_bin(), "--benchmark_list_tests=true")
    assert p.returncode == 0, p.stderr
    targets = [int(m["targets"]) for m in map(PING_NAME.match, p.stdout.split()) if m]
    assert targets == expected_thread_counts(0, 2 * (os.cpu_count() or 1))
    p = run(micro_bin(), "--benchmark_filter=^thread_ping/targets:(1|2)/",
            "--benchmark_min_time=0.01", "--benchmark_format=json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    entries = json.loads(p.stdout)["benchmarks"]
    assert [e["run_name"] for e in entries] == ["thread_ping/targets:1/real_time",
                                                 "thread_ping/targets:2/real_time"]
    for e, n in zip(entries, (1, 2)):
        assert e["iterations"] > 0 and e["ns_per_ping"] > 0, e
        # Every round pings every target once: items are pings, n per iteration.
        assert e["items_per_second"] * e["real_time"] * 1e-9 == pytest.approx(n, rel=0.05), e


# The benchmark bodies smrlab::micro::deref<S> and smrlab::micro::read_phase<S>, by mangled name:
# the prefix, then S's mangled name, then the parameter list.
BODY_PREFIX = {"deref": "_ZN6smrlab5micro5derefI", "read_phase": "_ZN6smrlab5micro10read_phaseI"}
BODY_SUFFIX = "EEvRN9benchmark5StateE"
# A line of objdump's listing: "  2daa0:\tmov ..." (an instruction) or "000...2daa0 <sym>:".
FUNCTION_HEADER = re.compile(r"^[0-9a-f]+ <(?P<symbol>[^>]+)>:$")
INSTRUCTION = re.compile(r"^\s*[0-9a-f]+:\s+(?P<text>.*)$")


def _normalised(instruction: str) -> str:
    """An instruction without what only its address decides: branch and call targets and
    rip-relative displacements become the symbol (and offset) objdump names, so that the code
    of two functions at different addresses compares equal exactly when it does the same."""
    text, _, comment = instruction.partition("#")
    named = re.search(r"<[^>]+>", comment)
    text = re.sub(r"-?0x[0-9a-f]+\(%rip\)", (named[0] if named else "REL") + "(%rip)", text)
    text = re.sub(r"\b[0-9a-f]+ (<[^>]+>)", r"\1", text)
    for prefix in BODY_PREFIX.values():  # a jump inside the function names the function
        text = text.replace(prefix, "BODY")
    return " ".join(text.split())


def _bodies(binary: str) -> dict[str, dict[str, list[str]]]:
    """family -> S's mangled name -> the normalised instructions of the body for S."""
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils, which g++ depends on) is not on PATH"
    p = subprocess.run([objdump, "-d", "--no-show-raw-insn", binary], capture_output=True,
                       text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stderr
    bodies: dict[str, dict[str, list[str]]] = {f: {} for f in BODY_PREFIX}
    current: list[str] | None = None
    for line in p.stdout.splitlines():
        if m := FUNCTION_HEADER.match(line):
            current = None
            symbol = m["symbol"]
            for family, prefix in BODY_PREFIX.items():
                if symbol.startswith(prefix) and symbol.endswith(BODY_SUFFIX):
                    current = bodies[family].setdefault(
                        symbol[len(prefix):-len(BODY_SUFFIX)], [])
        elif current is not None and (m := INSTRUCTION.match(line)):
            current.append(_normalised(m["text"]))
    return bodies


def _mangled_in_smr(name: str) -> str:
    return f"N3smr{len(name)}{name}E"


def test_read_phase_is_dereferences_machine_code_unless_the_scheme_restarts_read_phases():
    # schemes/read_phases.hpp: for a scheme that does not restart read phases, SMR_READ_PHASE
    # and enter_write_phase compile to nothing, so the body written in phases must be the same
    # instructions as deref's. A timing could not show "nothing"; the code can.
    p = run(smrlab_bin(), "list", "--format", "json")
    assert p.returncode == 0, p.stderr
    listed = [s for s in json.loads(p.stdout)["schemes"] if s["available"]]
    restarting = {_mangled_in_smr(s["name"]) for s in listed if s["restarts_read_phases"]}
    bodies = _bodies(micro_bin())
    assert set(bodies["deref"]) == set(bodies["read_phase"])
    assert len(bodies["deref"]) == len(listed), "a scheme's deref or read_phase body is missing"
    differing = {s for s in bodies["deref"] if bodies["deref"][s] != bodies["read_phase"][s]}
    for s in bodies["deref"]:
        assert bodies["deref"][s], f"no instructions read for deref<{s}>"
    assert differing == {s for s in bodies["deref"] if s in restarting}, (
        "read_phase's code differs from deref's for a scheme that does not restart read phases, "
        "or is the same for one that does")


def test_google_benchmark_command_line():
    p = run(micro_bin(), "--help")
    assert p.returncode == 0, p.stderr
    assert "--benchmark_filter" in p.stdout + p.stderr
    p = run(micro_bin(), "--no-such-flag")
    assert p.returncode != 0
    assert "--no-such-flag" in p.stderr
