#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: what zdm does, on the seed's examples and an embedded SQLite
# database.  Each step prints the command it runs.
set -u
cd "$(dirname "$0")/.."
export NO_COLOR=${NO_COLOR:-}
zdm=bin/zdm

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; echo "(exit $?)"; }

step "1. Lint the seed's migration examples (wrong and right)"
run $zdm lint examples/seed

step "2. Why, and the safe rewrite: the rule's reference page"
run $zdm explain require-concurrent-index-creation

step "3. The same engine speaks MySQL and SQLite"
printf 'ALTER TABLE users MODIFY COLUMN bio TEXT;\nALTER TABLE users RENAME COLUMN name TO full_name;\n' > /tmp/zdm-demo-mysql.sql
run $zdm lint --dialect mysql /tmp/zdm-demo-mysql.sql
printf 'ALTER TABLE users ADD COLUMN status TEXT NOT NULL;\nALTER TABLE users DROP COLUMN legacy;\n' > /tmp/zdm-demo-sqlite.sql
run $zdm lint --dialect sqlite /tmp/zdm-demo-sqlite.sql

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
