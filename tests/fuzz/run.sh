#!/usr/bin/env bash
# run.sh [SECONDS] -- builds the libFuzzer targets with clang (BUILD_DIR,
# default build-fz-clang: -DDONGBO_FUZZ=ON, libFuzzer + ASan + UBSan, only
# the fuzz targets) and fuzzes each for SECONDS (default 60), FUZZ_JOBS at a
# time (default: the number of cores), each on a copy of its seed corpus in
# BUILD_DIR/fuzz-run/TARGET/ (tests/fuzz/corpus/ is never written).  Every
# input is bounded: -timeout=10 s, -rss_limit_mb=2048.  scripts/test.sh
# runs it in CI with SECONDS 20.
#
# Prints per target: seconds, executions, coverage (cov: and ft: of
# libFuzzer's last status line), corpus size at the end, findings.
# Findings (crash-*, leak-*, timeout-*, oom-*, or a sanitizer report or a
# non-zero exit in the log) stay in BUILD_DIR/fuzz-run/TARGET/; keep one
# under tests/fuzz/crashes/ and replay it with
#     build/tests/fuzz/replay_TARGET tests/fuzz/crashes/FILE
# Exits 1 when any target found something (or its log is missing).
set -euo pipefail
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-build-fz-clang}
jobs=${FUZZ_JOBS:-$(nproc)}
targets=(fuzz_sync_request fuzz_ctl_request fuzz_config fuzz_catalog
  fuzz_units fuzz_csv_import)

# Only the fuzz targets: the rest is built and tested by the other builds.
cmake -S "$top" -B "$top/$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DDONGBO_FUZZ=ON >/dev/null
cmake --build "$top/$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

runs="$top/$build/fuzz-run"
rm -rf "$runs"

fuzz_one() {
  local t=$1 dir="$runs/$1" rc=0
  mkdir -p "$dir/corpus" "$dir/tmp"
  cp "$top/tests/fuzz/corpus/$t/"* "$dir/corpus/"
  # Inputs run in one process, so a node target's store persists between
  # them; one process per target keeps the stores apart, and TMPDIR keeps
  # a crashed node's directory in the run's.
  (cd "$dir" && TMPDIR="$dir/tmp" "$top/$build/tests/fuzz/$t" \
     -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
     -artifact_prefix="$dir/" -print_final_stats=1 corpus \
     >"$dir/log" 2>&1) || rc=$?
  echo "$rc" >"$dir/exit"
}

for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  fuzz_one "$t" &
done
wait

found=0
printf '%-18s %7s %10s %8s %8s %8s  %s\n' target seconds execs cov ft corpus \
  findings
for t in "${targets[@]}"; do
  dir="$runs/$t"
  log="$dir/log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null \
    | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" 2>/dev/null | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | cut -d' ' -f2 || true)
  corpus=$(find "$dir/corpus" -type f 2>/dev/null | wc -l)
  arts=$(cd "$dir" 2>/dev/null && ls -d crash-* leak-* timeout-* oom-* \
    2>/dev/null || true)
  rc=$(cat "$dir/exit" 2>/dev/null || echo missing)
  if [ -n "$arts" ] || [ "$rc" != 0 ] ||
     grep -q 'ERROR: \(AddressSanitizer\|libFuzzer\|LeakSanitizer\)\|runtime error' \
       "$log" 2>/dev/null; then
    found=1
    note="FOUND: ${arts:-exit $rc, see $log}"
  else
    note=none
  fi
  printf '%-18s %7s %10s %8s %8s %8s  %s\n' "$t" "$secs" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "$corpus" "$note"
  if [ "$note" != none ]; then
    echo "---- $t: the end of $log"
    tail -30 "$log" 2>/dev/null || true
  fi
done
exit $found
