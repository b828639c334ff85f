"""Tests of plots/smrlab_plots/report.py: the metadata header, figures, skipped figures,
failed trials, compatibility table and meta.json in index.html."""

from __future__ import annotations

import pandas as pd

from smrlab_plots import compatibility, data, report
from synthetic_run import compatibility as compat_json
from synthetic_run import known_rows, meta, write_meta


def frames():
    results = pd.DataFrame(known_rows())
    return results, data.ok_rows(results)


def write(tmp_path, meta_value=None, **kwargs):
    run = tmp_path / "run"
    run.mkdir()
    if meta_value is not None:
        write_meta(run, meta_value)
    results, ok = frames()
    out = run / "figures"
    out.mkdir()
    args = dict(results=results, ok=ok, meta=data.load_meta(run / "meta.json"),
                drawn=[report.FigureEntry("throughput", "Throughput against threads",
                                          "what it shows", ["a note <b>"])],
                skipped=[report.SkippedFigure("unreclaimed_over_time",
                                              "no timeseries.csv in the run folder")])
    args.update(kwargs)
    return report.write_index(out, run, **args).read_text()


def test_metadata_rows():
    m = data.Meta(meta(resumed=[{"at": "T1", "command_line": "smrlab run --resume",
                                 "git_rev": "abc"}],
                       merged_from=["results/a", "results/b"]))
    rows = dict(report.metadata_rows(m))
    assert rows["host"] == "testhost"
    assert rows["CPU"] == "Test &lt;CPU&gt; 9000"
    assert rows["topology"] == "packages: 1, numa_nodes: 2, cores: 4, pus: 8"
    assert rows["compiler"] == "GNU 12.2.0"
    assert rows["C++ flags"] == "-O2 -g"
    assert rows["git revision"] == "abc1234-dirty"
    assert rows["preset"] == "workloads/presets/stall.toml"
    assert rows["label"] == "stall"
    assert rows["command line"] == "<code>smrlab run --preset stall --out results/x</code>"
    assert rows["allocators"] == "system"
    assert rows["resumed"] == \
        "<ul><li>at: T1, command_line: smrlab run --resume, git_rev: abc</li></ul>"
    assert rows["merged from"] == "results/a, results/b"
    assert list(rows)[:2] == ["created", "smrlab version"]


def test_metadata_rows_skip_absent_keys():
    assert report.metadata_rows(data.Meta({"created": "T"})) == [("created", "T")]
    assert report.metadata_rows(data.Meta(None, None, "No meta.json in this run folder.")) == []


def test_index_has_header_figures_skipped_problems_and_meta(tmp_path):
    page = write(tmp_path, meta())
    assert "<th>host</th><td>testhost</td>" in page
    assert "packages: 1, numa_nodes: 2, cores: 4, pus: 8" in page
    assert 'src="throughput.png"' in page and 'href="throughput.svg"' in page
    assert "a note &lt;b&gt;" in page
    assert "<b>unreclaimed_over_time</b>: no timeseries.csv in the run folder" in page
    assert "memory_cap" in page and "count mismatch: 3 lost" in page
    # A trial that did no work is listed with its reason, and not plotted.
    assert "no_progress" in page
    assert "no operation completed in the 0.250 s measured phase" in page
    assert "&quot;hostname&quot;: &quot;testhost&quot;" in page  # meta.json, pretty-printed
    assert "16 trials" in page and "13 plotted" in page


def test_index_without_meta(tmp_path):
    page = write(tmp_path)
    assert "No meta.json in this run folder." in page


def test_index_with_invalid_meta_shows_it_as_is(tmp_path):
    page = write(tmp_path, '{"created": oops')
    assert "meta.json is not valid JSON" in page
    assert "{&quot;created&quot;: oops" in page


def test_index_compatibility_table_has_full_reasons(tmp_path):
    reason = "deque requires traverses_deleted_nodes: it follows links <in> unlinked nodes"
    m = compatibility.parse_compatibility(
        compat_json(["ebr", "hp"], ["stack", "deque"], {("hp", "deque"): reason}))
    results, ok = frames()
    cells = compatibility.compatibility_cells(m, ok)
    page = write(tmp_path, meta(),
                 drawn=[report.FigureEntry("compatibility", "Compatibility")],
                 compat=m, compat_cells=cells)
    assert '<td class="unavailable">no: deque requires traverses_deleted_nodes: it follows ' \
           'links &lt;in&gt; unlinked nodes</td>' in page
    assert '<tr><th>ebr</th><td class="run">yes, 7 trials</td><td class="notrun">yes, not run' \
           '</td></tr>' in page
    assert "<h3>Scheme traits</h3>" in page
    assert "None: every figure was drawn." not in page


def test_index_when_nothing_was_skipped_and_no_problem(tmp_path):
    results = pd.DataFrame([r for r in known_rows()
                            if r["status"] == "ok" and r["valid"] == "ok"])
    page = write(tmp_path, meta(), results=results, ok=data.ok_rows(results), skipped=[])
    assert "None: every figure was drawn." in page
    assert "None: every trial has status, valid and teardown ok." in page


def test_figure_with_kind_parts_shows_each_kind_and_links_the_whole(tmp_path):
    entry = report.FigureEntry("throughput", "Throughput against threads", parts=[
        report.FigurePart("throughput_pool", "pools (stacks, queues): push/pop mixes"),
        report.FigurePart("throughput_set", "sets: insert/remove/lookup mixes over a key range"),
    ])
    page = write(tmp_path, meta(), drawn=[entry])
    assert '<h3 id="throughput_pool">Pools (stacks, queues): push/pop mixes</h3>' in page
    assert page.index('src="throughput_pool.png"') < page.index('src="throughput_set.png"')
    assert 'href="throughput_set.svg"' in page
    assert 'src="throughput.png"' not in page
    assert '<a href="throughput.png">throughput.png</a> · ' \
           '<a href="throughput.svg">throughput.svg</a>' in page
