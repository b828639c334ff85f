"""Figure: micro_costs, the cost of one SMR primitive per scheme, from the Google Benchmark
micro suite (harness/micro/, `smrlab_micro`), which run_experiments.sh writes to
RUN_DIR/micro.json (Google Benchmark's JSON format).

One panel per benchmark family (guard, deref, read_phase, alloc_retire), x = threads, y = nanoseconds
per operation per thread, one line per scheme. Google Benchmark's real_time of a
multi-threaded run is the wall time over the operations of all threads together; times
the thread count, it is what one operation costs the thread that does it, so a primitive
that scales perfectly draws a flat line.

With --benchmark_repetitions, the median aggregate of each benchmark is drawn; a file
without aggregates (one run each, or every repetition kept) gives the median of the plain
runs. Runs Google Benchmark marks as failed (error_occurred) are left out.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from . import style  # first: selects the Agg backend
from matplotlib.lines import Line2D  # noqa: E402, I001
from .data import InputError

FAMILIES = ("guard", "deref", "read_phase", "alloc_retire")
FAMILY_TITLES = {
    "guard": "guard: enter + leave an operation",
    "deref": "deref: guarded protected load + release",
    "read_phase": "read_phase: deref in a read phase + write phase",
    "alloc_retire": "alloc_retire: make + retire (+ reclaim)",
    "heavy_fence": "heavy_fence: one membarrier (per hp_asym scan, ebr_asym advance)",
}
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
COLUMNS = ["family", "scheme", "threads", "ns_per_op", "repetitions", "statistic"]
Y_LABEL = "ns per operation per thread"


def load_micro(path: Path) -> pd.DataFrame | None:
    """Read micro.json; None when the run has none.

    Returns one row per benchmark (family, scheme, thread count) with the columns of
    COLUMNS: ns_per_op is real_time in ns times threads; repetitions how many runs the value
    summarises; statistic "median" (Google Benchmark's median aggregate) or "runs" (the
    median of the plain runs). A file that is not JSON, not Google Benchmark's format, or
    has an entry without a usable name, thread count or time raises InputError naming the
    file and the entry.
    """
    if not path.exists():
        return None
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a readable JSON file: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column "
                         f"{exc.colno} (an interrupted micro run? run_experiments.sh "
                         "writes it only when the suite finishes)") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise InputError(f"{path}: not Google Benchmark JSON output (no \"benchmarks\" list)")
    runs, medians = [], []
    for index, entry in enumerate(doc["benchmarks"]):
        parsed = _parse_entry(entry, path, index)
        if parsed is None:
            continue
        kind, record = parsed
        (medians if kind == "median" else runs).append(record)
    return _summarise(runs, medians)


def _parse_entry(entry, path: Path, index: int):
    """("median" | "run", record) for an entry to draw; None for one to leave out."""
    where = f"{path}: benchmark entry {index + 1}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} is not a JSON object")
    name = entry.get("run_name") or entry.get("name")
    if not isinstance(name, str) or name.count("/") < 1:
        raise InputError(f"{where} has no name of the form family/scheme/... ({name!r})")
    if entry.get("error_occurred"):
        return None
    run_type = entry.get("run_type", "iteration")
    if run_type == "aggregate":
        if entry.get("aggregate_name") != "median":
            return None  # mean, stddev, cv: the median is drawn
        kind = "median"
    else:
        kind = "run"
    family, scheme = name.split("/")[:2]
    threads = entry.get("threads", 1)
    real_time = entry.get("real_time")
    unit = entry.get("time_unit", "ns")
    if not _is_number(threads) or threads < 1 or int(threads) != threads:
        raise InputError(f"{where} ({name}): threads is not a positive integer: {threads!r}")
    if not _is_number(real_time) or not math.isfinite(real_time) or real_time < 0:
        raise InputError(f"{where} ({name}): real_time is not a number: {real_time!r}")
    if unit not in TIME_UNIT_NS:
        raise InputError(f"{where} ({name}): unknown time_unit {unit!r}")
    repetitions = entry.get("repetitions", 1)
    return kind, {
        "family": family, "scheme": scheme, "threads": int(threads),
        "ns_per_op": float(real_time) * TIME_UNIT_NS[unit] * int(threads),
        "repetitions": int(repetitions) if _is_number(repetitions) else 1,
    }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _summarise(runs: list[dict], medians: list[dict]) -> pd.DataFrame:
    keys = ["family", "scheme", "threads"]
    parts = []
    if medians:
        m = pd.DataFrame(medians).drop_duplicates(subset=keys, keep="last")
        m["statistic"] = "median"
        parts.append(m)
    if runs:
        r = pd.DataFrame(runs)
        if medians:  # plain runs only where a benchmark has no median aggregate
            have = set(map(tuple, parts[0][keys].itertuples(index=False)))
            r = r[[k not in have for k in r[keys].itertuples(index=False, name=None)]]
        if not r.empty:
            grouped = r.groupby(keys, sort=True)["ns_per_op"]
            s = grouped.agg(["median", "count"]).reset_index()
            s = s.rename(columns={"median": "ns_per_op", "count": "repetitions"})
            s["statistic"] = "runs"
            parts.append(s)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    return out.sort_values(keys).reset_index(drop=True)


def families(costs: pd.DataFrame) -> list[str]:
    """The families in costs: guard, deref, alloc_retire first (those present), then any
    other in name order."""
    present = set(costs["family"])
    return [f for f in FAMILIES if f in present] + sorted(present - set(FAMILIES))


def line_styles(schemes, colours: dict) -> dict[str, dict]:
    """Colour and marker per scheme: a scheme that the other figures show keeps its look
    there (style.scheme_style); the others (schemes the micro suite has and the sweep did
    not run) get looks that follow on from them."""
    looks = {s: style.scheme_style(colours, s) for s in set(schemes) if s in colours}
    extra = sorted(set(schemes) - set(colours))
    if len(colours) + len(extra) <= 10:
        # As style.scheme_colours would go on, while tab10 has room.
        palette = [style.plt.get_cmap("tab10")(i) for i in range(len(colours), 10)]
    else:
        # tab20's shades that the other figures do not use, the light ones first.
        tab20 = style.plt.get_cmap("tab20")
        used = set(colours.values())
        palette = [tab20(j) for j in [*range(1, 20, 2), *range(0, 20, 2)]
                   if tab20(j) not in used]
    palette = palette or [(0.3, 0.3, 0.3, 1.0)]  # more than 20 schemes: grey, by marker
    for i, scheme in enumerate(extra):
        looks[scheme] = {"color": palette[i % len(palette)],
                         "marker": style.MARKERS[(len(colours) + i) % len(style.MARKERS)]}
    return looks


def statistic_note(costs: pd.DataFrame) -> str:
    """How the drawn values were obtained, in words ("median of 3 repetitions")."""
    reps = sorted(set(int(r) for r in costs["repetitions"]))
    if (costs["statistic"] == "median").all():
        return f"median of {'/'.join(map(str, reps))} repetitions"
    if reps == [1]:
        return "one run per benchmark (no repetitions)"
    return "median of repetitions (Google Benchmark's median aggregate where present)"


def draw_micro_costs(costs: pd.DataFrame, colours: dict):
    """The micro_costs figure: one panel per family, one line per scheme."""
    names = families(costs)
    looks = line_styles(costs["scheme"], colours)
    fig, axes = style.panel_grid(len(names))
    for ax, family in zip(axes, names):
        part = costs[costs["family"] == family]
        for scheme, rows in part.groupby("scheme", sort=True):
            rows = rows.sort_values("threads")
            ax.plot(rows["threads"], rows["ns_per_op"], label=scheme, linestyle="-",
                    **looks[scheme])
        style.threads_axis(ax, part["threads"])
        _cost_axis(ax, part["ns_per_op"])
        ax.set_title(FAMILY_TITLES.get(family, family), fontsize="medium")
        ax.set_ylabel(Y_LABEL)
    handles = []
    for scheme in sorted(looks):
        handles.append(Line2D([], [], label=scheme, linestyle="-", **looks[scheme]))
    style.figure_legend(fig, handles)
    return fig


def _cost_axis(ax, values) -> None:
    """Log y when the positive values span more than two decades, linear from 0 otherwise."""
    positive = [float(v) for v in values if v > 0]
    if positive and max(positive) / min(positive) > 100:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.grid(True, which="major", axis="y", alpha=0.3)
