# Shared by the bench/*.sh scripts (sourced, not run): a free loopback port, and stopping a
# server the script started in the background.

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
