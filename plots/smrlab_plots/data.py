"""Reading, checking and shaping the files of one smrlab run.

results.csv (one row per trial), timeseries.csv (the memory sampler's samples) and
meta.json are documented in results/README.md. Everything here is a plain function of
DataFrames, so that tests can check the numbers a figure draws without drawing it.

Trials that differ in a *variant column* (pin policy, memory binding, injected fault,
topology source, allocator) are never pooled into one median: `summarise`, `bounds`
and `panels` key on every variant column that takes more than one value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# Column names that results/README.md declares stable and the figures rely on.
CORE_COLUMNS = (
    "scheme",
    "structure",
    "workload",
    "threads",
    "throughput_ops_s",
    "unreclaimed_peak",
    "status",
)
# What one line of a figure is drawn over: a scheme's trials, per structure, workload
# and thread count.
GROUP_KEYS = ["scheme", "structure", "workload", "threads"]
# What one figure panel shows, before variant columns are added.
PANEL_KEYS = ["structure", "workload"]
STAT_COLUMNS = ["median", "min", "max", "trials"]

# Dimensions a sweep may vary besides scheme, structure, workload and threads. Trials
# with different values are different experiments: wherever one of these takes more
# than one value, it becomes part of the group and panel keys. Columns absent from a
# run (older runs have no `fault`) are simply not variants there.
VARIANT_COLUMNS = ("pin_policy", "membind", "fault", "topology_source", "allocator", "free_mode")
# How a variant is named in a panel title, and what an empty value means.
VARIANT_LABELS = {
    "pin_policy": "pin",
    "membind": "membind",
    "fault": "fault",
    "topology_source": "topology",
    "allocator": "allocator",
    "free_mode": "free",
}
VARIANT_EMPTY = {"topology_source": "this machine"}

# The allocator the single-allocator figures use when a run has several.
PREFERRED_ALLOCATOR = "system"

# The status of a trial stopped early because its memory passed --memory-cap.
CAPPED_STATUS = "memory_cap"

# Columns whose value is "ok" when the trial passed that check.
CHECK_COLUMNS = ("status", "valid", "teardown")

# Columns read as numbers (where present); every other column is text.
NUMERIC_COLUMNS = (
    "threads",
    "trial",
    "pus",
    "throughput_ops_s",
    "unreclaimed_peak",
    "bound",
    "warmup_s",
    "elapsed_s",
    "allocator_bytes_peak",
)
# Columns read as text even when every value looks like a number (a trial_id of 16
# decimal digits would otherwise lose its leading zeros).
TEXT_COLUMNS = ("trial_id", "scheme", "structure", "workload", "message", "phase",
                *CHECK_COLUMNS, *VARIANT_COLUMNS)

# timeseries.csv: the columns the over-time figure needs, and the optional phase.
TIMESERIES_REQUIRED = ("trial_id", "t_ms", "unreclaimed")
TIMESERIES_OPTIONAL = ("phase",)
MEASURE_PHASE = "measure"
_TIMESERIES_CHUNK_ROWS = 200_000


class InputError(Exception):
    """An input file cannot be used; the message is shown to the user as is."""


# ----------------------------------------------------------------------------- reading


def _read_csv(path: Path, **options) -> pd.DataFrame:
    """pd.read_csv with the errors of a missing, empty or broken file as InputError.

    Only an empty field is missing ("NA" or "null" stay text: a scheme may be named so).
    """
    if not path.exists():
        raise InputError(f"{path}: no such file (is this a smrlab run folder?)")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    dtype = {c: str for c in TEXT_COLUMNS}
    try:
        return pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""], **options)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: file is empty (no header, no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV file: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_columns(df: pd.DataFrame, path: Path, required, what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing {what} column(s): {', '.join(missing)} "
            f"(see results/README.md; found: {', '.join(map(str, df.columns)) or 'none'})"
        )


def load_results(path: Path) -> pd.DataFrame:
    """Read results.csv, checking that it exists, is not empty, and has the core columns."""
    df = _read_csv(path)
    df.columns = [str(c).strip() for c in df.columns]
    _check_columns(df, path, CORE_COLUMNS, "core")
    if df.empty:
        raise InputError(f"{path}: has a header but no trials")
    return df


def load_timeseries(path: Path) -> pd.DataFrame | None:
    """Read timeseries.csv; None when the run has none.

    Returns the columns trial_id, t_ms, unreclaimed, t_s (seconds) and, where the file
    has it, phase (lower case). Samples without a time or a count are dropped. A file
    that cannot be parsed, lacks one of TIMESERIES_REQUIRED, or holds a time or count
    that is not a number raises InputError naming the file. It is read in chunks so that
    a long run's samples need not all be held as text at once.
    """
    if not path.exists():
        return None
    reader = _read_csv(path, chunksize=_TIMESERIES_CHUNK_ROWS)
    keep = list(TIMESERIES_REQUIRED)
    parts = []
    rows_before = 0
    try:
        with reader:
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                if not parts:
                    _check_columns(chunk, path, TIMESERIES_REQUIRED, "time-series")
                    keep += [c for c in TIMESERIES_OPTIONAL if c in chunk.columns]
                parts.append(_parse_samples(chunk[keep], path, rows_before))
                rows_before += len(chunk)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV file: {_first_line(exc)}") from None
    if not parts:  # a header and no samples: the columns still have to be right
        header = _read_csv(path, nrows=0)
        header.columns = [str(c).strip() for c in header.columns]
        _check_columns(header, path, TIMESERIES_REQUIRED, "time-series")
        keep += [c for c in TIMESERIES_OPTIONAL if c in header.columns]
        return _parse_samples(header[keep], path, 0)
    return pd.concat(parts, ignore_index=True)


def _parse_samples(chunk: pd.DataFrame, path: Path, rows_before: int) -> pd.DataFrame:
    out = chunk.copy()
    for col in ("t_ms", "unreclaimed"):
        raw = out[col]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = numbers.isna() & raw.notna()
        if bad.any():
            position = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"{path}: column {col} holds a value that is not a number in data row "
                f"{rows_before + position + 1}: {str(raw.iloc[position])!r}"
            )
        out[col] = numbers
    out = out.dropna(subset=["t_ms", "unreclaimed"])
    out["trial_id"] = out["trial_id"].fillna("").astype(str).str.strip()
    if "phase" in out.columns:
        out["phase"] = out["phase"].fillna("").astype(str).str.strip().str.lower()
    out["t_s"] = out["t_ms"] / 1000.0
    return out


@dataclass
class Meta:
    """meta.json as read: `data` is the JSON object, or None with `problem` saying why."""

    data: dict | None
    text: str | None = None
    problem: str | None = None

    def get(self, dotted: str):
        """The value at a dotted key path ("machine.topology.pus"); None when absent."""
        value = self.data
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


def load_meta(path: Path) -> Meta:
    """Read meta.json. Never raises: a missing or invalid file gives Meta(None, problem)."""
    if not path.is_file():
        return Meta(None, None, "No meta.json in this run folder.")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Meta(None, text, f"meta.json is not valid JSON ({exc}).")
    if not isinstance(data, dict):
        return Meta(None, text, f"meta.json is not a JSON object (it is a {type(data).__name__}).")
    return Meta(data, text, None)


# ----------------------------------------------------------------------------- shaping


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows with status == ok, numeric columns as numbers, key columns as clean text.

    Rows whose threads or throughput do not parse as numbers are dropped. Text key
    columns (scheme, structure, workload, trial_id, variant columns) are stripped, with
    an empty value as "" rather than NaN so that grouping keeps them.
    """
    return rows_with_status(df, ("ok",))


def measured_rows(df: pd.DataFrame) -> pd.DataFrame:
    """As ok_rows, plus the trials stopped at the memory cap: their samples up to the cap
    are real measurements (the over-time figure draws them, marked), while their peaks and
    throughput describe a cut-off trial and stay out of the summary figures."""
    return rows_with_status(df, ("ok", CAPPED_STATUS))


def rows_with_status(df: pd.DataFrame, statuses) -> pd.DataFrame:
    """The rows whose status is one of `statuses`, shaped as ok_rows says."""
    ok = df[df["status"].fillna("").astype(str).str.strip().isin(statuses)].copy()
    for col in NUMERIC_COLUMNS:
        if col in ok.columns:
            ok[col] = pd.to_numeric(ok[col], errors="coerce")
    ok = ok.dropna(subset=["threads", "throughput_ops_s"])
    ok["threads"] = ok["threads"].astype(int)
    for col in ("scheme", "structure", "workload", "trial_id", *VARIANT_COLUMNS):
        if col in ok.columns:
            ok[col] = ok[col].fillna("").astype(str).str.strip()
    return ok


def varying_columns(df: pd.DataFrame, candidates=VARIANT_COLUMNS) -> list[str]:
    """The candidate columns present in df that take more than one value, in order."""
    out = []
    for col in candidates:
        if col in df.columns and df[col].fillna("").astype(str).nunique() > 1:
            out.append(col)
    return out


def allocators(ok: pd.DataFrame) -> list[str]:
    """The distinct allocators of the rows, sorted; [] when there is no allocator column."""
    if "allocator" not in ok.columns:
        return []
    return sorted(set(ok["allocator"].fillna("").astype(str)))


def preferred_allocator(ok: pd.DataFrame) -> str | None:
    """The allocator the single-allocator figures show: PREFERRED_ALLOCATOR if the rows
    have it, else the first in sorted order; None when there is no allocator column."""
    names = allocators(ok)
    if not names:
        return None
    return PREFERRED_ALLOCATOR if PREFERRED_ALLOCATOR in names else names[0]


def rows_of_allocator(ok: pd.DataFrame, allocator: str | None) -> pd.DataFrame:
    """The rows of one allocator (all rows when allocator is None)."""
    if allocator is None or "allocator" not in ok.columns:
        return ok
    return ok[ok["allocator"].fillna("").astype(str) == allocator]


def _keys(df: pd.DataFrame, variants) -> list[str]:
    chosen = varying_columns(df) if variants is None else [v for v in variants if v in df.columns]
    return GROUP_KEYS + chosen


def summarise(df: pd.DataFrame, value: str = "throughput_ops_s", variants=None) -> pd.DataFrame:
    """Median, min and max of `value` over trials, per scheme, structure, workload, threads
    and variant column.

    `variants` are the variant columns to key on; by default, every variant column that
    takes more than one value in df, so that different experiments are never pooled.
    Returns a DataFrame with columns scheme, structure, workload, threads, the variant
    columns, median, min, max, trials (number of trials with a value), sorted by the
    keys. Rows without a value are left out.
    """
    keys = _keys(df, variants)
    columns = keys + STAT_COLUMNS
    if value not in df.columns:
        return pd.DataFrame(columns=columns)
    data = df[keys + [value]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce")
    data = data.dropna(subset=[value])
    if data.empty:
        return pd.DataFrame(columns=columns)
    grouped = data.groupby(keys, sort=True)[value]
    out = grouped.agg(["median", "min", "max", "count"]).reset_index()
    out = out.rename(columns={"count": "trials"})
    out["threads"] = out["threads"].astype(int)
    return out[columns].sort_values(keys).reset_index(drop=True)


def bounds(df: pd.DataFrame, variants=None) -> pd.DataFrame:
    """The scheme's bound per scheme, structure, workload, threads and variant column,
    where it has one.

    Returns the key columns (as `summarise`) and bound; empty when the CSV has no bound
    column or every bound is empty.
    """
    keys = _keys(df, variants)
    if "bound" not in df.columns:
        return pd.DataFrame(columns=keys + ["bound"])
    data = df[keys + ["bound"]].copy()
    data["bound"] = pd.to_numeric(data["bound"], errors="coerce")
    data = data.dropna(subset=["bound"])
    if data.empty:
        return pd.DataFrame(columns=keys + ["bound"])
    # The bound depends only on the configuration, so all trials agree; max is a guard.
    out = data.groupby(keys, sort=True)["bound"].max().reset_index()
    out["threads"] = out["threads"].astype(int)
    return out.sort_values(keys).reset_index(drop=True)


def pu_count(df: pd.DataFrame) -> int | None:
    """Processing units of the machine, from the pus column; None when unknown."""
    if "pus" not in df.columns:
        return None
    pus = pd.to_numeric(df["pus"], errors="coerce").dropna()
    if pus.empty:
        return None
    # One run is one machine; if rows disagree, mark the smallest.
    value = int(pus.min())
    return value if value > 0 else None


def problem_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Trials where status, valid or teardown is present and not ok."""
    bad = pd.Series(False, index=df.index)
    for col in CHECK_COLUMNS:
        if col in df.columns:
            values = df[col].fillna("").astype(str).str.strip()
            bad |= values != "ok"
    return df[bad]


# ------------------------------------------------------------------------------ panels


@dataclass(frozen=True, order=True)
class Panel:
    """One figure panel: a structure, a workload, and the values of the variant columns
    that are keyed on (as (column, value) pairs)."""

    structure: str
    workload: str
    variants: tuple = ()

    def select(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows of df that belong to this panel."""
        mask = (df["structure"] == self.structure) & (df["workload"] == self.workload)
        for col, value in self.variants:
            mask &= df[col].fillna("").astype(str) == value
        return df[mask]

    def variant_text(self) -> str:
        """"pin=scatter, fault=park:1"; "" when no variant is keyed on."""
        return ", ".join(
            f"{VARIANT_LABELS.get(col, col)}={value or VARIANT_EMPTY.get(col, '(empty)')}"
            for col, value in self.variants
        )

    def title(self) -> str:
        """Structure, workload and the variant values, one line each."""
        lines = [self.structure, self.workload]
        if self.variants:
            lines.append(self.variant_text())
        return "\n".join(lines)


def panels(df: pd.DataFrame, variants=None) -> list[Panel]:
    """The panels of df, sorted: one per structure, workload and combination of variant
    values. `variants` defaults to the variant columns that vary in df."""
    chosen = _keys(df, variants)[len(GROUP_KEYS):]
    keys = PANEL_KEYS + chosen
    if df.empty:
        return []
    frame = df[keys].copy()
    for col in keys:
        frame[col] = frame[col].fillna("").astype(str)
    frame = frame.drop_duplicates().sort_values(keys)
    return [
        Panel(str(row[0]), str(row[1]), tuple(zip(chosen, map(str, row[2:]))))
        for row in frame.itertuples(index=False)
    ]
