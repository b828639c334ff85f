"""./run_tests.sh's own argument checks, which must fail before the set-up and the build (what
the whole job does from a clean checkout is test_fresh_machine.py's)."""

from __future__ import annotations

from pathlib import Path

from test_cli import ROOT, run_script


def run(cwd: Path, *args: str):
    return run_script("run_tests.sh", cwd, *args)


def test_help_names_every_preset_and_the_plugin_check():
    p = run(ROOT, "--help")
    assert p.returncode == 0, p.stderr
    for word in ("release", "asan", "tsan", "modelcheck", "--check-plugin", "--presets",
                 "--jobs", "--test-jobs"):
        assert word in p.stdout


def test_bad_usage_fails_before_the_set_up_with_one_clear_line(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("", encoding="utf-8")
    cases = {
        ("--presets", "release nope"): "unknown preset 'nope'",
        ("--presets", ""): "--presets needs a value",
        ("--check-plugin", str(tmp_path / "missing")): "is not a directory",
        ("--check-plugin", str(not_a_dir)): "is not a directory",
        ("--check-plugin",): "--check-plugin needs a value",
        ("--check-plugin", str(tmp_path), "--presets", "release"):
            "give --check-plugin or --presets, not both",
        ("--jobs", "0"): "--jobs needs a positive integer, got '0'",
        ("--bogus",): "unknown option '--bogus'",
    }
    for args, message in cases.items():
        p = run(tmp_path, *args)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert message in p.stderr, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
        assert "setup" not in p.stdout, (args, "it went on to the set-up")
