#!/usr/bin/env bash
# The cabinet's figures on a large database, in one command: starts a fresh release `oblako` on a
# free 127.0.0.1 port, creates a test site, fills it with `oblako site seed-payments`, signs an
# owner in through the set-up link (real HTTP, a cookie jar), then times, one request after
# another over HTTP, the transactions page, a search by InvoiceId, a search by card last four and
# a filtered page 50 pages deep, and prints p50, p95 and the slowest of each. With BENCH_EXPORT=1
# it then exports the whole history to .xlsx and CSV and prints each export's time, size and the
# gateway's RSS growth, while a background loop keeps charging payments through the API.
#
# Usage: bash bench/cabinet.sh [PAYMENTS] [REQUESTS]
#   PAYMENTS  payments seeded into the site (default 1000000)
#   REQUESTS  timed requests per page (default 200, after 20 untimed ones)
# Environment:
#   OBLAKO_DATABASE_URL  postgres://… to run on PostgreSQL (use an empty database); SQLite in a
#                        fresh temporary directory otherwise
#   BENCH_OBLAKO         a prebuilt oblako binary instead of this tree's release build
#   BENCH_EXPORT=1       also measure the two exports (see above)
set -euo pipefail

payments="${1:-1000000}"
requests="${2:-200}"
warmup=20

cd "$(dirname "$0")/.."
if [[ -z "${BENCH_OBLAKO:-}" ]]; then
    cargo build --release --bin oblako
fi
oblako="${BENCH_OBLAKO:-${CARGO_TARGET_DIR:-target}/release/oblako}"

# shellcheck source=bench/lib.sh
source bench/lib.sh

data="$(mktemp -d -t oblako-cabinet.XXXXXX)"
server_pid=""
charger_pid=""
stop() {
    local status=$?
    [[ -n "$charger_pid" ]] && kill "$charger_pid" 2>/dev/null || true
    stop_server "$server_pid"
    if ((status != 0)) && [[ -f "$data/oblako.log" ]]; then
        echo "cabinet.sh: failed; the gateway's last log lines:" >&2
        tail -n 20 "$data/oblako.log" >&2
    fi
    rm -rf "$data"
}
trap stop EXIT
trap 'exit 130' INT TERM

start_oblako
create_site Bench
"$oblako" site seed-payments --site "$site_id" --count "$payments" 2>>"$data/oblako.log"

# The owner signs in through the set-up link: the same form a browser posts.
link="$("$oblako" user create --email bench@example.com --role owner 2>>"$data/oblako.log" \
    | grep -oE 'http[^ ]*/cabinet/setup/[0-9a-f]+')"
jar="$data/cookies"
password="plum-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
code="$(curl --noproxy '*' -sS -o /dev/null -w '%{http_code}' -c "$jar" -H "Origin: $base" \
    --data-urlencode "password=$password" --data-urlencode "repeat=$password" "$link")"
[[ "$code" == 303 || "$code" == 302 ]] || { echo "cabinet.sh: set-up answered $code" >&2; exit 1; }

if [[ -n "${OBLAKO_DATABASE_URL:-}" ]]; then database="${OBLAKO_DATABASE_URL%%:*}"; else database="sqlite"; fi
echo "machine: $(nproc) CPU(s), $(lscpu 2>/dev/null | sed -nE 's/^Model name:[[:space:]]+//p' | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gateway: $base  database: $database  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "site $site_id: $payments payments; $requests timed requests per page after $warmup untimed"
echo

random() { echo $(((RANDOM << 15 | RANDOM) % $1)); }
page_url() { echo "/cabinet/transactions"; }
invoice_url() { echo "/cabinet/transactions?invoice=INV-$(($(random "$payments") + 1))"; }
last4_url() { echo "/cabinet/transactions?last4=$((1000 + $(random 9000)))"; }
filter="mode=test&status=Completed&currency=RUB"
# The 50th page of the filtered list: follow the "next" links as a user would.
deep="$filter"
for _ in $(seq 49); do
    before="$(curl --noproxy '*' -fsS -b "$jar" "$base/cabinet/transactions?$deep" \
        | grep -oE 'before=[0-9]+' | tail -n 1)"
    [[ -n "$before" ]] || { echo "cabinet.sh: the filtered list ends before page 50" >&2; exit 1; }
    deep="$filter&$before"
done
deep_url() { echo "/cabinet/transactions?$deep"; }

failed=0
# Times `count` GETs of the URLs `$1` makes, one after another; answers "code seconds" lines.
run() {
    local make=$1 count=$2
    for _ in $(seq "$count"); do
        curl --noproxy '*' -sS -o /dev/null -b "$jar" -w '%{http_code} %{time_total}\n' \
            "$base$("$make")"
    done
}
measure() {
    local name=$1 make=$2
    run "$make" "$warmup" >/dev/null
    run "$make" "$requests" >"$data/$name.times"
    local bad
    bad="$(awk '$1 != 200' "$data/$name.times" | wc -l)"
    ((bad == 0)) || { echo "$name: $bad answers were not 200" >&2; failed=1; }
    awk '{print $2 * 1000}' "$data/$name.times" | sort -n | awk -v name="$name" '
        { t[NR] = $1 }
        END {
            p50 = t[int(NR * 0.50 + 0.999)]; p95 = t[int(NR * 0.95 + 0.999)]
            printf "%-28s n=%d  p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms\n", name, NR, p50, p95, t[NR]
        }'
}
measure "transactions page" page_url
measure "search by InvoiceId" invoice_url
measure "search by card last four" last4_url
measure "filtered page 50 deep" deep_url

if [[ "${BENCH_EXPORT:-0}" == 1 ]]; then
    echo
    # Payments keep flowing: one charge after another through the API for the whole export.
    cryptogram="$("$oblako" cryptogram --public-id "$public_id" --card 4242424242424242 \
        --exp 12/30 --cvv 123 2>>"$data/oblako.log")"
    charge() {
        while true; do
            curl --noproxy '*' -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
                -u "$public_id:$secret" -H 'Content-Type: application/json' \
                -d "{\"Amount\":10,\"Currency\":\"RUB\",\"IpAddress\":\"127.0.0.1\",\"CardCryptogramPacket\":\"$cryptogram\"}" \
                "$base/payments/cards/charge" || true
            sleep 0.05
        done
    }
    for format in xlsx csv; do
        rss() { sed -nE 's/^VmRSS:[[:space:]]+([0-9]+) kB/\1/p' "/proc/$server_pid/status"; }
        before_kb="$(rss)"
        peak_kb="$before_kb"
        charge >"$data/charges.$format" 2>/dev/null &
        charger_pid=$!
        started="$(date +%s.%N)"
        curl --noproxy '*' -sS -b "$jar" -o "$data/export.$format" -w '%{http_code}\n' \
            "$base/cabinet/transactions.$format" >"$data/export.$format.code" &
        export_pid=$!
        while kill -0 "$export_pid" 2>/dev/null; do
            now_kb="$(rss)"
            ((now_kb > peak_kb)) && peak_kb=$now_kb
            sleep 0.2
        done
        wait "$export_pid" || true
        ended="$(date +%s.%N)"
        kill "$charger_pid" 2>/dev/null || true
        wait "$charger_pid" 2>/dev/null || true
        charger_pid=""
        code="$(cat "$data/export.$format.code")"
        [[ "$code" == 200 ]] || { echo "export $format answered $code" >&2; failed=1; }
        rows=""
        [[ "$format" == csv ]] && rows=", $(($(wc -l <"$data/export.csv") - 1)) rows"
        approved="$(awk '$1 == 200' "$data/charges.$format" | wc -l)"
        printf 'export %-4s %6.1f s  %s MB%s  RSS %d MB before, peak growth %d MB; %d charges answered 200 during it\n' \
            "$format" "$(echo "$ended - $started" | bc)" \
            "$(($(stat -c %s "$data/export.$format") / 1048576))" "$rows" \
            $((before_kb / 1024)) $(((peak_kb - before_kb) / 1024)) "$approved"
    done
fi
exit "$failed"
