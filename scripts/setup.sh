#!/usr/bin/env bash
# smrlab shared set-up: make sure every Debian package the build, the tests and the
# plots need is installed. Used by run_tests.sh and run_experiments.sh; safe to run
# on its own or to source (when sourced it returns its status instead of exiting and
# leaves the caller's shell options alone).
#
# Installed already: one dpkg-query call, well under a second, prints nothing unless
# --verbose. Missing packages: as root, apt-get installs them; otherwise the exact
# command to run is printed and the status is 1.

# The Debian packages that ./run_experiments.sh and ./run_tests.sh need, from the build
# (CMakeLists.txt's find_package/pkg_check_modules, the peers, ccache) to the figures and
# the Python tests (qemu-user: a CPU without cmpxchg16b for tests/cli/test_cmpxchg16b.py).
# One list: the check, the install and --help all read it.
smrlab_required_packages=(
  cmake ninja-build g++ pkg-config ccache
  libbenchmark-dev libgtest-dev libhwloc-dev libjemalloc-dev libmimalloc-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libfmt-dev librapidcheck-dev
  liburcu-dev libcds-dev libboost-context-dev
  python3-matplotlib python3-pandas python3-pytest hwloc qemu-user
)

smrlab_setup_usage() {
  cat <<'USAGE'
Usage: scripts/setup.sh [--check] [--verbose] [--help]

Checks that the Debian packages smrlab needs are installed:
USAGE
  printf '%s\n' "${smrlab_required_packages[*]}" | fold -s -w 86 | sed 's/ *$//; s/^/  /'
  cat <<'USAGE'

If some are missing:
  as root      runs `apt-get update` and
               `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ...`
  otherwise    prints the `sudo apt-get install -y ...` command to run, exits 1

Options:
  --check      only check; never install (exit 1 when something is missing)
  --verbose    also say so when everything is installed
  --help       show this help

Exit status: 0 all installed (or installed now), 1 missing or install failed,
2 bad usage.
USAGE
}

smrlab_setup() {
  local check_only=0 verbose=0
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --check) check_only=1 ;;
      --verbose) verbose=1 ;;
      -h | --help)
        smrlab_setup_usage
        return 0
        ;;
      *)
        echo "setup.sh: error: unknown option '$1' (see --help)" >&2
        return 2
        ;;
    esac
    shift
  done

  local -a required=("${smrlab_required_packages[@]}")

  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup.sh: error: dpkg-query not found; smrlab's set-up expects Debian or Ubuntu." >&2
    echo "setup.sh: install the equivalents of: ${required[*]}" >&2
    return 1
  fi

  # One call for all packages. Packages dpkg has never heard of are reported on
  # stderr and simply do not appear in the output, so they count as missing too.
  local installed
  installed="$(dpkg-query -W -f='${Package}\t${Status}\n' "${required[@]}" 2>/dev/null || true)"

  # The installed ones, as a set. No `printf | grep -q` pipeline: grep -q exits at the first
  # match, printf's next write then dies of SIGPIPE, and under pipefail (this script's strict
  # mode) the package would count as missing although it is installed.
  local -A is_installed=()
  local line
  while IFS= read -r line; do
    case "$line" in *"	install ok installed") is_installed["${line%%	*}"]=1 ;; esac
  done <<<"$installed"

  local -a missing=()
  local pkg
  for pkg in "${required[@]}"; do
    if [ -z "${is_installed[$pkg]:-}" ]; then
      missing+=("$pkg")
    fi
  done

  if [ "${#missing[@]}" -eq 0 ]; then
    if [ "$verbose" -eq 1 ]; then
      echo "setup.sh: all ${#required[@]} required packages are installed."
    fi
    return 0
  fi

  echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
  if [ "$check_only" -eq 1 ]; then
    return 1
  fi

  if [ "$(id -u)" -eq 0 ]; then
    echo "setup.sh: installing them with apt-get (running as root)..." >&2
    if ! apt-get update; then
      echo "setup.sh: error: 'apt-get update' failed." >&2
      return 1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
      echo "setup.sh: error: apt-get install failed for: ${missing[*]}" >&2
      return 1
    fi
    echo "setup.sh: installed: ${missing[*]}" >&2
    return 0
  fi

  echo "setup.sh: not running as root; install them with:" >&2
  echo "  sudo apt-get update" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  return 1
}

# Sourced: run and return the status (no exit, no `set -e` imposed on the caller).
# Run: strict mode and exit with the status.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  smrlab_setup "$@"
  return $?
else
  set -euo pipefail
  smrlab_setup "$@"
  exit $?
fi
