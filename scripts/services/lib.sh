# shellcheck shell=bash
# Shared helpers for the scripts in scripts/services/ (sourced, not run).
#
# Owns: the location of the per-service folders ($ROOT/.services/<name>/), port and HTTP probes,
# waiting with a timeout, background start with a pid file, and stopping by pid file.
# Every script that sources this sets SERVICE (its name) first.

set -euo pipefail

SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SERVICES_DIR/../.." && pwd)"
SERVICE_DIR="$ROOT/.services/$SERVICE"
LOG="$SERVICE_DIR/log"

say() { printf '[%s] %s\n' "$SERVICE" "$*"; }
err() { printf '[%s] ERROR: %s\n' "$SERVICE" "$*" >&2; }

# show_log_tail [FILE]: the last lines of the service log, on stderr.
show_log_tail() {
    local file="${1:-$LOG}"
    if [[ -s "$file" ]]; then
        printf '[%s] last lines of %s:\n' "$SERVICE" "$file" >&2
        tail -n 30 "$file" | sed 's/^/    /' >&2
    else
        printf '[%s] (log %s is empty or missing)\n' "$SERVICE" "$file" >&2
    fi
}

# die MESSAGE: error out, with the log tail.
die() {
    err "$*"
    show_log_tail "$LOG"
    exit 1
}

# port_taken PORT WHAT: error out (no log tail: the log is not about that other process).
port_taken() {
    err "port 127.0.0.1:$1 is taken by something that is not $2; stop it or choose another port"
    exit 1
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# storage_answers URL: true when an Azure Storage endpoint answers URL: any HTTP status (403 counts) with
# an x-ms-request-id header, so some other HTTP server on the port is not mistaken for it.
storage_answers() {
    local headers
    if command -v curl >/dev/null 2>&1; then
        headers="$(curl -s -D - -o /dev/null -m 10 "$1" 2>/dev/null || true)"
    else
        headers="$(python3 - "$1" <<'PY' 2>/dev/null || true
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=10).headers)
except urllib.error.HTTPError as e:
    print(e.headers)
PY
)"
    fi
    grep -qi '^x-ms-request-id:' <<<"$headers"
}

# wait_until SECONDS WHAT COMMAND...: retry COMMAND every 0.2 s until it succeeds; false after SECONDS.
wait_until() {
    local limit="$1" what="$2"
    shift 2
    local deadline=$((SECONDS + limit))
    while ! "$@"; do
        if ((SECONDS >= deadline)); then
            err "$what not ready after ${limit}s"
            return 1
        fi
        sleep 0.2
    done
}

# pid_alive PIDFILE: true when PIDFILE names a running process.
pid_alive() {
    local pid
    [[ -s "$1" ]] || return 1
    pid="$(cat "$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# start_background PIDFILE COMMAND...: run COMMAND detached (own session, survives this shell),
# output appended to $LOG, its pid written to PIDFILE.
start_background() {
    local pidfile="$1"
    shift
    mkdir -p "$SERVICE_DIR"
    printf '\n=== %s starting: %s\n' "$(date -Is)" "$*" >>"$LOG"
    rm -f "$pidfile"
    # The child writes its own pid (the session leader's, so also its process group id) before exec.
    # shellcheck disable=SC2016  # $$, $0 and $@ belong to the inner shell
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" nohup "$@" >>"$LOG" 2>&1 </dev/null &
    local waited=0
    while [[ ! -s "$pidfile" ]] && ((waited < 50)); do
        sleep 0.1
        waited=$((waited + 1))
    done
}

# stop_pidfile PIDFILE WHAT: stop the process named in PIDFILE (TERM, then KILL after 10 s).
stop_pidfile() {
    local pidfile="$1" what="$2" pid
    if ! pid_alive "$pidfile"; then
        rm -f "$pidfile"
        say "$what is not running (no live pid file)"
        return 0
    fi
    pid="$(cat "$pidfile")"
    # The service leads its own process group (setsid): signal the group, then the pid itself.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$pidfile"
    say "$what stopped (pid $pid)"
}

# stop_all_pidfiles WHAT: stop every process with a pid file in $SERVICE_DIR (one per kind and port).
stop_all_pidfiles() {
    local pidfile found=0
    for pidfile in "$SERVICE_DIR"/*.pid; do
        [[ -e "$pidfile" ]] || continue
        found=1
        stop_pidfile "$pidfile" "$1 $(basename "$pidfile" .pid)"
    done
    ((found)) || say "$1 is not running (no pid file)"
}

usage() {
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
}
