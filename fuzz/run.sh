#!/usr/bin/env bash
# Fuzzes every target of this crate for a bounded time each, in turn, and
# stops at the first crash, saying where its input is.
#
#   bash fuzz/run.sh                 # every target, 60 s each
#   bash fuzz/run.sh 30              # every target, 30 s each
#   FUZZ_SECONDS=300 bash fuzz/run.sh netrc proxy
#   bash fuzz/run.sh --replay        # only re-run the saved inputs of regressions/
#
# Needs a nightly toolchain (`rustup toolchain install nightly`); installs
# cargo-fuzz when it is missing. Inputs that found something new are kept in
# corpus/<target>/ (not committed); seeds/<target>/ and dicts/<target>.dict
# are used when present. Exits 0 when no target crashed.
set -euo pipefail

cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
replay_only=false
targets=()
for arg in "$@"; do
  case "$arg" in
    --replay) replay_only=true ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    '' | *[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "run.sh: no nightly toolchain; install one with: rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/cargo-fuzz-build}" cargo install cargo-fuzz --locked
fi

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

echo "== building ${targets[*]}"
for target in "${targets[@]}"; do
  cargo +nightly fuzz build "$target"
done

log="$(mktemp -t sessio-fuzz.XXXXXX)"
trap 'rm -f "$log"' EXIT

# Prints where the input that crashed `target` is, and how to look at it.
report() {
  local target="$1" input
  input="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
  echo
  echo "!! $target crashed"
  grep -m 1 -A 4 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)" "$log" || true
  if [ -n "$input" ]; then
    echo "   input:     fuzz/${input#"$PWD"/}"
    echo "   reproduce: cargo +nightly fuzz run $target ${input#"$PWD"/}   (from fuzz/)"
    echo "   minimize:  cargo +nightly fuzz tmin $target ${input#"$PWD"/}"
    echo "   keep it:   cp it to fuzz/regressions/$target/<what-it-does>"
  else
    echo "   (no input written; the whole output is in the lines above)"
  fi
}

# The saved inputs of past findings: each must pass once its fix is in.
failed=0
for target in "${targets[@]}"; do
  [ -d "regressions/$target" ] || continue
  for input in "regressions/$target"/*; do
    [ -f "$input" ] || continue
    if cargo +nightly fuzz run "$target" "$input" -- -runs=1 >"$log" 2>&1; then
      echo "== $target: $input passes"
    else
      echo "!! $target: $input still fails"
      grep -m 1 -A 3 "panicked at" "$log" || tail -n 5 "$log"
      failed=1
    fi
  done
done
if $replay_only; then
  exit "$failed"
fi

for target in "${targets[@]}"; do
  echo "== fuzzing $target for ${seconds}s"
  mkdir -p "corpus/$target"
  corpora=("corpus/$target")
  [ -d "seeds/$target" ] && corpora+=("seeds/$target")
  options=("-max_total_time=$seconds" "-timeout=10" "-rss_limit_mb=4096" "-print_final_stats=1")
  [ -f "dicts/$target.dict" ] && options+=("-dict=dicts/$target.dict")
  if cargo +nightly fuzz run "$target" "${corpora[@]}" -- "${options[@]}" >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    echo "   no crash: ${runs:-?} runs, corpus $(find "corpus/$target" -type f | wc -l) inputs"
  else
    report "$target"
    exit 1
  fi
done
echo "== no crash in ${#targets[@]} targets (${seconds}s each)"
if [ "$failed" -ne 0 ]; then
  echo "!! but saved regression inputs still fail (above)"
  exit 1
fi
