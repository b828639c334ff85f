"""End-to-end tests of plots/plot_results.py: the files it writes for a synthetic run, and
how it fails on bad input (exit status and message). The numbers behind each figure are
checked by the tests of its module (test_throughput.py, test_over_time.py, ...).

Run with an interpreter that has matplotlib, pandas and pytest:

    $(scripts/find_python.sh --with-pytest) -m pytest -q -p no:cacheprovider tests/plots
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import script_runner

from smrlab_plots import data
from synthetic_run import (
    KIND_STRUCTURES, RESULT_COLUMNS, TIMESERIES_COLUMNS, compatibility, kinds_rows, known_rows,
    meta, row, samples_of, stall_run, write_meta, write_micro, write_results, write_timeseries,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "plots" / "plot_results.py"
ALL_FIGURES = ("throughput", "memory_bound", "unreclaimed_over_time", "allocator_comparison",
               "allocator_memory", "micro_costs", "harness_overhead", "compatibility")
# The figures grouped by structure kind: also written per kind when a run has several.
BY_KIND = ("throughput", "memory_bound", "unreclaimed_over_time", "allocator_comparison",
           "allocator_memory")
STALL_KINDS = ("pool", "deque")  # treiber_stack, sundell_tsigas_deque


def run_script(*args):
    return script_runner.run(SCRIPT, *args)


@pytest.fixture(scope="module")
def stall(tmp_path_factory):
    """A synthetic stall-experiment run, drawn once for the tests that read its output."""
    run = stall_run(tmp_path_factory.mktemp("runs") / "2025-01-31-testhost-stall")
    result = run_script(run)
    return run, result


def test_writes_every_figure_as_png_and_svg(stall):
    run, result = stall
    assert result.returncode == 0, result.stderr
    figures = run / "figures"
    stems = list(ALL_FIGURES) + [f"{s}_{k}" for s in BY_KIND for k in STALL_KINDS]
    for stem in stems:
        assert (figures / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", stem
        assert "<svg" in (figures / f"{stem}.svg").read_text(), stem
    printed = result.stdout.split()
    assert len(printed) == 2 * len(stems) + 1
    assert printed[-1] == str(figures / "index.html")


def test_index_shows_every_figure_the_metadata_and_the_matrix(stall):
    run, _ = stall
    page = (run / "figures" / "index.html").read_text()
    for stem in ALL_FIGURES:
        assert f'href="{stem}.png"' in page and f'href="{stem}.svg"' in page, stem
        if stem not in BY_KIND:
            assert f'src="{stem}.png"' in page, stem
    for stem in BY_KIND:  # the per-kind figures inline, the one of every kind linked
        assert f'src="{stem}.png"' not in page, stem
        for kind in STALL_KINDS:
            assert f'src="{stem}_{kind}.png"' in page and f'href="{stem}_{kind}.svg"' in page
    for value in ("2025-01-31T14:02:11Z", "0.4.2", "testhost", "Test &lt;CPU&gt; 9000",
                  "packages: 1, numa_nodes: 2, cores: 4, pus: 8", "GNU 12.2.0", "Release",
                  "-O2 -g", "abc1234-dirty", "workloads/presets/stall.toml",
                  "smrlab run --preset stall --out results/x", "jemalloc, system",
                  "smrlab run --resume", "results/2025-01-30-a-stall"):
        assert value in page, value
    assert '<td class="unavailable">no: sundell_tsigas_deque requires traverses_deleted_nodes: ' \
           'it follows links stored in unlinked nodes' in page
    assert '<td class="notrun">yes, not run</td>' in page  # the scheme "none"
    assert "show system only" in page
    assert "mimalloc&#x27;s bytes are memory it has committed" in page
    assert "Panels are split by fault" in page
    assert "threw: out of ids" in page  # the failed trial
    assert "None: every figure was drawn." in page
    assert "Cost of one primitive, Google Benchmark, median of 3 repetitions; lower is " \
           "better." in page
    assert '<a href="../micro.json">micro.json</a>' in page
    assert "&quot;merged_from&quot;" in page  # meta.json in full


def test_out_option(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    out = tmp_path / "elsewhere" / "figs"
    result = run_script(d, "--out", out)
    assert result.returncode == 0, result.stderr
    assert (out / "throughput.svg").is_file()
    assert (out / "index.html").is_file()
    assert not (d / "figures").exists()


def test_older_run_without_timeseries_meta_pus_or_bound(tmp_path):
    columns = [c for c in RESULT_COLUMNS if c not in ("pus", "bound", "fault", "trial_id")]
    d = tmp_path / "run"
    write_results(d, known_rows(), columns)
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert "No meta.json" in page
    assert "<b>unreclaimed_over_time</b>: no timeseries.csv in the run folder" in page
    assert "<b>allocator_comparison</b>: only one allocator in this run (system)" in page
    assert "<b>compatibility</b>: No meta.json in this run folder." in page
    assert "<b>micro_costs</b>: no micro.json in the run folder" in page
    assert "<b>harness_overhead</b>: no overhead.csv in the run folder" in page
    assert (d / "figures" / "memory_bound.png").is_file()
    assert not (d / "figures" / "unreclaimed_over_time.png").exists()


def test_invalid_meta_and_no_compatibility_are_notes_not_errors(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_meta(d, '{"created": ')
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert "<b>compatibility</b>: meta.json is not valid JSON" in page
    write_meta(d, {"created": "T"})
    assert run_script(d).returncode == 0
    page = (d / "figures" / "index.html").read_text()
    assert "<b>compatibility</b>: meta.json has no compatibility key (an older run)" in page


def test_timeseries_without_phase_is_drawn(tmp_path):
    d = tmp_path / "run"
    rows = [row("ebr", 2, t, 1e6, 10 * t) for t in (1, 2, 3)]
    write_results(d, rows)
    write_timeseries(d, [s for r in rows for s in samples_of(r, [1, 2, 3], with_phase=False)],
                     TIMESERIES_COLUMNS[:-1])
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert 'src="unreclaimed_over_time.png"' in page
    assert "shaded from warmup_s" in page


def kinds_run(tmp_path, meta_value=None, listed=KIND_STRUCTURES):
    """A run of structures of all three kinds; meta.json's compatibility lists `listed`
    (with meta_value, that meta.json instead; "" for none at all)."""
    d = tmp_path / "run"
    write_results(d, kinds_rows())
    if meta_value is None:
        meta_value = meta(compatibility=compatibility(["ebr", "hprc"], list(listed)))
    if meta_value != "":
        write_meta(d, meta_value)
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    return d / "figures", result


def test_three_kinds_get_a_figure_each_shown_in_kind_order(tmp_path):
    figures, result = kinds_run(tmp_path)
    for stem in ("throughput", "memory_bound"):
        assert (figures / f"{stem}.png").is_file()  # every kind, a block of panels each
        for kind in ("pool", "deque", "set"):
            assert (figures / f"{stem}_{kind}.png").is_file()
            assert (figures / f"{stem}_{kind}.svg").is_file()
        assert not (figures / f"{stem}_other.png").exists()
    page = (figures / "index.html").read_text()
    at = [page.index(f'<h3 id="throughput_{k}">') for k in ("pool", "deque", "set")]
    assert at == sorted(at) and at[-1] < page.index('<h2 id="memory_bound">')
    assert page.index('src="throughput_pool.png"') > at[0]
    assert "<h3 id=\"throughput_set\">Sets: insert/remove/lookup mixes" in page
    assert 'src="throughput.png"' not in page and 'href="throughput.png"' in page
    assert "Every kind in one figure" in page
    assert "group &quot;other&quot;" not in page  # every structure has a kind


@pytest.mark.parametrize("meta_value", [
    "",                                                    # no meta.json
    meta(),                                                # no compatibility key
    meta(compatibility={"matrix": [], "structures": [{"name": s} for s in KIND_STRUCTURES]}),
], ids=["no-meta", "no-compatibility", "no-kinds"])
def test_run_without_kinds_still_plots_one_group(tmp_path, meta_value):
    figures, _ = kinds_run(tmp_path, meta_value)
    assert (figures / "throughput.png").is_file() and (figures / "memory_bound.png").is_file()
    assert not list(figures.glob("throughput_*")) and not list(figures.glob("memory_bound_*"))
    page = (figures / "index.html").read_text()
    assert 'src="throughput.png"' in page and 'src="memory_bound.png"' in page
    assert "Structures without a kind, drawn in the group &quot;other&quot;: " \
           "harris_michael_list, michael_scott_queue, natarajan_mittal_bst, " \
           "sundell_tsigas_deque, treiber_stack (meta.json lists no structure kinds" in page


def test_structures_meta_json_does_not_list_are_the_group_other(tmp_path):
    figures, _ = kinds_run(tmp_path, listed=["treiber_stack", "natarajan_mittal_bst"])
    assert sorted(p.name for p in figures.glob("throughput_*.png")) == \
        ["throughput_other.png", "throughput_pool.png", "throughput_set.png"]
    page = (figures / "index.html").read_text()
    assert '<h3 id="throughput_other">Other structures (kind not in meta.json)</h3>' in page
    assert page.index('id="throughput_set"') < page.index('id="throughput_other"')
    assert "drawn in the group &quot;other&quot;: harris_michael_list, michael_scott_queue, " \
           "sundell_tsigas_deque (meta.json&#x27;s compatibility.structures does not list " \
           "them)" in page


# --------------------------------------------------------------------------- bad input


def assert_input_error(result, *needles):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plot_results.py: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_core_columns_exit_2(tmp_path):
    d = tmp_path / "run"
    columns = [c for c in RESULT_COLUMNS if c not in ("throughput_ops_s", "status")]
    write_results(d, known_rows(), columns)
    assert_input_error(run_script(d), "results.csv", "missing core column",
                       "throughput_ops_s", "status")
    assert not (d / "figures").exists()


def test_not_a_results_csv_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "results.csv").write_text("hello,world\n1,2\n")
    assert_input_error(run_script(d), "missing core column")


def test_ragged_csv_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    header = ",".join(data.CORE_COLUMNS)
    (d / "results.csv").write_text(f"{header}\nhp,s,w,1,2,3,ok\nhp,s,w,1,2,3,ok,x,y,z\n")
    assert_input_error(run_script(d), "not a readable CSV", "line 3")


def test_empty_file_exit_2(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "results.csv").write_text("")
    assert_input_error(run_script(d), "results.csv: file is empty")


def test_header_only_exit_2(tmp_path):
    d = tmp_path / "run"
    write_results(d, [])
    assert_input_error(run_script(d), "no trials")


def test_missing_file_exit_2(tmp_path):
    assert_input_error(run_script(tmp_path / "nowhere"), "no such file")


def test_no_ok_trials_exit_2(tmp_path):
    d = tmp_path / "run"
    rows = [row("ebr", 1, 1, 1.0, 1, status="error"),
            row("hp", 1, 1, 1.0, 1, status="memory_cap")]
    write_results(d, rows)
    assert_input_error(run_script(d), "no trial with status ok", "1 error", "1 memory_cap")


@pytest.mark.parametrize("text, needles", [
    ("trial_id,scheme,t_ms\nab,ebr,1\n",
     ("timeseries.csv: missing time-series column(s): unreclaimed",)),
    ("trial_id,t_ms,unreclaimed\nab,1,2\nab,2,3,4\n",
     ("timeseries.csv: not a readable CSV file", "line 3")),
    ("trial_id,t_ms,unreclaimed\nab,1,lots\n",
     ("timeseries.csv: column unreclaimed holds a value that is not a number", "'lots'")),
])
def test_malformed_timeseries_exit_2(tmp_path, text, needles):
    d = tmp_path / "run"
    write_results(d, known_rows())
    (d / "timeseries.csv").write_text(text)
    assert_input_error(run_script(d), *needles)
    assert not (d / "figures").exists()


@pytest.mark.parametrize("text, needles", [
    ('{"context": {}, "benchmarks": [{"name": "guard/ebr/real_time/threads:1",',
     ("micro.json: not valid JSON", "line 1", "interrupted micro run")),
    ('{"context": {}}', ("micro.json: not Google Benchmark JSON output",)),
    ('{"benchmarks": [{"run_name": "guard/ebr/real_time/threads:1", "threads": 1, '
     '"real_time": "fast"}]}',
     ("micro.json: benchmark entry 1 (guard/ebr/real_time/threads:1): real_time is not a "
      "number: 'fast'",)),
])
def test_malformed_micro_json_exit_2(tmp_path, text, needles):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_micro(d, text)
    assert_input_error(run_script(d), *needles)
    assert not (d / "figures").exists()


def test_micro_json_without_a_usable_benchmark_is_a_skipped_figure(tmp_path):
    d = tmp_path / "run"
    write_results(d, known_rows())
    write_micro(d, {"context": {}, "benchmarks": []})
    result = run_script(d)
    assert result.returncode == 0, result.stderr
    page = (d / "figures" / "index.html").read_text()
    assert "<b>micro_costs</b>: micro.json has no benchmark that ran without error" in page


def test_missing_matplotlib_exit_1_names_the_packages(tmp_path):
    code = ("import runpy, sys; sys.modules['matplotlib'] = None; "
            f"sys.argv = ['plot_results.py', {str(tmp_path)!r}]; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("plot_results.py: error: ")
    assert "apt-get install python3-matplotlib python3-pandas" in result.stderr


def test_help():
    result = script_runner.in_subprocess(SCRIPT, "--help")
    assert result.returncode == 0
    assert "RUN_DIR" in result.stdout and "--out" in result.stdout
