#!/usr/bin/env bash
# smrlab test job (CI runs it through .ci/run): set-up, then for each build preset
# configure, build and run the test layers; the plotting tests run at the end.
# Fails fast: the first failing stage ends the run (exit status non-zero) after the
# summary table.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./run_tests.sh [--presets "release asan tsan modelcheck"] [--jobs N] [--test-jobs N] [--help]
       ./run_tests.sh --check-plugin DIR [--jobs N] [--test-jobs N]

For each preset (default: release asan tsan modelcheck):
  cmake --preset P -DSMRLAB_PLUGIN_DIRS="$PWD/examples/plugins"
  cmake --build --preset P --parallel JOBS
  ctest --preset P                            (release, debug: every test, including the
                                               CLI and plotting pytest suites)
  ctest --preset P -L 'unit|conformance'      (asan, tsan: these presets build the tests
                                               only, not smrlab or smrlab_micro; tsan
                                               leaves out the peers, see README)
  ctest --preset modelcheck                   (the model checker's tests, and every pairing
                                               explored under SC and TSO; no peers)

Options:
  --presets LIST   space-separated presets from CMakePresets.json
                   (release, debug, asan, tsan, modelcheck);
                   default "release asan tsan modelcheck"
  --jobs N         build parallelism (default: nproc)
  --test-jobs N    ctest parallelism (default: nproc; the stress tests are RUN_SERIAL,
                   see tests/CMakeLists.txt, so they still have the cores to themselves)
  --check-plugin DIR
                   instead of the presets: build the model checker with DIR as the only
                   plugin directory (in build/modelcheck-plugin) and explore the pairings of
                   DIR's schemes and structures alone, under SC and TSO
  --help           show this help

Sanitizer options exported (values already in the environment are appended,
so they override these key by key):
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

Ends with a table of stages and times (the build of each preset is the stage
"build P (compile+link)"), the compile cost of one pairing (the seconds of
ebr x treiber_stack's generated file in each preset's .ninja_log) and a line
"N passed, N failed".
Exit status: 0 every stage passed; otherwise the failing stage's status
(2 for bad usage).
USAGE
}

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"

presets="release asan tsan modelcheck"
plugin_dir=""
presets_given=0
jobs="$(nproc 2>/dev/null || echo 2)"
test_jobs="$jobs"

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then
    echo "run_tests.sh: error: $1 needs a value (see --help)" >&2
    exit 2
  fi
}
need_int() {
  case "$2" in
    '' | *[!0-9]* | 0)
      echo "run_tests.sh: error: $1 needs a positive integer, got '$2'" >&2
      exit 2
      ;;
  esac
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --presets)
      need_value "$@"
      presets="$2"
      presets_given=1
      shift
      ;;
    --presets=*)
      presets="${1#*=}"
      presets_given=1
      ;;
    --jobs | -j)
      need_value "$@"
      need_int "$1" "$2"
      jobs="$2"
      shift
      ;;
    --jobs=*)
      jobs="${1#*=}"
      need_int --jobs "$jobs"
      ;;
    --test-jobs)
      need_value "$@"
      need_int "$1" "$2"
      test_jobs="$2"
      shift
      ;;
    --test-jobs=*)
      test_jobs="${1#*=}"
      need_int --test-jobs "$test_jobs"
      ;;
    --check-plugin)
      need_value "$@"
      plugin_dir="$2"
      shift
      ;;
    --check-plugin=*) plugin_dir="${1#*=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "run_tests.sh: error: unknown option '$1' (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

if [ -n "$plugin_dir" ]; then
  if [ "$presets_given" -eq 1 ]; then
    echo "run_tests.sh: error: give --check-plugin or --presets, not both" >&2
    exit 2
  fi
  if [ ! -d "$plugin_dir" ]; then
    echo "run_tests.sh: error: --check-plugin: '$plugin_dir' is not a directory" >&2
    exit 2
  fi
  plugin_dir="$(cd "$plugin_dir" && pwd)"
  presets="modelcheck"
fi
read -r -a preset_list <<<"$presets"
if [ "${#preset_list[@]}" -eq 0 ]; then
  echo "run_tests.sh: error: --presets is empty" >&2
  exit 2
fi
for p in "${preset_list[@]}"; do
  case "$p" in
    release | debug | asan | tsan | modelcheck) ;;
    *)
      echo "run_tests.sh: error: unknown preset '$p' (expected release, debug, asan, tsan or modelcheck)" >&2
      exit 2
      ;;
  esac
done

# Sanitizer runtime options. Options already in the environment are appended, and the
# sanitizers let a later key override an earlier one, so the caller's values win.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

# ---------------------------------------------------------------- stage bookkeeping
stage_names=()
stage_results=()
stage_times=()
passed=0
failed=0

# Wall clock in microseconds (bash 5's EPOCHREALTIME; whole seconds on older bash).
now_us() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo "$((10#$t))"
  else
    echo "$((SECONDS * 1000000))"
  fi
}
# secs_since START_US: elapsed seconds with one decimal.
secs_since() {
  local d=$(($(now_us) - $1))
  printf '%d.%d' "$((d / 1000000))" "$((d % 1000000 / 100000))"
}
run_start="$(now_us)"

print_summary() {
  local i
  echo
  echo "================================================================ summary"
  printf '%-32s %-8s %10s\n' "stage" "result" "seconds"
  printf '%-32s %-8s %10s\n' "--------------------------------" "--------" "----------"
  for i in "${!stage_names[@]}"; do
    printf '%-32s %-8s %10s\n' "${stage_names[$i]}" "${stage_results[$i]}" "${stage_times[$i]}"
  done
  printf '%-32s %-8s %10s\n' "total" "" "$(secs_since "$run_start")"
  print_pairing_cost
  echo
  echo "${passed} passed, ${failed} failed"
}

# The compile cost of one pairing: each pairing is compiled in one generated file of its own, its
# dispatch entry (cmake/smrlab_pairings.cmake), which the sweep and every test layer use; the
# duration of ${cost_pairing}'s file, from the .ninja_log of each preset built (the last time it
# was compiled; a ccache hit shows as almost nothing).
cost_pairing="ebr__treiber_stack"
print_pairing_cost() {
  local p log
  for p in "${preset_list[@]}"; do
    log="$ROOT/build/$p/.ninja_log"
    [ -f "$log" ] || continue
    echo
    echo "compile cost of one pairing ($cost_pairing, $p, seconds per generated file):"
    # Only the outputs of the current build graph (the log keeps those of earlier layouts).
    ninja -C "$ROOT/build/$p" -t targets all 2>/dev/null | cut -d: -f1 |
      awk -v id="__${cost_pairing}.cpp.o" '
      FNR == NR { if (index($1, id)) current[$1] = 1; next }
      FNR > 1 && ($4 in current) { ms[$4] = $2 - $1 }
      END {
        total = 0
        for (f in ms) {
          n = split(f, parts, "/"); printf "  %-60s %8.1f\n", parts[n], ms[f] / 1000
          total += ms[f]
        }
        printf "  %-60s %8.1f\n", "sum over its files", total / 1000
      }' - "$log"
  done
}

# Remaining stages, listed as skipped when an earlier one fails.
planned=("setup")
for p in "${preset_list[@]}"; do
  planned+=("configure $p" "build $p (compile+link)" "test $p")
done

# run_stage NAME CMD...: banner, run, record; on failure print the summary and exit.
run_stage() {
  local name="$1" start rc=0 elapsed i
  shift
  start="$(now_us)"
  echo
  echo "================================================================ ${name}"
  echo "+ $(printf '%q ' "$@")"
  "$@" || rc=$?
  elapsed="$(secs_since "$start")"
  stage_names+=("$name")
  stage_times+=("$elapsed")
  if [ "$rc" -eq 0 ]; then
    stage_results+=("passed")
    passed=$((passed + 1))
    echo "---------------------------------------------------------------- ${name}: passed (${elapsed}s)"
    return 0
  fi
  stage_results+=("FAILED")
  failed=$((failed + 1))
  echo "---------------------------------------------------------------- ${name}: FAILED, exit ${rc} (${elapsed}s)"
  for ((i = ${#stage_names[@]}; i < ${#planned[@]}; i++)); do
    stage_names+=("${planned[$i]}")
    stage_results+=("skipped")
    stage_times+=("-")
  done
  print_summary
  exit "$rc"
}

# TSan in g++ 12 cannot map its shadow memory when the kernel randomises mmap with
# more than 28 bits ("FATAL: ThreadSanitizer: unexpected memory mapping"); running
# the tests with ASLR off avoids it where setarch is allowed.
tsan_prefix=()
rnd_bits="$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)"
if [ "$rnd_bits" -gt 28 ] && command -v setarch >/dev/null 2>&1 &&
  setarch "$(uname -m)" -R true >/dev/null 2>&1; then
  tsan_prefix=(setarch "$(uname -m)" -R)
fi

echo "smrlab tests: presets '${preset_list[*]}', build jobs ${jobs}, test jobs ${test_jobs}"
echo "ASAN_OPTIONS=${ASAN_OPTIONS}"
echo "UBSAN_OPTIONS=${UBSAN_OPTIONS}"
echo "TSAN_OPTIONS=${TSAN_OPTIONS}"
if [ "${#tsan_prefix[@]}" -gt 0 ]; then
  echo "TSan tests run under: ${tsan_prefix[*]} (vm.mmap_rnd_bits=${rnd_bits})"
fi

run_stage "setup" "$ROOT/scripts/setup.sh"
if [ -n "$plugin_dir" ]; then
  # The plugin's pairings alone (ctest label modelcheck_plugin, tests/modelcheck/CMakeLists.txt).
  plugin_build="$ROOT/build/modelcheck-plugin"
  run_stage "configure modelcheck" cmake --preset modelcheck -B "$plugin_build" \
    -DSMRLAB_PLUGIN_DIRS="$plugin_dir"
  run_stage "build modelcheck (compile+link)" cmake --build "$plugin_build" \
    --target smrlab_modelcheck --parallel "$jobs"
  run_stage "test modelcheck" ctest --test-dir "$plugin_build" -L modelcheck_plugin \
    --no-tests=error --output-on-failure --parallel "$test_jobs"
  print_summary
  exit 0
fi
for p in "${preset_list[@]}"; do
  py="$("$ROOT/scripts/find_python.sh" --with-pytest)" || exit 1
  run_stage "configure $p" cmake --preset "$p" -DSMRLAB_PLUGIN_DIRS="$ROOT/examples/plugins" \
    -DSMRLAB_PYTHON="$py"
  run_stage "build $p (compile+link)" cmake --build --preset "$p" --parallel "$jobs"
  test_cmd=(ctest --preset "$p" --parallel "$test_jobs")
  case "$p" in
    asan) test_cmd+=(-L 'unit|conformance') ;;
    tsan) test_cmd=("${tsan_prefix[@]+"${tsan_prefix[@]}"}" "${test_cmd[@]}" -L 'unit|conformance') ;;
  esac
  run_stage "test $p" "${test_cmd[@]}"
done

print_summary
