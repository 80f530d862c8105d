#!/usr/bin/env bash
# Schema fuzz: schemathesis (PyPI, pinned) against a live `oblako serve`, driven by the
# OpenAPI description the server itself serves at /openapi.json. Every operation gets its
# examples, the coverage phase's boundary cases and 100 generated requests (valid and invalid;
# fewer only where the inputs run out, as for GET /test), with the site's Basic auth. Any failure
# of not_a_server_error, status_code_conformance, content_type_conformance or
# response_schema_conformance, or an ERROR in the server's log, fails the run.
#
# The server and schemathesis run in a fresh network namespace that has only loopback: generated
# notification addresses (`site/notifications/{Type}/update`, then `notifications/test`) can name
# any host, and nothing may leave the machine.
#
# Usage: compat/schemathesis.sh [path/to/oblako]   (default: target/debug/oblako, built if missing)
# Environment: ST_MAX_EXAMPLES (default 100), ST_SEED (a seed to replay), ST_WORKERS (default 2),
# ST_SPEC (a local draft of the description to test instead of the served one).
# CI=true makes a missing tool (python3 venv, PyPI, unshare) a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
bin=${1:-target/debug/oblako}

missing() {
  if [ "${CI:-}" = true ]; then
    echo "schemathesis: FAILED: $1 (required when CI=true)"
    exit 1
  fi
  echo "schemathesis: skipped: $1 (CI=true makes this a failure)"
  exit 0
}

command -v python3 >/dev/null || missing "python3 not found"
command -v curl >/dev/null || missing "curl not found"
unshare -n true 2>/dev/null || missing "cannot create a network namespace (unshare -n; needs root)"
venv=target/schemathesis-venv
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$venv" 2>/dev/null || missing "python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" \
    || missing "pip could not install schemathesis==$VERSION"
fi
[ -x "$bin" ] || cargo build --bin oblako

# The rest runs again inside the namespace.
if [ -z "${OBLAKO_SCHEMATHESIS_NETNS:-}" ]; then
  OBLAKO_SCHEMATHESIS_NETNS=1 exec unshare -n bash "$0" "$bin"
fi
ip link set lo up

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export OBLAKO_DATA_DIR="$work/data" OBLAKO_LISTEN="127.0.0.1:$port" OBLAKO_LOG_FORMAT=json
# schemathesis runs several requests at once and charges many times a minute from one address.
export OBLAKO_TEST_IN_FLIGHT=64 OBLAKO_WIDGET_CHARGE_PER_MINUTE=100000

site=$("$bin" site create --name Schemathesis --json)
field() { printf '%s' "$site" | python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
public_id=$(field '["test"]["public_id"]')
secret=$(field '["test"]["api_secret"]')

"$bin" serve >"$work/stdout.log" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null || { echo "oblako did not become ready"; cat "$work/server.log"; exit 1; }

# Objects for the schema's examples to find: transaction 1 (InvoiceId 1234567) with a token, an
# authorization, a 3-D Secure wait, a subscription and an order.
api() { curl -fsS -u "$public_id:$secret" -H 'Content-Type: application/json' "$base/$1" -d "$2"; }
packet() { "$bin" cryptogram --public-id "$public_id" --card "$1" --exp 12/30 --cvv 123 --base-url "$base"; }
token=$(api payments/cards/charge "{\"Amount\":10,\"IpAddress\":\"127.0.0.1\",\"InvoiceId\":\"1234567\",\"AccountId\":\"user1\",\"CardCryptogramPacket\":\"$(packet 4000000000003055)\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["Model"]["Token"])')
api payments/cards/auth "{\"Amount\":20,\"AccountId\":\"user1\",\"CardCryptogramPacket\":\"$(packet 4000000000003055)\"}" >/dev/null
api payments/cards/charge "{\"Amount\":30,\"CardCryptogramPacket\":\"$(packet 4242424242424242)\"}" >/dev/null
api subscriptions/create "{\"Token\":\"$token\",\"AccountId\":\"user1\",\"Description\":\"Monthly\",\"Amount\":5,\"Currency\":\"RUB\",\"RequireConfirmation\":false,\"StartDate\":\"2099-01-01T00:00:00Z\",\"Interval\":\"Month\",\"Period\":1}" >/dev/null
api orders/create '{"Amount":15,"Description":"Order"}' >/dev/null

started=$SECONDS
status=0
location=("$base/openapi.json")
# A local draft of the description instead of the one the binary serves.
[ -n "${ST_SPEC:-}" ] && location=("$(realpath "$ST_SPEC")" --url "$base/")
args=(
  run "${location[@]}"
  --auth "$public_id:$secret"
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing
  --max-examples "${ST_MAX_EXAMPLES:-100}"
  --workers "${ST_WORKERS:-2}"
  --request-timeout 20
  --generation-database none
  --suppress-health-check all
  --no-color
)
[ -n "${ST_SEED:-}" ] && args+=(--seed "$ST_SEED")
# schemathesis keeps a cache of failures to replay first next time in its working directory.
mkdir -p target/schemathesis
(cd target/schemathesis && "../../$venv/bin/st" "${args[@]}") || status=$?
echo "schemathesis: ran for $((SECONDS - started)) s, exit status $status"
if grep -q '"level":"ERROR"' "$work/server.log"; then
  echo "schemathesis: the server logged errors:"
  grep '"level":"ERROR"' "$work/server.log" | head -20
  status=1
fi
exit $status
