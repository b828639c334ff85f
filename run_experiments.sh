#!/usr/bin/env bash
# smrlab main job: set-up, release build, one sweep from an experiment preset, figures.
# Results land in results/<date>-<host>-<preset>/ (see results/README.md).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./run_experiments.sh [--preset NAME|FILE] [--out DIR] [--resume] [--no-plots]
                            [--jobs N] [-- SMRLAB_RUN_ARGS...]

Builds the release preset and runs one sweep:
  build/release/smrlab run --preset FILE --out DIR [--resume] [SMRLAB_RUN_ARGS...]
then draws the figures with plots/plot_results.py DIR.

Options:
  --preset NAME|FILE  experiment preset (default: quick). A NAME is
                      workloads/presets/NAME.toml; anything containing a '/' or
                      ending in .toml is taken as a file path.
  --out DIR           run folder (default: results/<YYYY-MM-DD>-<host>-<preset>)
  --resume            continue the run already in DIR: trials in its results.csv
                      are skipped (give the same --out when resuming another day)
  --no-plots          skip the figures
  --jobs N            build parallelism (default: nproc)
  -- ARGS...          passed verbatim to `smrlab run` (e.g. -- --memory-cap 4GiB)
  --help              show this help

Ctrl-C stops the sweep and keeps every finished trial; re-run with --resume and
the same --out to continue. Exit status: 0 done, 2 bad usage or unknown preset,
130 interrupted, otherwise the failing step's status.
USAGE
}

die_usage() {
  echo "run_experiments.sh: error: $*" >&2
  exit 2
}
# need_value OPTION [VALUE]: the option was given a non-empty value.
need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then
    die_usage "$1 needs a value (see --help)"
  fi
}

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"

preset="quick"
out=""
resume=0
plots=1
jobs="$(nproc 2>/dev/null || echo 2)"
extra_args=()

while [ "$#" -gt 0 ]; do
  case "$1" in
    --preset)
      need_value "$@"
      preset="$2"
      shift
      ;;
    --preset=*) preset="${1#*=}" ;;
    --out)
      need_value "$@"
      out="$2"
      shift
      ;;
    --out=*) out="${1#*=}" ;;
    --resume) resume=1 ;;
    --no-plots) plots=0 ;;
    --jobs | -j)
      need_value "$@"
      jobs="$2"
      shift
      ;;
    --jobs=*) jobs="${1#*=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      extra_args=("$@")
      break
      ;;
    *) die_usage "unknown option '$1' (see --help)" ;;
  esac
  shift
done

case "$jobs" in
  '' | *[!0-9]* | 0) die_usage "--jobs needs a positive integer, got '$jobs'" ;;
esac

# ------------------------------------------------------------------ resolve the preset
available_presets() {
  local f list=""
  for f in "$ROOT"/workloads/presets/*.toml; do
    [ -e "$f" ] || continue
    f="${f##*/}"
    list="${list:+$list, }${f%.toml}"
  done
  echo "${list:-none}"
}

case "$preset" in
  */* | *.toml) preset_file="$preset" ;;
  *) preset_file="$ROOT/workloads/presets/${preset}.toml" ;;
esac
if [ ! -f "$preset_file" ]; then
  case "$preset" in
    */* | *.toml) die_usage "preset file '$preset' not found" ;;
    *) die_usage "unknown preset '$preset' (available: $(available_presets))" ;;
  esac
fi
# Absolute path, so that smrlab and the messages below do not depend on the cwd.
preset_file="$(cd "$(dirname "$preset_file")" && pwd)/$(basename "$preset_file")"
preset_name="$(basename "$preset_file" .toml)"

# ------------------------------------------------------------------ the run folder
if [ -z "$out" ]; then
  host="$(hostname -s 2>/dev/null || uname -n)"
  host="${host%%.*}"
  out="results/$(date +%Y-%m-%d)-${host}-${preset_name}"
fi
case "$out" in
  /*) out_abs="$out" ;;
  *) out_abs="$ROOT/$out" ;;
esac

# smrlab refuses too, but say it before spending minutes on a build.
if [ "$resume" -eq 0 ] && [ -e "$out_abs/results.csv" ]; then
  echo "run_experiments.sh: error: $out/results.csv already exists;" \
    "continue it with --resume, or choose another --out" >&2
  exit 2
fi
if [ "$resume" -eq 1 ] && [ ! -e "$out_abs/results.csv" ]; then
  echo "run_experiments.sh: note: --resume given but $out/results.csv does not exist yet;" \
    "starting a new run there" >&2
fi

# Find the plotting interpreter now rather than after an hour-long sweep.
python=""
if [ "$plots" -eq 1 ]; then
  if ! python="$("$ROOT/scripts/find_python.sh")"; then
    echo "run_experiments.sh: error: no Python for the figures (see above); install it," \
      "or pass --no-plots" >&2
    exit 1
  fi
fi

banner() {
  echo
  echo "================================================================ $*"
}

banner "set-up"
"$ROOT/scripts/setup.sh"

banner "build (release)"
# Schemes under schemes/ are always built; out-of-tree plugins only when SMRLAB_PLUGIN_DIRS
# names their folders (the tests' example plugin is not swept by default).
cmake --preset release -DSMRLAB_PLUGIN_DIRS="${SMRLAB_PLUGIN_DIRS:-}"
cmake --build --preset release --parallel "$jobs"

smrlab="$ROOT/build/release/smrlab"
if [ ! -x "$smrlab" ]; then
  echo "run_experiments.sh: error: the build did not produce $smrlab" >&2
  exit 1
fi

run_cmd=("$smrlab" run --preset "$preset_file" --out "$out_abs")
if [ "$resume" -eq 1 ]; then
  run_cmd+=(--resume)
fi
run_cmd+=("${extra_args[@]+"${extra_args[@]}"}")

resume_hint="./run_experiments.sh --preset $(printf '%q' "$preset") --out $(printf '%q' "$out") --resume"
if [ "${#extra_args[@]}" -gt 0 ]; then
  resume_hint+=" --$(printf ' %q' "${extra_args[@]}")"
fi

banner "sweep: preset ${preset_name} -> ${out}"
echo "+ $(printf '%q ' "${run_cmd[@]}")"
rc=0
"${run_cmd[@]}" || rc=$?
if [ "$rc" -eq 130 ]; then
  echo >&2
  echo "run_experiments.sh: interrupted; the finished trials are kept in $out/results.csv." >&2
  echo "run_experiments.sh: continue with:" >&2
  echo "  $resume_hint" >&2
  exit 130
elif [ "$rc" -ne 0 ]; then
  echo "run_experiments.sh: error: smrlab run failed (exit $rc); finished trials are in" \
    "$out/results.csv. After fixing the cause, continue with:" >&2
  echo "  $resume_hint" >&2
  exit "$rc"
fi

if [ "$plots" -eq 1 ]; then
  banner "figures"
  echo "+ $python plots/plot_results.py $out"
  "$python" "$ROOT/plots/plot_results.py" "$out_abs"
  banner "summary (medians over trials; ratios to the none baseline of the same run)"
  "$python" "$ROOT/plots/summary_table.py" "$out_abs"
fi

banner "done"
echo "results: $out/results.csv"
echo "         $out/timeseries.csv"
echo "         $out/meta.json"
if [ "$plots" -eq 1 ]; then
  echo "figures: $out/figures/index.html"
else
  echo "figures: skipped (--no-plots); draw them later with:"
  echo "  $(scripts/find_python.sh 2>/dev/null || echo /usr/bin/python3) plots/plot_results.py $out"
fi
