#!/usr/bin/env bash
# Runs the four real client libraries against a real `oblako` process on loopback: the PyPI
# `cloudpayments` client (compat/python), then the npm one (compat/node: foundation.mjs, then the
# payments, subscriptions and orders scenarios) when node and npm exist. Then one payment in every
# status (compat/shared/statuses.py) read back through both, and every reply shape Oblako gives
# (compat/shared/shapes.py) fed to all four clients' parsers (the scan scripts). Then the two
# clients with notification helpers of their own, aiocloudpayments (compat/aiocloudpayments) and
# cloudpayments-sdk (compat/cloudpayments_sdk), through every method they have, and last the
# notification scenarios (compat/python/notify.py, compat/node/notify.mjs). The scripts that need
# the worker `oblako serve` runs go after the others, so those run with the site's notifications
# off. Each Python client has its own virtualenv under target/ (aiocloudpayments needs pydantic 1,
# cloudpayments-sdk pydantic 2). Last, receipts (54-FZ): the PyPI client's create_receipt and
# get_receipt (compat/python/receipts.py), the npm client's ReceiptApi and its handleReceiptRequest
# on the Receipt notifications the server sends (compat/node/receipts.mjs).
# Usage: compat/run.sh [path/to/oblako]   (default: target/debug/oblako, built if missing)
# CI=true makes a missing node or npm, or a virtualenv that cannot be installed, a failure instead
# of a skipped check.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/oblako}
[ -x "$bin" ] || cargo build --bin oblako

# venv NAME REQUIREMENTS: target/compat-venv[-NAME] with REQUIREMENTS installed (again only when
# the file changed since the last install). Prints the venv's python; fails if it cannot install.
venv() {
  local dir=target/compat-venv${1:+-$1}
  local stamp=$dir/.oblako-installed-requirements
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir" >&2 || return 1
  if ! cmp -s "$2" "$stamp"; then
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$2" >&2 || return 1
    cp "$2" "$stamp"
  fi
  echo "$dir/bin/python"
}
py=$(venv "" compat/python/requirements.txt)

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
"$py" compat/python/foundation.py "$base" "$public_id" "$secret" || status=1
"$py" compat/python/payments.py "$base" "$public_id" "$secret" "$bin" || status=1
"$py" compat/python/orders.py "$base" "$public_id" "$secret" "$bin" || status=1
"$py" compat/python/subscriptions.py "$base" "$public_id" "$secret" "$bin" || status=1

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

# One payment per status, read back through both clients; every reply shape through all four.
statuses=$work/statuses.json shapes=$work/shapes.json
"$py" compat/shared/statuses.py "$base" "$public_id" "$secret" "$bin" "$statuses" || status=1
"$py" compat/shared/shapes.py "$base" "$public_id" "$secret" "$bin" "$statuses" "$shapes" || status=1
"$py" compat/python/readback.py "$base" "$public_id" "$secret" "$statuses" || status=1
"$py" compat/python/scan.py "$shapes" || status=1
if $have_node; then
  node "$node_dir/readback.mjs" "$base" "$public_id" "$secret" "$statuses" || status=1
  node "$node_dir/scan.mjs" "$shapes" || status=1
fi

# aiocloudpayments and cloudpayments-sdk: every method, the statuses, the scan, and their
# notification helpers on what the server sends (so after the scripts above).
for client in aiocloudpayments cloudpayments_sdk; do
  if client_py=$(venv "$client" "compat/$client/requirements.txt"); then
    "$client_py" "compat/$client/scenario.py" "$base" "$public_id" "$secret" "$bin" "$site_id" \
      "$statuses" || status=1
    "$client_py" "compat/$client/scan.py" "$shapes" || status=1
  elif [ "${CI:-}" = true ]; then
    echo "compat-$client: FAILED: could not install compat/$client/requirements.txt"
    status=1
  else
    echo "compat-$client: skipped: could not install compat/$client/requirements.txt"
  fi
done

# Notifications delivered by the running server to receivers on 127.0.0.1. Each script points the
# site's notifications at its own receiver and switches them off again when done.
"$py" compat/python/notify.py "$base" "$public_id" "$secret" "$bin" || status=1
"$py" compat/python/receipts.py "$base" "$public_id" "$secret" || status=1
if $have_node; then
  node "$node_dir/receipts.mjs" "$base" "$public_id" "$secret" "$bin" "$site_id" || status=1
  # The site id is for `$bin site notification-set --kind Check` (Check is not settable by API).
  node "$node_dir/notify.mjs" "$base" "$public_id" "$secret" "$bin" "$site_id" || status=1
elif [ "${CI:-}" = true ]; then
  echo "compat-node-notify: FAILED: node and npm are required when CI=true"
  status=1
else
  echo "compat-node-notify: skipped: node or npm not found on PATH"
fi
exit $status
