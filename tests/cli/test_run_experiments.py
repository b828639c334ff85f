"""./run_experiments.sh's own argument checks, which must fail before the set-up and the build
(these tests never build or sweep: that is what the quick preset from a clean clone shows)."""

from __future__ import annotations

from pathlib import Path

from test_cli import ROOT, run_script


def run(cwd: Path, *args: str):
    return run_script("run_experiments.sh", cwd, *args)


def test_help_names_every_mode():
    p = run(ROOT, "--help")
    assert p.returncode == 0, p.stderr
    for option in ("--preset", "--resume", "--shard", "--merge", "--partial", "--no-plots",
                   "--no-micro", "--micro-min-time", "--micro-repetitions"):
        assert option in p.stdout


def test_bad_usage_fails_before_building_with_one_clear_line(tmp_path):
    done = tmp_path / "done"
    done.mkdir()
    (done / "results.csv").write_text("scheme\n", encoding="utf-8")
    cases = {
        ("--shard", "0/4"): "--shard needs I/N",
        ("--shard", "5/4"): "--shard needs I/N",
        ("--preset", "no-such-preset"): "unknown preset 'no-such-preset' (available: ",
        ("--preset", "missing/file.toml"): "preset file 'missing/file.toml' not found",
        ("--merge", str(done)): "--merge needs --out",
        ("--merge", "--out", str(tmp_path / "m")): "--merge needs the run folders",
        ("--merge", "--out", str(tmp_path / "m"), str(tmp_path)): "is not a run folder",
        ("--merge", "--out", str(done), str(done)): "already exists; choose another --out",
        ("--partial",): "--partial goes with --merge",
        ("stray",): "unexpected argument 'stray'",
        ("--out", str(done)): "already exists",
        ("--bogus",): "unknown option '--bogus'",
        ("--micro-repetitions", "0"): "--micro-repetitions needs a positive integer, got '0'",
        ("--micro-repetitions=2x",): "--micro-repetitions needs a positive integer, got '2x'",
        ("--micro-repetitions",): "--micro-repetitions needs a value",
        ("--micro-min-time", "0"): "--micro-min-time needs a positive number of seconds",
        ("--micro-min-time", "0.0"): "--micro-min-time needs a positive number of seconds",
        ("--micro-min-time=-1",): "--micro-min-time needs a positive number of seconds",
        ("--micro-min-time", "1s"): "got '1s'",
    }
    for args, message in cases.items():
        p = run(tmp_path, *args)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert message in p.stderr, (args, p.stderr)
        assert "set-up" not in p.stdout, (args, "it went on to the set-up")


def test_relative_paths_are_taken_from_where_the_script_is_started(tmp_path):
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "results.csv").write_text("scheme\n", encoding="utf-8")
    p = run(tmp_path, "--out", "done")
    assert p.returncode == 2, p.stderr
    assert "done/results.csv already exists" in p.stderr
