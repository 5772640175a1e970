#!/usr/bin/env bash
# Installs the Debian 12 packages dongbo needs to build, test and run its
# sample federation.  Uses sudo when not root; does nothing when everything
# is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libuv1-dev libnng-dev liblmdb-dev libprotobuf-c-dev protobuf-c-compiler
  libcmocka-dev libinih-dev libcsv-dev libjansson-dev libmbedtls-dev
  python3 jq lmdb-utils openssl gettext groff-base man-db
  mosquitto mosquitto-clients strace
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
