"""Runs one of the plotting scripts (plots/plot_results.py, summary_table.py, ratio_table.py) the
way its command line does, but inside the test process: `main(argv)` with stdout and stderr
captured and SystemExit (argparse's exit 2, --help's exit 0) turned into the return code.

A subprocess would import pandas and matplotlib again, about 1.3 s each time, which made most
of the plotting tests' time. `in_subprocess` keeps the real command line for the tests that are
about it (the `__main__` path, a missing matplotlib)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PLOTS = Path(__file__).resolve().parents[2] / "plots"


@dataclass
class Finished:
    """What a command line returns: the fields of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


_loaded = {}


def _module(script: Path):
    """The script as a module (imported once; its `__main__` block does not run)."""
    if script not in _loaded:
        spec = importlib.util.spec_from_file_location(f"smrlab_script_{script.stem}", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[script] = module
    return _loaded[script]


def run(script: Path, *args) -> Finished:
    """`script args...` in this process: its exit status and what it printed."""
    main = _module(Path(script)).main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return Finished(int(code or 0), out.getvalue(), err.getvalue())


def in_subprocess(script: Path, *args, timeout: float = 120) -> Finished:
    """`script args...` as a real command line, with this interpreter."""
    done = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, check=False)
    return Finished(done.returncode, done.stdout, done.stderr)
