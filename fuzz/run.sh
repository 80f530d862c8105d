#!/usr/bin/env bash
# Coverage-guided fuzzing: builds the cargo-fuzz targets (libFuzzer, AddressSanitizer,
# nightly toolchain) and runs each with a 1 s timeout per input and 2 GiB limits on RSS and on any
# single allocation. Any crash, timeout or out-of-memory fails the run; its input is kept under
# fuzz/artifacts/<target>/. A timeout is replayed alone first: one that is fast there was a stall
# of the machine, not a slow input, and the target goes on. Prints, per target: inputs run, time,
# slowest input, peak RSS, stalls.
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
[ ${#targets[@]} -gt 0 ] || targets=(params_json params_form cryptogram notification_url payer_forms customer_receipt)

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
# Each clone builds its own copy of the workspace crates there; start afresh past 8 GiB.
if [ -d "$target_dir" ] && [ "$(du -sm "$target_dir" | cut -f1)" -gt 8192 ]; then
  rm -rf "$target_dir"
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$SECONDS
cargo +nightly fuzz build --target-dir "$target_dir" >"$logs/build.log" 2>&1 || { tail -n 60 "$logs/build.log"; echo "fuzz: build failed"; exit 1; }
echo "fuzz: built in $((SECONDS - started)) s"

host=$(rustc +nightly -vV | sed -n 's/^host: //p')

# A timeout whose input runs in under 1 s when replayed alone three times was the machine
# stalling the process (other builds on the two cores), not a slow input: its input is moved to
# artifacts/<target>/stalls/ and the target resumes with what is left of its budget.
spurious_timeout() {
  local target=$1 since=$2 input
  input=$(find "artifacts/$target" -maxdepth 1 -name 'timeout-*' -newer "$since" | head -n1)
  [ -n "$input" ] || return 1
  "$target_dir/$host/release/$target" -timeout=1 -runs=3 "$input" >/dev/null 2>&1 || return 1
  mkdir -p "artifacts/$target/stalls"
  mv "$input" "artifacts/$target/stalls/"
  echo "fuzz $target: a timeout did not reproduce alone (3 runs under 1 s): a stall, resuming" \
    | tee -a "$logs/$target.stalls"
}

run_one() {
  local target=$1 rc=0 start=$SECONDS left=("${mode[@]}") mark remaining
  mkdir -p "corpus/$target" "artifacts/$target" "seeds/$target"
  mark=$(mktemp "$logs/mark.XXXX")
  for attempt in 1 2 3 4; do
    rc=0
    cargo +nightly fuzz run --target-dir "$target_dir" "$target" "corpus/$target" "seeds/$target" -- \
      "${left[@]}" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
      >>"$logs/$target.log" 2>&1 || rc=$?
    [ "$rc" -ne 0 ] && [ "$attempt" -lt 4 ] && spurious_timeout "$target" "$mark" || break
    case "${mode[0]}" in
      -runs=*) remaining=$(( ${mode[0]#-runs=} - $(total "$target" number_of_executed_units) )); left=(-runs=$remaining) ;;
      *) remaining=$(( ${mode[0]#-max_total_time=} - (SECONDS - start) )); left=(-max_total_time=$remaining) ;;
    esac
    # libFuzzer reads 0 as "no limit".
    [ "$remaining" -gt 0 ] || break
  done
  echo "$rc" >"$logs/$target.rc"
  echo $((SECONDS - start)) >"$logs/$target.secs"
}

# The sum, or with `max` the largest, of a final statistic over a target's attempts.
total() {
  sed -n "s/^stat::$2: *//p" "$logs/$1.log" | awk -v max="${3:-}" \
    '{ if (max) { if ($1 > s) s = $1 } else s += $1 } END { print s + 0 }'
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
  if [ "$(cat "$logs/$target.rc")" = 0 ]; then result=ok; else result=FAILED; status=1; fi
  # libFuzzer reports the slowest input in whole seconds: 0 means under 1 s.
  printf 'fuzz %-17s %s: %s inputs in %s s, slowest input %s s, peak RSS %s MB, %s stalls\n' \
    "$target" "$result" "$(total "$target" number_of_executed_units)" \
    "$(cat "$logs/$target.secs")" \
    "$(total "$target" slowest_unit_time_sec max)" "$(total "$target" peak_rss_mb max)" \
    "$(cat "$logs/$target.stalls" 2>/dev/null | wc -l)"
  if [ "$result" = FAILED ]; then
    grep -E 'ERROR|panicked|Test unit written|SUMMARY' "$logs/$target.log" | head -20
  fi
done
echo "fuzz: fuzzed in $((SECONDS - started)) s"
exit $status
