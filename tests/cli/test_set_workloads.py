"""Tests of the set workloads on the `smrlab` command line: --mix, --key-range, --dist and
their preset keys, the steady-state prefill, what each row records, bad input, and mixes
that a pool cannot run. The binary under test is named by $SMRLAB_BIN (see test_cli.py)."""

from __future__ import annotations

import json

import pytest

from test_cli import describe, did_work, read_dicts, smrlab, write_preset

TREE = "natarajan_mittal_bst"
SET_RUN = ["run", "--schemes", "ebr", "--structures", TREE, "--threads", "1",
           "--duration", "30ms", "--warmup", "5ms"]


def test_set_sweep_crosses_mixes_key_ranges_and_distributions(tmp_path):
    p = smrlab(tmp_path, *SET_RUN, "--mix", "50,50,0", "--mix", "10,10,80",
               "--key-range", "100,1000", "--dist", "uniform,zipf:0.9", "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert len(rows) == 2 * 2 * 2
    seen = {(r["mix"], r["key_range"], r["key_dist"]) for r in rows}
    assert seen == {(m, k, d) for m in ("50,50,0", "10,10,80") for k in ("100", "1000")
                    for d in ("uniform", "zipf:0.9")}
    for r in rows:
        assert r["valid"] == "ok" and r["teardown"] == "ok" and did_work(r), r
        i, rm, lk = r["mix"].split(",")
        assert r["workload"] == (f"insert{i}_remove{rm}_lookup{lk} keys={r['key_range']} "
                                 f"{r['key_dist']}"), r
        # Prefilled to the steady state: key range x insert / (insert + remove) = half.
        assert int(r["prefill"]) == int(r["key_range"]) // 2, r
    meta = json.loads((tmp_path / "OUT" / "meta.json").read_text(encoding="utf-8"))
    assert meta["sweep"]["mixes"] == ["50,50,0", "10,10,80"]
    assert meta["sweep"]["key_ranges"] == [100, 1000]
    assert meta["sweep"]["key_dists"] == ["uniform", "zipf:0.9"]
    assert meta["sweep"]["prefill"] == "auto"


def test_an_explicit_prefill_overrides_the_steady_state(tmp_path):
    p = smrlab(tmp_path, *SET_RUN, "--mix", "90,10,0", "--key-range", "1000",
               "--prefill", "7", "--out", "OUT")
    assert p.returncode == 0, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert r["prefill"] == "7", r


def test_steady_state_follows_the_mix(tmp_path):
    p = smrlab(tmp_path, *SET_RUN, "--mix", "30,10,60", "--key-range", "1000", "--out", "OUT")
    assert p.returncode == 0, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert r["prefill"] == "750", r  # 1000 x 30 / (30 + 10)


def test_pool_rows_leave_the_key_columns_empty_and_name_the_push_pop_mix(tmp_path):
    p = smrlab(tmp_path, "run", "--schemes", "ebr", "--structures", "treiber_stack",
               "--threads", "1", "--duration", "30ms", "--warmup", "5ms", "--mix", "70,30,0",
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    (r,) = read_dicts(tmp_path / "OUT" / "results.csv")
    assert (r["workload"], r["mix"], r["key_range"], r["key_dist"], r["prefill"]) == (
        "push70_pop30", "70,30,0", "", "", "1000"), r


def test_a_mix_with_lookups_is_skipped_for_a_pool_with_the_reason(tmp_path):
    p = smrlab(tmp_path, "run", "--schemes", "ebr", "--structures", f"treiber_stack,{TREE}",
               "--threads", "1", "--duration", "30ms", "--warmup", "5ms", "--mix", "25,25,50",
               "--out", "OUT")
    assert p.returncode == 0, describe(p)
    assert "treiber_stack with 25,25,50" in p.stderr and "lookups" in p.stderr, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert [r["structure"] for r in rows] == [TREE]


def test_only_lookups_on_a_pool_leaves_nothing_to_run(tmp_path):
    p = smrlab(tmp_path, "run", "--structures", "treiber_stack", "--mix", "0,0,100",
               "--threads", "1", "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "nothing to run" in p.stderr, describe(p)


def test_bad_mix_is_refused_with_the_reason(tmp_path):
    for mix, why in (("50,50", "needs three percentages"), ("50,50,10", "sums to 110"),
                     ("a,50,50", "not a non-negative integer")):
        p = smrlab(tmp_path, *SET_RUN, "--mix", mix, "--out", "OUT")
        assert p.returncode == 2, describe(p)
        assert why in p.stderr, describe(p)
        assert not (tmp_path / "OUT").exists()


def test_bad_distribution_is_refused_with_the_reason(tmp_path):
    for dist in ("gauss", "zipf:1", "zipf:abc"):
        p = smrlab(tmp_path, *SET_RUN, "--dist", dist, "--out", "OUT")
        assert p.returncode == 2, describe(p)
        assert "bad --dist" in p.stderr and dist in p.stderr, describe(p)


def test_zero_key_range_is_refused(tmp_path):
    p = smrlab(tmp_path, *SET_RUN, "--key-range", "0", "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "key range 0" in p.stderr, describe(p)


def test_preset_keys_for_set_workloads(tmp_path):
    preset = write_preset(tmp_path / "sets.toml",
                          f'name = "sets"\nschemes = ["ebr"]\nstructures = ["{TREE}"]\n'
                          'threads = [1]\nduration = "30ms"\nwarmup = "5ms"\n'
                          'mix = ["50,50,0", "5,5,90"]\nkey_range = 500\ndist = "zipf:0.99"\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    assert sorted(r["mix"] for r in rows) == ["5,5,90", "50,50,0"]
    assert {(r["key_range"], r["key_dist"]) for r in rows} == {("500", "zipf:0.99")}


def test_preset_with_a_bad_mix_names_the_file_and_the_problem(tmp_path):
    preset = write_preset(tmp_path / "bad.toml", 'name = "bad"\nmix = "60,60,0"\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert "bad.toml" in p.stderr and "sums to 120" in p.stderr, describe(p)


LIST = "harris_michael_list"


def test_a_structure_may_have_key_ranges_of_its_own(tmp_path):
    # The papers' ranges in one sweep: the list over 100 and 200 keys, the tree over the
    # sweep's 1000. Process isolation (the default): each child re-plans from the options it is
    # passed, the per-structure ranges among them, and finds its trial.
    preset = write_preset(tmp_path / "own.toml",
                          f'name = "own"\nschemes = ["ebr"]\nstructures = ["{TREE}", "{LIST}"]\n'
                          'threads = [1]\nduration = "30ms"\nwarmup = "5ms"\nkey_range = 1000\n'
                          f'[key_range_by_structure]\n{LIST} = [100, 200]\n')
    p = smrlab(tmp_path, "run", "--preset", str(preset), "--out", "OUT")
    assert p.returncode == 0, describe(p)
    rows = read_dicts(tmp_path / "OUT" / "results.csv")
    seen = sorted((r["structure"], r["key_range"]) for r in rows)
    assert seen == [(LIST, "100"), (LIST, "200"), (TREE, "1000")], rows
    assert all(r["valid"] == "ok" and did_work(r) for r in rows), rows
    # Each set was prefilled to half its range, which took time of its own (prefill_s).
    assert all(int(r["prefill"]) == int(r["key_range"]) // 2 for r in rows), rows
    assert all(float(r["prefill_s"]) > 0 for r in rows), rows
    meta = json.loads((tmp_path / "OUT" / "meta.json").read_text(encoding="utf-8"))
    assert meta["sweep"]["key_ranges_by_structure"] == {LIST: [100, 200]}
    # The same from the command line.
    p = smrlab(tmp_path, *SET_RUN[:4], f"{TREE},{LIST}", *SET_RUN[5:], "--key-range-for",
               f"{LIST}=100,200", "--dry-run")
    assert p.returncode == 0, describe(p)
    planned = [line for line in p.stdout.splitlines() if LIST in line or TREE in line]
    assert sum("keys=100 " in line for line in planned) == 1, p.stdout
    assert sum("keys=200 " in line for line in planned) == 1, p.stdout
    assert sum("keys=1000 " in line for line in planned) == 1, p.stdout


@pytest.mark.parametrize("value, needle", [
    ("nosuch=100", "unknown structure 'nosuch'"),
    ("treiber_stack=100", "only sets have keys"),
    (f"{LIST}=0", "key range 0"),
    (f"{LIST}=ten", "'ten' is not a key range"),
    (f"{LIST}", "is not STRUCTURE=N"),
])
def test_bad_key_ranges_for_a_structure_are_refused_in_one_line(value, needle, tmp_path):
    p = smrlab(tmp_path, *SET_RUN, "--key-range-for", value, "--out", "OUT")
    assert p.returncode == 2, describe(p)
    assert p.stderr.count("\n") == 1 and needle in p.stderr, describe(p)
    assert not (tmp_path / "OUT").exists()
