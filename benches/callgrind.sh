#!/usr/bin/env bash
# Client instructions per request, deterministic: each client runs N1 and then N2
# sequential requests under `valgrind --tool=callgrind` against the bench server
# (not under valgrind); (Ir(N2) - Ir(N1)) / (N2 - N1) is its per-request cost.
# A variant runs pooled HTTP/1.1; `<variant>/unpooled` opens a connection per
# request (to the server's port that closes them); `<variant>/h2` speaks HTTP/2
# (h2c, prior knowledge) on one connection. Each row is compared with raw
# hyper-util (`raw-hyper`) and with the floor (`hyper-conn`: hyper's own
# connections and a Mutex<Vec> pool) of the same kind, when they were measured.
#
#   bash benches/callgrind.sh [N1] [N2] [variants...]
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-500}
n2=${2:-1500}
shift $(( $# > 2 ? 2 : $# )) || true
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(
  raw-hyper hyper-conn sessio sessio-full sessio-cached reqwest
  raw-hyper/unpooled hyper-conn/unpooled sessio/unpooled
  raw-hyper/h2 hyper-conn/h2 sessio/h2
)

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

instructions() { # variant[/unpooled|/h2] requests
  local out="$work/cg.${1//\//.}.$2" name=${1%/*} kind=${1#*/} url=$pooled_url extra=()
  [ "$name" = "$1" ] && kind=pooled
  case $kind in
    unpooled) url=$unpooled_url; extra=(--unpooled) ;;
    h2) extra=(--http2) ;;
  esac
  SESSIO_BENCH_PINNED=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" run --variant "$name" --requests "$2" --url "$url" "${extra[@]}" >/dev/null 2>&1
  awk '/^summary:/{print $2}' "$out"
}

declare -A per
for v in "${variants[@]}"; do
  a=$(instructions "$v" "$n1")
  b=$(instructions "$v" "$n2")
  per[$v]=$(( (b - a) / (n2 - n1) ))
done

ratio() { # value base-variant
  local base=${per[$2]:-}
  [ -n "$base" ] && awk -v p="$1" -v b="$base" 'BEGIN{printf "%.2f", p/b}' || printf '–'
}
printf '| client | instructions/request | × raw hyper | × floor |\n|---|---:|---:|---:|\n'
for v in "${variants[@]}"; do
  kind=${v#*/}; [ "$kind" = "$v" ] && suffix="" || suffix="/$kind"
  printf '| %s | %d | %s | %s |\n' "$v" "${per[$v]}" "$(ratio "${per[$v]}" "raw-hyper$suffix")" "$(ratio "${per[$v]}" "hyper-conn$suffix")"
done
