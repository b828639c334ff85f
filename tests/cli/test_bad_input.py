"""Bad input, each case at once: every one gives ONE clear error line naming what is wrong, a
non-zero exit (2), and writes nothing; an existing results file is never overwritten. The binary
is named by $SMRLAB_BIN."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli import describe, smrlab

RUN = ["run", "--schemes", "ebr", "--structures", "treiber_stack", "--threads", "1",
       "--duration", "10ms", "--warmup", "0"]


def _preset(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


CASES = {
    "unknown scheme": (["run", "--schemes", "no_such_scheme", "--dry-run"], "unknown scheme"),
    "unknown structure": (["run", "--structures", "no_such_structure", "--dry-run"],
                          "unknown structure"),
    "impossible pairing": (["run", "--schemes", "hazard_pointers", "--structures",
                            "sundell_tsigas_deque", "--dry-run"], "nothing to run"),
    "impossible thread count": (["run", "--schemes", "immediate_free", "--threads", "2",
                                 "--dry-run"], "nothing to run"),
    "fault that leaves no worker": (["run", "--schemes", "ebr", "--threads", "1", "--fault",
                                     "park:1", "--dry-run"], "nothing to run"),
    "bad thread list": (["run", "--threads", "1,x", "--dry-run"], "not a positive thread count"),
    "bad mix": (["run", "--mix", "50,60,0", "--dry-run"], "mix '50,60,0'"),
    "bad distribution": (["run", "--dist", "zipf:2", "--dry-run"], "zipf"),
    "bad placement": (["run", "--pin", "pus:99999", "--dry-run"], "99999"),
    "bad allocator": (["run", "--allocator", "nosuchalloc", "--dry-run"], "nosuchalloc"),
    "bad fault": (["run", "--fault", "sleep:1", "--dry-run"], "sleep:N:Tms"),
    "bad shard": (["run", "--shard", "3/2", "--dry-run"], "1 <= i <= n"),
    "bad memory cap": (["run", "--memory-cap", "lots", "--dry-run"], "--memory-cap"),
    "bad topology": (["run", "--topology", "synthetic:nonsense", "--dry-run"], "nonsense"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clear_line_and_exit_2(name, tmp_path):
    args, needle = CASES[name]
    p = smrlab(tmp_path, *args)
    assert p.returncode == 2, describe(p)
    assert needle in p.stderr, describe(p)
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith("smrlab: skipping")]
    assert len(errors) == 1, describe(p)
    assert list(tmp_path.iterdir()) == [], "bad input must write nothing"


@pytest.mark.parametrize("text, needle", [
    ('name = "x"\nthreads = [1, \n', "line"),
    ('name = "x"\nbogus = 1\n', "unknown key 'bogus'"),
    ('name = "x"\nthreads = "many"\n', "'threads'"),
    ('name = "x"\nfault = "park:0"\n', "park:0"),
    ('name = "x"\nduration = "1s"\nops_per_thread = 10\n', "not both"),
])
def test_malformed_preset_gives_one_clear_line(text, needle, tmp_path):
    preset = _preset(tmp_path, text)
    p = smrlab(tmp_path, "run", "--preset", preset, "--dry-run")
    assert p.returncode == 2, describe(p)
    assert needle in p.stderr and preset in p.stderr, describe(p)
    assert len([line for line in p.stderr.splitlines() if line.strip()]) == 1, describe(p)


def test_unwritable_output_path_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    for out in (blocker, blocker / "below"):
        p = smrlab(tmp_path, *RUN, "--out", str(out))
        assert p.returncode == 2, describe(p)
        assert "cannot create output folder" in p.stderr and str(out) in p.stderr, describe(p)
        assert len([line for line in p.stderr.splitlines() if line.strip()]) == 1, describe(p)
    p = smrlab(tmp_path, "merge", "--out", str(blocker / "m"), str(tmp_path))
    assert p.returncode == 2, describe(p)


def test_an_existing_results_file_is_never_overwritten(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.csv").write_text("precious\n", encoding="utf-8")
    p = smrlab(tmp_path, *RUN, "--out", str(out))
    assert p.returncode == 2, describe(p)
    assert "already exists" in p.stderr, describe(p)
    assert (out / "results.csv").read_text(encoding="utf-8") == "precious\n"
    p = smrlab(tmp_path, "merge", "--out", str(out), str(out))
    assert p.returncode == 2, describe(p)
    assert (out / "results.csv").read_text(encoding="utf-8") == "precious\n"
