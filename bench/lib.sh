# Shared by the bench/*.sh scripts (sourced, not run): a free loopback port, starting a fresh
# gateway and a site in it, and stopping a server the script started in the background.

# A port nothing on 127.0.0.1 answers on (a closed loopback port refuses at once).
free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "$(basename "$0"): no free port found" >&2
    return 1
}

# SIGTERM to the process $1, up to 10 s to exit, then SIGKILL.
stop_server() {
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# Starts "$oblako" serve on a free loopback port with its data in "$data" and its log in
# "$data/oblako.log"; sets base and server_pid, and waits up to 30 s for /readyz.
start_oblako() {
    local port
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    export OBLAKO_DATA_DIR="$data" OBLAKO_LISTEN="127.0.0.1:$port" OBLAKO_PUBLIC_URL="$base"
    "$oblako" serve >"$data/oblako.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
        kill -0 "$server_pid" 2>/dev/null || { echo "$(basename "$0"): oblako exited" >&2; return 1; }
        if curl --noproxy '*' -fsS -o /dev/null --max-time 1 "$base/readyz" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "$(basename "$0"): $base/readyz did not answer within 30 s" >&2
    return 1
}

# Creates a test-mode site named $1; sets site_id, public_id and secret (its test keys).
create_site() {
    local site
    site="$("$oblako" site create --name "$1" --json 2>>"$data/oblako.log" | tr -d ' \t\r\n')"
    site_id="$(sed -nE 's/.*"site_id":([0-9]+).*/\1/p' <<<"$site")"
    public_id="$(sed -nE 's/.*"test":\{[^}]*"public_id":"([^"]*)".*/\1/p' <<<"$site")"
    secret="$(sed -nE 's/.*"test":\{[^}]*"api_secret":"([^"]*)".*/\1/p' <<<"$site")"
    [[ -n "$site_id" && -n "$public_id" && -n "$secret" ]] || {
        echo "$(basename "$0"): cannot read the site's test keys" >&2
        return 1
    }
}
