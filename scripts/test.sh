#!/usr/bin/env bash
# Runs every dongbo test: installs what is missing, builds, and runs the
# whole ctest suite (unit + multi-node integration) twice -- once in a plain
# build, once with AddressSanitizer + UndefinedBehaviorSanitizer -- then
# fuzzes each libFuzzer target for FUZZ_SECONDS (default 20) from the
# committed corpus (tests/fuzz/run.sh; FUZZ_SECONDS=0 skips it).
# Prints each ctest summary, the fuzz table and one closing line counting
# every ctest test of both builds and every fuzz target.
# Exits non-zero on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh

passed=0
failed=0

# Adds ctest's "N% tests passed, F tests failed out of T" in file $1 to
# the totals; a suite that never got to print it counts as one failure.
count_ctest() {
  local line
  line=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$1" | tail -1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    return
  fi
  set -- $line
  failed=$((failed + $1))
  passed=$((passed + $2 - $1))
}

run_suite() {
  local dir=$1 rc=0; shift
  echo "== $dir: build"
  mkdir -p "$dir"
  : >"$dir/ctest.out"
  if scripts/build.sh "$dir" "$@"; then
    echo "== $dir: ctest"
    (cd "$dir" && ctest --output-on-failure -j2 --timeout 300) 2>&1 |
      tee "$dir/ctest.out" || rc=1
  else
    rc=1
  fi
  count_ctest "$dir/ctest.out"
  return $rc
}

status=0
run_suite build || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DDONGBO_SANITIZE=ON -DCMAKE_C_COMPILER=clang || status=1

fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== build-fz-clang: fuzz each target for $fuzz_seconds s"
  fuzz_out=$(mktemp)
  fuzz_rc=0
  tests/fuzz/run.sh "$fuzz_seconds" | tee "$fuzz_out" || fuzz_rc=1
  # The table's rows: "fuzz_NAME SECONDS ... none" or "... FOUND: ...".
  n_ok=$(awk '/^fuzz_[a-z_]+ +[0-9]+ / && $NF == "none"' "$fuzz_out" | wc -l)
  n_bad=$(awk '/^fuzz_[a-z_]+ +[0-9]+ / && / FOUND: /' "$fuzz_out" | wc -l)
  rm -f "$fuzz_out"
  if [ "$fuzz_rc" -ne 0 ]; then
    status=1
    [ "$n_bad" -eq 0 ] && n_bad=1
  fi
  passed=$((passed + n_ok))
  failed=$((failed + n_bad))
fi

echo "== ctest (plain and ASan builds) and fuzz targets"
echo "total: $passed passed, $failed failed"
exit $status
