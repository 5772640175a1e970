#!/usr/bin/env bash
# Configures and builds dongbo into a build directory.
#   scripts/build.sh [BUILD_DIR [extra cmake args...]]   (default: build)
# A build directory configured with other arguments (say, another compiler)
# is started afresh: CMake would otherwise drop the -D options when it
# resets a cache for a new compiler, silently building without them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}; shift || true
args="-DCMAKE_BUILD_TYPE=RelWithDebInfo $*"
stamp="$top/$dir/.dongbo-configure-args"
if [ -d "$top/$dir" ] && [ "$(cat "$stamp" 2>/dev/null)" != "$args" ]; then
  rm -rf "${top:?}/$dir"
fi
# shellcheck disable=SC2086 # args are cmake options, split on purpose
cmake -S "$top" -B "$top/$dir" $args >/dev/null
printf '%s' "$args" > "$stamp"
cmake --build "$top/$dir" -j"$(nproc)"
