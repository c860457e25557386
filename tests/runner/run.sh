#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Black-box tests of the runner: zdm new / status / up / down / verify /
# backup / restore on SQLite (a temporary file) and PostgreSQL (a
# throwaway server from tests/lib/pg.sh, or ZDM_PG_URL).  Ends with
# "N passed, M failed"; exits non-zero on failure.
#
#   tests/runner/run.sh            everything
#   ZDM_SKIP_PG=1 tests/runner/run.sh   SQLite only
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
Z=${ZDM_BIN:-$ROOT/bin/zdm}   # ZDM_BIN: test another build (e.g. make asan's)
[ -x "$Z" ] || { echo "bin/zdm is missing: run make"; echo "0 passed, 1 failed"; exit 1; }

pass=0
fail=0
T=$(mktemp -d /tmp/zdm-runner.XXXXXX)
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /' | head -n 30; }

# check NAME EXPECTED_RC CMD...: run CMD in $W, keep stdout+stderr in $OUT.
check() {
    local name=$1 want=$2; shift 2
    OUT=$(cd "$W" && "$@" 2>&1); RC=$?
    if [ "$RC" -eq "$want" ]; then ok "$name"; else bad "$name (rc=$RC, want $want)" "$OUT"; fi
}
# has NAME PATTERN: the last output matches the extended regex.
has() {
    if grep -qE -- "$2" <<<"$OUT"; then ok "$1"; else bad "$1 (no /$2/)" "$OUT"; fi
}
hasnt() {
    if grep -qE -- "$2" <<<"$OUT"; then bad "$1 (found /$2/)" "$OUT"; else ok "$1"; fi
}
# fresh DIR: a new project directory, cd'ed into by check.
fresh() { W=$T/$1; rm -rf "$W"; mkdir -p "$W/db/migrations"; }
mig() { # mig FILE UP DOWN [UPOPTS] [DOWNOPTS]
    printf -- '-- migrate:up%s\n%b\n-- migrate:down%s\n%b\n' "${4:+ $4}" "$2" "${5:+ $5}" "$3" \
        > "$W/db/migrations/$1"
}
sq() { sqlite3 "$W/db/development.sqlite3" "$@"; }

unset DATABASE_URL

# ---- zdm new -------------------------------------------------------------
fresh new
check "new creates a dbmate file" 0 "$Z" new "Add Users"
has "new prints the path" '^db/migrations/[0-9]{14}_add_users\.sql$'
f=$(ls "$W"/db/migrations/*_add_users.sql)
if grep -q '^-- migrate:up$' "$f" && grep -q '^-- migrate:down$' "$f"; then ok "new writes up and down sections"; else bad "new writes up and down sections" "$(cat "$f")"; fi
check "new twice in one second" 0 sh -c "$Z new a && $Z new b && $Z new c"
n=$(ls "$W/db/migrations" | sed 's/_.*//' | sort -u | wc -l)
[ "$n" -eq 4 ] && ok "new never makes a duplicate version" || bad "new never makes a duplicate version" "$(ls "$W/db/migrations")"
check "new --golang makes a pair" 0 "$Z" new --golang pair
has "new --golang prints both files" '\.down\.sql'
check "new without a name is a usage error" 2 "$Z" new
check "status reads golang and dbmate files together" 0 "$Z" status
has "status lists 5 pending" '0 applied, 5 pending'

# ---- up / status / down on SQLite ----------------------------------------
fresh basic
mig 001_users.sql "CREATE TABLE users (id integer PRIMARY KEY, name text);\nINSERT INTO users (name) VALUES ('a');" "DROP TABLE users;"
mig 002_email.sql "ALTER TABLE users ADD COLUMN email text;" "ALTER TABLE users DROP COLUMN email;"
printf 'CREATE TABLE g (id integer);\n' > "$W/db/migrations/003_g.up.sql"
printf 'DROP TABLE g;\n' > "$W/db/migrations/003_g.down.sql"
check "status before anything" 0 "$Z" status
has "status: 3 pending" '0 applied, 3 pending'
[ ! -e "$W/db/development.sqlite3" ] && ok "status does not create the database file" || bad "status does not create the database file"
has "status says there is no database yet" 'no database yet'
check "verify with no database yet" 0 "$Z" verify
[ ! -e "$W/db/development.sqlite3" ] && ok "verify does not create the database file" || bad "verify does not create the database file"
check "status --exit-code with pending" 1 "$Z" status --exit-code
check "up --dry-run" 0 "$Z" up --dry-run
has "dry-run prints the statements" 'CREATE TABLE users'
[ -z "$(sq "select name from sqlite_master where name='users'")" ] && ok "dry-run touches nothing" || bad "dry-run touches nothing"
check "up applies everything" 0 "$Z" up
has "up reports 3 of 3" '3 of 3 applied'
has "up made a backup" '^backup: db/backups/'
b=$(ls "$W"/db/backups/*.bak | head -n 1)
[ "$(stat -c %a "$b")" = 600 ] && ok "backup file is mode 0600" || bad "backup file is mode 0600" "$(stat -c %a "$b")"
[ "$(sq 'select count(*) from schema_migrations')" = 3 ] && ok "schema_migrations has 3 rows" || bad "schema_migrations has 3 rows"
[ "$(sq "select count(*) from zdm_migrations where direction='up' and status='done' and checksum is not null and applied_by like '%@%'")" = 3 ] \
    && ok "zdm_migrations records checksum and who" || bad "zdm_migrations records checksum and who" "$(sq 'select * from zdm_migrations')"
check "status after up" 0 "$Z" status --exit-code
has "status: 3 applied" '3 applied, 0 pending'
check "up again: nothing to do" 0 "$Z" up
has "nothing to do" 'nothing to do'
check "status --json" 0 "$Z" status --json
if printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["applied"]==3 and len(d["migrations"])==3' 2>/dev/null; then ok "status --json is valid JSON"; else bad "status --json is valid JSON" "$OUT"; fi
check "down rolls back one" 0 "$Z" down
has "down runs the golang down file" '003_g'
[ -z "$(sq "select name from sqlite_master where name='g'")" ] && ok "down dropped the table" || bad "down dropped the table"
check "down -n 2" 0 "$Z" down -n 2
[ "$(sq 'select count(*) from schema_migrations')" = 0 ] && ok "down -n 2 leaves nothing applied" || bad "down -n 2 leaves nothing applied"
check "up --to 002" 0 "$Z" up --to 002 --no-backup
[ "$(sq 'select count(*) from schema_migrations')" = 2 ] && ok "up --to stops at the version" || bad "up --to stops at the version"
check "down --to 001" 0 "$Z" down --to 001
[ "$(sq 'select version from schema_migrations')" = 001 ] && ok "down --to keeps the version" || bad "down --to keeps the version"
check "up --to unknown version is a usage error" 2 "$Z" up --to 999
check "backups keep the last 5" 0 sh -c "for i in 1 2 3 4 5 6 7; do $Z down >/dev/null && $Z up >/dev/null || exit 1; done"
n=$(ls "$W/db/backups" | wc -l)
[ "$n" -le 5 ] && ok "at most 5 backups kept ($n)" || bad "at most 5 backups kept" "$(ls "$W/db/backups")"

# ---- journal mode, progress ------------------------------------------------
fresh wal
mig 001_a.sql "CREATE TABLE a (id integer);" "DROP TABLE a;"
mig 002_b.sql "CREATE TABLE b (id integer);" "DROP TABLE b;"
check "up on a new database" 0 "$Z" up --no-backup
[ "$(sq 'PRAGMA journal_mode')" = wal ] && ok "a database zdm creates is in WAL mode" \
    || bad "a database zdm creates is in WAL mode" "$(sq 'PRAGMA journal_mode')"
check "down on a WAL database" 0 "$Z" down -n 2
rm -f "$W/db/development.sqlite3"*
sq 'CREATE TABLE app (id integer)'
check "up on an existing rollback-journal database" 0 "$Z" up --no-backup
[ "$(sq 'PRAGMA journal_mode')" = delete ] && ok "an existing database keeps its journal mode" \
    || bad "an existing database keeps its journal mode" "$(sq 'PRAGMA journal_mode')"
check "down on a TTY" 0 script -qec "$Z down -n 2" /dev/null
has "a TTY shows [i/n] progress" '^\[1/2\] down +002_b'
has "a TTY shows the last of n" '^\[2/2\] down +001_a'
check "up without a TTY" 0 "$Z" up --no-backup
hasnt "no counter without a TTY" '\[[0-9]+/'
has "plain lines without a TTY" '^   up   001_a'
rm -f "$W/db/development.sqlite3"*
check "up --dry-run with no database yet" 0 "$Z" up --dry-run
has "dry-run with no database prints the statements" 'CREATE TABLE a'
[ ! -e "$W/db/development.sqlite3" ] && ok "up --dry-run creates no database" || bad "up --dry-run creates no database" "$(ls "$W/db")"
check "down --dry-run with no database yet" 0 "$Z" down --dry-run
check "down with no database yet" 0 "$Z" down
has "down with no database: nothing to roll back" 'nothing to roll back'
[ ! -e "$W/db/development.sqlite3" ] && ok "down creates no database" || bad "down creates no database" "$(ls "$W/db")"
rm -rf "$W/db"
check "up with no migrations dir fails" 3 "$Z" up
[ ! -e "$W/db/development.sqlite3" ] && ok "a failed up creates no database" || bad "a failed up creates no database" "$(ls -R "$W")"

# ---- checksums ------------------------------------------------------------
fresh sum
mig 001_a.sql "CREATE TABLE a (id integer);" "DROP TABLE a;"
mig 002_b.sql "CREATE TABLE b (id integer);" "DROP TABLE b;"
check "up for checksum tests" 0 "$Z" up --to 001 --no-backup
printf -- '-- migrate:up\r\nCREATE TABLE a (id integer);   \r\n\r\n-- migrate:down\r\nDROP TABLE a;\r\n' > "$W/db/migrations/001_a.sql"
check "status with whitespace-only edits" 1 "$Z" status --exit-code
hasnt "whitespace edit is not 'modified'" '^modified'
mig 001_a.sql "CREATE TABLE a (id integer, x text);" "DROP TABLE a;"
check "status reports modified" 0 "$Z" status
has "status says modified" '^modified +001_a'
check "status --exit-code: 5 on modified" 5 "$Z" status --exit-code
check "up refuses with exit 5" 5 "$Z" up
has "up names the edited file" '001_a.sql was edited after it was applied'
[ "$(sq 'select count(*) from schema_migrations')" = 1 ] && ok "checksum mismatch: nothing ran" || bad "checksum mismatch: nothing ran"
rm "$W/db/migrations/001_a.sql"
check "status with a missing file" 0 "$Z" status
has "status says missing" '^missing +001'

# ---- failure in migration 3 of 5 -----------------------------------------
fresh fail
for i in 1 2 4 5; do mig 00${i}_t$i.sql "CREATE TABLE t$i (id integer);" "DROP TABLE t$i;"; done
mig 003_t3.sql "CREATE TABLE t3 (id integer);\n\nINSERT INTO t3 VALUES (1);\nINSERT INTO t3\n  VALUES (1,\n  SELEC 2);" "DROP TABLE t3;"
check "syntax error in 3 of 5 fails with 1" 1 "$Z" up --no-backup
has "error names file:line of the bad token" '003_t3\.sql:7: .*syntax error'
has "error says it was rolled back" 'rolled back'
[ "$(sq 'select group_concat(version) from (select version from schema_migrations order by 1)')" = "001,002" ] \
    && ok "1 and 2 applied, 3-5 not" || bad "1 and 2 applied, 3-5 not" "$(sq 'select * from schema_migrations')"
[ -z "$(sq "select name from sqlite_master where name in ('t3','t4','t5')")" ] && ok "3 rolled back, 4-5 untouched" || bad "3 rolled back, 4-5 untouched"

# ---- bad input: exit 3 with one line -------------------------------------
fresh badinput
mig 001_a.sql "CREATE TABLE a (id integer);" "DROP TABLE a;"
check "unknown URL scheme" 3 "$Z" status --url mysql://x/y
has "unknown scheme message" "unknown database URL scheme in 'mysql://x/y'"
check "unreadable migrations dir" 3 "$Z" status --migrations-dir nope
has "names the dir" "cannot read migrations dir 'nope'"
printf -- '-- migrate:up transaction:flase\nSELECT 1;\n' > "$W/db/migrations/002_bad.sql"
check "malformed header" 3 "$Z" up
has "malformed header has file:line" "002_bad.sql:1: unknown option 'transaction:flase'"
printf -- 'SELECT 1;\n-- migrate:down\nSELECT 1;\n' > "$W/db/migrations/002_bad.sql"
check "down before up" 3 "$Z" status
has "down-before-up message" "002_bad.sql:2: '-- migrate:down' before '-- migrate:up'"
rm "$W/db/migrations/002_bad.sql"
cp "$W/db/migrations/001_a.sql" "$W/db/migrations/1_dup.sql"
check "duplicate version" 3 "$Z" status
has "duplicate version message" 'duplicate migration version'
rm "$W/db/migrations/1_dup.sql"
check "unreachable server" 3 "$Z" status --url postgres://u:s3cret@127.0.0.1:1/db
has "unreachable: one line" 'cannot connect to'
hasnt "password never printed" 's3cret'
n=$(printf '%s\n' "$OUT" | wc -l)
[ "$n" -eq 1 ] && ok "unreachable server: exactly one line" || bad "unreachable server: exactly one line" "$OUT"

# ---- lint gate -------------------------------------------------------------
fresh lint
mig 001_a.sql "CREATE TABLE a (id integer, b text);" "DROP TABLE a;"
check "lint gate setup" 0 "$Z" up --no-backup
mig 002_nn.sql "ALTER TABLE a ADD COLUMN c integer NOT NULL;" "ALTER TABLE a DROP COLUMN c;"
mig 003_ok.sql "CREATE TABLE z (id integer);" "DROP TABLE z;"
check "deny finding stops the run" 1 "$Z" up --no-backup
has "the finding is printed" '002_nn\.sql:[0-9]+:[0-9]+: deny'
has "lint gate says nothing was applied" 'nothing was applied'
[ "$(sq 'select count(*) from schema_migrations')" = 1 ] && ok "lint gate: nothing applied" || bad "lint gate: nothing applied"
mig 002_nn.sql "-- zdm:allow sqlite-unsupported-alter the table is empty in every environment\nALTER TABLE a ADD COLUMN c integer NOT NULL DEFAULT 0;" "ALTER TABLE a DROP COLUMN c;"
check "fixed migration passes the gate" 0 "$Z" up --no-backup

# ---- transaction:false ----------------------------------------------------
fresh notx
mig 001_a.sql "CREATE TABLE a (id integer);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nINSERT INTO a VALUES (x y);\nINSERT INTO a VALUES (4);" "DROP TABLE a;" "transaction:false"
check "transaction:false stops at the bad statement" 1 "$Z" up --no-backup
has "says how far it got" '3 of 5 statements ran'
[ "$(sq 'select statements_done||"/"||statements_total||" "||status from zdm_migrations')" = "3/5 failed" ] \
    && ok "history records statements_done" || bad "history records statements_done" "$(sq 'select * from zdm_migrations')"
check "status says partial" 0 "$Z" status
has "partial state" '^partial'
mig 001_a.sql "CREATE TABLE a (id integer);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nINSERT INTO a VALUES (3);\nINSERT INTO a VALUES (4);" "DROP TABLE a;" "transaction:false"
check "fixed file: up runs it again from the start (checksum changed)" 1 "$Z" up --no-backup
has "re-running the first statement fails: the table exists" 'already exists'

# ---- down refuses an empty down section -----------------------------------
fresh emptydown
mig 001_a.sql "CREATE TABLE a (id integer);" ""
check "up" 0 "$Z" up --no-backup
check "down refuses an empty down section" 1 "$Z" down
has "says why" 'empty down section'
check "down --force" 0 "$Z" down --force
[ "$(sq 'select count(*) from schema_migrations')" = 0 ] && ok "--force drops the record" || bad "--force drops the record"

# ---- dbmate compatibility -------------------------------------------------
fresh dbmate
mig 20240101000000_a.sql "CREATE TABLE a (id integer);" "DROP TABLE a;"
mig 20240102000000_b.sql "CREATE TABLE b (id integer);" "DROP TABLE b;"
# As dbmate leaves it: its table, its layout, no zdm history.
sq "CREATE TABLE schema_migrations (version varchar(128) primary key); INSERT INTO schema_migrations VALUES ('20240101000000'); CREATE TABLE a (id integer);"
check "a dbmate-migrated project: status" 0 "$Z" status
has "dbmate's applied row counts" '^applied +20240101000000_a'
has "and the rest is pending" '1 applied, 1 pending'
check "zdm up on a dbmate project" 0 "$Z" up --no-backup
[ "$(sq "select group_concat(version) from (select version from schema_migrations order by 1)")" = "20240101000000,20240102000000" ] \
    && ok "zdm writes dbmate's schema_migrations" || bad "zdm writes dbmate's schema_migrations"
[ "$(sq "select sql from sqlite_master where name='schema_migrations'")" = "CREATE TABLE schema_migrations (version varchar(128) primary key)" ] \
    && ok "schema_migrations layout untouched" || bad "schema_migrations layout untouched"
# The real dbmate: installed into build/npm on first use (as make bench
# and the plugin test do with their npm tools), never silently skipped.
DBMATE=$(command -v dbmate 2>/dev/null || true)
if [ -z "$DBMATE" ]; then
    DBMATE=$ROOT/build/npm/node_modules/.bin/dbmate
    if [ ! -x "$DBMATE" ]; then
        echo "installing dbmate into build/npm" >&2
        npm install --prefix "$ROOT/build/npm" --no-audit --no-fund --loglevel=error dbmate >&2 || DBMATE=
    fi
fi
if [ -n "$DBMATE" ] && [ -x "$DBMATE" ]; then
    OUT=$(cd "$W" && DATABASE_URL=sqlite:db/development.sqlite3 "$DBMATE" --no-dump-schema status 2>&1)
    grep -q 'Pending: 0' <<<"$OUT" && ok "dbmate sees zdm's migrations as applied" || bad "dbmate sees zdm's migrations as applied" "$OUT"
    mig 20240103000000_c.sql "CREATE TABLE c (id integer);" "DROP TABLE c;"
    OUT=$(cd "$W" && DATABASE_URL=sqlite:db/development.sqlite3 "$DBMATE" --no-dump-schema up 2>&1)
    [ "$(sq "select count(*) from schema_migrations")" = 3 ] && ok "dbmate applies the next one after zdm" || bad "dbmate applies the next one after zdm" "$OUT"
    check "zdm status after dbmate" 0 "$Z" status --exit-code
    check "zdm down rolls back what dbmate applied" 0 "$Z" down
    [ -z "$(sq "select name from sqlite_master where name='c'")" ] && ok "c dropped by zdm" || bad "c dropped by zdm"
else
    bad "install dbmate from npm for the round trip" "npm install --prefix build/npm dbmate failed"
fi

# ---- two concurrent runners (SQLite) --------------------------------------
fresh conc
for i in $(seq 1 30); do mig $(printf '%03d' $i)_m$i.sql "CREATE TABLE m$i (id integer);\nINSERT INTO m$i VALUES ($i);" "DROP TABLE m$i;"; done
(cd "$W" && "$Z" up --no-backup >"$T/c1.out" 2>&1; echo $? >"$T/c1.rc") &
(cd "$W" && "$Z" up --no-backup >"$T/c2.out" 2>&1; echo $? >"$T/c2.rc") &
wait
[ "$(cat "$T/c1.rc")" = 0 ] && [ "$(cat "$T/c2.rc")" = 0 ] && ok "two concurrent ups both succeed" || bad "two concurrent ups both succeed" "$(cat "$T/c1.out" "$T/c2.out")"
[ "$(sq "select count(*) from zdm_migrations where direction='up'")" = 30 ] && ok "no migration applied twice" || bad "no migration applied twice" "$(sq 'select version, count(*) from zdm_migrations group by 1 having count(*) > 1')"
[ "$(sq 'select count(*) from schema_migrations')" = 30 ] && ok "all 30 applied once" || bad "all 30 applied once"
(cd "$W" && flock db/development.sqlite3.zdm_migrations.lock sleep 2) &
sleep 0.3
mig 031_late.sql "CREATE TABLE late (id integer);" "DROP TABLE late;"
check "a runner that cannot get the lock in time: exit 4" 4 "$Z" up --no-backup --wait-timeout 300ms
has "says another zdm is running" 'another zdm is running'
wait

# ---- verify (SQLite) ------------------------------------------------------
fresh verify
mig 001_a.sql "CREATE TABLE a (id integer, b text);" "DROP TABLE a;"
check "verify setup" 0 "$Z" up --no-backup
mig 002_idx.sql "CREATE INDEX a_b ON a (b);" "DROP INDEX a_b;"
mig 003_c.sql "ALTER TABLE a ADD COLUMN c text;" "ALTER TABLE a DROP COLUMN c;"
before=$(sha1sum "$W/db/development.sqlite3")
check "verify passes reversible migrations" 0 "$Z" verify
has "verify prints durations" 'ok +002_idx: up [0-9]+ ms, down [0-9]+ ms, up [0-9]+ ms'
[ "$before" = "$(sha1sum "$W/db/development.sqlite3")" ] && ok "verify never touches the target" || bad "verify never touches the target"
mig 003_c.sql "ALTER TABLE a ADD COLUMN c text;\nCREATE TABLE extra (id integer);" "ALTER TABLE a DROP COLUMN c;"
check "verify fails a down that does not restore the schema" 1 "$Z" verify
has "verify shows the difference" '\+ table extra'
check "verify --json on the same" 1 "$Z" verify --json
if printf '%s\n' "$OUT" | python3 -c '
import json, sys
ls = [json.loads(l) for l in sys.stdin if l.strip()]
v = {d["version"]: d for d in ls if d["event"] == "verify"}
assert v["002"]["ok"] and v["002"]["up_ms"] >= 0 and v["002"]["down_ms"] >= 0 and v["002"]["up_again_ms"] >= 0
assert not v["003"]["ok"] and v["003"]["why"] == "down-differs"
assert any(x.startswith("+ table extra") for x in v["003"]["schema_diff"])
assert ls[-1] == {"event": "done", "rehearsed": 2, "not_reversible": 1}' 2>&1; then
    ok "verify --json: one object a migration, the difference, a summary"
else
    bad "verify --json: one object a migration, the difference, a summary" "$OUT"
fi
mig 004_e.sql "CREATE TABLE e (id integer);" ""
rm "$W/db/migrations/003_c.sql"
check "verify fails an empty down section" 1 "$Z" verify
has "says the down is empty" 'down section is empty'

# ---- backup / restore -----------------------------------------------------
fresh backup
mig 001_a.sql "CREATE TABLE a (id integer);\nINSERT INTO a VALUES (42);" "DROP TABLE a;"
check "setup" 0 "$Z" up --no-backup
check "backup --out" 0 "$Z" backup --out "$T/b.sqlite3"
[ "$(sqlite3 "$T/b.sqlite3" 'select id from a')" = 42 ] && ok "the backup has the data" || bad "the backup has the data"
[ "$(stat -c %a "$T/b.sqlite3")" = 600 ] && ok "backup --out is mode 0600" || bad "backup --out is mode 0600"
sq "DELETE FROM a"
check "restore" 0 "$Z" restore "$T/b.sqlite3"
[ "$(sq 'select id from a')" = 42 ] && ok "restore brings the data back" || bad "restore brings the data back"
check "restore of a missing file" 3 "$Z" restore "$T/nope"
check "backup to a device is refused" 3 "$Z" backup --out /dev/null
[ "$(stat -c %a /dev/null)" = 666 ] && ok "backup never chmods a device" || bad "backup never chmods a device"

# ---- SIGKILL at any moment ------------------------------------------------
fresh kill
for i in $(seq 1 60); do mig $(printf '%03d' $i)_k$i.sql "CREATE TABLE k$i (id integer);\nINSERT INTO k$i VALUES ($i);\nCREATE INDEX k${i}_id ON k$i (id);" "DROP TABLE k$i;"; done
for delay in 0.05 0.2 0.4; do
    (cd "$W" && exec "$Z" up --no-backup >/dev/null 2>&1) &
    p=$!; sleep $delay; kill -9 $p 2>/dev/null; wait $p 2>/dev/null
done
applied=$(sq 'select count(*) from schema_migrations')
tables=$(sq "select count(*) from sqlite_master where type='table' and name like 'k%'")
rows=$(sq "select count(*) from zdm_migrations where direction='up' and status='done'")
[ "$applied" = "$tables" ] && [ "$applied" = "$rows" ] && ok "SIGKILL: every migration fully applied and recorded or not at all ($applied)" \
    || bad "SIGKILL: applied=$applied tables=$tables records=$rows"
check "after SIGKILL, up finishes the rest" 0 "$Z" up --no-backup
[ "$(sq 'select count(*) from schema_migrations')" = 60 ] && ok "all 60 applied after the kills" || bad "all 60 applied after the kills"

# ---- versions as numbers ----------------------------------------------------
fresh numbers
mig 9_a.sql "CREATE TABLE a (id integer);" "DROP TABLE a;"
mig 10_b.sql "CREATE TABLE b (id integer);" "DROP TABLE b;"
sq "CREATE TABLE schema_migrations (version varchar(128) primary key); INSERT INTO schema_migrations VALUES ('009'); CREATE TABLE a (id integer);"
check "009 in the history is version 9" 0 "$Z" up --no-backup
has "only 10 runs" '1 of 1 applied'
check "down of a version stored as 009" 0 "$Z" down -n 2
[ "$(sq 'select count(*) from schema_migrations')" = 0 ] && ok "009 removed by numeric match" || bad "009 removed by numeric match" "$(sq 'select * from schema_migrations')"

# ---- PostgreSQL -------------------------------------------------------------
if [ -n "${ZDM_SKIP_PG:-}" ]; then
    echo "skipping PostgreSQL (ZDM_SKIP_PG)"
else
    . "$ROOT/tests/lib/pg.sh"
    if ! pg_start; then
        bad "PostgreSQL server starts"
    else
        export PGHOST PGPORT PGUSER
        PSQL="psql -X -q -v ON_ERROR_STOP=1"
        newdb() { $PSQL -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1; U="postgres://postgres@127.0.0.1:$PGPORT/$1"; }

        fresh pg
        newdb zt1
        mig 001_users.sql "CREATE TABLE users (id bigint PRIMARY KEY, name text);" "DROP TABLE users;"
        mig 002_idx.sql "CREATE INDEX CONCURRENTLY users_name ON users (name);" "DROP INDEX CONCURRENTLY users_name;" "transaction:false" "transaction:false"
        check "pg: up --dry-run" 0 "$Z" up --url "$U" --dry-run
        has "pg: dry-run names the lock of CONCURRENTLY" 'lock: SHARE UPDATE EXCLUSIVE'
        has "pg: dry-run prints BEGIN for the transactional one" '^BEGIN;'
        sv=$($PSQL -At -d zt1 -c "select current_setting('server_version_num')::int / 10000")
        has "pg: the lint gate judges for the server's version" "^-- judged for PostgreSQL $sv \\(the server's version\\)"
        [ -z "$($PSQL -At -d zt1 -c "select to_regclass('schema_migrations')")" ] && ok "pg: dry-run creates nothing" || bad "pg: dry-run creates nothing"
        check "pg: up" 0 "$Z" up --url "$U"
        has "pg: CONCURRENTLY ran without a transaction" '002_idx \(1 statement, no transaction'
        [ "$($PSQL -At -d zt1 -c "select indisvalid from pg_index where indexrelid='users_name'::regclass")" = t ] \
            && ok "pg: the index is valid" || bad "pg: the index is valid"
        check "pg: status" 0 "$Z" status --url "$U" --exit-code
        has "pg: 2 applied" '2 applied, 0 pending'
        check "pg: down" 0 "$Z" down --url "$U"
        check "pg: status after down" 1 "$Z" status --url "$U" --exit-code
        check "pg: up again" 0 "$Z" up --url "$U"
        OUT=$(cd "$W" && DATABASE_URL=postgres: PGDATABASE=zt1 "$Z" status 2>&1)
        grep -q '2 applied' <<<"$OUT" && ok "pg: libpq environment when the URL is just postgres:" || bad "pg: libpq environment" "$OUT"

        # syntax error with file:line and the server's message
        mig 003_bad.sql "ALTER TABLE users ADD COLUMN email text;\nSELECT 1;\nSELECT *\n  FROM users\n  WHERE nme = 1;" "ALTER TABLE users DROP COLUMN email;"
        check "pg: failed migration exits 1" 1 "$Z" up --url "$U"
        has "pg: error at file:line of the position" '003_bad\.sql:6: column "nme" does not exist'
        [ -z "$($PSQL -At -d zt1 -c "select 1 from information_schema.columns where table_name='users' and column_name='email'")" ] \
            && ok "pg: the failed migration was rolled back" || bad "pg: the failed migration was rolled back"
        rm "$W/db/migrations/003_bad.sql"

        # lock timeout: a second session holds ACCESS EXCLUSIVE
        mig 003_email.sql "ALTER TABLE users ADD COLUMN email text;" "ALTER TABLE users DROP COLUMN email;"
        ( $PSQL -d zt1 -c "BEGIN" -c "LOCK TABLE users IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null 2>&1 ) &
        holder=$!
        sleep 0.7
        t0=$(date +%s%N)
        check "pg: lock timeout after retries exits 4" 4 "$Z" up --url "$U" --lock-retries 1 --lock-timeout 1200ms
        has "pg: the blocking session is reported" 'waiting [0-9.]+s for a lock held by pid [0-9]+ .*pg_sleep'
        has "pg: retries are reported" 'retry 1 of 1'
        has "pg: final message" 'lock timeout after 1 retry'
        wait $holder
        check "pg: once the lock is gone, up --backup works" 0 "$Z" up --url "$U" --backup
        has "pg: up --backup ran pg_dump" '^backup: db/backups/zt1-.*\.dump'
        d=$(ls "$W"/db/backups/zt1-*.dump 2>/dev/null | head -n 1)
        [ -n "$d" ] && [ "$(stat -c %a "$d")" = 600 ] && pg_restore -l "$d" >/dev/null 2>&1 \
            && ok "pg: the dump is mode 0600 and readable by pg_restore" || bad "pg: the dump is mode 0600 and readable by pg_restore"

        check "pg: zdm backup --out runs pg_dump" 0 "$Z" backup --url "$U" --out "$T/pg.dump"
        pg_restore -l "$T/pg.dump" >/dev/null 2>&1 && ok "pg: zdm backup wrote a custom-format dump" || bad "pg: zdm backup wrote a custom-format dump"

        # transaction:false: a lock timeout part way resumes at the statement that timed out
        mig 0035_notx.sql "CREATE TABLE notx (id int);\nALTER TABLE users ADD COLUMN nt int;" "ALTER TABLE users DROP COLUMN nt;\nDROP TABLE notx;" "transaction:false" "transaction:false"
        ( $PSQL -d zt1 -c "BEGIN" -c "LOCK TABLE users IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(2.5)" -c "COMMIT" >/dev/null 2>&1 ) &
        holder=$!
        sleep 0.5
        check "pg: transaction:false retries after a lock timeout" 0 "$Z" up --url "$U" --lock-retries 4 --lock-timeout 800ms --to 0035
        has "pg: it retried" 'retry 1 of 4'
        hasnt "pg: the first statement did not run twice" 'already exists'
        wait $holder

        # advisory lock: two runners
        mig 004_slow.sql "SELECT pg_sleep(2);\nCREATE TABLE slow (id int);" "DROP TABLE slow;"
        (cd "$W" && "$Z" up --url "$U" >"$T/p1.out" 2>&1; echo $? >"$T/p1.rc") &
        sleep 0.5
        check "pg: a second runner cannot get the advisory lock: exit 4" 4 "$Z" up --url "$U" --wait-timeout 500ms
        has "pg: says another zdm is running" 'another zdm is running'
        (cd "$W" && "$Z" up --url "$U" >"$T/p2.out" 2>&1; echo $? >"$T/p2.rc") &
        wait
        [ "$(cat "$T/p1.rc")$(cat "$T/p2.rc")" = 00 ] && ok "pg: two runners both succeed" || bad "pg: two runners both succeed" "$(cat "$T/p1.out" "$T/p2.out")"
        [ "$($PSQL -At -d zt1 -c "select count(*) from zdm_migrations where version='004' and direction='up'")" = 1 ] \
            && ok "pg: the slow migration ran once" || bad "pg: the slow migration ran once"

        # a failed CREATE INDEX CONCURRENTLY leaves an INVALID index
        $PSQL -d zt1 -c "INSERT INTO users VALUES (1, 'a'), (2, 'a')" >/dev/null
        mig 005_uniq.sql "CREATE UNIQUE INDEX CONCURRENTLY users_name_u ON users (name);" "DROP INDEX CONCURRENTLY users_name_u;" "transaction:false" "transaction:false"
        check "pg: failed CONCURRENTLY exits 1" 1 "$Z" up --url "$U"
        has "pg: says an INVALID index was left" 'INVALID index'
        has "pg: prints the exact DROP statement" 'DROP INDEX CONCURRENTLY IF EXISTS users_name_u;'
        $PSQL -d zt1 -c "DROP INDEX CONCURRENTLY IF EXISTS users_name_u" -c "DELETE FROM users WHERE id = 2" >/dev/null
        check "pg: after the fix, up works" 0 "$Z" up --url "$U"

        # verify: scratch database, never touches the target
        mig 006_ok.sql "CREATE TABLE v1 (id int);\nCREATE INDEX v1_id ON v1 (id);" "DROP TABLE v1;"
        mig 007_bad.sql "ALTER TABLE users ADD COLUMN x int;\nCREATE TABLE v2 (id int);" "DROP TABLE v2;"
        nbefore=$($PSQL -At -d zt1 -c "select count(*) from schema_migrations")
        check "pg: verify finds a down that does not restore the schema" 1 "$Z" verify --url "$U"
        has "pg: verify passes the good one with durations" 'ok +006_ok: up [0-9]+ ms'
        has "pg: verify shows the difference" '\+ column public\.users\.x integer'
        [ "$($PSQL -At -d zt1 -c "select count(*) from schema_migrations")" = "$nbefore" ] && [ -z "$($PSQL -At -d zt1 -c "select to_regclass('v1')")" ] \
            && ok "pg: verify did not touch the target" || bad "pg: verify did not touch the target"
        [ -z "$($PSQL -At -d postgres -c "select datname from pg_database where datname like 'zdm_verify_%'")" ] \
            && ok "pg: verify dropped its scratch database" || bad "pg: verify dropped its scratch database"
        newdb zscratch
        rm "$W/db/migrations/007_bad.sql"
        check "pg: verify --scratch-url" 0 "$Z" verify --url "$U" --scratch-url "postgres://postgres@127.0.0.1:$PGPORT/zscratch"

        # refused logins (the test server trusts every role, so an unknown
        # role and an unknown database stand in for a wrong password)
        check "pg: unknown role is one line, exit 3" 3 "$Z" status --url "postgres://nobody_here:pa55word@127.0.0.1:$PGPORT/zt1"
        has "pg: says the role does not exist" 'role "nobody_here" does not exist'
        hasnt "pg: the password is not printed" 'pa55word'
        [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] && ok "pg: refused login is one line" || bad "pg: refused login is one line" "$OUT"
        check "pg: unknown database, exit 3" 3 "$Z" status --url "postgres://postgres:pa55word@127.0.0.1:$PGPORT/nosuchdb"
        hasnt "pg: the password is not printed either" 'pa55word'
        check "pg: verify with a password in the URL" 0 "$Z" verify --url "postgres://postgres:pa55word@127.0.0.1:$PGPORT/zt1"
    fi
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
