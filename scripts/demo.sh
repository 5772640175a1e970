#!/usr/bin/env bash
# The sample federation: Tỉnh Bắc Giang (24) with two of its real districts
# and three real communes under each, from data/dvhc-2025-03.tsv.  Every
# node is its own dongbod process on 127.0.0.1 in its own directory, and
# every link is mutual TLS (tls+tcp://): the demo makes a certificate
# authority for the province and a certificate per node with
# scripts/pki.sh, the openssl commands of the README.
#
# It installs what is missing, builds, starts the 9 nodes, imports the 2022
# figures of scripts/sample-2022.csv at communes, districts and the
# province (each node its own units), waits until they have flowed up,
# prints the province roll-up (total, by level, by district), the filled
# official forms II.06c and Bộ Nội vụ Biểu mẫu 3, the consistency check
# (which finds the stated total that disagrees with its units, as in the
# real 2022 report), every node's sync state, shows a correction
# travelling up, and stops every node cleanly.
#
# Environment: DONGBO_DEMO_DIR (default: a new temporary directory, kept
# afterwards so you can look around), DONGBO_DEMO_PORT (default 17400; the
# demo uses three consecutive ports).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh
echo "Building dongbo..."
scripts/build.sh build
bin="$top/build"
dongbo="$bin/cli/dongbo"
dongbod="$bin/daemon/dongbod"

work=${DONGBO_DEMO_DIR:-$(mktemp -d /tmp/dongbo-demo.XXXXXX)}
port=${DONGBO_DEMO_PORT:-17400}
mkdir -p "$work/logs"

province=24
districts=(213 215)
declare -A communes=([213]="07201 07207 07210" [215]="07243 07246 07249")
declare -A listen_port=([24]=$port [213]=$((port + 1)) [215]=$((port + 2)))
indicators=(hs_nhan_truc_tuyen hs_nhan_truc_tiep hs_ton_ky_truoc
  hs_giai_quyet_truoc_han hs_giai_quyet_dung_han hs_giai_quyet_qua_han
  hs_dang_giai_quyet_trong_han hs_dang_giai_quyet_qua_han)

all_units=("$province")
for d in "${districts[@]}"; do all_units+=("$d" ${communes[$d]}); done

declare -A pid
stop_all() {
  for u in "${!pid[@]}"; do kill -TERM "${pid[$u]}" 2>/dev/null || true; done
}
trap stop_all EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "A certificate authority for the province, a certificate per node"
pki="$work/pki"
[ -e "$pki/ca.key" ] || scripts/pki.sh ca "$pki" "dongbo CA tỉnh $province"
for u in "${all_units[@]}"; do
  [ -e "$pki/$u.crt" ] || scripts/pki.sh issue "$pki" "$u"
done
for u in "${all_units[@]}"; do
  printf '  %-6s %s\n' "$u" \
    "$(openssl x509 -in "$pki/$u.crt" -noout -subject -enddate | tr '\n' ' ')"
done
tls_of() { tls=(--ca "$pki/ca.crt" --cert "$pki/$1.crt" --key "$pki/$1.key"); }

say "Creating ${#all_units[@]} nodes in $work"
tls_of "$province"
"$dongbo" init "$work/$province" --unit "$province" "${tls[@]}" \
  --listen "tls+tcp://127.0.0.1:${listen_port[$province]}" >/dev/null
for d in "${districts[@]}"; do
  tls_of "$d"
  "$dongbo" init "$work/$d" --unit "$d" "${tls[@]}" \
    --parent "tls+tcp://127.0.0.1:${listen_port[$province]}" \
    --listen "tls+tcp://127.0.0.1:${listen_port[$d]}" >/dev/null
  for c in ${communes[$d]}; do
    tls_of "$c"
    "$dongbo" init "$work/$c" --unit "$c" "${tls[@]}" \
      --parent "tls+tcp://127.0.0.1:${listen_port[$d]}" >/dev/null
  done
done
for u in "${all_units[@]}"; do
  parent=$(sed -n 's/^url = //p' "$work/$u/dongbo.conf" | head -1)
  printf '  %-6s %s\n' "$u" "${parent:-(top node)}"
done

say "Starting one dongbod per node"
for u in "${all_units[@]}"; do
  "$dongbod" "$work/$u" 2>"$work/logs/$u.log" &
  pid[$u]=$!
done
# Poll each control socket with a deadline until every node answers.
deadline=$((SECONDS + 20))
for u in "${all_units[@]}"; do
  until "$dongbo" -C "$work/$u" status >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "node $u did not start; its log:" >&2
      cat "$work/logs/$u.log" >&2
      exit 1
    fi
    sleep 0.05
  done
done
echo "  ${#all_units[@]} nodes running (logs in $work/logs)"

say "Importing the 2022 figures, each unit's at its own node (dongbo import)"
for u in "${all_units[@]}"; do
  # The unit's rows of the sample, with its header (comments dropped).
  awk -F, -v u="$u" '/^#/ { next } !h { print; h = 1; next } $1 == u' \
    scripts/sample-2022.csv >"$work/import-$u.csv"
  printf '  %-6s ' "$u"
  "$dongbo" -C "$work/$u" import "$work/import-$u.csv"
done

say "Waiting until every figure has reached the province"
start=$EPOCHREALTIME
for d in "${districts[@]}"; do
  for c in ${communes[$d]}; do "$dongbo" -C "$work/$c" wait --timeout 30 >/dev/null; done
done
for d in "${districts[@]}"; do "$dongbo" -C "$work/$d" wait --timeout 30 >/dev/null; done
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "  all acknowledged in %.2f s\n", b - a }'

print_rollups() {
  printf '  %-29s %9s %9s %9s %9s' INDICATOR TOTAL tinh huyen xa
  for d in "${districts[@]}"; do printf ' %9s' "$d"; done
  printf '\n'
  for ind in "${indicators[@]}"; do
    "$dongbo" -C "$work/$province" rollup "$province" "$ind" 2022 --json |
      jq -r --arg d1 "${districts[0]}" --arg d2 "${districts[1]}" \
        '[.indicator, .value, (.by_level.tinh // "-"), (.by_level.huyen // "-"),
          (.by_level.xa // "-"), (.by_child[$d1] // "-"), (.by_child[$d2] // "-")]
         | @tsv' |
      while IFS=$'\t' read -r i v t h x c1 c2; do
        printf '  %-29s %9s %9s %9s %9s %9s %9s\n' "$i" "$v" "$t" "$h" "$x" "$c1" "$c2"
      done
  done
}

say "Province roll-up, 2022, form II.06c (total, by level, by district)"
print_rollups
echo
echo "  Districts: $(for d in "${districts[@]}"; do printf '%s %s; ' "$d" \
  "$("$dongbo" -C "$work/$d" status --json | jq -r .name)"; done)"
echo
echo "  One indicator in full, as \`dongbo rollup\` prints it:"
"$dongbo" -C "$work/$province" rollup "$province" hs_giai_quyet_dung_han 2022 | sed 's/^/    /'

say "The province's official forms, filled from its units' own figures"
"$dongbo" -C "$work/$province" report "$province" 2022 --form II.06c --width 110 | sed 's/^/  /'
echo
"$dongbo" -C "$work/$province" report "$province" 2022 --form BNV-BM3 --width 110 | sed 's/^/  /'

say "Consistency check of the province's subtree (dongbo check)"
# Exit status 1: an error was found -- here on purpose, see the sample.
"$dongbo" -C "$work/$province" check "$province" 2022 | sed 's/^/  /' || true

say "A correction at a commune travels up: 07201 hs_giai_quyet_dung_han 240 -> 245"
before=$("$dongbo" -C "$work/$province" rollup "$province" hs_giai_quyet_dung_han 2022 --json | jq .value)
"$dongbo" -C "$work/07201" put 07201 hs_giai_quyet_dung_han 2022 245
"$dongbo" -C "$work/07201" wait --timeout 30 >/dev/null
"$dongbo" -C "$work/213" wait --timeout 30 >/dev/null
after=$("$dongbo" -C "$work/$province" rollup "$province" hs_giai_quyet_dung_han 2022 --json | jq .value)
echo "  province total: $before -> $after (difference $((after - before)), counted once)"

say "Sync state of every node"
printf '  %-6s %-5s %-10s %7s  %-20s %8s  %s\n' UNIT LEVEL PARENT WAITING "LAST ACK" CHILDREN NAME
for u in "${all_units[@]}"; do
  "$dongbo" -C "$work/$u" status --json |
    jq -r '[.unit, .level,
            (if .parent == null then "top node"
             elif .parent.connected then "connected" else "offline" end),
            (if .parent == null then "-" else (.parent.pending|tostring) end),
            (if .parent == null then "-" else (.parent.last_ack // "never") end),
            (.children|length|tostring), .name] | @tsv' |
    while IFS=$'\t' read -r unit level parent waiting ack kids name; do
      printf '  %-6s %-5s %-10s %7s  %-20s %8s  %s\n' "$unit" "$level" "$parent" "$waiting" "$ack" "$kids" "$name"
    done
done
echo
echo "  The province's own view, as \`dongbo status\` prints it:"
"$dongbo" -C "$work/$province" status | sed 's/^/    /'

say "Stopping every node (SIGTERM)"
trap - EXIT
failed=0
for u in "${all_units[@]}"; do kill -TERM "${pid[$u]}"; done
for u in "${all_units[@]}"; do
  if wait "${pid[$u]}"; then :; else echo "  node $u exited with $?"; failed=1; fi
done
[ $failed -eq 0 ] && echo "  all ${#all_units[@]} nodes stopped cleanly (exit 0)"
echo
echo "Node directories and logs are kept in $work"
echo "Try (after starting: $dongbod $work/$province):"
echo "  $dongbo -C $work/$province report 213 2022 --form II.06c"
echo "  $dongbo -C $work/$province catalog show ty_le_dung_han_bnv"
exit $failed
