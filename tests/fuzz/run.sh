#!/usr/bin/env bash
# run.sh [SECONDS] -- builds the libFuzzer targets with clang
# (build-fz-clang, -DDONGBO_FUZZ=ON) and fuzzes each for SECONDS (default
# 60), all at once, each on a copy of its seed corpus (tests/fuzz/corpus/
# is never written).  Prints per target: executions, coverage (cov: of
# libFuzzer's last status line) and findings.  Findings (crash-*, leak-*,
# timeout-*, oom-*) stay in build-fz-clang/fuzz-run/TARGET/; keep one under
# tests/fuzz/crashes/ and replay it with
#     build-fz/tests/fuzz/replay_TARGET tests/fuzz/crashes/FILE
# Exits 1 when any target found something.
set -euo pipefail
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=build-fz-clang
targets="fuzz_sync_request fuzz_ctl_request fuzz_config fuzz_catalog
fuzz_units fuzz_csv_import"

"$top/scripts/build.sh" "$build" -DCMAKE_C_COMPILER=clang -DDONGBO_FUZZ=ON \
  >/dev/null
runs="$top/$build/fuzz-run"
rm -rf "$runs"
for t in $targets; do
  mkdir -p "$runs/$t/corpus"
  cp "$top/tests/fuzz/corpus/$t/"* "$runs/$t/corpus/"
  # Inputs run in one process, so a node target's store persists between
  # them; one process per target keeps the stores apart.
  (cd "$runs/$t" && "$top/$build/tests/fuzz/$t" -max_total_time="$secs" \
     -artifact_prefix="$runs/$t/" -print_final_stats=1 corpus \
     >"$runs/$t/log" 2>&1 || true) &
done
wait

found=0
printf '%-20s %8s %12s %8s  %s\n' target seconds execs cov findings
for t in $targets; do
  log="$runs/$t/log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  arts=$(cd "$runs/$t" && ls -d crash-* leak-* timeout-* oom-* 2>/dev/null \
    || true)
  if [ -n "$arts" ] || grep -q 'ERROR: \(AddressSanitizer\|libFuzzer\|LeakSanitizer\)\|runtime error' "$log"; then
    found=1
    note="FOUND: ${arts:-see $log}"
  else
    note=none
  fi
  printf '%-20s %8s %12s %8s  %s\n' "$t" "$secs" "${execs:-?}" "${cov:-?}" \
    "$note"
done
exit $found
