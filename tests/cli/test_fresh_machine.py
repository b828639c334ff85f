"""The README's two commands on a fresh Debian machine: set-up runs first and installs what
every later step needs, then the script works (issue 14).

Nothing is uninstalled and nothing heavy runs. Each test copies the two scripts, scripts/ and
the presets into a temporary folder laid out like the repository, and runs a script there
with an explicit environment whose PATH starts with stand-ins: dpkg-query and apt-get report
and "install" packages through a state file (one package a line); python3 fails its imports
until apt-get installed python3-matplotlib etc.; cmake, ctest and the binaries the build
"produces" refuse to run before their packages are installed, and otherwise only write what
the scripts expect. Every stand-in appends its command line to a log, whose order the tests
check. find_python.sh is pointed at the python3 stand-in with SMRLAB_SYSTEM_PYTHON.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"

# What CMakeLists.txt requires (find_package ... REQUIRED, pkg_check_modules, the generator and
# the compiler of the presets): the cmake stand-in refuses to configure without any of them, so
# a package set-up forgets fails the run, as on a real fresh machine.
CMAKE_NEEDS = ("cmake ninja-build g++ pkg-config libhwloc-dev libfmt-dev libcli11-dev "
               "nlohmann-json3-dev libtomlplusplus-dev libgtest-dev libbenchmark-dev "
               "librapidcheck-dev libboost-context-dev")

SHIM_LIB = r"""
log() { printf '%s\n' "$*" >>"$SHIM_LOG"; }
installed() { grep -qxF "$1" "$SHIM_STATE" 2>/dev/null; }
# need PKG...: behave like a program (or a module) whose package is not installed.
need() {
  for p in "$@"; do
    installed "$p" || { echo "${0##*/} (stand-in): package $p is not installed" >&2; exit 127; }
  done
}
"""

SHIMS = {
    # dpkg-query -W -f=FORMAT PKG...: one "PKG<TAB>install ok installed" line per installed
    # package; unknown ones on stderr and status 1, as the real one does.
    "dpkg-query": r"""
log "dpkg-query $*"
rc=0
for a in "$@"; do
  case "$a" in -*) continue ;; esac
  if installed "$a"; then printf '%s\tinstall ok installed\n' "$a"
  else echo "dpkg-query: no packages found matching $a" >&2; rc=1; fi
done
# SHIM_DPKG_PADDING=N: N more lines, of packages removed long ago (a long answer).
i=0
while [ "$i" -lt "${SHIM_DPKG_PADDING:-0}" ]; do
  printf 'removed-package-%s\tdeinstall ok config-files\n' "$i"; i=$((i + 1))
done
exit "$rc"
""",
    "apt-get": r"""
log "apt-get $* (DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-})"
case "$1" in
  update) exit 0 ;;
  install)
    shift
    for a in "$@"; do case "$a" in -*) ;; *) echo "$a" >>"$SHIM_STATE" ;; esac; done
    exit 0 ;;
esac
exit 100
""",
    "id": r"""
if [ "${1:-}" = "-u" ]; then echo "$SHIM_UID"; exit 0; fi
exec /usr/bin/id "$@"
""",
    # python3 -c 'import m1, m2': each module needs its python3-* package; a script (the
    # plots) needs matplotlib and pandas.
    "python3": r"""
log "python3 $*"
if [ "${1:-}" = "-c" ]; then
  for m in matplotlib pandas pytest; do
    case "$2" in *"$m"*) need "python3-$m" ;; esac
  done
  exit 0
fi
need python3-matplotlib python3-pandas
""",
    "cmake": rf"""
log "cmake $*"
need {CMAKE_NEEDS}
case "$1" in
  --preset) mkdir -p "build/$2" && echo stand-in >"build/$2/CMakeCache.txt" ;;
  --build)
    dir="build/$3"
    [ -f "$dir/CMakeCache.txt" ] || {{ echo "cmake (stand-in): $dir not configured" >&2; exit 1; }}
    case "$3" in
      release | debug) cp "$SHIM_BUILT/smrlab" "$SHIM_BUILT/smrlab_micro" "$dir/" ;;
    esac ;;
  *) exit 1 ;;
esac
""",
    "ctest": r"""
log "ctest $*"
need cmake
[ -f "build/$2/CMakeCache.txt" ] || { echo "ctest (stand-in): build/$2 not built" >&2; exit 1; }
""",
}

# What `cmake --build` "produces" under build/release/.
BUILT = {
    "smrlab": r"""
log "smrlab $*"
[ "$1" = run ] || exit 0
out=""
while [ "$#" -gt 0 ]; do
  case "$1" in --out) out="$2"; shift ;; esac
  shift
done
mkdir -p "$out" && for f in results.csv timeseries.csv meta.json; do echo stand-in >"$out/$f"; done
""",
    "smrlab_micro": r"""
log "smrlab_micro $*"
for a in "$@"; do
  case "$a" in --benchmark_out=*) echo '{}' >"${a#--benchmark_out=}" ;; esac
done
""",
}


def write_stand_in(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n. \"$SHIM_LIB\"\n" + textwrap.dedent(body).lstrip(),
                    encoding="utf-8")
    path.chmod(0o755)


@dataclass
class Machine:
    """A copy of the repository's scripts on a machine made of stand-ins."""

    root: Path
    shims: Path
    log_file: Path
    state_file: Path
    env: dict[str, str]

    def run(self, script: str, *args: str, uid: int = 0) -> subprocess.CompletedProcess:
        self.log_file.write_text("", encoding="utf-8")
        env = dict(self.env, SHIM_UID=str(uid))
        return subprocess.run(["bash", str(self.root / script), *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    def log(self) -> list[str]:
        return self.log_file.read_text(encoding="utf-8").splitlines()

    def installed(self) -> list[str]:
        if not self.state_file.exists():
            return []
        return self.state_file.read_text(encoding="utf-8").split()

    def install(self, *packages: str) -> None:
        with self.state_file.open("a", encoding="utf-8") as f:
            f.writelines(p + "\n" for p in packages)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    root = tmp_path / "smrlab"
    root.mkdir()
    for script in ("run_experiments.sh", "run_tests.sh"):
        shutil.copy2(ROOT / script, root / script)
    shutil.copytree(ROOT / "scripts", root / "scripts")
    shutil.copytree(ROOT / "workloads" / "presets", root / "workloads" / "presets")

    shims = tmp_path / "bin"
    built = tmp_path / "built"
    shims.mkdir()
    built.mkdir()
    for name, body in SHIMS.items():
        write_stand_in(shims / name, body)
    for name, body in BUILT.items():
        write_stand_in(built / name, body)
    lib = tmp_path / "shim_lib.sh"
    lib.write_text(SHIM_LIB, encoding="utf-8")

    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{shims}:{SYSTEM_PATH}",
        "HOME": str(home),
        "LC_ALL": "C",
        "TMPDIR": str(tmp_path),
        "SHIM_LIB": str(lib),
        "SHIM_LOG": str(tmp_path / "calls.log"),
        "SHIM_STATE": str(tmp_path / "installed.txt"),
        "SHIM_BUILT": str(built),
        "SMRLAB_SYSTEM_PYTHON": str(shims / "python3"),
    }
    return Machine(root, shims, tmp_path / "calls.log", tmp_path / "installed.txt", env)


def tool(line: str) -> str:
    return line.split(" ", 1)[0]


def first(log: list[str], prefix: str) -> int:
    """Index of the first call that starts with PREFIX (the test fails if there is none)."""
    for i, line in enumerate(log):
        if line.startswith(prefix):
            return i
    raise AssertionError(f"no call starting with {prefix!r} in:\n" + "\n".join(log))


def assert_in_order(log: list[str], *prefixes: str) -> None:
    indices = [first(log, p) for p in prefixes]
    assert indices == sorted(indices) and len(set(indices)) == len(indices), (
        list(zip(prefixes, indices)), log)


def assert_set_up_first(log: list[str]) -> tuple[list[str], list[str]]:
    """The calls up to the install are set-up's only: one dpkg-query, apt-get update, apt-get
    install; the only ones of each. Returns the packages asked about and those installed."""
    assert tool(log[0]) == "dpkg-query", log
    assert log[1].startswith("apt-get update"), log
    assert log[2].startswith("apt-get install -y --no-install-recommends "), log
    assert log[2].endswith("(DEBIAN_FRONTEND=noninteractive)"), log
    assert [tool(line) for line in log].count("apt-get") == 2, log
    assert [tool(line) for line in log].count("dpkg-query") == 1, log
    asked = [a for a in log[0].split()[1:] if not a.startswith("-")]
    installed = log[2].split()[4:-1]
    return asked, installed


def test_the_stand_ins_report_a_fresh_machine(machine):
    """Before set-up, the Python lookup and cmake fail as they do on a fresh machine: the
    ordering the other tests check is what makes the scripts work."""
    env = dict(machine.env, SHIM_UID="0")
    p = subprocess.run(["bash", str(machine.root / "scripts" / "find_python.sh")],
                       cwd=machine.root, env=env, capture_output=True, text=True, timeout=60,
                       check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "no Python interpreter can 'import matplotlib, pandas'" in p.stderr
    tried = next(line for line in p.stderr.splitlines() if "tried:" in line)
    # SMRLAB_SYSTEM_PYTHON took /usr/bin/python3's place; python3 on PATH is the stand-in too.
    assert tried.split("tried: ")[1].split() == [str(machine.shims / "python3")], tried
    p = subprocess.run(["cmake", "--preset", "release"], cwd=machine.root, env=env,
                       capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 127, p.stderr


@pytest.mark.parametrize("script", ["run_experiments.sh", "run_tests.sh"])
def test_help_and_bad_usage_need_no_package(machine, script):
    p = machine.run(script, "--help")
    assert p.returncode == 0, p.stderr
    assert "Usage: ./" + script in p.stdout
    assert machine.log() == []  # not even dpkg-query: no set-up
    p = machine.run(script, "--bogus")
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.strip() == f"{script}: error: unknown option '--bogus' (see --help)"
    assert machine.log() == []
    assert not (machine.root / "build").exists()


def test_run_experiments_installs_first_then_builds_sweeps_and_draws(machine):
    p = machine.run("run_experiments.sh")
    assert p.returncode == 0, p.stdout + p.stderr
    log = machine.log()
    asked, installed = assert_set_up_first(log)
    assert installed == asked  # nothing was installed: everything is missing
    assert {"python3-matplotlib", "python3-pandas", "cmake", "pkg-config", "ccache"} <= set(
        installed)
    assert_in_order(log, "apt-get install", "python3 -c import matplotlib, pandas",
                    "cmake --preset release", "cmake --build --preset release", "smrlab run",
                    "smrlab_micro", "python3 " + str(machine.root / "plots" / "plot_results.py"))
    runs = list((machine.root / "results").iterdir())
    assert len(runs) == 1 and runs[0].name.endswith("-quick"), runs
    for f in ("results.csv", "timeseries.csv", "meta.json", "micro.json"):
        assert (runs[0] / f).is_file(), f
    assert "figures: results/" in p.stdout


def test_run_tests_installs_first_then_configures_builds_and_tests_each_preset(machine):
    p = machine.run("run_tests.sh")
    assert p.returncode == 0, p.stdout + p.stderr
    log = machine.log()
    asked, installed = assert_set_up_first(log)
    assert installed == asked
    assert "python3-pytest" in installed
    calls = ["apt-get install", "python3 -c import matplotlib, pandas, pytest"]
    for preset in ("release", "asan", "tsan", "modelcheck"):
        calls += [f"cmake --preset {preset} ", f"cmake --build --preset {preset} ",
                  f"ctest --preset {preset} "]
    assert_in_order(log, *calls)
    configure = log[first(log, "cmake --preset release ")]
    assert f"-DSMRLAB_PYTHON={machine.shims / 'python3'}" in configure
    assert "13 passed, 0 failed" in p.stdout


@pytest.mark.parametrize("script", ["run_experiments.sh", "run_tests.sh"])
def test_not_root_prints_the_install_command_and_stops_before_building(machine, script):
    machine.install("cmake", "g++")
    p = machine.run(script, uid=1000)
    assert p.returncode == 1, p.stdout + p.stderr
    assert [tool(line) for line in machine.log()] == ["dpkg-query"]
    sudo = [line.strip() for line in p.stderr.splitlines() if "sudo apt-get install" in line]
    assert len(sudo) == 1, p.stderr
    listed = sudo[0].split()[4:]
    assert sudo[0].startswith("sudo apt-get install -y ")
    assert "python3-matplotlib" in listed and "pkg-config" in listed
    assert "cmake" not in listed and "g++" not in listed  # already installed
    assert machine.installed() == ["cmake", "g++"]
    assert not (machine.root / "build").exists()
    assert not (machine.root / "results").exists()


def test_only_the_missing_packages_are_installed(machine):
    first_run = machine.run("run_tests.sh", "--presets", "release")
    assert first_run.returncode == 0, first_run.stderr
    everything = machine.installed()
    machine.state_file.write_text("".join(
        p + "\n" for p in everything if p not in ("python3-matplotlib", "ccache")),
        encoding="utf-8")
    p = machine.run("run_experiments.sh")
    assert p.returncode == 0, p.stdout + p.stderr
    asked, installed = assert_set_up_first(machine.log())
    assert sorted(asked) == sorted(everything)
    assert sorted(installed) == ["ccache", "python3-matplotlib"]


def test_set_up_reads_the_whole_answer_of_dpkg_query(machine):
    """Every installed package counts, however long dpkg-query's answer. Set-up once piped
    the answer into `grep -q`, which exits at its first match: printf's next write died of
    SIGPIPE and, under pipefail, an installed package counted as missing (a CI failure under
    load). An answer longer than a pipe's buffer made that happen every time."""
    assert machine.run("run_tests.sh", "--presets", "release").returncode == 0
    installed = machine.installed()
    machine.env["SHIM_DPKG_PADDING"] = "4000"  # about 170 KB, past a pipe's 64 KiB
    p = machine.run("run_tests.sh", "--presets", "release")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "apt-get" not in [tool(line) for line in machine.log()], p.stderr
    assert machine.installed() == installed


@pytest.mark.parametrize("script", ["run_experiments.sh", "run_tests.sh"])
def test_a_second_run_on_the_installed_machine_does_not_call_apt_get(machine, script):
    args = ("--out", "results/second") if script == "run_experiments.sh" else ()
    assert machine.run(script).returncode == 0
    installed = machine.installed()
    p = machine.run(script, *args)
    assert p.returncode == 0, p.stdout + p.stderr
    log = machine.log()
    assert [tool(line) for line in log].count("dpkg-query") == 1
    assert tool(log[0]) == "dpkg-query"
    assert "apt-get" not in [tool(line) for line in log], p.stderr
    assert "cmake" in [tool(line) for line in log]
    assert machine.installed() == installed
    assert "setup.sh: missing" not in p.stderr
