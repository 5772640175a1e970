#!/usr/bin/env bash
# Runs every dongbo test: installs what is missing, builds, and runs the
# whole ctest suite (unit + multi-node integration) twice -- once in a plain
# build, once with AddressSanitizer + UndefinedBehaviorSanitizer.
# Exits non-zero on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh

run_suite() {
  local dir=$1; shift
  echo "== $dir: build"
  scripts/build.sh "$dir" "$@"
  echo "== $dir: ctest"
  (cd "$dir" && ctest --output-on-failure -j2 --timeout 300)
}

status=0
run_suite build || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DDONGBO_SANITIZE=ON -DCMAKE_C_COMPILER=clang || status=1
exit $status
