#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL and Redis on 127.0.0.1, installed from Debian's
# packages when missing, and stops both afterwards, whatever the command's outcome.
#   .ci/services.sh COMMAND...   COMMAND finds the servers' URLs in TWOFA_TEST_POSTGRES and TWOFA_TEST_REDIS
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

PG_PORT="${TWOFA_TEST_PG_PORT:-55432}"
REDIS_PORT="${TWOFA_TEST_REDIS_PORT:-56379}"

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$found" ] || { echo "no PostgreSQL server found" >&2; exit 1; }
    echo "$found"
}

# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

apt_install postgresql redis-server iproute2

# Our own servers left on these ports by a run that was killed before it could stop them; a
# port held by anything else stops the run.
for port in "$PG_PORT" "$REDIS_PORT"; do
    holder="$(ss -ltnpH "sport = :$port" | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 \2/p' | head -1)"
    case "$holder" in
        "") ;;
        postgres\ *|redis-server\ *) log "stopping stale ${holder% *} on :$port"; kill "${holder#* }"; sleep 2 ;;
        *) echo "port $port is taken by ${holder% *}: set TWOFA_TEST_PG_PORT / TWOFA_TEST_REDIS_PORT" >&2; exit 1 ;;
    esac
done

bin="$(pg_bin)"
data="$(mktemp -d /tmp/leptos-2fa-services.XXXXXX)"

stop() {
    as_postgres "$bin/pg_ctl" -D "$data/pg" -m immediate stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap stop EXIT
chmod 755 "$data"
mkdir -p "$data/pg" "$data/redis"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$data/pg"; fi

log "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (data in $data)"
as_postgres "$bin/initdb" -D "$data/pg" -U postgres --auth=trust -E UTF8 >/dev/null
# Throw-away data: no fsync. Enough connections for every test portal's pool at once.
as_postgres "$bin/pg_ctl" -D "$data/pg" -l "$data/pg/server.log" -w start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $data/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" >/dev/null
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$data/redis" --save "" --appendonly no --daemonize yes \
    --logfile "$data/redis/server.log" >/dev/null
for attempt in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    [ "$attempt" -lt 50 ] || { echo "Redis did not start:" >&2; cat "$data/redis/server.log" >&2; exit 1; }
    sleep 0.1
done

export TWOFA_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export TWOFA_TEST_REDIS="redis://127.0.0.1:$REDIS_PORT"
"$@"
