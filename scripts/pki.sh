#!/usr/bin/env bash
# The federation's certificates, with openssl (Debian's openssl package).
#
#   scripts/pki.sh ca DIR [NAME]        a certificate authority: DIR/ca.crt
#                                       and DIR/ca.key (keep this one safe)
#   scripts/pki.sh issue DIR UNIT...    a node certificate per unit code:
#                                       DIR/UNIT.crt, DIR/UNIT.key (CN=UNIT)
#
# Every node gets DIR/ca.crt, its own UNIT.crt and UNIT.key, and names them
# in its dongbo.conf ([tls] ca, cert, key).  Keys are EC P-256, unencrypted
# (mode 0600: the node reads its key when it starts).  The commands are the
# ones the README gives.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2
command -v openssl >/dev/null || { echo "pki: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

case $cmd in
ca)
  name=${1:-dongbo CA}
  mkdir -p "$dir"
  if [ -e "$dir/ca.key" ]; then
    echo "pki: $dir/ca.key exists; not replacing an authority" >&2
    exit 1
  fi
  (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 -utf8 \
    -subj "/O=dongbo/CN=$name" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
  chmod 0644 "$dir/ca.crt"
  ;;
issue)
  [ $# -ge 1 ] || usage
  [ -r "$dir/ca.crt" ] && [ -r "$dir/ca.key" ] ||
    { echo "pki: no authority in $dir (run: $0 ca $dir)" >&2; exit 1; }
  ext=$(mktemp)
  trap 'rm -f "$ext"' EXIT
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" >"$ext"
  for unit in "$@"; do
    case $unit in
      ''|*[!0-9A-Za-z_-]*) echo "pki: bad unit code '$unit'" >&2; exit 1 ;;
    esac
    (umask 077 && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
      -nodes -keyout "$dir/$unit.key" -out "$dir/$unit.csr" -utf8 \
      -subj "/O=dongbo/CN=$unit" 2>/dev/null)
    openssl x509 -req -in "$dir/$unit.csr" -CA "$dir/ca.crt" \
      -CAkey "$dir/ca.key" -days 825 -extfile "$ext" \
      -out "$dir/$unit.crt" 2>/dev/null
    rm -f "$dir/$unit.csr"
    chmod 0644 "$dir/$unit.crt"
  done
  ;;
*)
  usage
  ;;
esac
