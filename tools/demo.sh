#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: what zdm does, on the seed's examples and an embedded SQLite
# database.  Each step prints the command it runs.
set -u
cd "$(dirname "$0")/.."
export NO_COLOR=${NO_COLOR:-}
zdm=bin/zdm

demo=$(mktemp -d /tmp/zdm-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; echo "(exit $?)"; }

step "1. Lint the seed's migration examples (wrong and right)"
run $zdm lint examples/seed

step "2. Why, and the safe rewrite: the rule's reference page"
run $zdm explain require-concurrent-index-creation

step "3. The same engine speaks MySQL and SQLite"
printf 'ALTER TABLE users MODIFY COLUMN bio TEXT;\nALTER TABLE users RENAME COLUMN name TO full_name;\n' > "$demo/mysql.sql"
run $zdm lint --dialect mysql "$demo/mysql.sql"
printf 'ALTER TABLE users ADD COLUMN status TEXT NOT NULL;\nALTER TABLE users DROP COLUMN legacy;\n' > "$demo/sqlite.sql"
run $zdm lint --dialect sqlite "$demo/sqlite.sql"

if [ -x bin/zdm-guard ]; then
    step "4. The guard: Claude Code PreToolUse payloads in, decisions out"
    guard() {
        local out rc
        printf '$ echo %s | bin/zdm-guard\n' "$1"
        out=$(printf '%s' "$1" | bin/zdm-guard); rc=$?
        if [ -n "$out" ]; then
            # the reason, readable: the JSON string with its \n made newlines
            printf '%s\n' "$out" | sed -e 's/\\n/\n    /g' -e 's/\\"/"/g'
        else
            echo "(no output: the call passes)"
        fi
        echo "(exit $rc)"
    }
    guard '{"hook_event_name":"PreToolUse","tool_name":"Bash","cwd":"/tmp","tool_input":{"command":"psql -c \"CREATE INDEX idx_orders_user ON orders(user_id)\""}}'
    guard '{"hook_event_name":"PreToolUse","tool_name":"Bash","cwd":"/tmp","tool_input":{"command":"psql -c \"ALTER TABLE users ADD COLUMN nickname text\""}}'
    guard '{"hook_event_name":"PreToolUse","tool_name":"Write","cwd":"/tmp","tool_input":{"file_path":"/tmp/app/migrations/20250128_add_user_status.ts","content":"export async function up(db) {\n  await db.query(`ALTER TABLE users ADD COLUMN status VARCHAR(20) NOT NULL`)\n}\n"}}'
fi

step "5. An embedded SQLite database: status, lint gate, plan, verify, up, backfill, roll back"
root=$PWD
zdm="$root/bin/zdm"
cd "$demo" || exit 1
mkdir -p db/migrations
# The demo project's first migration: 300,000 accounts (shared with
# tests/plugin/validate.sh, which walks the same project).
cp "$root/examples/demo/20250101000000_create_accounts.sql" db/migrations/
printf '(in %s: db/migrations/20250101000000_create_accounts.sql, 300,000 accounts)\n' "$demo"
run $zdm status
run $zdm up
cat > db/migrations/20250102000000_add_tier.sql <<'SQL'
-- migrate:up
ALTER TABLE accounts ADD COLUMN tier text NOT NULL;

-- migrate:down
ALTER TABLE accounts DROP COLUMN tier;
SQL
echo "(a hand-written migration: db/migrations/20250102000000_add_tier.sql adds a NOT NULL column)"
run $zdm up
echo "(the lint gate stopped it before anything ran; zdm plan writes the safe version)"
rm db/migrations/20250102000000_add_tier.sql
run $zdm plan add-column accounts status text --not-null --default "'active'" --dialect sqlite
run $zdm plan add-column accounts email_domain text --dialect sqlite
run $zdm verify
run $zdm up
run $zdm status
run $zdm backfill --table accounts --set "email_domain = substr(email, instr(email, '@') + 1)" \
    --where "email_domain IS NULL"
run sqlite3 db/development.sqlite3 "SELECT email_domain, count(*) FROM accounts GROUP BY 1 ORDER BY 1 LIMIT 3"
run $zdm backfill --table accounts --set "email_domain = substr(email, instr(email, '@') + 1)" \
    --where "email_domain IS NULL"
echo "(the rerun finds the checkpoint finished: nothing to do)"
run $zdm down
run $zdm status
cd "$root" || exit 1
