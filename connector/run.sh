#!/usr/bin/env bash
# End-to-end tests of `oblako connector` with real processes (connector/e2e.mjs): a live
# `oblako serve`, a live connector its test site notifies, a backend the driver runs, and headless
# Chromium for /pub/card. Runs on SQLite, then on PostgreSQL when it is reachable.
# Usage: connector/run.sh [path/to/oblako] [test-name-filter]   (default: target/debug/oblako)
# CI=true makes a missing tool (node, Chromium, PostgreSQL) a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/oblako}
filter=${2:-}
chromium=${OBLAKO_E2E_CHROMIUM:-/usr/bin/chromium}
pg_url=${OBLAKO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
skip() {
  if [ "${CI:-}" = true ]; then echo "connector e2e: FAILED: $1 (required when CI=true)"; exit 1; fi
  echo "connector e2e: skipped: $1 (CI=true makes this a failure)"
}
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
  || { skip "node or npm not found on PATH"; exit 0; }
[ -x "$chromium" ] || { skip "no Chromium at $chromium"; exit 0; }
[ -x "$bin" ] || cargo build --bin oblako

# playwright-core comes from e2e/'s lock file, installed as e2e/run.sh does.
stamp=e2e/node_modules/.oblako-installed-lock
if ! cmp -s e2e/package-lock.json "$stamp"; then
  (cd e2e && npm ci --silent --no-audit --no-fund)
  cp e2e/package-lock.json "$stamp"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
OBLAKO_E2E_CHROMIUM="$chromium" node connector/e2e.mjs "$bin" "sqlite://$work/connector.sqlite" "$filter" || status=1

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v psql >/dev/null; then
  db="connector_e2e_$$"
  psql "${pg_url%/*}/postgres" -qc "CREATE DATABASE $db"
  OBLAKO_E2E_CHROMIUM="$chromium" node connector/e2e.mjs "$bin" "${pg_url%/*}/$db" "$filter" || status=1
  psql "${pg_url%/*}/postgres" -qc "DROP DATABASE $db WITH (FORCE)" || true
else
  skip "PostgreSQL is not reachable at 127.0.0.1:5432"
  [ "${CI:-}" = true ] && status=1
fi
exit $status
