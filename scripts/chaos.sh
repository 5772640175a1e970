#!/usr/bin/env bash
# The long chaos run: 13 dongbod processes (1 province, 3 districts, 9
# communes) under continuous entries, corrections and deletions while a
# seeded schedule kills (-9, sometimes SIGTERM) and restarts random nodes;
# then every roll-up at every node must equal the truth recomputed from
# scratch.  Installs what is missing and builds first.
#   scripts/chaos.sh [SECONDS [SEED]]     (default: 600 seconds, a random seed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-600}
scripts/deps.sh
scripts/build.sh build
seed_args=()
if [ -n "${2:-}" ]; then
  seed_args=(--seed "$2")
fi
exec python3 tests/integration/test_chaos.py chaos --duration "$seconds" \
  --dongbod build/daemon/dongbod --dongbo build/cli/dongbo "${seed_args[@]}"
