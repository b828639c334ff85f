#!/usr/bin/env python3
"""Draw the figures of one smrlab run, and an HTML page that shows them.

Reads RUN_DIR/results.csv (one row per trial), RUN_DIR/timeseries.csv (the memory
sampler's samples) and RUN_DIR/meta.json, all documented in results/README.md, and
writes into RUN_DIR/figures (or --out), each figure as PNG and SVG:

  throughput             throughput against threads, per structure x workload, one line
                         per scheme: median over trials, min-max band, a dashed line at
                         the PU count where thread counts go past it
  memory_bound           unreclaimed peak against threads, median and min-max band, each
                         scheme's bound dotted in its colour
  unreclaimed_over_time  unreclaimed objects against time for one representative trial
                         per scheme (largest thread count, median peak), bound dotted,
                         measured phase shaded (needs timeseries.csv)
  allocator_comparison   grouped bars, scheme x allocator, median throughput (only when
                         the run has more than one allocator)
  allocator_memory       the same for the allocator's peak bytes (when measured)
  micro_costs            ns per operation per thread against threads of guard, deref,
                         read_phase and alloc_retire, one line per scheme (needs
                         micro.json, the Google Benchmark micro suite's output; median
                         of repetitions)
  harness_overhead       throughput ratio harness / bare loop against threads, one line per
                         scheme, panel per structure, dashed line at 0.95 (needs overhead.csv,
                         written by `smrlab overhead`; index.html shows the ratios as a table)
  compatibility          the scheme x structure matrix from meta.json's `compatibility`
  index.html             metadata, the figures, what was not drawn and why, the trials
                         that failed a check, meta.json

The first five group their panels by structure kind (pools, deques, sets, from meta.json's
compatibility.structures; "other" for structures it does not list): one block of rows
per kind, under a heading naming it. When a run has more than one kind, each of them is
also written per kind, STEM_<kind> (throughput_pool, throughput_deque, throughput_set,
throughput_other), which index.html shows, linking STEM with every kind.

Only rows with status == ok are plotted. Trials that differ in pin policy, memory
binding, fault, topology source or allocator are never pooled (smrlab_plots/data.py).

Exit status: 0 figures written; 2 bad input (results.csv missing, empty, unreadable,
lacking a core column or without an ok trial; timeseries.csv, micro.json or overhead.csv
present but malformed; output folder not writable); 1 matplotlib/pandas missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    import matplotlib  # noqa: F401
    import pandas  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    sys.stderr.write(
        f"plot_results.py: error: {exc}; run it with an interpreter that has matplotlib "
        "and pandas (scripts/find_python.sh prints one), or install them: "
        "apt-get install python3-matplotlib python3-pandas\n"
    )
    sys.exit(1)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smrlab_plots import allocators, compatibility, data, memory_bound, over_time  # noqa: E402
from smrlab_plots import micro, overhead, report, structure_kinds, style  # noqa: E402
from smrlab_plots import throughput  # noqa: E402
from smrlab_plots.data import InputError  # noqa: E402
from smrlab_plots.report import FigureEntry, FigurePart, SkippedFigure  # noqa: E402

PROG = "plot_results.py"
MICRO_JSON = "micro.json"


class _Figures:
    """The figures of one run as they are written or skipped."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.written: list[Path] = []
        self.drawn: list[FigureEntry] = []
        self.skipped: list[SkippedFigure] = []

    def save(self, fig, entry: FigureEntry) -> None:
        self.written += style.save_figure(fig, self.out_dir, entry.stem)
        self.drawn.append(entry)

    def skip(self, stem: str, reason: str) -> None:
        self.skipped.append(SkippedFigure(stem, reason))

    def save_by_kind(self, draw, entry: FigureEntry, structures, kinds: dict) -> None:
        """Save draw(None, "") as entry.stem: every structure, a block of panels per kind.
        When the structures are of more than one kind, also draw(names, title) per kind,
        that kind's structures only, as <stem>_<kind> (throughput_set), listed in
        entry.parts: index.html shows those and links the figure of every kind."""
        self.save(draw(None, ""), entry)
        groups = structure_kinds.group_by_kind(dict.fromkeys(structures), kinds)
        if len(groups) < 2:
            return
        for kind, names in groups:
            part = FigurePart(f"{entry.stem}_{structure_kinds.file_suffix(kind)}",
                              structure_kinds.kind_title(kind))
            self.written += style.save_figure(draw(names, part.title), self.out_dir, part.stem)
            entry.parts.append(part)


def _only(frame, structures):
    """The rows of `frame` whose structure is one of `structures` (all when None)."""
    return frame if structures is None else frame[frame["structure"].isin(structures)]


def _titled(*parts: str) -> str:
    """The non-empty parts of a figure's subtitle, joined with dashes."""
    return " — ".join(p for p in parts if p)


def _variant_note(variants: list[str]) -> str:
    names = ", ".join(v if data.VARIANT_LABELS.get(v, v) == v
                      else f"{v} (\"{data.VARIANT_LABELS[v]}=\" in titles)" for v in variants)
    return (f"Panels are split by {names}: each takes more than one value among the ok "
            "trials, and trials of different values are never pooled.")


def make_figures(run_dir: Path, out_dir: Path) -> list[Path]:
    """Read the run in RUN_DIR and write every figure and index.html into OUT_DIR;
    returns the paths written. Raises InputError on bad input, before writing anything."""
    results = data.load_results(run_dir / "results.csv")
    ok = data.ok_rows(results)
    if ok.empty:
        counts = results["status"].fillna("(empty)").astype(str).value_counts()
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        raise InputError(f"{run_dir / 'results.csv'}: no trial with status ok to plot ({summary})")
    samples = data.load_timeseries(run_dir / "timeseries.csv")
    meta = data.load_meta(run_dir / "meta.json")
    costs = micro.load_micro(run_dir / MICRO_JSON)
    overhead_runs = overhead.load_overhead(run_dir / overhead.OVERHEAD_CSV)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder: {exc.strerror}") from None

    figures = _Figures(out_dir)
    colours = style.scheme_colours(ok["scheme"])
    pus = data.pu_count(results)
    names = data.allocators(ok)
    chosen = data.preferred_allocator(ok)
    single = data.rows_of_allocator(ok, chosen)
    variants = data.varying_columns(single)
    subtitle = f"allocator {chosen} only" if len(names) > 1 else ""
    kinds = structure_kinds.kinds_from_meta(meta)
    notes = []
    if len(names) > 1:
        notes.append(
            f"This run has {len(names)} allocators ({', '.join(names)}). throughput, "
            f"memory_bound and unreclaimed_over_time show {chosen} only; "
            "allocator_comparison and allocator_memory show them all."
        )
    if variants:
        notes.append(_variant_note(variants))
    notes += _kind_notes(ok["structure"], kinds)

    speed = data.summarise(single, "throughput_ops_s", variants)
    figures.save_by_kind(
        lambda only, kind: throughput.draw_throughput(
            _only(speed, only), pus, colours, _titled(kind, subtitle), kinds),
        FigureEntry("throughput", "Throughput against threads",
                    "Median over trials, min–max band; the dashed line marks the PU count "
                    "where thread counts go past it."),
        speed["structure"], kinds,
    )

    peak = data.summarise(single, "unreclaimed_peak", variants)
    if peak.empty:
        figures.skip("memory_bound", "no ok trial has an unreclaimed_peak value")
    else:
        bound_df = data.bounds(single, variants)
        figures.save_by_kind(
            lambda only, kind: memory_bound.draw_memory_bound(
                _only(peak, only), _only(bound_df, only), colours, _titled(kind, subtitle),
                kinds),
            FigureEntry("memory_bound", "Unreclaimed objects (peak) against threads",
                        "Median over trials, min–max band; each scheme's theoretical bound "
                        "dotted in its colour (schemes without one have none)."),
            peak["structure"], kinds,
        )

    measured = data.rows_of_allocator(data.measured_rows(results), chosen)
    _over_time(figures, measured, samples, variants, colours, subtitle, kinds)
    _allocators(figures, ok, names, pus, kinds)
    _micro(figures, costs, colours)
    overhead_table = _overhead(figures, overhead_runs, colours)
    compat, cells = _compatibility(figures, meta, ok)

    figures.written.append(report.write_index(
        out_dir, run_dir, results=results, ok=ok, meta=meta, drawn=figures.drawn,
        skipped=figures.skipped, notes=notes, compat=compat, compat_cells=cells,
        overhead=overhead_table,
    ))
    return figures.written


def _kind_notes(structures, kinds: dict) -> list[str]:
    """A sentence for index.html when some plotted structures have no kind in meta.json
    (their panels form the group "other")."""
    unknown = sorted(s for s in set(structures)
                     if structure_kinds.kind_of(s, kinds) == structure_kinds.OTHER)
    if not unknown:
        return []
    why = ("meta.json lists no structure kinds (an older run, or no compatibility key)"
           if not kinds else "meta.json's compatibility.structures does not list them")
    return [f"Structures without a kind, drawn in the group \"{structure_kinds.OTHER}\": "
            f"{', '.join(unknown)} ({why})."]


def _over_time(figures: _Figures, single, samples, variants, colours, subtitle,
               kinds) -> None:
    stem = "unreclaimed_over_time"
    if samples is None:
        figures.skip(stem, "no timeseries.csv in the run folder")
        return
    if samples.empty:
        figures.skip(stem, "timeseries.csv has no samples")
        return
    if "trial_id" not in single.columns:
        figures.skip(stem, "results.csv has no trial_id column (an older run), so samples "
                           "cannot be tied to their trials")
        return
    chosen, notes = over_time.select_trials(single, samples, variants)
    if chosen.empty:
        figures.skip(stem, "no ok (or memory_cap) trial of results.csv has samples in "
                           "timeseries.csv")
        return
    has_phase = "phase" in samples.columns and (samples["phase"] != "").any()
    phase_note = ("The measured phase is shaded (samples with phase = measure)."
                  if has_phase else
                  "The measured phase is shaded from warmup_s to warmup_s + elapsed_s "
                  "(timeseries.csv has no phase values).")
    figures.save_by_kind(
        lambda only, kind: over_time.draw_over_time(
            _only(chosen, only), samples, colours, _titled(kind, subtitle), kinds),
        FigureEntry(stem, "Unreclaimed objects over time",
                    "Per panel, the largest thread count; per scheme, the trial with the "
                    "median unreclaimed_peak. Bounds dotted. A trial stopped at the memory "
                    "cap is drawn up to where it stopped, its end marked ×. " + phase_note,
                    notes),
        chosen["structure"], kinds,
    )


def _allocators(figures: _Figures, ok, names: list[str], pus, kinds) -> None:
    if len(names) <= 1:
        reason = ("results.csv has no allocator column" if not names
                  else f"only one allocator in this run ({names[0] or '(empty)'})")
        figures.skip("allocator_comparison", reason)
        figures.skip("allocator_memory", reason)
        return
    colours = style.category_colours(names)
    speed = allocators.allocator_summary(ok, "throughput_ops_s", pus)
    figures.save_by_kind(
        lambda only, kind: allocators.draw_allocator_comparison(
            _only(speed, only), colours, kind, kinds),
        FigureEntry("allocator_comparison", "Throughput per allocator",
                    "Median throughput over trials with min–max error bars, per scheme and "
                    "allocator, at the largest thread count not above the PU count."),
        speed["structure"], kinds,
    )
    memory = allocators.allocator_summary(ok, "allocator_bytes_peak", pus)
    if memory.empty:
        figures.skip("allocator_memory", "allocator_bytes_peak is empty in every ok trial "
                                         "(not measured)")
        return
    figures.save_by_kind(
        lambda only, kind: allocators.draw_allocator_memory(
            _only(memory, only), colours, kind, kinds),
        FigureEntry("allocator_memory", "Allocator bytes (peak) per allocator",
                    "Median allocator_bytes_peak over trials with min–max error bars.",
                    ["Allocators count differently: mimalloc's bytes are memory it has "
                     "committed from the OS, not live bytes (an upper bound that includes "
                     "free space in its pages); jemalloc and tcmalloc count live "
                     "allocations; glibc counts chunks in use. Compare an allocator with "
                     "itself."]),
        memory["structure"], kinds,
    )


def _micro(figures: _Figures, costs, colours) -> None:
    stem = "micro_costs"
    if costs is None:
        figures.skip(stem, f"no {MICRO_JSON} in the run folder (run_experiments.sh writes it "
                           "unless given --no-micro, --shard or --merge; or run "
                           f"smrlab_micro --benchmark_out=RUN_DIR/{MICRO_JSON} "
                           "--benchmark_out_format=json)")
        return
    if costs.empty:
        figures.skip(stem, f"{MICRO_JSON} has no benchmark that ran without error")
        return
    figures.save(
        micro.draw_micro_costs(costs, colours),
        FigureEntry(stem, "Cost of one primitive (micro suite)",
                    report.MICRO_NOTE.format(statistic=micro.statistic_note(costs)),
                    [report.MICRO_DETAIL]),
    )


def _overhead(figures: _Figures, runs, colours):
    """The harness_overhead figure; returns the table index.html shows (None if skipped)."""
    stem = "harness_overhead"
    name = overhead.OVERHEAD_CSV
    if runs is None:
        figures.skip(stem, f"no {name} in the run folder (run_experiments.sh writes it unless "
                           "given --no-overhead, --shard or --merge; or run smrlab overhead "
                           f"--out RUN_DIR/{name})")
        return None
    table = overhead.overhead_table(runs)
    if table["ratio"].isna().all():
        figures.skip(stem, f"{name} has no configuration where both drivers have a usable run")
        return None
    figures.save(
        overhead.draw_overhead(table, colours),
        FigureEntry(stem, "What the harness costs: harness / bare loop",
                    report.OVERHEAD_NOTE.format(target=overhead.TARGET),
                    [report.OVERHEAD_DETAIL]),
    )
    return table


def _compatibility(figures: _Figures, meta, ok):
    stem = "compatibility"
    if meta.data is None:
        figures.skip(stem, meta.problem or "no meta.json")
        return None, None
    if "compatibility" not in meta.data:
        figures.skip(stem, "meta.json has no compatibility key (an older run); "
                           "`smrlab list --format json` prints the matrix")
        return None, None
    try:
        compat = compatibility.parse_compatibility(meta.data["compatibility"])
    except ValueError as exc:
        figures.skip(stem, f"meta.json's compatibility is malformed: {exc}")
        return None, None
    cells = compatibility.compatibility_cells(compat, ok)
    figures.save(
        compatibility.draw_compatibility(cells, compat.schemes, compat.structures),
        FigureEntry(stem, "Scheme × structure compatibility",
                    "Which pairings exist (and how many ok trials this run has of each), "
                    "and why the others do not."),
    )
    return compat, cells


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Draw the figures of one smrlab run (throughput, memory against the "
        "schemes' bounds, unreclaimed objects over time, allocators, micro-benchmark costs, "
        "harness overhead, compatibility) and an index.html that shows them. Reads "
        "RUN_DIR/results.csv, timeseries.csv, meta.json (documented in results/README.md), "
        "micro.json (Google Benchmark JSON of smrlab_micro) and overhead.csv (smrlab "
        "overhead).",
        epilog="Exit status: 0 done; 2 bad input (results.csv missing, empty, malformed or "
        "without an ok trial; timeseries.csv, micro.json or overhead.csv malformed); 1 "
        "matplotlib/pandas missing.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path,
                        help="run folder written by smrlab run (holds results.csv)")
    parser.add_argument("--out", metavar="FIGDIR", type=Path, default=None,
                        help="where to write the figures (default: RUN_DIR/figures)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = args.out if args.out is not None else args.run_dir / "figures"
    try:
        written = make_figures(args.run_dir, out_dir)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
