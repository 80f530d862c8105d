#!/usr/bin/env bash
# The widget's first open, cold and warm (e2e/bench-widget-open.mjs), for one or two builds in the
# same run: BENCH_OBLAKO (default target/release/oblako) and, if set, BENCH_OBLAKO_B. Each build
# gets its own data directory and demo site; the runs alternate A, B, A, B so a noisy neighbour
# hits both. Prints one JSON line per run.
# Usage: bench/widget.sh [RUNS_PER_ROUND] [ROUNDS]   (default 15 and 2)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-15}
rounds=${2:-2}
a=${BENCH_OBLAKO:-target/release/oblako}
b=${BENCH_OBLAKO_B:-}
[ -x "$a" ] || cargo build --release --bin oblako
if [ ! -d e2e/node_modules ]; then (cd e2e && npm ci --silent --no-audit --no-fund); fi

pids=()
trap 'for p in "${pids[@]}"; do stop_server "$p"; done' EXIT
# Starts `oblako serve` of binary $1 with a fresh data directory; sets BASE and PUBLIC_ID.
start() {
    local bin=$1 dir port site
    dir=$(mktemp -d)
    port=$(free_port)
    site=$(OBLAKO_DATA_DIR="$dir" "$bin" site create --name "Bench shop" --json)
    OBLAKO_DATA_DIR="$dir" OBLAKO_LISTEN="127.0.0.1:$port" "$bin" serve >"$dir/log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    BASE="http://127.0.0.1:$port"
    PUBLIC_ID=$(printf '%s' "$site" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test"]["public_id"])')
}
start "$a"; base_a=$BASE; pid_a=$PUBLIC_ID
if [ -n "$b" ]; then start "$b"; base_b=$BASE; pid_b=$PUBLIC_ID; fi
for _ in $(seq "$rounds"); do
    echo "A $a: $(node e2e/bench-widget-open.mjs "$base_a" "$pid_a" "$runs")"
    if [ -n "$b" ]; then echo "B $b: $(node e2e/bench-widget-open.mjs "$base_b" "$pid_b" "$runs")"; fi
done
