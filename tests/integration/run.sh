#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration tests against a real PostgreSQL (started here) and SQLite:
# every rule page's "Given" + "Use" SQL must run.  Ends with
# "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
. tests/lib/pg.sh

passed=0 failed=0
ok() { passed=$((passed + 1)); }
ko() { failed=$((failed + 1)); echo "FAIL: $*"; }

work=$(mktemp -d /tmp/zdm-it.XXXXXX)
trap 'rm -rf "$work"' EXIT     # pg_start adds stopping its server
pg_start || { echo "0 passed, 1 failed"; exit 1; }

# ---- rule pages: the safe SQL really runs -----------------------------------
db=0
for page in skills/zero-downtime-migrations/references/rules/*.md; do
    id=$(basename "$page" .md)
    d="$work/$id"; mkdir -p "$d"
    awk -v out="$d" -f tests/integration/page-blocks.awk "$page"
    for f in "$d"/*.postgres.sql; do
        [ -e "$f" ] || continue
        db=$((db + 1))
        psql -q -X -d postgres -c "CREATE DATABASE page_$db" >/dev/null
        if out=$(psql -q -X -v ON_ERROR_STOP=1 -d "page_$db" -f "$f" 2>&1); then ok
        else ko "$id: PostgreSQL Use block does not run: $out"; sed 's/^/    | /' "$f"; fi
    done
    for f in "$d"/*.sqlite.sql; do
        [ -e "$f" ] || continue
        if out=$(sqlite3 -bail "$d/page.db" < "$f" 2>&1); then ok
        else ko "$id: SQLite Use block does not run: $out"; sed 's/^/    | /' "$f"; fi
        rm -f "$d/page.db"
    done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
