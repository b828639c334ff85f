#!/usr/bin/env bash
# Print the path of a Python interpreter that can import what smrlab's plotting needs
# (matplotlib, pandas; plus pytest with --with-pytest).
#
# `python3` on PATH is often a pyenv/venv interpreter without Debian's matplotlib, so
# the system interpreter (/usr/bin/python3, or $SMRLAB_SYSTEM_PYTHON) is tried first,
# then `python3` on PATH. $SMRLAB_PYTHON, when set, is tried before both.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/find_python.sh [--with-pytest] [--help]

Prints the path of a Python interpreter that can `import matplotlib, pandas`
(and `pytest` with --with-pytest). Tries, in order: $SMRLAB_PYTHON (if set),
the system interpreter, `python3` on PATH.

Environment:
  SMRLAB_PYTHON         an interpreter to try first (yours: a venv, a module build)
  SMRLAB_SYSTEM_PYTHON  where the system interpreter, the one Debian's python3-*
                        packages install into, is (default: /usr/bin/python3); the
                        tests point it at a stand-in

Exit status: 0 found (path on stdout), 1 none works (what to install on stderr),
2 bad usage.
USAGE
}

modules="matplotlib, pandas"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --with-pytest) modules="matplotlib, pandas, pytest" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "find_python.sh: error: unknown option '$1' (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

candidates=()
if [ -n "${SMRLAB_PYTHON:-}" ]; then
  candidates+=("$SMRLAB_PYTHON")
fi
candidates+=("${SMRLAB_SYSTEM_PYTHON:-/usr/bin/python3}")
if on_path="$(command -v python3 2>/dev/null)"; then
  candidates+=("$on_path")
fi

tried=()
for py in "${candidates[@]}"; do
  # Skip duplicates (python3 on PATH is often /usr/bin/python3 itself).
  for seen in "${tried[@]+"${tried[@]}"}"; do
    if [ "$seen" = "$py" ]; then
      continue 2
    fi
  done
  tried+=("$py")
  if [ -x "$py" ] && "$py" -c "import ${modules}" >/dev/null 2>&1; then
    printf '%s\n' "$py"
    exit 0
  fi
done

{
  echo "find_python.sh: error: no Python interpreter can 'import ${modules}'."
  echo "find_python.sh: tried: ${tried[*]}"
  echo "find_python.sh: install the Debian packages (as root, or with sudo):"
  echo "  apt-get install python3-matplotlib python3-pandas python3-pytest"
} >&2
exit 1
