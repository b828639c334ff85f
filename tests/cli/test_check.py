"""`smrlab check` (harness/check_command.cpp): it runs the modelcheck preset's checker with the
arguments as given, and says in one line how to build the checker when there is none. The
checker itself is tested in its own build (tests/modelcheck); here a stand-in script takes its
place, so that what is handed over can be seen."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from test_cli import TIMEOUT, describe, smrlab_bin


def run_check(env_bin: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SMRLAB_MODELCHECK_BIN=env_bin)
    return subprocess.run([smrlab_bin(), "check", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False, env=env)


def test_without_the_checker_one_line_says_how_to_build_it(tmp_path: Path):
    p = run_check(str(tmp_path / "missing"), "--scheme", "ebr")
    assert p.returncode == 2, describe(p)
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, describe(p)
    assert "cmake --preset modelcheck" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_every_argument_goes_to_the_checker_and_its_exit_status_comes_back(tmp_path: Path):
    stand_in = tmp_path / "smrlab_modelcheck"
    stand_in.write_text('#!/bin/sh\necho "args: $*"\necho "name: $SMRLAB_CHECK_NAME"\nexit 1\n')
    stand_in.chmod(0o755)
    p = run_check(str(stand_in), "--scheme", "my_scheme", "--model", "tso", "--help")
    assert p.returncode == 1, describe(p)
    assert "args: --scheme my_scheme --model tso --help" in p.stdout
    # The checker names itself "smrlab check" in the replay commands it prints.
    assert "name: smrlab check" in p.stdout
