#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Black-box tests of zdm plan and zdm backfill: every recipe's files pass
# zdm lint; on SQLite and a real PostgreSQL (tests/lib/pg.sh) the
# migrations apply in order, keep working data in sync through the
# dual-write triggers, and their down sections restore the schema;
# backfill updates every row exactly once, resumes after SIGKILL, and
# hostile names cannot inject.  Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
root=$PWD
passed=0 failed=0
t=$(mktemp -d /tmp/zdm-plan.XXXXXX)
cleanup() { rm -rf "$t"; }
trap cleanup EXIT
# A copy, so that a rebuild while the suite runs cannot pull it away.
cp "$root/bin/zdm" "$t/zdm" || { echo "no bin/zdm: run make"; echo "0 passed, 1 failed"; exit 1; }
zdm=$t/zdm

check() { # description, command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }

# section FILE up|down -> the section's text; notx FILE up|down -> 0/1
section() {
    awk -v want="$2" '
        /^-- migrate:up/ { cur = "up"; next }
        /^-- migrate:down/ { cur = "down"; next }
        cur == want { print }' "$1"
}
notx() { grep -q "^-- migrate:$2 transaction:false" "$1" && echo 1 || echo 0; }

# ---- every recipe passes zdm lint (postgres and sqlite) ---------------------------------
recipes_pg=(
    "add-column users nickname text"
    "add-column users status text --not-null --default \"'active'\""
    "add-column users score integer --not-null --default 0 --pg-version 10"
    "add-column users email2 text --not-null"
    "add-column users email2 text --not-null --pg-version 11"
    "add-not-null-column users email2 text"
    "add-column users public_id uuid --default 'gen_random_uuid()'"
    "rename-column users email email_address"
    "rename-column users email email_address --type text --pg-version 10"
    "change-type accounts balance bigint"
    "change-type accounts balance bigint --type integer"
    "change-type products price integer --using 'round(price*100)' --new-name price_cents"
    "add-index orders user_id"
    "add-index orders a,b --unique --name orders_ab_key"
    "drop-column users legacy --type integer"
    "add-foreign-key orders user_id users"
    "add-foreign-key orders user_id users id --name orders_user_fk"
    "add-unique users email"
    "rename-table customers clients"
    "add-column Users \"order\" text"
)
recipes_sqlite=(
    "add-column users nickname text"
    "add-column users status text --not-null --default \"'active'\""
    "add-column users email2 text --not-null"
    "rename-column users email email_address --type text"
    "change-type accounts balance integer"
    "change-type products price integer --using 'round(price*100)' --new-name price_cents"
    "add-index orders user_id"
    "add-unique users email"
    "drop-column users legacy --type integer"
    "rename-table customers clients"
)
n=0
lint_all() { # dialect, recipe...
    local dialect=$1; shift
    local r
    for r in "$@"; do
        n=$((n + 1))
        local d=$t/lint/$n
        eval "set -- $r"
        out=$($zdm plan "$@" --dialect "$dialect" --migrations-dir "$d" 2>&1)
        check "$dialect: plan $r writes files" test -n "$(ls "$d" 2>/dev/null)"
        # each file on its own, then the set in order
        local f bad=0
        for f in "$d"/*.sql; do
            $zdm lint --dialect "$dialect" "$f" >/dev/null 2>&1 || { bad=1; $zdm lint --dialect "$dialect" "$f" | grep -E ': (deny|ask) '; }
        done
        check "$dialect: plan $r: every file passes zdm lint" test $bad = 0
        check "$dialect: plan $r: the set passes zdm lint" test "$(rc_of $zdm lint --dialect "$dialect" "$d")" = 0
        check "$dialect: plan $r: every file has up and down" bash -c 'for f in "$0"/*.sql; do grep -q "^-- migrate:up" "$f" && grep -q "^-- migrate:down" "$f" || exit 1; done' "$d"
    done
}
lint_all postgres "${recipes_pg[@]}"
lint_all sqlite "${recipes_sqlite[@]}"

# ---- file names, versions, output --------------------------------------------------
d=$t/names
$zdm plan add-column users email2 text --not-null --migrations-dir "$d" > "$t/out.txt"
check "versions are 14-digit timestamps, unique and increasing" bash -c '
    ls "$0" | sed -n "s/^\([0-9]*\)_.*/\1/p" > "$0.v"
    [ $(wc -l < "$0.v") -eq 5 ] && [ -z "$(grep -v "^[0-9]\{14\}$" "$0.v")" ] && sort -n -c "$0.v" && [ $(sort -u "$0.v" | wc -l) -eq 5 ]' "$d"
check "output prints the deploy step and the backfill command" bash -c 'grep -q "deploy" "$0" && grep -q "zdm backfill --table users --set" "$0" && grep -q "zdm up --to" "$0"' "$t/out.txt"
$zdm plan add-index orders user_id --migrations-dir "$d" > /dev/null
check "a second plan's versions follow the first's" bash -c 'ls "$0" | sort -n | tail -n 1 | grep -q add_index_orders_user_id' "$d"
f=$(ls "$d"/*add_index*.sql)
check "add-index: transaction:false on both sections" bash -c '[ "$(grep -c "^-- migrate:.*transaction:false" "$0")" = 2 ]' "$f"
check "add-index: CONCURRENTLY IF NOT EXISTS, dropped CONCURRENTLY" bash -c 'grep -q "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);" "$0" && grep -q "DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;" "$0"' "$f"
out=$($zdm plan add-index orders user_id --dry-run --migrations-dir "$t/dry")
check "--dry-run writes nothing and prints the file" bash -c '[ ! -e "$0" ] && grep -q "CREATE INDEX CONCURRENTLY" <<<"$1" && grep -q "indisvalid" <<<"$1"' "$t/dry" "$out"
out=$($zdm plan add-column users status text --not-null --default "'active'" --dry-run --migrations-dir "$t/dry")
check "PG 15 constant default: the single statement" grep -q "ADD COLUMN status text DEFAULT 'active' NOT NULL;" <<<"$out"
check "hostile table name is refused (exit 2)" test "$(rc_of $zdm plan add-index 'a"; DROP TABLE x; --' c --migrations-dir "$t/h")" = 2
check "hostile column name is refused" test "$(rc_of $zdm plan add-column users 'c text; DROP TABLE users; --' text --migrations-dir "$t/h")" = 2
check "a ';' in --default is refused" test "$(rc_of $zdm plan add-column users c text --default "1; DROP TABLE users" --migrations-dir "$t/h")" = 2
check "a comment in the type is refused" test "$(rc_of $zdm plan add-column users c "text -- x" --migrations-dir "$t/h")" = 2
check "nothing written for refused plans" test ! -e "$t/h"
out=$($zdm plan add-index t a --dialect mysql --migrations-dir "$t/h" 2>&1); rc=$?
check "mysql: a clear 'not supported yet' error" bash -c '[ '$rc' = 2 ] && grep -q "does not support MySQL yet" <<<"$0"' "$out"
check "unknown recipe exits 2" test "$(rc_of $zdm plan frob t --migrations-dir "$t/h")" = 2
check "wrong argument count exits 2" test "$(rc_of $zdm plan add-index t --migrations-dir "$t/h")" = 2
check "sqlite add-foreign-key explains why not" bash -c '$0 plan add-foreign-key o u users --dialect sqlite --migrations-dir "$1" 2>&1 | grep -q "SQLite cannot add a foreign key"' "$zdm" "$t/h"
out=$($zdm plan add-column Users order text --dry-run --migrations-dir "$t/dry")
check "capitals and reserved words are quoted" grep -q 'ALTER TABLE "Users" ADD COLUMN "order" text;' <<<"$out"

# ---- apply in order on SQLite, then roll back -------------------------------------------
sq_base='CREATE TABLE users (id integer PRIMARY KEY, email text, legacy integer, name text);
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer, a integer, b integer);
CREATE TABLE accounts (id integer PRIMARY KEY, balance integer);
CREATE TABLE products (id integer PRIMARY KEY, price numeric);
CREATE TABLE customers (id integer PRIMARY KEY, name text);
INSERT INTO users (id, email, legacy) VALUES (1, '"'a@x'"', 1), (2, '"'b@x'"', 2), (3, NULL, 3);
INSERT INTO orders VALUES (1, 1, 1, 1), (2, 2, 2, 1);
INSERT INTO accounts VALUES (1, 10), (2, 20);
INSERT INTO products VALUES (1, 1.5), (2, 2.25);
INSERT INTO customers VALUES (1, '"'c'"');'
sq_schema() { # db -> a sorted description
    sqlite3 "$1" "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'zdm_backfills' ORDER BY 1, 2;" 
    for tb in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'zdm_backfills' ORDER BY 1"); do
        sqlite3 "$1" "SELECT '$tb', name, type, \"notnull\", pk FROM pragma_table_info('$tb') ORDER BY name;"
    done
}
sq_apply() { # db, file, up|down
    local body; body=$(section "$2" "$3")
    if [ "$(notx "$2" "$3")" = 1 ]; then printf '%s\n' "$body" | sqlite3 -bail "$1"
    else printf 'BEGIN;\n%s\nCOMMIT;\n' "$body" | sqlite3 -bail "$1"; fi
}
# sq_case NAME "plan args" "after-file hooks: PATTERN=COMMAND;..." "check SQL after all ups (must print ok)"
sq_case() {
    local name=$1 args=$2 hook=$3 probe=$4
    local d=$t/sq/$name db=$t/sq/$name.db
    rm -rf "$d" "$db"; mkdir -p "$d"
    sqlite3 "$db" "$sq_base"
    local before; before=$(sq_schema "$db")
    eval "set -- $args"
    $zdm plan "$@" --dialect sqlite --migrations-dir "$d" >/dev/null
    local ok=1 f files
    files=$(ls "$d"/*.sql | sort)
    for f in $files; do
        sq_apply "$db" "$f" up || { ok=0; echo "  up failed: $f"; }
        local h
        while IFS= read -r h; do
            if [ -n "$h" ] && [[ "$f" == *${h%%=*}.sql ]]; then
                (cd "$t" && eval "${h#*=}") >/dev/null 2>&1 || { ok=0; echo "  hook failed after $f: ${h#*=}"; }
            fi
        done <<<"$hook"
    done
    check "sqlite $name: migrations apply in order" test $ok = 1
    if [ -n "$probe" ]; then
        check "sqlite $name: data check after the ups" test "$(sqlite3 "$db" "$probe" 2>&1)" = ok
    fi
    ok=1
    for f in $(printf '%s\n' $files | sort -r); do
        sq_apply "$db" "$f" down || { ok=0; echo "  down failed: $f"; }
    done
    check "sqlite $name: down sections apply in reverse" test $ok = 1
    local after; after=$(sq_schema "$db")
    check "sqlite $name: down sections restore the schema" test "$before" = "$after"
    [ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -n 10
}
sq_url() { echo "sqlite:$t/sq/$1.db"; }
sq_case add_nullable "add-column users nickname text" "" ""
sq_case add_default "add-column users status text --not-null --default \"'active'\"" "" \
    "SELECT CASE WHEN count(*) = 0 THEN 'ok' END FROM users WHERE status IS NOT 'active'"
sq_case add_not_null "add-column users email2 text --not-null" \
    "add_users_email2=$zdm backfill --url $(sq_url add_not_null) --table users --set \"email2 = 'e' || id\" --where 'email2 IS NULL'" \
    "SELECT CASE WHEN (SELECT count(*) FROM users WHERE email2 IS NULL) = 0 THEN 'ok' END"
sq_case not_null_enforced "add-column users email2 text --not-null" \
"add_users_email2=$zdm backfill --url $(sq_url not_null_enforced) --table users --set \"email2 = 'e'\" --where 'email2 IS NULL'
users_email2_not_null=! sqlite3 $t/sq/not_null_enforced.db 'INSERT INTO users (id) VALUES (99)'
users_email2_not_null=! sqlite3 $t/sq/not_null_enforced.db 'UPDATE users SET email2 = NULL WHERE id = 1'
users_email2_not_null=sqlite3 $t/sq/not_null_enforced.db \"INSERT INTO users (id, email2) VALUES (98, 'x')\"" \
    "SELECT 'ok' WHERE NOT EXISTS (SELECT 1 FROM users WHERE email2 IS NULL)"
sq_case rename_column "rename-column users email email_address --type text" \
    "expand=$zdm backfill --url $(sq_url rename_column) --table users --set 'email_address = email' --where 'email_address IS NOT email'" ""
# dual write on SQLite: old code writes email, new code writes email_address
d=$t/sq/dual; db=$t/sq/dual.db; rm -rf "$d" "$db"; mkdir -p "$d"; sqlite3 "$db" "$sq_base"
$zdm plan rename-column users email email_address --type text --dialect sqlite --migrations-dir "$d" >/dev/null
sq_apply "$db" "$(ls "$d"/*expand.sql)" up
sqlite3 "$db" "INSERT INTO users (id, email) VALUES (10, 'old@x'); INSERT INTO users (id, email_address) VALUES (11, 'new@x'); UPDATE users SET email = 'b2@x' WHERE id = 2; UPDATE users SET email_address = 'a2@x' WHERE id = 1;"
check "sqlite rename-column: the triggers keep both columns in sync" test \
    "$(sqlite3 "$db" "SELECT group_concat(id || ':' || coalesce(email,'-') || '=' || coalesce(email_address,'-'), ' ') FROM (SELECT * FROM users WHERE id IN (1,2,10,11) ORDER BY id)")" = \
    "1:a2@x=a2@x 2:b2@x=b2@x 10:old@x=old@x 11:new@x=new@x"
sq_case change_type "change-type products price integer --using \"round(price*100)\" --new-name price_cents --type numeric" \
    "expand=$zdm backfill --url $(sq_url change_type) --table products --set 'price_cents = round(price*100)' --where 'price_cents IS NOT round(price*100)'" \
    "SELECT CASE WHEN group_concat(price_cents) = '150,225' THEN 'ok' END FROM (SELECT price_cents FROM products ORDER BY id)"
sq_case add_index "add-index orders user_id" "" ""
sq_case add_unique "add-unique orders a,b" "" ""
sq_case drop_column "drop-column users legacy --type integer" "" ""
sq_case rename_table "rename-table customers clients" "" ""

# ---- PostgreSQL --------------------------------------------------------------------
. tests/lib/pg.sh
pg_up=0
for try in 1 2 3; do  # another suite may take the same free port at the same moment
    if pg_start 2>"$t/pg.err"; then pg_up=1; break; fi
    sleep 1
done
if [ $pg_up = 1 ]; then
    pg_base="$sq_base
CREATE TABLE \"Users\" (id integer PRIMARY KEY);"
    pg_schema() { # database -> a sorted description
        psql -qAt -d "$1" -c "
        SELECT 'col', table_name, column_name, data_type || coalesce(character_maximum_length::text, ''), is_nullable, coalesce(column_default, '')
          FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'zdm_backfills'
        UNION ALL SELECT 'idx', tablename, indexname, indexdef, '', '' FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'zdm_backfills'
        UNION ALL SELECT 'con', conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated::text, ''
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text <> 'zdm_backfills'
        UNION ALL SELECT 'trg', tgrelid::regclass::text, tgname, '', '', '' FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'view', table_name, '', '', '', '' FROM information_schema.views WHERE table_schema = 'public'
        UNION ALL SELECT 'fn', proname, '', '', '', '' FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        ORDER BY 1, 2, 3"
    }
    pg_apply() { # database, file, up|down
        local body; body=$(section "$2" "$3")
        if [ "$(notx "$2" "$3")" = 1 ]; then printf '%s\n' "$body" | psql -qX -v ON_ERROR_STOP=1 -d "$1" >/dev/null
        else printf '%s\n' "$body" | psql -qX -1 -v ON_ERROR_STOP=1 -d "$1" >/dev/null; fi
    }
    dbn=0
    pg_case() { # name, plan args, hook, probe
        local name=$1 args=$2 hook=$3 probe=$4
        dbn=$((dbn + 1)); local db=zdm_plan_$dbn d=$t/pg/$name
        mkdir -p "$d"
        psql -qX -c "CREATE DATABASE $db" >/dev/null
        printf '%s\n' "$pg_base" | psql -qX -v ON_ERROR_STOP=1 -d "$db" >/dev/null
        local before; before=$(pg_schema "$db")
        eval "set -- $args"
        $zdm plan "$@" --migrations-dir "$d" >/dev/null
        local ok=1 f files
        files=$(ls "$d"/*.sql | sort)
        for f in $files; do
            pg_apply "$db" "$f" up || { ok=0; echo "  up failed: $f"; }
            local h
            while IFS= read -r h; do
                if [ -n "$h" ] && [[ "$f" == *${h%%=*}.sql ]]; then
                    (export PGURL="postgres://postgres@127.0.0.1:$PGPORT/$db"; eval "${h#*=}") >/dev/null 2>&1 || { ok=0; echo "  hook failed after $f: ${h#*=}"; }
                fi
            done <<<"$hook"
        done
        check "postgres $name: migrations apply in order" test $ok = 1
        if [ -n "$probe" ]; then
            check "postgres $name: data check after the ups" test "$(psql -qAtX -d "$db" -c "$probe" 2>&1)" = ok
        fi
        ok=1
        for f in $(printf '%s\n' $files | sort -r); do
            pg_apply "$db" "$f" down || { ok=0; echo "  down failed: $f"; }
        done
        check "postgres $name: down sections apply in reverse" test $ok = 1
        local after; after=$(pg_schema "$db")
        check "postgres $name: down sections restore the schema" test "$before" = "$after"
        [ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -n 10
        PG_LAST_DB=$db
    }
    pg_case add_nullable "add-column users nickname text" "" ""
    pg_case add_default "add-column users status text --not-null --default \"'active'\"" "" \
        "SELECT CASE WHEN count(*) = 0 THEN 'ok' END FROM users WHERE status IS DISTINCT FROM 'active'"
    pg_case add_not_null "add-column users email2 text --not-null" \
        "add_users_email2=$zdm backfill --url \$PGURL --table users --set \"email2 = 'e' || id\" --where 'email2 IS NULL'" \
        "SELECT CASE WHEN is_nullable = 'NO' THEN 'ok' END FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email2'"
    pg_case add_not_null_pg10 "add-column users score integer --not-null --default 7 --pg-version 10" \
        "add_users_score=$zdm backfill --url \$PGURL --table users --set 'score = 7' --where 'score IS NULL'" \
        "SELECT CASE WHEN convalidated THEN 'ok' END FROM pg_constraint WHERE conname = 'users_score_not_null'"
    pg_case volatile_default "add-column users public_id uuid --default \"gen_random_uuid()\"" \
        "add_users_public_id=$zdm backfill --url \$PGURL --table users --set 'public_id = gen_random_uuid()' --where 'public_id IS NULL'" \
        "SELECT CASE WHEN count(*) = 0 THEN 'ok' END FROM users WHERE public_id IS NULL"
    pg_case rename_column "rename-column users email email_address" \
        "expand=$zdm backfill --url \$PGURL --table users --set 'email_address = email' --where 'email_address IS DISTINCT FROM email'" \
        "SELECT CASE WHEN count(*) = 0 THEN 'ok' END FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'"
    pg_case change_type "change-type accounts balance bigint --type integer" \
        "expand=$zdm backfill --url \$PGURL --table accounts --set 'balance_new = balance' --where 'balance_new IS DISTINCT FROM balance'" \
        "SELECT CASE WHEN string_agg(balance_new::text, ',' ORDER BY id) = '10,20' AND pg_typeof(max(balance_new))::text = 'bigint' THEN 'ok' END FROM accounts"
    pg_case change_type_using "change-type products price integer --using \"round(price*100)\" --new-name price_cents --type numeric" \
        "expand=$zdm backfill --url \$PGURL --table products --set 'price_cents = round(price*100)' --where 'price_cents IS DISTINCT FROM round(price*100)'" \
        "SELECT CASE WHEN string_agg(price_cents::text, ',' ORDER BY id) = '150,225' THEN 'ok' END FROM products"
    pg_case add_index "add-index orders user_id" "" \
        "SELECT CASE WHEN count(*) = 1 THEN 'ok' END FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'orders_user_id_idx' AND i.indisvalid"
    pg_case add_unique_index "add-index orders a,b --unique" "" ""
    pg_case add_unique "add-unique orders a,b" "" \
        "SELECT CASE WHEN count(*) = 1 THEN 'ok' END FROM pg_constraint WHERE conname = 'orders_a_b_key' AND contype = 'u'"
    pg_case add_fk "add-foreign-key orders user_id users" "" \
        "SELECT CASE WHEN convalidated THEN 'ok' END FROM pg_constraint WHERE conname = 'orders_user_id_fkey'"
    pg_case drop_column "drop-column users legacy --type integer" "" ""
    pg_case rename_table "rename-table customers clients" "" \
        "SELECT CASE WHEN count(*) = 0 THEN 'ok' END FROM pg_views WHERE viewname = 'customers'"
    pg_case quoted "add-column Users order text" "" ""

    # zdm verify (the runner's rehearsal: up, down, up for each migration)
    if $zdm verify --help >/dev/null 2>&1; then
        psql -qX -c "CREATE DATABASE zdm_verify_src" >/dev/null
        printf '%s\n' "$pg_base" | psql -qX -d zdm_verify_src >/dev/null
        vurl="postgres://postgres@127.0.0.1:$PGPORT/zdm_verify_src"
        for r in "add-column users nickname text" "add-not-null-column users email2 text" \
                 "add-column users score integer --not-null --default 0 --pg-version 10" \
                 "add-column users public_id uuid --default 'gen_random_uuid()'" \
                 "rename-column users email email_address" "change-type accounts balance bigint --type integer" \
                 "add-index orders user_id" "drop-column users legacy --type integer" \
                 "add-foreign-key orders user_id users" "add-unique orders a,b" "rename-table customers clients"; do
            vd=$t/verify/$(tr -c 'a-z0-9' _ <<<"$r"); mkdir -p "$vd"
            eval "set -- $r"
            $zdm plan "$@" --migrations-dir "$vd" >/dev/null
            out=$($zdm verify --url "$vurl" --migrations-dir "$vd" 2>&1); rc=$?
            check "postgres: zdm verify proves plan $r reversible" test $rc = 0
            [ $rc = 0 ] || grep -E "FAIL|^ +[-+]" <<<"$out" | head -n 6
        done
    fi

    # dual write on PostgreSQL, between the expand and the contract
    psql -qX -c "CREATE DATABASE zdm_dual" >/dev/null
    printf '%s\n' "$pg_base" | psql -qX -d zdm_dual >/dev/null
    d=$t/pg/dual; mkdir -p "$d"
    $zdm plan rename-column users email email_address --migrations-dir "$d" >/dev/null
    pg_apply zdm_dual "$(ls "$d"/*expand.sql)" up
    psql -qX -d zdm_dual -c "INSERT INTO users (id, email) VALUES (10, 'old@x'); INSERT INTO users (id, email_address) VALUES (11, 'new@x'); UPDATE users SET email = 'b2@x' WHERE id = 2; UPDATE users SET email_address = 'a2@x' WHERE id = 1;" >/dev/null
    check "postgres rename-column: the trigger keeps both columns in sync" test \
        "$(psql -qAtX -d zdm_dual -c "SELECT string_agg(id || ':' || coalesce(email,'-') || '=' || coalesce(email_address,'-'), ' ' ORDER BY id) FROM users WHERE id IN (1,2,10,11)")" = \
        "1:a2@x=a2@x 2:b2@x=b2@x 10:old@x=old@x 11:new@x=new@x"
    check "postgres rename-column: the new column has the old one's type (no --type)" test \
        "$(psql -qAtX -d zdm_dual -c "SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_address'")" = text

    # ---- backfill on PostgreSQL ----------------------------------------------------
    url="postgres://postgres@127.0.0.1:$PGPORT/zdm_dual"
    psql -qX -d zdm_dual -c "CREATE TABLE big (id bigint PRIMARY KEY, v integer, w text); INSERT INTO big SELECT g, g, NULL FROM generate_series(1, 50000) g; ANALYZE big;" >/dev/null
    out=$($zdm backfill --url "$url" --table big --set "w = 'x' || v" --where "w IS NULL" --json 2>&1)
    check "postgres backfill: every row updated" test "$(psql -qAtX -d zdm_dual -c "SELECT count(*) FROM big WHERE w IS DISTINCT FROM 'x' || v")" = 0
    check "postgres backfill: the final JSON line counts every row once" bash -c 'tail -n 1 <<<"$0" | jq -e ".event == \"done\" and .rows_updated == 50000 and .rows_scanned == 50000" >/dev/null' "$out"
    check "postgres backfill: JSON line per batch" bash -c '[ "$(grep -c "\"event\": \"batch\"" <<<"$0")" -ge 2 ]' "$out"
    psql -qX -d zdm_dual -c "UPDATE big SET w = NULL" >/dev/null
    $zdm backfill --url "$url" --table big --set "w = 'y' || v" --where "w IS NULL" --batch 100 --max-batch 200 --sleep 2ms > "$t/pgkill.out" 2>&1 &
    pid=$!
    sleep 0.5; kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
    mid=$(psql -qAtX -d zdm_dual -c "SELECT count(*) FROM big WHERE w IS NOT NULL")
    check "postgres backfill: SIGKILL mid-run leaves a partial result ($mid rows)" bash -c '[ "$0" -gt 0 ] && [ "$0" -lt 50000 ]' "$mid"
    out=$($zdm backfill --url "$url" --table big --set "w = 'y' || v" --where "w IS NULL" --json 2>&1)
    check "postgres backfill: the rerun resumes from the checkpoint" bash -c 'tail -n 1 <<<"$0" | jq -e ".resumed == true" >/dev/null' "$out"
    check "postgres backfill: after the resume every row is updated, none missed" test "$(psql -qAtX -d zdm_dual -c "SELECT count(*) FROM big WHERE w IS DISTINCT FROM 'y' || v")" = 0
    # Two runs of one job at once (or a killed run whose last COMMIT lands
    # after the rerun started): n = n + 1 is not idempotent, so a range
    # updated by both would leave rows at 2.  Each batch claims the
    # checkpoint first and the loser goes on from where it moved.
    psql -qX -d zdm_dual -c "CREATE TABLE twice (id int PRIMARY KEY, n int NOT NULL DEFAULT 0); INSERT INTO twice (id) SELECT generate_series(1, 20000)" >/dev/null
    for i in 1 2 3; do
        $zdm backfill --url "$url" --table twice --set "n = n + 1" --batch 100 --max-batch-time 0 --sleep 1ms >/dev/null 2>&1 &
    done
    wait
    check "postgres backfill: three runs of one job at once update every row exactly once" \
        test "$(psql -qAtX -d zdm_dual -c "SELECT count(*) FILTER (WHERE n <> 1) || '/' || count(*) FROM twice")" = "0/20000"
    psql -qX -d zdm_dual -c 'CREATE TABLE "we""ird; t" (id int PRIMARY KEY, "c""ol" text); INSERT INTO "we""ird; t" VALUES (1, NULL), (2, NULL)' >/dev/null
    check "postgres backfill: odd names are quoted, not injected" bash -c '$0 backfill --url "$1" --table "we\"ird; t" --set "\"c\"\"ol\" = '"'"'ok'"'"'" --where "\"c\"\"ol\" IS NULL" >/dev/null 2>&1 && [ "$(psql -qAtX -d zdm_dual -c "SELECT count(*) FROM \"we\"\"ird; t\" WHERE \"c\"\"ol\" = '"'"'ok'"'"'")" = 2 ]' "$zdm" "$url"
    check "postgres backfill: a hostile table name fails without running SQL" bash -c '! $0 backfill --url "$1" --table "big\"; DROP TABLE big; --" --set "w = 1" >/dev/null 2>&1 && [ "$(psql -qAtX -d zdm_dual -c "SELECT count(*) FROM big")" = 50000 ]' "$zdm" "$url"
    # throttling: sessions queued on a lock pause the run until they clear
    psql -qX -d zdm_dual -c "CREATE TABLE lk (id int); UPDATE big SET w = NULL" >/dev/null
    psql -qX -d zdm_dual -c "BEGIN; LOCK TABLE lk; SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
    sleep 0.5
    for i in 1 2; do psql -qX -d zdm_dual -c "SELECT count(*) FROM lk" >/dev/null 2>&1 & done
    sleep 0.5
    out=$($zdm backfill --url "$url" --table big --set "w = 'l' || v" --where "w IS NULL" --max-lock-waiters 1 --json 2>&1)
    wait
    check "postgres backfill: pauses while sessions wait on locks, then finishes" bash -c 'grep -q "\"event\": \"paused\".*waiting on locks" <<<"$0" && tail -n 1 <<<"$0" | jq -e ".event == \"done\" and .rows_updated == 50000" >/dev/null' "$out" ||
        { head -n 3 <<<"$out"; tail -n 1 <<<"$out"; }
else
    failed=$((failed + 1)); echo "FAIL: could not start PostgreSQL"; cat "$t/pg.err"
fi

# ---- zdm verify on SQLite ------------------------------------------------------------
# Not the contract phases of rename-column/change-type nor rename-table:
# SQLite re-adds a dropped column at the end of the table and quotes a
# renamed table's name in its CREATE text, and verify compares that text.
if $zdm verify --help >/dev/null 2>&1; then
    vdb=$t/verify.db
    sqlite3 "$vdb" "$sq_base"
    for r in "add-column users nickname text" "add-not-null-column users email2 text" \
             "add-column users status text --not-null --default \"'active'\"" \
             "add-index orders user_id" "add-unique orders a,b" "drop-column users name --type text"; do
        vd=$t/sqverify/$(tr -c 'a-z0-9' _ <<<"$r"); mkdir -p "$vd"
        eval "set -- $r"
        $zdm plan "$@" --dialect sqlite --migrations-dir "$vd" >/dev/null
        out=$($zdm verify --url "sqlite:$vdb" --migrations-dir "$vd" 2>&1); rc=$?
        check "sqlite: zdm verify proves plan $r reversible" test $rc = 0
        [ $rc = 0 ] || grep -E "FAIL|^ +[-+]" <<<"$out" | head -n 6
    done
fi

# ---- backfill on SQLite ----------------------------------------------------------------
db=$t/bf.db
sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE big (id integer PRIMARY KEY, v integer, w text);
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) INSERT INTO big SELECT x, x, NULL FROM c;" >/dev/null
out=$($zdm backfill --url "sqlite:$db" --table big --set "w = 'x' || v" --where "w IS NULL" --json 2>&1)
check "sqlite backfill: every row updated" test "$(sqlite3 "$db" "SELECT count(*) FROM big WHERE w IS NOT 'x' || v")" = 0
check "sqlite backfill: counts every row once" bash -c 'tail -n 1 <<<"$0" | jq -e ".rows_updated == 100000 and .rows_scanned == 100000" >/dev/null' "$out"
check "sqlite backfill: the batch size adapts" bash -c '[ "$(grep "\"event\": \"batch\"" <<<"$0" | jq -s "map(.batch) | unique | length")" -ge 2 ]' "$out"
out=$($zdm backfill --url "sqlite:$db" --table big --set "w = 'x' || v" --where "w IS NULL" 2>&1)
check "sqlite backfill: a finished backfill reruns as a no-op" grep -q "0 batches.*resumed" <<<"$out"
sqlite3 "$db" "UPDATE big SET w = NULL"
$zdm backfill --url "sqlite:$db" --table big --set "w = 'z' || v" --where "w IS NULL" --batch 200 --max-batch 200 --sleep 1ms > /dev/null 2>&1 &
pid=$!
sleep 0.4; kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
mid=$(sqlite3 "$db" "SELECT count(*) FROM big WHERE w IS NOT NULL")
check "sqlite backfill: SIGKILL mid-run leaves a partial result ($mid rows)" bash -c '[ "$0" -gt 0 ] && [ "$0" -lt 100000 ]' "$mid"
ck=$(sqlite3 "$db" "SELECT last_key FROM zdm_backfills WHERE set_expr = 'w = ''z'' || v'")
check "sqlite backfill: the checkpoint matches the committed rows" test "$(sqlite3 "$db" "SELECT count(*) FROM big WHERE id <= $ck AND w IS NULL") $(sqlite3 "$db" "SELECT count(*) FROM big WHERE id > $ck AND w IS NOT NULL")" = "0 0"
out=$($zdm backfill --url "sqlite:$db" --table big --set "w = 'z' || v" --where "w IS NULL" --json 2>&1)
check "sqlite backfill: resumes and finishes, every row updated" bash -c 'tail -n 1 <<<"$0" | jq -e ".resumed" >/dev/null && [ "$(sqlite3 "$1" "SELECT count(*) FROM big WHERE w IS NOT '"'"'z'"'"' || v")" = 0 ]' "$out" "$db"
# SIGINT stops after the current batch, exit 1, and the rerun continues
sqlite3 "$db" "UPDATE big SET w = NULL"
$zdm backfill --url "sqlite:$db" --table big --set "w = 'i' || v" --where "w IS NULL" --batch 100 --max-batch 100 --sleep 2ms > "$t/int.out" 2>&1 &
pid=$!
sleep 0.3; kill -INT $pid; wait $pid; rc=$?
check "sqlite backfill: SIGINT stops after the batch (exit 1, says how to continue)" bash -c '[ '$rc' = 1 ] && grep -q "stopped" "$0" && grep -q "rerun" "$0"' "$t/int.out"
$zdm backfill --url "sqlite:$db" --table big --set "w = 'i' || v" --where "w IS NULL" >/dev/null 2>&1
check "sqlite backfill: and the rerun completes it" test "$(sqlite3 "$db" "SELECT count(*) FROM big WHERE w IS NOT 'i' || v")" = 0
out=$($zdm backfill --url "sqlite:$db" --table big --set "w = w || 'x'" 2>&1 --dry-run)
check "backfill warns when --where is missing" grep -q "warning: no --where" <<<"$out"
check "backfill warns when SET reads its own column" grep -q "not idempotent" <<<"$out"
out=$($zdm backfill --url "sqlite:$db" --table big --set "w = 'q'" --where "v > 10" --dry-run 2>&1)
check "backfill warns when --where does not mention the column" grep -q "does not mention w" <<<"$out"
check "--dry-run prints the statement and ranges" bash -c 'grep -q "UPDATE \"big\" SET \"w\" = '"'"'q'"'"' WHERE \"id\" > \$1 AND \"id\" <= \$2 AND (v > 10)" <<<"$0" && grep -q "range 1: (start, 1000\]" <<<"$0"' "$out"
check "--dry-run changes nothing" test "$(sqlite3 "$db" "SELECT count(*) FROM big WHERE w = 'q'")" = 0
check "a ';' in --set is refused (exit 2)" test "$(rc_of $zdm backfill --url "sqlite:$db" --table big --set "w = 1; DROP TABLE big")" = 2
check "a comment in --where is refused" test "$(rc_of $zdm backfill --url "sqlite:$db" --table big --set "w = 1" --where "1=1 --")" = 2
check "a hostile table name fails and drops nothing" bash -c '! $0 backfill --url "sqlite:$1" --table "big\"; DROP TABLE big; --" --set "w = 1" >/dev/null 2>&1 && [ "$(sqlite3 "$1" "SELECT count(*) FROM big")" = 100000 ]' "$zdm" "$db"
check "a hostile key name fails and drops nothing" bash -c '! $0 backfill --url "sqlite:$1" --table big --key "id\" > 0; DROP TABLE big; --" --set "w = 1" >/dev/null 2>&1 && [ "$(sqlite3 "$1" "SELECT count(*) FROM big")" = 100000 ]' "$zdm" "$db"
check "--key rowid works on SQLite" bash -c '$0 backfill --url "sqlite:$1" --table big --key rowid --set "v = 0" --where "v <> 0" >/dev/null 2>&1 && [ "$(sqlite3 "$1" "SELECT count(*) FROM big WHERE v <> 0")" = 0 ]' "$zdm" "$db"
check "missing --set exits 2" test "$(rc_of $zdm backfill --url "sqlite:$db" --table big)" = 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
