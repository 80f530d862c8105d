#!/usr/bin/env bash
# Runs the real client libraries against a real `oblako` process on loopback: the PyPI
# `cloudpayments` client (compat/python), then the npm one (compat/node: foundation.mjs, then the
# payments, subscriptions and orders scenarios) when node and npm exist; then the notification scenarios
# (compat/python/notify.py, compat/node/notify.mjs), which need the worker `oblako serve` runs and
# go last so the earlier scripts run with the site's notifications off.
# Usage: compat/run.sh [path/to/oblako]   (default: target/debug/oblako, built if missing)
# CI=true makes a missing node or npm a failure instead of a skipped check.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/oblako}
[ -x "$bin" ] || cargo build --bin oblako
venv=target/compat-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r compat/python/requirements.txt

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OBLAKO_DATA_DIR="$work/data" OBLAKO_LISTEN="127.0.0.1:$port" OBLAKO_LOG_FORMAT=json
base="http://127.0.0.1:$port"

site=$("$bin" site create --name Compat --json)
public_id=$(printf '%s' "$site" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test"]["public_id"])')
secret=$(printf '%s' "$site" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test"]["api_secret"])')
site_id=$(printf '%s' "$site" | python3 -c 'import json,sys; print(json.load(sys.stdin)["site_id"])')

"$bin" serve >"$work/stdout.log" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null || { echo "oblako did not become ready"; cat "$work/server.log"; exit 1; }

status=0
"$venv/bin/python" compat/python/foundation.py "$base" "$public_id" "$secret" || status=1
"$venv/bin/python" compat/python/payments.py "$base" "$public_id" "$secret" "$bin" || status=1
"$venv/bin/python" compat/python/orders.py "$base" "$public_id" "$secret" "$bin" || status=1
"$venv/bin/python" compat/python/subscriptions.py "$base" "$public_id" "$secret" "$bin" || status=1

node_dir=compat/node
have_node=false
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  have_node=true
  # npm ci again only when node_modules is missing or was installed from another lock file.
  stamp=$node_dir/node_modules/.oblako-installed-lock
  if ! cmp -s "$node_dir/package-lock.json" "$stamp"; then
    (cd "$node_dir" && npm ci --silent --no-audit --no-fund)
    cp "$node_dir/package-lock.json" "$stamp"
  fi
  node "$node_dir/foundation.mjs" "$base" "$public_id" "$secret" || status=1
  # Cryptograms come from `$bin cryptogram --base-url`; OBLAKO_DATA_DIR is exported above.
  node "$node_dir/payments.mjs" "$base" "$public_id" "$secret" "$bin" || status=1
  node "$node_dir/subscriptions.mjs" "$base" "$public_id" "$secret" "$bin" || status=1
  node "$node_dir/orders.mjs" "$base" "$public_id" "$secret" || status=1
elif [ "${CI:-}" = true ]; then
  echo "compat-node: FAILED: node and npm are required when CI=true (install Node.js 18+ with npm)"
  status=1
else
  echo "compat-node: skipped: node or npm not found on PATH (CI=true makes this a failure)"
fi

# Notifications delivered by the running server to receivers on 127.0.0.1. Each script points the
# site's notifications at its own receiver and switches them off again when done.
"$venv/bin/python" compat/python/notify.py "$base" "$public_id" "$secret" "$bin" || status=1
if $have_node; then
  # The site id is for `$bin site notification-set --kind Check` (Check is not settable by API).
  node "$node_dir/notify.mjs" "$base" "$public_id" "$secret" "$bin" "$site_id" || status=1
elif [ "${CI:-}" = true ]; then
  echo "compat-node-notify: FAILED: node and npm are required when CI=true"
  status=1
else
  echo "compat-node-notify: skipped: node or npm not found on PATH"
fi
exit $status
