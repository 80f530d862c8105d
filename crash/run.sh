#!/usr/bin/env bash
# Kill -9 under load, nothing lost, nothing invented.
# Runs crash/crash1.py against a real `oblako serve` on SQLite (one node), then on a fresh
# PostgreSQL database (two nodes, one killed at a time); see docs/reliability.md.
# Usage: crash/run.sh [path/to/oblako]   (default: target/debug/oblako, built if missing)
# The PostgreSQL server is ${OBLAKO_TEST_PG_URL%/*} (default postgres://postgres@127.0.0.1:5432);
# without it the second run is skipped, or fails when CI=true. Each run stops itself after
# 115 s (and is killed after 120 s), so the suite ends within 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/oblako}
[ -x "$bin" ] || cargo build --bin oblako
pg_url=${OBLAKO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_server=${pg_url%/*}

status=0
timeout -k 5 120 python3 crash/crash1.py "$bin" --backend sqlite --budget 115 || status=1
timeout -k 5 120 python3 crash/crash1.py "$bin" --backend postgres --pg-url "$pg_server" \
  --budget 115 || status=1
exit $status
