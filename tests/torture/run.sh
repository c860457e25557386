#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fault injection (make torture): what zdm promises atomic stays atomic when
# the process is killed, when runners race, when the disk fills, when the
# server restarts or the connection drops, and the guard stays bounded on
# hostile input.  Ends with "N passed, M failed"; exits non-zero on failure.
#
#   tests/torture/run.sh                 everything, TORTURE_TRIALS (100) each
#   TORTURE_TRIALS=10 tests/torture/run.sh
#   ZDM_SKIP_PG=1 tests/torture/run.sh   SQLite and the guard only
#
# A trial that fails prints what it saw; the counts are of checks, and
# each trial loop is one check that fails when any of its trials does.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
Z=${ZDM_BIN:-$ROOT/bin/zdm}
G=${ZDM_GUARD_BIN:-$ROOT/bin/zdm-guard}
[ -x "$Z" ] && [ -x "$G" ] || { echo "bin/ is missing: run make"; echo "0 passed, 1 failed"; exit 1; }
TRIALS=${TORTURE_TRIALS:-100}
NMIG=20          # migrations in a kill run
unset DATABASE_URL

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /' | head -n 30; }
# verdict NAME BAD_TRIALS LOG OK_TEXT: one check for a loop of trials.
verdict() {
    if [ "$2" -eq 0 ]; then ok "$1: $4"; else bad "$1: $2 of $TRIALS trials" "$3"; fi
}

T=$(mktemp -d /tmp/zdm-torture.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT     # pg_start adds stopping its server

# sleep_ms N: sleep N milliseconds.
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }
# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# ---- migrations ------------------------------------------------------------
# Each migration creates its table if missing, fills it, and logs its
# version in zlog.  IF NOT EXISTS makes a second application succeed, so an
# applied-twice migration shows as two zlog rows instead of an error.
# write_migrations DIR DIALECT COUNT ROWS
write_migrations() {
    local dir=$1 dialect=$2 count=$3 rows=$4 i v fill
    rm -rf "$dir"; mkdir -p "$dir"
    for i in $(seq 1 "$count"); do
        v=$((20260101000000 + i))
        if [ "$dialect" = sqlite ]; then
            fill="INSERT INTO t$i(id, v) WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $rows) SELECT x, hex(randomblob(16)) FROM s;"
        else
            fill="INSERT INTO t$i(id, v) SELECT x, md5(x::text) FROM generate_series(1, $rows) AS x;"
        fi
        printf -- '-- migrate:up\nCREATE TABLE IF NOT EXISTS zlog(version bigint NOT NULL);\nCREATE TABLE IF NOT EXISTS t%s(id int, v text);\n%s\nINSERT INTO zlog VALUES (%s);\n-- migrate:down\nDROP TABLE t%s;\n' \
            "$i" "$fill" "$v" "$i" > "$dir/${v}_t$i.sql"
    done
}

# ---- per-database helpers ----------------------------------------------------
# q SQL: one value from the database of the current project ($W, $DB_KIND).
q() {
    if [ "$DB_KIND" = sqlite ]; then
        sqlite3 "$W/db/development.sqlite3" "$1" 2>/dev/null
    else
        psql -qAtX -d "$PGDATABASE" -c "$1" 2>/dev/null
    fi
}
# tables: the tN tables that exist, as versions, sorted.
existing_versions() {
    if [ "$DB_KIND" = sqlite ]; then
        q "SELECT 20260101000000 + CAST(substr(name, 2) AS int) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*' ORDER BY 1"
    else
        q "SELECT 20260101000000 + substr(tablename, 2)::int FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$' ORDER BY 1"
    fi
}
reset_db() {
    if [ "$DB_KIND" = sqlite ]; then
        rm -rf "$W/db/development.sqlite3"* "$W/db/backups"
    else
        psql -qAtX -d "$PGDATABASE" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' >/dev/null 2>&1
    fi
}
url() {
    if [ "$DB_KIND" = sqlite ]; then echo "sqlite:$W/db/development.sqlite3"; else echo "$ZDM_PG_URL"; fi
}

# settle: after a SIGKILL, wait (at most 10 s) until the killed client's
# PostgreSQL sessions are gone.  A server session finishes what it was
# doing (a COMMIT the client sent before it died commits) before it
# notices the closed socket: judging the database before then races it.
settle() {
    [ "$DB_KIND" = sqlite ] && return 0
    local i
    for i in $(seq 1 200); do
        [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                AND pid <> pg_backend_pid() AND backend_type = 'client backend'")" = 0 ] && return 0
        sleep 0.05
    done
}

# consistent WHEN: zdm status agrees with the schema: the applied versions
# are exactly the tables that exist and the versions logged in zlog, each
# once, and nothing is partial.  Prints the difference when not.
consistent() {
    local st applied tables logged dup partial
    st=$(cd "$W" && "$Z" status --json --url "$(url)" 2>&1) || { echo "$1: zdm status failed: $st"; return 1; }
    applied=$(jq -r '.migrations[] | select(.state == "applied") | .version' <<<"$st" | sort -n)
    partial=$(jq -r '.partial' <<<"$st")
    tables=$(existing_versions)
    logged=$(q "SELECT version FROM zlog ORDER BY 1" | sort -n)
    dup=$(q "SELECT version FROM zlog GROUP BY version HAVING count(*) > 1")
    if [ "$applied" != "$tables" ] || [ "$applied" != "$logged" ] || [ -n "$dup" ] || [ "$partial" != 0 ]; then
        echo "$1: status applied [$(echo $applied)] tables [$(echo $tables)] zlog [$(echo $logged)] twice [$dup] partial $partial"
        return 1
    fi
}

# ---- SIGKILL zdm up at random moments ------------------------------------------
# kill_up NAME: measures one whole run, then TRIALS times: fresh database,
# zdm up killed after a random delay within that run, status consistent,
# a rerun completes everything.
kill_up() {
    local name=$1 t0 span i delay pid log="" bad_trials=0 killed_mid=0 out n
    W=$T/kill-$DB_KIND; mkdir -p "$W/db"
    write_migrations "$W/db/migrations" "$DB_KIND" "$NMIG" 3000
    reset_db
    t0=$(now_ms)
    out=$(cd "$W" && "$Z" up --url "$(url)" 2>&1) || { bad "$name: a clean run fails" "$out"; return; }
    span=$(( $(now_ms) - t0 ))
    for i in $(seq 1 "$TRIALS"); do
        reset_db
        delay=$(( RANDOM % (span + span / 10 + 1) ))
        (cd "$W" && exec "$Z" up --url "$(url)" >/dev/null 2>&1) & pid=$!
        sleep_ms "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        settle
        n=$(q "SELECT count(*) FROM zlog")
        [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt "$NMIG" ] && killed_mid=$((killed_mid + 1))
        if ! out=$(consistent "trial $i (killed after ${delay} ms)"); then
            bad_trials=$((bad_trials + 1)); log+="$out"$'\n'; continue
        fi
        if ! out=$(cd "$W" && "$Z" up --url "$(url)" 2>&1); then
            bad_trials=$((bad_trials + 1)); log+="trial $i: rerun failed: $out"$'\n'; continue
        fi
        out=$(consistent "trial $i rerun") || { bad_trials=$((bad_trials + 1)); log+="$out"$'\n'; continue; }
        n=$(q "SELECT count(*) FROM zlog")
        [ "$n" = "$NMIG" ] || { bad_trials=$((bad_trials + 1)); log+="trial $i: rerun applied $n of $NMIG"$'\n'; }
    done
    verdict "$name" "$bad_trials" "$log" \
        "$TRIALS kills within a ${span} ms run ($killed_mid mid-run): status matches the schema, rerun completes"
}

# ---- concurrent runners -----------------------------------------------------
# race NAME K: TRIALS times, K zdm up at once on a fresh database: every
# runner succeeds, every migration is applied exactly once.
race() {
    local name=$1 k=$2 i j pids rc bad_trials=0 log="" out n
    W=$T/race-$DB_KIND; mkdir -p "$W/db"
    write_migrations "$W/db/migrations" "$DB_KIND" 10 10
    for i in $(seq 1 "$TRIALS"); do
        reset_db
        pids=()
        for j in $(seq 1 "$k"); do
            (cd "$W" && exec "$Z" up --no-backup --wait-timeout 60s --url "$(url)" >"$T/race.$j" 2>&1) & pids+=($!)
        done
        rc=0
        for j in "${!pids[@]}"; do wait "${pids[$j]}" || rc=$?; done
        if [ "$rc" -ne 0 ]; then
            bad_trials=$((bad_trials + 1)); log+="trial $i: a runner exited $rc: $(cat "$T"/race.*)"$'\n'; continue
        fi
        out=$(consistent "trial $i") || { bad_trials=$((bad_trials + 1)); log+="$out"$'\n'; continue; }
        n=$(q "SELECT count(*) FROM zlog")
        [ "$n" = 10 ] || { bad_trials=$((bad_trials + 1)); log+="trial $i: $n of 10 applied"$'\n'; }
    done
    verdict "$name" "$bad_trials" "$log" \
        "$TRIALS trials of $k concurrent zdm up: every migration applied once, none skipped"
}

# ---- SIGKILL zdm backfill -----------------------------------------------------
# n = n + 1 is not idempotent: only a checkpoint committed with its batch
# keeps every row at exactly 1 across kills and resumes.
fill_items() {
    if [ "$DB_KIND" = sqlite ]; then
        q "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS zdm_backfills;
           CREATE TABLE items(id integer PRIMARY KEY, n int NOT NULL DEFAULT 0);
           INSERT INTO items(id) WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $1) SELECT x FROM s;"
    else
        q "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS zdm_backfills;
           CREATE TABLE items(id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
           INSERT INTO items(id) SELECT generate_series(1, $1);"
    fi
}
BF=(backfill --table items --set "n = n + 1" --batch 100 --max-batch-time 0 --sleep 1ms)
kill_backfill() {   # NAME ROWS [JOURNAL_MODE (SQLite)]
    local name=$1 rows=$2 t0 span i delay pid bad_trials=0 log="" out wrong tries
    W=$T/backfill-$DB_KIND; mkdir -p "$W/db"
    fill_items "$rows"
    [ -n "${3:-}" ] && q "PRAGMA journal_mode = $3" >/dev/null
    t0=$(now_ms)
    out=$(cd "$W" && "$Z" "${BF[@]}" --url "$(url)" 2>&1) || { bad "$name: a clean run fails" "$out"; return; }
    span=$(( $(now_ms) - t0 ))
    for i in $(seq 1 "$TRIALS"); do
        fill_items "$rows"
        delay=$(( RANDOM % (span + 1) ))
        (cd "$W" && exec "$Z" "${BF[@]}" --url "$(url)" >/dev/null 2>&1) & pid=$!   # exec: the kill hits zdm
        sleep_ms "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        tries=0
        until out=$(cd "$W" && "$Z" "${BF[@]}" --url "$(url)" 2>&1); do
            tries=$((tries + 1))
            [ "$tries" -lt 3 ] || break
        done
        wrong=$(q "SELECT count(*) FROM items WHERE n <> 1")
        if [ "$tries" -ge 3 ] || [ "$wrong" != 0 ]; then
            bad_trials=$((bad_trials + 1)); log+="trial $i (killed after $delay ms): $wrong rows not 1; $out"$'\n'
        fi
    done
    verdict "$name" "$bad_trials" "$log" \
        "$TRIALS kills within a ${span} ms backfill of $rows rows: after resume every row was updated exactly once"
}

# ---- SQLite --------------------------------------------------------------------
DB_KIND=sqlite
kill_up "sqlite: SIGKILL zdm up"
race "sqlite: 2 runners" 2
race "sqlite: 4 runners" 4
kill_backfill "sqlite: SIGKILL zdm backfill" 20000
# WAL (the mode of a database zdm creates) has a path of its own in the
# backfill: synchronous = NORMAL and a checkpoint after each batch.
kill_backfill "sqlite (WAL): SIGKILL zdm backfill" 20000 wal
q "PRAGMA journal_mode = DELETE" >/dev/null

# Disk full while writing the backup: a file-size limit makes the backup's
# writes fail (EFBIG) as a full disk would.
W=$T/diskfull; rm -rf "$W"; mkdir -p "$W/db"
write_migrations "$W/db/migrations" sqlite 3 10
sqlite3 "$W/db/development.sqlite3" "CREATE TABLE big(b blob); INSERT INTO big WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 400) SELECT randomblob(8000) FROM s;"
out=$(cd "$W" && ulimit -f 1024 && trap '' XFSZ && "$Z" up 2>&1); rc=$?
n=$(sqlite3 "$W/db/development.sqlite3" "SELECT count(*) FROM sqlite_master WHERE name = 'zlog'")
if [ "$rc" -eq 3 ] && grep -qiE 'backup|I/O error' <<<"$out" && [ "$n" = 0 ]; then
    ok "sqlite: a full disk stops zdm up with exit 3 and a clear message before any migration"
else
    bad "sqlite: disk full during the backup (rc=$rc, zlog tables $n)" "$out"
fi
left=$(find "$W/db" -name '*.sqlite3*' -path '*backups*' -size +0 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "sqlite: no truncated backup is left behind" || bad "sqlite: a truncated backup is left" "$(find "$W/db" -path '*backups*' -ls)"
out=$(cd "$W" && "$Z" up 2>&1) && ok "sqlite: after the disk frees, zdm up completes" || bad "sqlite: rerun after disk full" "$out"

# A read-only database file: a clear error, nothing applied.  Root ignores
# file modes, so the run is done as "nobody" then.
W=$T/readonly; rm -rf "$W"; mkdir -p "$W/db"
write_migrations "$W/db/migrations" sqlite 2 10
sqlite3 "$W/db/development.sqlite3" "CREATE TABLE keep(x int);"
chmod 444 "$W/db/development.sqlite3"; chmod 555 "$W/db"; chmod -R a+rX "$W"
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u nobody --); else as=(); fi
out=$(cd "$W" && "${as[@]}" "$Z" up --no-backup 2>&1); rc=$?
chmod 755 "$W/db"; chmod 644 "$W/db/development.sqlite3"
n=$(sqlite3 "$W/db/development.sqlite3" "SELECT count(*) FROM sqlite_master WHERE name = 'zlog'")
if [ "$rc" -eq 3 ] && grep -qiE 'read-?only|permission denied' <<<"$out" && [ "$n" = 0 ]; then
    ok "sqlite: a read-only database file: exit 3, a clear message, nothing applied"
else
    bad "sqlite: read-only database (rc=$rc, zlog tables $n)" "$out"
fi

# ---- PostgreSQL ------------------------------------------------------------------
if [ -z "${ZDM_SKIP_PG:-}" ]; then
    . tests/lib/pg.sh
    if pg_start; then
        DB_KIND=pg
        kill_up "postgres: SIGKILL zdm up"
        race "postgres: 2 runners" 2
        race "postgres: 4 runners" 4
        kill_backfill "postgres: SIGKILL zdm backfill" 20000

        # The server restarts in the middle of a migration.
        W=$T/restart; rm -rf "$W"; mkdir -p "$W/db/migrations"; reset_db
        printf -- '-- migrate:up\nCREATE TABLE slow(id int);\nSELECT pg_sleep(3);\n-- migrate:down\nDROP TABLE slow;\n' > "$W/db/migrations/20260101000001_slow.sql"
        (cd "$W" && exec "$Z" up --url "$ZDM_PG_URL" >"$T/restart.out" 2>&1) & pid=$!
        sleep 1
        pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w restart >/dev/null 2>&1
        wait "$pid"; rc=$?
        out=$(cat "$T/restart.out")
        n=$(psql -qAtX -c "SELECT count(*) FROM pg_tables WHERE tablename = 'slow'")
        if [ "$rc" -ne 0 ] && [ "$n" = 0 ] && grep -qiE 'terminating connection' <<<"$out" && grep -q 'rolled back' <<<"$out"; then
            ok "postgres: a server restart mid-migration: exit $rc, the server's message, the migration rolled back"
        else
            bad "postgres: server restart (rc=$rc, table exists $n)" "$out"
        fi
        out=$(cd "$W" && "$Z" status --url "$ZDM_PG_URL" 2>&1)
        grep -q pending <<<"$out" && ok "postgres: after the restart the migration is pending" || bad "postgres: status after restart" "$out"
        out=$(cd "$W" && "$Z" up --url "$ZDM_PG_URL" 2>&1) && ok "postgres: after the restart zdm up completes" || bad "postgres: rerun after restart" "$out"

        # The connection drops during a backfill: exit 3, and a rerun resumes.
        W=$T/drop; rm -rf "$W"; mkdir -p "$W/db"
        fill_items 20000
        (cd "$W" && exec "$Z" backfill --url "$ZDM_PG_URL" --table items --set "n = n + 1" --batch 100 --max-batch-time 0 --sleep 5ms >"$T/drop.out" 2>&1) & pid=$!
        sleep 0.5
        psql -qAtX -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'" >/dev/null
        wait "$pid"; rc=$?
        out=$(cat "$T/drop.out")
        done_rows=$(psql -qAtX -c "SELECT count(*) FROM items WHERE n = 1")
        wrong=$(psql -qAtX -c "SELECT count(*) FROM items WHERE n > 1")
        if [ "$rc" -eq 3 ] && [ "$done_rows" -gt 0 ] && [ "$done_rows" -lt 20000 ] && [ "$wrong" = 0 ]; then
            ok "postgres: a dropped connection stops the backfill with exit 3 after $done_rows rows"
        else
            bad "postgres: dropped connection (rc=$rc, $done_rows done, $wrong twice)" "$out"
        fi
        out=$(cd "$W" && "$Z" backfill --url "$ZDM_PG_URL" --table items --set "n = n + 1" 2>&1); rc=$?
        wrong=$(psql -qAtX -c "SELECT count(*) FROM items WHERE n <> 1")
        [ "$rc" -eq 0 ] && [ "$wrong" = 0 ] && ok "postgres: the rerun resumes and every row is updated exactly once" ||
            bad "postgres: resume after a dropped connection (rc=$rc, $wrong wrong)" "$out"
    else
        bad "postgres: the throwaway server did not start"
    fi
fi

# ---- the guard on hostile input -----------------------------------------------------
# Each must end in bounded time (timeout) and memory (ulimit -v), exit 0,
# and answer with valid JSON: a visible verdict or "could not judge".
guard_bounded() { # NAME FILE_WITH_HOOK_JSON PATTERN
    local out rc t0 ms
    t0=$(now_ms)
    out=$(ulimit -v 1048576; timeout 20 "$G" <"$2" 2>&1); rc=$?
    ms=$(( $(now_ms) - t0 ))
    if [ "$rc" -eq 0 ] && jq -e . >/dev/null 2>&1 <<<"$out" && grep -qE -- "$3" <<<"$out"; then
        ok "guard: $1 ($ms ms)"
    else
        bad "guard: $1 (rc=$rc, $ms ms)" "${out:0:600}"
    fi
}
hook() { jq -cn --arg c "$1" --arg d "$T" '{hook_event_name:"PreToolUse",tool_name:"Bash",tool_input:{command:$c},cwd:$d}'; }

head -c 100000000 /dev/zero | tr '\0' 'a' | jq -Rsc '{hook_event_name:"PreToolUse",tool_name:"Bash",tool_input:{command:("echo " + .)}}' >"$T/huge.json"
guard_bounded "a 100 MB command: could not judge" "$T/huge.json" 'could not judge'
rm -f "$T/huge.json"

nest=$(printf '"$(echo %.0s' $(seq 1 10000)); close=$(printf ')"%.0s' $(seq 1 10000))
hook "psql -c ${nest}DROP TABLE users${close}" >"$T/nest.json"
guard_bounded "10,000 nested quotes: a visible answer" "$T/nest.json" 'permissionDecision|could not judge'

hook "psql -d app <<EOF
DROP TABLE users;
$(for i in $(seq 1 2000); do echo "SELECT $i;"; done)" >"$T/heredoc.json"
guard_bounded "a heredoc that never ends: still judged" "$T/heredoc.json" '"(ask|deny)".*ban-drop-table'

mkfifo "$T/fifo.sql"
hook "psql -d app -f $T/fifo.sql" >"$T/fifo.json"
guard_bounded "psql -f on a FIFO: ask, not a hang" "$T/fifo.json" '"ask"'
hook "psql -d app -f /dev/zero" >"$T/zero.json"
guard_bounded "psql -f /dev/zero: ask, not a hang" "$T/zero.json" '"ask"'
hook "sqlite3 app.db < /dev/zero" >"$T/zero2.json"
guard_bounded "sqlite3 < /dev/zero: ask, not a hang" "$T/zero2.json" '"ask"'

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
