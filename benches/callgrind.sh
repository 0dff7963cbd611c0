#!/usr/bin/env bash
# Client instructions per request, deterministic: each client runs N1 and then N2
# sequential pooled requests under `valgrind --tool=callgrind` against the bench
# server (not under valgrind); (Ir(N2) - Ir(N1)) / (N2 - N1) is its per-request cost.
#
#   bash benches/callgrind.sh [N1] [N2] [variants...]
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-500}
n2=${2:-1500}
shift $(( $# > 2 ? 2 : $# )) || true
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(raw-hyper sessio sessio-full reqwest)

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
cargo build --release -q -p sessio-benches --bin compare
bin=target/release/compare
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

SESSIO_BENCH_PINNED=1 "$bin" server > "$work/endpoints" &
server=$!
for _ in $(seq 50); do [ -s "$work/endpoints" ] && grep -q '^CA ' "$work/endpoints" && break; sleep 0.1; done
url="http://$(awk '/^PLAIN /{print $2}' "$work/endpoints")/"

instructions() { # variant requests
  local out="$work/cg.$1.$2"
  SESSIO_BENCH_PINNED=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" run --variant "$1" --requests "$2" --url "$url" >/dev/null 2>&1
  awk '/^summary:/{print $2}' "$out"
}

printf '| client | instructions/request | × raw hyper |\n|---|---:|---:|\n'
base=""
for v in "${variants[@]}"; do
  a=$(instructions "$v" "$n1")
  b=$(instructions "$v" "$n2")
  per=$(( (b - a) / (n2 - n1) ))
  [ -n "$base" ] || base=$per
  printf '| %s | %d | %s |\n' "$v" "$per" "$(awk -v p="$per" -v b="$base" 'BEGIN{printf "%.2f", p/b}')"
done
