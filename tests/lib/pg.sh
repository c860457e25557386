# SPDX-License-Identifier: MIT
# Source this to get a throwaway PostgreSQL server for a test:
#
#   . tests/lib/pg.sh
#   pg_start            # sets PGHOST PGPORT PGUSER ZDM_PG_URL; stopped on exit
#                       # (a trap on EXIT set before still runs after)
#   psql -c 'select 1'
#
# When ZDM_PG_URL is already set, that server is used and nothing starts.
# initdb runs in a temporary directory on a free loopback port; as root,
# the server runs as the unprivileged user "nobody" (PostgreSQL refuses
# to run as root).

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

pg_as() { # run a command as the server's user
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    local p
    for p in $(seq 55400 55499); do
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return 0; fi
    done
    return 1
}

pg_start() {
    if [ -n "${ZDM_PG_URL:-}" ]; then return 0; fi
    local bin; bin=$(pg_bindir) || { echo "pg.sh: no initdb (install postgresql)" >&2; return 1; }
    PG_TMP=$(mktemp -d /tmp/zdm-pg.XXXXXX)
    chmod 755 "$PG_TMP"
    [ "$(id -u)" -eq 0 ] && chown nobody "$PG_TMP"
    PGPORT=$(pg_free_port)
    pg_as "$bin/initdb" -D "$PG_TMP/data" -A trust -U postgres --no-sync >"$PG_TMP/initdb.log" 2>&1 ||
        { cat "$PG_TMP/initdb.log" >&2; return 1; }
    pg_as "$bin/pg_ctl" -D "$PG_TMP/data" -w -t 60 -l "$PG_TMP/server.log" \
        -o "-p $PGPORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" \
        start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
    PG_BIN=$bin
    export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
    export ZDM_PG_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
    # Stop the server on exit, before whatever EXIT trap the caller set
    # (its cleanup keeps running: trap -p prints it quoted for eval).
    local prev=""
    if [ -n "$(trap -p EXIT)" ]; then eval "set -- $(trap -p EXIT)"; prev=$3; fi
    trap "pg_stop${prev:+; $prev}" EXIT
}

pg_stop() {
    if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1
        rm -rf "$PG_TMP"
    fi
}
