#!/usr/bin/env bash
# Configures and builds dongbo into a build directory.
#   scripts/build.sh [BUILD_DIR [extra cmake args...]]   (default: build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}; shift || true
cmake -S "$top" -B "$top/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$top/$dir" -j"$(nproc)"
