"""index.html: one page for a run. A header with the run's metadata (from meta.json), every
figure written (the PNG inline, links to PNG and SVG) with its notes, the figures not
drawn and why, the compatibility matrix as a table with full reasons, the trials that
failed a check, and the whole meta.json at the end. Works without meta.json.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import data, overhead as overhead_module, peer_ratios

# (label, dotted key in meta.json), in the order of the header block.
METADATA_FIELDS = (
    ("created", "created"),
    ("smrlab version", "smrlab_version"),
    ("host", "machine.hostname"),
    ("CPU", "machine.cpu_model"),
    ("topology", "machine.topology"),
    ("compiler", "build.compiler"),
    ("build type", "build.build_type"),
    ("C++ flags", "build.cxx_flags"),
    ("git revision", "build.git_rev"),
    ("preset", "sweep.preset"),
    ("label", "sweep.label"),
    ("command line", "command_line"),
    ("allocators", "allocators"),
    ("resumed", "resumed"),
    ("merged from", "merged_from"),
)
TOPOLOGY_KEYS = ("packages", "numa_nodes", "cores", "pus")
PROBLEM_COLUMNS = ["trial_id", "scheme", "structure", "workload", "threads", "allocator",
                   "pin_policy", "fault", "trial", "status", "valid", "teardown", "message"]

# The notes of the micro_costs figure (plots/smrlab_plots/micro.py); {statistic} is
# micro.statistic_note ("median of 3 repetitions").
MICRO_NOTE = "Cost of one primitive, Google Benchmark, {statistic}; lower is better."
MICRO_DETAIL = ("guard: enter and leave one operation; deref: a guard, a protected load of "
                "one shared node and the release of the reference; alloc_retire: a guard, "
                "make and retire, with the reclamation that retire triggers paid inside the "
                "loop. y is nanoseconds per operation per thread (Google Benchmark's "
                "wall-clock real_time times the thread count): flat means the primitive "
                "scales. Schemes the sweep did not run appear here too.")

# The notes of the harness_overhead figure (plots/smrlab_plots/overhead.py).
OVERHEAD_NOTE = ("Throughput of the harness trial over the bare-loop reference, run side by side "
                 "(ABBA order) in one process by smrlab overhead: median over trials of each "
                 "driver; the dashed line is the target {target:g} (the harness within 5%).")
OVERHEAD_DETAIL = ("The harness adds a 1 ms memory sampler thread, a per-operation validation "
                   "tally, fault checks and phase checks; the bare loop runs the same operations, "
                   "keys, seeds, prefill and placement with only a counter. Harness trials that "
                   "are not ok are left out of the medians.")

STYLE = (
    "body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em}"
    "img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;"
    "overflow:auto}table{border-collapse:collapse;font-size:small}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "table.meta th{background:#f3f3f3}td.run{background:#74c476}"
    "td.notrun{background:#d5efcf}td.unavailable{background:#f4c2c2}.note{color:#555}"
)


@dataclass
class FigurePart:
    """One structure kind's figure of a FigureEntry: OUT_DIR/<stem>.png and .svg."""

    stem: str
    title: str


@dataclass
class FigureEntry:
    """A figure that was written: OUT_DIR/<stem>.png and .svg; with `parts`, also one
    figure per structure kind, which index.html shows instead of <stem>.png (linked)."""

    stem: str
    title: str
    description: str = ""
    notes: list[str] = field(default_factory=list)
    parts: list[FigurePart] = field(default_factory=list)


@dataclass
class SkippedFigure:
    """A figure that was not drawn, and why."""

    stem: str
    reason: str


def _esc(value) -> str:
    return html.escape("" if value is None else str(value))


def format_meta_value(value) -> str:
    """A meta.json value as HTML: scalars as text, objects as "key: value" pairs, lists as
    comma-separated text (of scalars) or a bulleted list (of objects)."""
    if isinstance(value, dict):
        return _esc(", ".join(f"{k}: {_plain(v)}" for k, v in value.items()))
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return _esc(", ".join(_plain(v) for v in value))
        items = "".join(f"<li>{format_meta_value(v)}</li>" for v in value)
        return f"<ul>{items}</ul>"
    if isinstance(value, str) and value == "":
        return "<i>(empty)</i>"
    return _esc(_plain(value))


def _plain(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def metadata_rows(meta: data.Meta) -> list[tuple[str, str]]:
    """(label, HTML value) for each METADATA_FIELDS entry meta.json has."""
    rows = []
    for label, key in METADATA_FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if key == "machine.topology" and isinstance(value, dict):
            value = {k: value[k] for k in TOPOLOGY_KEYS if k in value} or value
        if key == "command_line" and isinstance(value, str):
            rows.append((label, f"<code>{_esc(value)}</code>"))
            continue
        rows.append((label, format_meta_value(value)))
    return rows


def html_table(df: pd.DataFrame, columns: list[str]) -> str:
    """The named columns of df (those it has) as an HTML table."""
    cols = [c for c in columns if c in df.columns]
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
    body = []
    for _, row in df[cols].iterrows():
        cells = "".join(f"<td>{_esc('' if pd.isna(row[c]) else row[c])}</td>" for c in cols)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>\n" + "\n".join(body) + "</table>"


def compatibility_table(cells: pd.DataFrame, schemes: list[str], structures: list[str]) -> str:
    """The compatibility matrix as an HTML table: rows schemes, columns structures, each
    cell "yes, N trials", "yes, not run" or "no: <full reason>"."""
    css = {"run": "run", "not run": "notrun", "unavailable": "unavailable"}
    head = "<th>scheme \\ structure</th>" + "".join(f"<th>{_esc(s)}</th>" for s in structures)
    lookup = {(r.scheme, r.structure): r for r in cells.itertuples(index=False)}
    body = []
    for scheme in schemes:
        tds = []
        for structure in structures:
            cell = lookup[(scheme, structure)]
            text = cell.label if cell.available else f"no: {cell.reason}"
            tds.append(f'<td class="{css[cell.state]}">{_esc(text)}</td>')
        body.append(f"<tr><th>{_esc(scheme)}</th>{''.join(tds)}</tr>")
    return f'<table class="compat"><tr>{head}</tr>\n' + "\n".join(body) + "</table>"


def _traits_table(infos: list[dict]) -> str:
    if not infos:
        return ""
    keys = list(dict.fromkeys(k for d in infos for k in d))
    head = "".join(f"<th>{_esc(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(_plain(d[k])) if k in d else ''}</td>" for k in keys)
        + "</tr>" for d in infos
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def overhead_html(table: pd.DataFrame, csv_href: str) -> str:
    """The harness / bare-loop ratios (overhead.ratio_pivot) as an HTML table, with which
    configurations miss the target."""
    target = overhead_module.TARGET
    missed = overhead_module.below_target(table)
    pivot = overhead_module.ratio_pivot(table)
    parts = ["<h3>Ratio harness / bare loop per scheme × structure</h3>",
             "<p>Median harness throughput over median bare-loop throughput, and in "
             "brackets the range of the per-trial ratios; below 1, the harness costs that "
             f'much. Data: <a href="{csv_href}">overhead.csv</a>.</p>',
             html_table(pivot, list(pivot.columns))]
    if missed.empty:
        parts.append(f'<p class="note">Every configuration is at or above {target:g}.</p>')
    else:
        names = ", ".join(f"{r.scheme} × {r.structure} at "
                          f"{overhead_module.threads_label(int(r.threads))}"
                          for r in missed.itertuples(index=False))
        parts.append(f'<p class="note">Below {target:g}: {_esc(names)}.</p>')
    return "\n".join(parts)


def _image(stem: str, alt: str) -> str:
    stem = _esc(stem)
    return (f'<p><a href="{stem}.svg"><img src="{stem}.png" alt="{_esc(alt)}"></a>'
            f'<br><a href="{stem}.png">{stem}.png</a> · <a href="{stem}.svg">{stem}.svg</a></p>')


def figure_html(entry: FigureEntry) -> list[str]:
    """The images of one figure: its PNG inline, linking the SVG; with parts (one figure
    per structure kind), each part under a heading of its own, then links to the figure
    of every kind."""
    if not entry.parts:
        return [_image(entry.stem, entry.title)]
    out = []
    for part in entry.parts:
        heading = part.title[:1].upper() + part.title[1:]
        out.append(f'<h3 id="{_esc(part.stem)}">{_esc(heading)}</h3>')
        out.append(_image(part.stem, f"{entry.title}: {part.title}"))
    stem = _esc(entry.stem)
    out.append(f'<p class="note">Every kind in one figure, a block of panels per kind: '
               f'<a href="{stem}.png">{stem}.png</a> · <a href="{stem}.svg">{stem}.svg</a>'
               "</p>")
    return out


def write_index(out_dir: Path, run_dir: Path, *, results: pd.DataFrame, ok: pd.DataFrame,
                meta: data.Meta, drawn: list[FigureEntry], skipped: list[SkippedFigure],
                notes: list[str] = (), compat=None, compat_cells: pd.DataFrame | None = None,
                overhead: pd.DataFrame | None = None) -> Path:
    """Write OUT_DIR/index.html; returns its path.

    `results` are all rows of results.csv, `ok` the plotted ones; `notes` are sentences
    about the run as a whole (e.g. which allocator the single-allocator figures show);
    `compat` and `compat_cells` (compatibility.parse_compatibility and
    compatibility_cells), when given, add the matrix as a table; `overhead`
    (overhead.overhead_table), when given, adds the harness / bare-loop ratios as a table.
    """
    name = run_dir.resolve().name
    rel = lambda p: _esc(os.path.relpath(p, out_dir))  # noqa: E731
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>smrlab run {_esc(name)}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        f"<h1>smrlab run {_esc(name)}</h1>",
    ]
    rows = metadata_rows(meta)
    if rows:
        parts.append('<table class="meta">' + "".join(
            f"<tr><th>{_esc(label)}</th><td>{value}</td></tr>" for label, value in rows
        ) + "</table>")
    elif meta.problem:
        parts.append(f"<p class=\"note\">{_esc(meta.problem)}</p>")
    parts.append(
        f"<p>{len(results)} trials in <a href=\"{rel(run_dir / 'results.csv')}\">results.csv</a>, "
        f"{len(ok)} plotted (status ok); schemes: "
        f"{_esc(', '.join(sorted(ok['scheme'].unique())))}; structures: "
        f"{_esc(', '.join(sorted(ok['structure'].unique())))}.</p>"
    )
    for note in notes:
        parts.append(f'<p class="note">{_esc(note)}</p>')

    for entry in drawn:
        stem = _esc(entry.stem)
        parts.append(f'<h2 id="{stem}">{_esc(entry.title)}</h2>')
        if entry.description:
            parts.append(f"<p>{_esc(entry.description)}</p>")
        for note in entry.notes:
            parts.append(f'<p class="note">{_esc(note)}</p>')
        parts += figure_html(entry)
        if entry.stem == "compatibility" and compat is not None and compat_cells is not None:
            parts.append("<h3>Compatibility matrix, with full reasons</h3>")
            parts.append(compatibility_table(compat_cells, compat.schemes, compat.structures))
            if compat.scheme_info:
                parts.append("<h3>Scheme traits</h3>" + _traits_table(compat.scheme_info))
            if compat.structure_info:
                parts.append("<h3>Structure requirements</h3>"
                             + _traits_table(compat.structure_info))
        if entry.stem == "harness_overhead" and overhead is not None:
            parts.append(overhead_html(overhead, rel(run_dir / overhead_module.OVERHEAD_CSV)))
        if entry.stem == "micro_costs" and (run_dir / "micro.json").is_file():
            parts.append(f'<p class="note">Data: <a href="{rel(run_dir / "micro.json")}">'
                         "micro.json</a> (Google Benchmark JSON).</p>")

    ratios = peer_ratios.ratio_table(results)
    if not ratios.empty:
        parts.append('<h2 id="peer_ratios">Against the peers: ratios measured side by side</h2>')
        parts.append("<p>Median throughput of ours over the peer's, in this run, per "
                     "configuration both were measured in (above 1: ours is faster). The "
                     "comparisons are listed in plots/smrlab_plots/peer_ratios.py; "
                     "plots/ratio_table.py prints the same table.</p>")
        shown = ratios.assign(ours_Mops_s=(ratios["ours_median"] / 1e6).round(3),
                              theirs_Mops_s=(ratios["theirs_median"] / 1e6).round(3),
                              ratio=ratios["ratio"].round(3))
        columns = ["comparison", "ours", "theirs", "workload", "threads"]
        if shown["variant"].astype(str).str.len().gt(0).any():
            columns.append("variant")
        columns += ["ours_Mops_s", "ours_trials", "theirs_Mops_s", "theirs_trials", "ratio"]
        parts.append(html_table(shown, columns))

    parts.append("<h2>Figures not drawn</h2>")
    if skipped:
        parts.append("<ul>" + "".join(
            f"<li><b>{_esc(s.stem)}</b>: {_esc(s.reason)}</li>" for s in skipped
        ) + "</ul>")
    else:
        parts.append("<p>None: every figure was drawn.</p>")

    problems = data.problem_rows(results)
    parts.append("<h2>Trials that failed a check</h2>")
    if problems.empty:
        parts.append("<p>None: every trial has status, valid and teardown ok.</p>")
    else:
        parts.append(f"<p>{len(problems)} trial(s) where status, valid or teardown is not ok. "
                     "Rows with status ok are still plotted.</p>")
        parts.append(html_table(problems, PROBLEM_COLUMNS))

    parts.append("<h2>meta.json</h2>")
    if meta.text is None:
        parts.append(f"<p>{_esc(meta.problem)}</p>")
    else:
        text = meta.text
        if meta.data is not None:
            text = json.dumps(meta.data, indent=2, ensure_ascii=False)
        else:
            parts.append(f"<p>{_esc(meta.problem)} As is:</p>")
        parts.append(f"<pre>{_esc(text)}</pre>")
    parts.append("</body></html>\n")
    path = out_dir / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
