#!/usr/bin/env bash
# Payment throughput and latency of a release `oblako` on loopback, in one command: builds both
# binaries, starts a fresh gateway on a free 127.0.0.1 port, creates a test site, runs the three
# oblako-bench scenarios (token-charge, cryptogram-charge, auth-confirm) and stops the gateway.
#
# Usage: bash bench/payments.sh [CONCURRENCY] [REQUESTS]
#   CONCURRENCY  operations in flight (default 64; the gateway under test is started with
#                test_in_flight=1024 so the site's 5-in-flight sandbox limit does not cap it)
#   REQUESTS     operations per scenario (default 5000)
# Environment:
#   OBLAKO_DATABASE_URL  postgres://… to run on PostgreSQL (use an empty database); SQLite in a
#                        fresh temporary directory otherwise
#   BENCH_SEED           completed payments written into the site before the run (default 0;
#                        1000000 for the large-database figures)
#   BENCH_RATE           operations per second to offer (open loop, CONCURRENCY as the cap);
#                        unset: as fast as CONCURRENCY allows
#   BENCH_SCENARIOS      which scenarios, space-separated (default: all three)
#   BENCH_PEER=1         also run bench/localstripe.sh with the same CONCURRENCY and REQUESTS
#   BENCH_DURATION_SECS  time limit of each scenario (default 120)
#   BENCH_WARMUP         untimed operations before each scenario (default 200)
#   BENCH_JSON=1         print one JSON object per scenario instead of lines
#   BENCH_OBLAKO         a prebuilt oblako binary to measure instead of this tree's release
#                        build (for A/B runs of two versions)
#   BENCH_LEAD_SECS      renewals: seconds from the start of the subscriptions' creation to their
#                        common StartDate (default 120; REQUESTS is the number of subscriptions)
#   BENCH_SQL            SQL run against the fresh database once the site exists, for experiments
#                        (e.g. "DROP INDEX transactions_site_totals" to price one index); sqlite3 or
#                        psql runs it
set -euo pipefail

concurrency="${1:-64}"
requests="${2:-5000}"
duration="${BENCH_DURATION_SECS:-120}"
warmup="${BENCH_WARMUP:-200}"
json_flag=()
[[ "${BENCH_JSON:-0}" == 1 ]] && json_flag=(--json)

cd "$(dirname "$0")/.."
cargo build --release --bin oblako --bin oblako-bench
bin_dir="${CARGO_TARGET_DIR:-target}/release"
oblako="${BENCH_OBLAKO:-$bin_dir/oblako}"
bench="$bin_dir/oblako-bench"

# shellcheck source=bench/lib.sh
source bench/lib.sh

data="$(mktemp -d -t oblako-bench.XXXXXX)"
server_pid=""
stop() {
    local status=$?
    stop_server "$server_pid"
    if ((status != 0)) && [[ -f "$data/oblako.log" ]]; then
        echo "payments.sh: failed; the gateway's last log lines:" >&2
        tail -n 20 "$data/oblako.log" >&2
    fi
    rm -rf "$data"
}
trap stop EXIT
trap 'exit 130' INT TERM

export OBLAKO_TEST_IN_FLIGHT="${OBLAKO_TEST_IN_FLIGHT:-1024}"
start_oblako
create_site Bench
export OBLAKO_BENCH_SECRET="$secret"

if [[ -n "${BENCH_SQL:-}" ]]; then
    if [[ -n "${OBLAKO_DATABASE_URL:-}" ]]; then
        psql -q "$OBLAKO_DATABASE_URL" -c "$BENCH_SQL"
    else
        sqlite3 "$data/oblako.db" "$BENCH_SQL"
    fi
    echo "experiment: $BENCH_SQL"
fi

seed="${BENCH_SEED:-0}"
if ((seed > 0)); then
    started=$SECONDS
    "$oblako" site seed-payments --site "$site_id" --count "$seed" 2>>"$data/oblako.log"
    echo "seeded $seed payments in $((SECONDS - started)) s"
fi
rate_flag=()
[[ -n "${BENCH_RATE:-}" ]] && rate_flag=(--rate "$BENCH_RATE")

if [[ -n "${OBLAKO_DATABASE_URL:-}" ]]; then database="${OBLAKO_DATABASE_URL%%:*}"; else database="sqlite"; fi
if [[ "$database" == postgres* ]] && command -v psql >/dev/null \
    && [[ "$(psql "$OBLAKO_DATABASE_URL" -tAc 'SHOW autovacuum' 2>/dev/null)" == off ]]; then
    echo "WARNING: autovacuum is off on this PostgreSQL: dead rows pile up and throughput falls" \
        "as the run goes on (PostgreSQL's default is on)"
fi
echo "machine: $(nproc) CPU(s), $(lscpu 2>/dev/null | sed -nE 's/^Model name:[[:space:]]+//p' | head -n 1)"
echo "gateway: $base  database: $database  durability: ${OBLAKO_DURABILITY:-full}  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "site: $public_id (test mode, $seed payments before the run)  warm-up: $warmup  limit: $duration s per scenario"
echo

failed=0
for scenario in ${BENCH_SCENARIOS:-token-charge cryptogram-charge auth-confirm}; do
    # oblako-bench bounds itself; the outer timeout is a second fence.
    timeout --foreground --kill-after=10 $((2 * duration + 300)) "$bench" \
        --base-url "$base" --public-id "$public_id" --scenario "$scenario" \
        --concurrency "$concurrency" --requests "$requests" --duration-secs "$duration" \
        --warmup "$warmup" --oblako-bin "$oblako" "${rate_flag[@]}" "${json_flag[@]}" \
        --lead-secs "${BENCH_LEAD_SECS:-120}" || failed=1
    echo
done
echo "gateway peak memory: $(sed -nE 's/^VmHWM:[[:space:]]+//p' "/proc/$server_pid/status" 2>/dev/null)"
# Group commit: batches and rows per kind (older builds have no such lines).
curl --noproxy '*' -fsS --max-time 5 "$base/metrics" 2>/dev/null \
    | grep -E '^oblako_(grouped|sqlite_commit)' | sed 's/^/metric: /' || true
if [[ "${BENCH_PEER:-0}" == 1 ]]; then
    echo "peer: localstripe, same concurrency and requests"
    bash bench/localstripe.sh "$concurrency" "$requests" || failed=1
fi
exit "$failed"
