#!/usr/bin/env bash
# The peer's payment throughput and latency, measured like the gateway's: builds oblako-bench,
# installs the pinned localstripe (a fake Stripe server in Python/aiohttp) into a venv under
# target/bench-venv (reused while it holds that version), starts it on a free 127.0.0.1 port,
# runs the stripe-intent scenario (create a PaymentIntent, confirm it) and stops it.
#
# Usage: bash bench/localstripe.sh [CONCURRENCY] [REQUESTS]
#   CONCURRENCY  operations in flight (default 5)
#   REQUESTS     operations (default 5000)
# Environment:
#   BENCH_DURATION_SECS  time limit of the run (default 120)
#   BENCH_WARMUP         untimed operations before it (default 200)
#   BENCH_JSON=1         print one JSON object instead of lines
#   LOCALSTRIPE_PERSIST=0  skip localstripe's pickle of its whole store after every change, to
#                        see the server without it; the default keeps it, as localstripe ships
set -euo pipefail

LOCALSTRIPE_VERSION=1.15.10

concurrency="${1:-5}"
requests="${2:-5000}"
duration="${BENCH_DURATION_SECS:-120}"
warmup="${BENCH_WARMUP:-200}"
persist="${LOCALSTRIPE_PERSIST:-1}"
if [[ "$persist" != 0 && "$persist" != 1 ]]; then
    echo "localstripe.sh: LOCALSTRIPE_PERSIST must be 0 or 1" >&2
    exit 2
fi
json_flag=()
[[ "${BENCH_JSON:-0}" == 1 ]] && json_flag=(--json)

cd "$(dirname "$0")/.."
cargo build --release --bin oblako-bench
bench="${CARGO_TARGET_DIR:-target}/release/oblako-bench"

venv="target/bench-venv"
python="$venv/bin/python"
installed() {
    "$python" -c 'import localstripe; print(localstripe.__version__)' 2>/dev/null || true
}
if [[ "$(installed)" != "$LOCALSTRIPE_VERSION" ]]; then
    [[ -x "$python" ]] || timeout 300 python3 -m venv "$venv"
    timeout 900 "$python" -m pip install --quiet --disable-pip-version-check \
        "localstripe==$LOCALSTRIPE_VERSION"
    [[ "$(installed)" == "$LOCALSTRIPE_VERSION" ]] || {
        echo "localstripe.sh: cannot install localstripe $LOCALSTRIPE_VERSION in $venv" >&2
        exit 1
    }
fi

# localstripe's own command (`python -m localstripe --port N`) binds '::', every address, and
# keeps its store in /tmp/localstripe.pickle, which it loads at start. This starts the same
# aiohttp app with the same access log, but bound to 127.0.0.1 only and from an empty store, and
# it points the store's dump (the same pickle of the whole store, still written after every
# change) at this run's temporary directory, or skips it when LOCALSTRIPE_PERSIST=0.
read -r -d '' launcher <<'PY' || true
import logging, pickle, sys
from aiohttp import web
from localstripe import resources, server

port, dump, persist = int(sys.argv[1]), sys.argv[2], sys.argv[3] == '1'

def dump_to_disk(self):
    if persist:
        with open(dump, 'wb') as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

resources.Store.dump_to_disk = dump_to_disk
log = logging.getLogger('aiohttp.access')
log.setLevel(logging.DEBUG)
log.addHandler(logging.StreamHandler())
web.run_app(server.app, host='127.0.0.1', port=port, access_log=log)
PY

# shellcheck source=bench/lib.sh
source bench/lib.sh

data="$(mktemp -d -t oblako-localstripe.XXXXXX)"
server_pid=""
stop() {
    local status=$?
    stop_server "$server_pid"
    if ((status != 0)) && [[ -f "$data/localstripe.log" ]]; then
        echo "localstripe.sh: failed; localstripe's last log lines:" >&2
        tail -n 20 "$data/localstripe.log" >&2
    fi
    rm -rf "$data"
}
trap stop EXIT
trap 'exit 130' INT TERM

port="$(free_port)"
base="http://127.0.0.1:$port"
"$python" -c "$launcher" "$port" "$data/localstripe.pickle" "$persist" \
    >"$data/localstripe.log" 2>&1 &
server_pid=$!

ready=0
for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || { echo "localstripe.sh: localstripe exited" >&2; exit 1; }
    if curl --noproxy '*' -fsS -o /dev/null --max-time 1 \
        -H 'Authorization: Bearer sk_test_bench' "$base/v1/balance" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
((ready)) || { echo "localstripe.sh: $base/v1/balance did not answer within 30 s" >&2; exit 1; }

versions="$("$python" -c 'import platform, aiohttp, localstripe as ls
v = (ls.__version__, aiohttp.__version__, platform.python_version())
print("localstripe %s  aiohttp %s  python %s" % v)')"
cpu="$(lscpu 2>/dev/null | sed -nE 's/^Model name:[[:space:]]+//p' | head -n 1)"
echo "machine: $(nproc) CPU(s), $cpu"
echo "peer: $base  $versions  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dump="after every change (as shipped)"
((persist)) || dump="off (LOCALSTRIPE_PERSIST=0)"
echo "store pickled to disk: $dump  warm-up: $warmup  limit: $duration s"
echo

# oblako-bench bounds itself; the outer timeout is a second fence.
timeout --foreground --kill-after=10 $((2 * duration + 300)) "$bench" \
    --base-url "$base" --scenario stripe-intent \
    --concurrency "$concurrency" --requests "$requests" --duration-secs "$duration" \
    --warmup "$warmup" "${json_flag[@]}"
