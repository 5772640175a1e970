#!/usr/bin/env bash
# Runs dongbo's benchmarks on this machine: installs what is missing,
# builds, then runs bench/bench.py for each workload and bench/compare.py
# (the side-by-side with Mosquitto), printing their tables.
#   bench/run.sh                 every workload (about 10 minutes on 2 cores)
#   bench/run.sh standard sweep  only these (standard province catchup
#                                national sweep compare store)
# RUNS (default 3) is the number of runs per figure; the national
# workload (6 million values, several minutes a run) runs NATIONAL_RUNS
# times (default 1) and the sweep once per point.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh
scripts/build.sh build >/dev/null

runs=${RUNS:-3}
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] &&
  workloads=(standard compare sweep province catchup national store)

status=0
for w in "${workloads[@]}"; do
  case "$w" in
    compare) python3 bench/compare.py --pairs "$runs" || status=1 ;;
    store) python3 bench/store_apply.py --runs 5 || status=1 ;;
    sweep) python3 bench/bench.py sweep --runs 1 || status=1 ;;
    national) python3 bench/bench.py national --runs "${NATIONAL_RUNS:-1}" ||
                status=1 ;;
    standard|province|catchup)
      python3 bench/bench.py "$w" --runs "$runs" || status=1 ;;
    *) echo "bench/run.sh: unknown workload '$w'" >&2; exit 2 ;;
  esac
done
exit $status
