#!/usr/bin/env bash
# smrlab main job: set-up, release build, one sweep from an experiment preset, the Google
# Benchmark micro suite, figures.
# Results land in results/<date>-<host>-<preset>/ (see results/README.md).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./run_experiments.sh [--preset NAME|FILE] [--out DIR] [--resume] [--shard I/N]
                            [--no-plots] [--no-micro] [--micro-min-time SECONDS]
                            [--micro-repetitions N] [--no-overhead] [--jobs N]
                            [-- SMRLAB_RUN_ARGS...]
       ./run_experiments.sh --merge --out DIR RUN_DIR... [--partial] [--no-plots]

Builds the release preset and runs one sweep:
  build/release/smrlab run --preset FILE --out DIR [--resume] [SMRLAB_RUN_ARGS...]
then the micro suite (the cost of a guard, a protected load, and allocate + retire +
reclaim, per scheme, at 1..N threads) into DIR/micro.json:
  build/release/smrlab_micro --benchmark_out=DIR/micro.json --benchmark_out_format=json
                             --benchmark_repetitions=N --benchmark_min_time=SECONDS
then what the harness costs (the harness trial against the bare-loop reference, side by
side) into DIR/overhead.csv:
  build/release/smrlab overhead --out DIR/overhead.csv
then draws the figures with plots/plot_results.py DIR (figures/index.html).
With --merge it instead combines run folders (the shards of one sweep) into DIR with
`smrlab merge` and draws the figures of the whole.

Options:
  --preset NAME|FILE  experiment preset (default: quick). A NAME is
                      workloads/presets/NAME.toml; anything containing a '/' or
                      ending in .toml is taken as a file path.
  --out DIR           run folder (default: results/<YYYY-MM-DD>-<host>-<preset>)
  --resume            continue the run already in DIR: trials in its results.csv
                      are skipped (give the same --out when resuming another day)
  --shard I/N         run only slice I of N of the sweep (deterministic: every shard
                      plans the whole sweep and takes every N-th trial), for spreading
                      it over machines or a cluster job array; default --out gets a
                      -shard-I-of-N suffix, and no figures are drawn for a slice.
                      Combine the slices with --merge (results/README.md shows a Slurm
                      job array: examples/slurm/)
  --merge             combine the RUN_DIRs given after the options into --out (which must
                      not hold a results.csv yet), checking that the shards of one sweep
                      are all there, then draw the figures
  --partial           with --merge: merge even if shards are missing
  --no-plots          skip the figures
  --no-micro          skip the micro suite (no micro.json, no micro_costs figure). It
                      is skipped anyway for --shard (a slice of the sweep) and --merge,
                      and with --resume when DIR already has a micro.json
  --micro-min-time SECONDS
                      minimum time of each micro benchmark run (default: 0.05)
  --micro-repetitions N
                      repetitions of each micro benchmark; the figure shows the median
                      (default: 3)
  --no-overhead       skip `smrlab overhead` (no overhead.csv, no harness_overhead
                      figure). It is skipped anyway for --shard and --merge, and with
                      --resume when DIR already has an overhead.csv
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

# Paths given on the command line are relative to where the script was started from.
CALLER_PWD="$PWD"
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"
# absolute PATH: PATH as given if absolute, else relative to the caller's directory.
absolute() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "$CALLER_PWD/$1" ;;
  esac
}

preset="quick"
out=""
resume=0
plots=1
shard=""
merge=0
partial=0
merge_inputs=()
micro=1
micro_min_time="0.05"
micro_repetitions="3"
overhead=1
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
    --shard)
      need_value "$@"
      shard="$2"
      shift
      ;;
    --shard=*) shard="${1#*=}" ;;
    --merge) merge=1 ;;
    --partial) partial=1 ;;
    --no-plots) plots=0 ;;
    --no-micro) micro=0 ;;
    --no-overhead) overhead=0 ;;
    --micro-min-time)
      need_value "$@"
      micro_min_time="$2"
      shift
      ;;
    --micro-min-time=*) micro_min_time="${1#*=}" ;;
    --micro-repetitions)
      need_value "$@"
      micro_repetitions="$2"
      shift
      ;;
    --micro-repetitions=*) micro_repetitions="${1#*=}" ;;
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
    -*) die_usage "unknown option '$1' (see --help)" ;;
    *)
      [ "$merge" -eq 1 ] || die_usage "unexpected argument '$1' (run folders are given only with --merge; see --help)"
      merge_inputs+=("$1")
      ;;
  esac
  shift
done

case "$jobs" in
  '' | *[!0-9]* | 0) die_usage "--jobs needs a positive integer, got '$jobs'" ;;
esac
case "$micro_repetitions" in
  '' | *[!0-9]* | 0)
    die_usage "--micro-repetitions needs a positive integer, got '$micro_repetitions'"
    ;;
esac
# A positive decimal number of seconds, as Google Benchmark's --benchmark_min_time takes it.
if ! [[ "$micro_min_time" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] ||
  ! [[ "$micro_min_time" =~ [1-9] ]]; then
  die_usage "--micro-min-time needs a positive number of seconds (e.g. 0.05), got '$micro_min_time'"
fi
if [ -n "$shard" ]; then
  # smrlab checks it too; checked here so that a typo fails before the build.
  if ! [[ "$shard" =~ ^([0-9]+)/([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -lt 1 ] ||
    [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
    die_usage "--shard needs I/N with 1 <= I <= N, e.g. 2/8; got '$shard'"
  fi
fi
if [ "$merge" -eq 1 ]; then
  [ -n "$out" ] || die_usage "--merge needs --out DIR (the merged run folder)"
  [ "${#merge_inputs[@]}" -gt 0 ] || die_usage "--merge needs the run folders to combine"
  [ -z "$shard" ] && [ "$resume" -eq 0 ] || die_usage "--merge takes no --shard or --resume"
elif [ "$partial" -eq 1 ]; then
  die_usage "--partial goes with --merge"
fi

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

if [ "$merge" -eq 0 ]; then
  case "$preset" in
    */* | *.toml) preset_file="$(absolute "$preset")" ;;
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
fi

# ------------------------------------------------------------------ the run folder
if [ -z "$out" ]; then
  host="$(hostname -s 2>/dev/null || uname -n)"
  host="${host%%.*}"
  out="results/$(date +%Y-%m-%d)-${host}-${preset_name}"
  if [ -n "$shard" ]; then
    out="${out}-shard-${shard%/*}-of-${shard#*/}"
  fi
  out_abs="$ROOT/$out"
else
  out_abs="$(absolute "$out")"
fi

# smrlab refuses too, but say it before spending minutes on a build.
if [ "$resume" -eq 0 ] && [ -e "$out_abs/results.csv" ]; then
  if [ "$merge" -eq 1 ]; then
    echo "run_experiments.sh: error: $out/results.csv already exists; choose another --out" >&2
  else
    echo "run_experiments.sh: error: $out/results.csv already exists;" \
      "continue it with --resume, or choose another --out" >&2
  fi
  exit 2
fi
if [ "$resume" -eq 1 ] && [ ! -e "$out_abs/results.csv" ]; then
  echo "run_experiments.sh: note: --resume given but $out/results.csv does not exist yet;" \
    "starting a new run there" >&2
fi
merge_abs=()
for d in "${merge_inputs[@]+"${merge_inputs[@]}"}"; do
  [ -f "$(absolute "$d")/results.csv" ] || die_usage "'$d' is not a run folder (no results.csv)"
  merge_abs+=("$(absolute "$d")")
done

# A shard is a slice of a sweep: its figures would be a misleading part of the picture.
if [ -n "$shard" ] && [ "$plots" -eq 1 ]; then
  echo "run_experiments.sh: note: no figures for a shard; merge the shards with --merge" >&2
  plots=0
fi

# The micro suite measures the machine, not the sweep: a shard would run it once per slice.
if [ "$micro" -eq 1 ] && [ -n "$shard" ]; then
  echo "run_experiments.sh: note: no micro suite for a shard (a slice of the sweep);" \
    "run it once on the machine with ./run_experiments.sh --no-plots, or run" \
    "build/release/smrlab_micro directly" >&2
  micro=0
elif [ "$micro" -eq 1 ] && [ "$merge" -eq 1 ]; then
  echo "run_experiments.sh: note: --merge runs no micro suite (the shards have none);" \
    "a micro.json put into the merged folder is drawn with the other figures" >&2
  micro=0
fi

banner() {
  echo
  echo "================================================================ $*"
}

# Set-up comes first among the steps that need a package: on a fresh machine it installs what
# the Python lookup, cmake and the build below use. (--help and usage errors exit above it.)
banner "set-up"
"$ROOT/scripts/setup.sh"

# Find the plotting interpreter now rather than after an hour-long sweep.
python=""
if [ "$plots" -eq 1 ]; then
  if ! python="$("$ROOT/scripts/find_python.sh")"; then
    echo "run_experiments.sh: error: no Python for the figures (see above); install it," \
      "or pass --no-plots" >&2
    exit 1
  fi
fi

banner "build (release)"
# Schemes under schemes/ are always built; out-of-tree plugins only when SMRLAB_PLUGIN_DIRS
# names their folders (the tests' example plugin is not swept by default).
cmake --preset release -DSMRLAB_PLUGIN_DIRS="${SMRLAB_PLUGIN_DIRS:-}"
# The release preset builds every target: smrlab and the micro suite, smrlab_micro, among them.
cmake --build --preset release --parallel "$jobs"

smrlab="$ROOT/build/release/smrlab"
smrlab_micro="$ROOT/build/release/smrlab_micro"
for binary in "$smrlab" "$smrlab_micro"; do
  if [ ! -x "$binary" ]; then
    echo "run_experiments.sh: error: the build did not produce $binary" >&2
    exit 1
  fi
done

if [ "$merge" -eq 1 ]; then
  merge_cmd=("$smrlab" merge --out "$out_abs")
  if [ "$partial" -eq 1 ]; then
    merge_cmd+=(--partial)
  fi
  merge_cmd+=("${merge_abs[@]}")
  banner "merge: ${#merge_abs[@]} run folder(s) -> ${out}"
  echo "+ $(printf '%q ' "${merge_cmd[@]}")"
  "${merge_cmd[@]}"
else
  run_cmd=("$smrlab" run --preset "$preset_file" --out "$out_abs")
  if [ "$resume" -eq 1 ]; then
    run_cmd+=(--resume)
  fi
  if [ -n "$shard" ]; then
    run_cmd+=(--shard "$shard")
  fi
  run_cmd+=("${extra_args[@]+"${extra_args[@]}"}")

  resume_hint="./run_experiments.sh --preset $(printf '%q' "$preset") --out $(printf '%q' "$out")"
  if [ -n "$shard" ]; then
    resume_hint+=" --shard $shard"
  fi
  resume_hint+=" --resume"
  if [ "${#extra_args[@]}" -gt 0 ]; then
    resume_hint+=" --$(printf ' %q' "${extra_args[@]}")"
  fi

  banner "sweep: preset ${preset_name}${shard:+, shard $shard} -> ${out}"
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
fi

# The micro suite writes to a temporary name, renamed when it finishes: an interrupted or
# failed run leaves no half-written micro.json for the figures to trust.
if [ "$micro" -eq 1 ] && [ "$resume" -eq 1 ] && [ -e "$out_abs/micro.json" ]; then
  echo "run_experiments.sh: note: keeping the micro.json of the resumed run; delete it" \
    "to measure again" >&2
  micro=0
fi
if [ "$micro" -eq 1 ]; then
  micro_tmp="$out_abs/micro.json.partial"
  micro_cmd=("$smrlab_micro" --benchmark_format=console "--benchmark_out=$micro_tmp"
    --benchmark_out_format=json "--benchmark_repetitions=$micro_repetitions"
    "--benchmark_min_time=$micro_min_time")
  banner "micro suite: ${micro_repetitions} repetition(s)," \
    "min time ${micro_min_time}s -> ${out}/micro.json"
  echo "+ $(printf '%q ' "${micro_cmd[@]}")"
  rc=0
  trap 'rm -f "$micro_tmp"' EXIT
  "${micro_cmd[@]}" || rc=$?
  trap - EXIT
  if [ "$rc" -ne 0 ]; then
    rm -f "$micro_tmp"
    if [ "$rc" -eq 130 ]; then
      echo "run_experiments.sh: interrupted in the micro suite; the sweep is complete in" \
        "$out/results.csv. Run the micro suite and the figures with:" >&2
    else
      echo "run_experiments.sh: error: the micro suite failed (exit $rc); the sweep is" \
        "complete in $out/results.csv. After fixing the cause, continue with (add" \
        "--no-micro to skip the suite):" >&2
    fi
    echo "  $resume_hint" >&2
    exit "$rc"
  fi
  mv -f "$micro_tmp" "$out_abs/micro.json"
fi

# What the harness costs: like the micro suite, it measures the machine, not the sweep, so a
# shard or a merge runs none; written under a temporary name by smrlab itself.
if [ "$overhead" -eq 1 ] && { [ -n "$shard" ] || [ "$merge" -eq 1 ]; }; then
  overhead=0
elif [ "$overhead" -eq 1 ] && [ "$resume" -eq 1 ] && [ -e "$out_abs/overhead.csv" ]; then
  echo "run_experiments.sh: note: keeping the overhead.csv of the resumed run; delete it" \
    "to measure again" >&2
  overhead=0
fi
if [ "$overhead" -eq 1 ]; then
  rm -f "$out_abs/overhead.csv.partial"
  overhead_cmd=("$smrlab" overhead --out "$out_abs/overhead.csv")
  banner "harness overhead: harness trial vs bare loop -> ${out}/overhead.csv"
  echo "+ $(printf '%q ' "${overhead_cmd[@]}")"
  rc=0
  "${overhead_cmd[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 130 ]; then
      echo "run_experiments.sh: interrupted in smrlab overhead; the sweep is complete in" \
        "$out/results.csv. Continue with:" >&2
    else
      echo "run_experiments.sh: error: smrlab overhead failed (exit $rc); the sweep is" \
        "complete in $out/results.csv. After fixing the cause, continue with (add" \
        "--no-overhead to skip it):" >&2
    fi
    echo "  $resume_hint" >&2
    exit "$rc"
  fi
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
if [ -e "$out_abs/micro.json" ]; then
  echo "         $out/micro.json"
fi
if [ -e "$out_abs/overhead.csv" ]; then
  echo "         $out/overhead.csv"
fi
if [ "$plots" -eq 1 ]; then
  echo "figures: $out/figures/index.html"
elif [ -n "$shard" ]; then
  echo "shard $shard done; when every shard is, combine them and draw the figures with:"
  echo "  ./run_experiments.sh --merge --out DIR SHARD_DIR..."
else
  echo "figures: skipped (--no-plots); draw them later with:"
  echo "  $(scripts/find_python.sh 2>/dev/null || echo /usr/bin/python3) plots/plot_results.py $out"
fi
