#!/usr/bin/env bash
# SEC-10, coverage-guided fuzzing: builds the cargo-fuzz targets (libFuzzer, AddressSanitizer,
# nightly toolchain) and runs each with a 1 s timeout per input and 2 GiB limits on RSS and on any
# single allocation. Any crash, timeout or out-of-memory fails the run; its input is kept under
# fuzz/artifacts/<target>/. Prints, per target: inputs run, time, slowest input, peak RSS.
#
# Usage: fuzz/run.sh [--seconds N | --runs N] [--jobs J] [target ...]
#   --seconds N   fuzz each target for N seconds (default 60, what CI runs)
#   --runs N      fuzz each target for N inputs instead (the soak: --runs 10000000)
#   --jobs J      targets fuzzed at once (default 2)
# Seeds come from fuzz/seeds/<target>/; the growing corpus lives in fuzz/corpus/<target>/.
# The build goes to $OBLAKO_FUZZ_TARGET_DIR (default ~/.cache/oblako/fuzz-target), outside the
# clone, so a machine builds the dependencies once rather than in every fresh clone CI makes.
# cargo-fuzz is installed with `cargo +nightly install cargo-fuzz --locked` when missing.
# CI=true makes a missing nightly toolchain a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")"

mode=(-max_total_time=60)
label="60 s"
jobs=2
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) mode=(-max_total_time="$2"); label="$2 s"; shift 2 ;;
    --runs) mode=(-runs="$2"); label="$2 inputs"; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(params_json params_form cryptogram notification_url payer_forms)

skip() {
  if [ "${CI:-}" = true ]; then
    echo "fuzz: FAILED: $1 (required when CI=true)"
    exit 1
  fi
  echo "fuzz: skipped: $1 (CI=true makes this a failure)"
  exit 0
}

cargo +nightly --version >/dev/null 2>&1 || skip "no nightly toolchain (rustup toolchain install nightly)"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo +nightly install cargo-fuzz --locked --quiet || skip "cargo-fuzz could not be installed"
fi

export CARGO_INCREMENTAL=0
target_dir=${OBLAKO_FUZZ_TARGET_DIR:-$HOME/.cache/oblako/fuzz-target}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$SECONDS
cargo +nightly fuzz build --target-dir "$target_dir" >"$logs/build.log" 2>&1 || { tail -n 60 "$logs/build.log"; echo "fuzz: build failed"; exit 1; }
echo "fuzz: built in $((SECONDS - started)) s"

run_one() {
  local target=$1 rc=0
  mkdir -p "corpus/$target" "artifacts/$target" "seeds/$target"
  cargo +nightly fuzz run --target-dir "$target_dir" "$target" "corpus/$target" "seeds/$target" -- \
    "${mode[@]}" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
    >"$logs/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$logs/$target.rc"
}

started=$SECONDS
running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

echo "fuzz: ${label} per target, -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048"
status=0
for target in "${targets[@]}"; do
  log="$logs/$target.log"
  if [ "$(cat "$logs/$target.rc")" = 0 ]; then result=ok; else result=FAILED; status=1; fi
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
  printf 'fuzz %-17s %s: %s inputs in %s s, slowest input %s s, peak RSS %s MB, %s new corpus units\n' \
    "$target" "$result" "$(stat number_of_executed_units)" "$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)" \
    "$(stat slowest_unit_time_sec)" "$(stat peak_rss_mb)" "$(stat new_units_added)"
  if [ "$result" = FAILED ]; then
    grep -E 'ERROR|panicked|Test unit written|SUMMARY' "$log" | head -20
  fi
done
echo "fuzz: fuzzed in $((SECONDS - started)) s"
exit $status
