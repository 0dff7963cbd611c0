#!/usr/bin/env bash
# Client instructions per request, deterministic: each client runs N1 and then N2
# sequential requests under `valgrind --tool=callgrind` against the bench server
# (not under valgrind); (Ir(N2) - Ir(N1)) / (N2 - N1) is its per-request cost.
# A variant runs pooled; `<variant>/unpooled` opens a connection per request (to
# the server's port that closes them) and is compared with raw-hyper/unpooled.
#
#   bash benches/callgrind.sh [N1] [N2] [variants...]
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-500}
n2=${2:-1500}
shift $(( $# > 2 ? 2 : $# )) || true
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(raw-hyper sessio sessio-full reqwest raw-hyper/unpooled sessio/unpooled)

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
cargo build --release -q -p sessio-benches --bin compare
bin=target/release/compare
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

SESSIO_BENCH_PINNED=1 "$bin" server > "$work/endpoints" &
server=$!
for _ in $(seq 50); do [ -s "$work/endpoints" ] && grep -q '^CA ' "$work/endpoints" && break; sleep 0.1; done
pooled_url="http://$(awk '/^PLAIN /{print $2}' "$work/endpoints")/"
unpooled_url="http://$(awk '/^PLAIN_CLOSE /{print $2}' "$work/endpoints")/"

instructions() { # variant[/unpooled] requests
  local out="$work/cg.${1//\//.}.$2" name=${1%/unpooled} url=$pooled_url extra=()
  if [ "$name" != "$1" ]; then url=$unpooled_url; extra=(--unpooled); fi
  SESSIO_BENCH_PINNED=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" run --variant "$name" --requests "$2" --url "$url" "${extra[@]}" >/dev/null 2>&1
  awk '/^summary:/{print $2}' "$out"
}

# Each row is compared with the first raw-hyper row of its kind (pooled or not).
printf '| client | instructions/request | × raw hyper |\n|---|---:|---:|\n'
declare -A base
for v in "${variants[@]}"; do
  kind=pooled; [ "${v%/unpooled}" != "$v" ] && kind=unpooled
  a=$(instructions "$v" "$n1")
  b=$(instructions "$v" "$n2")
  per=$(( (b - a) / (n2 - n1) ))
  [ -n "${base[$kind]:-}" ] || base[$kind]=$per
  printf '| %s | %d | %s |\n' "$v" "$per" "$(awk -v p="$per" -v b="${base[$kind]}" 'BEGIN{printf "%.2f", p/b}')"
done
