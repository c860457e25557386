#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Black-box tests of bin/zdm lint / rules / explain: exit codes, output
# formats, the seed's examples, and bad input.  Ends with
# "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
zdm=$PWD/bin/zdm
passed=0 failed=0
t=$(mktemp -d /tmp/zdm-cli.XXXXXX)
trap 'chmod -R u+rw "$t" 2>/dev/null; rm -rf "$t"' EXIT

check() { # description, condition...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
unset DATABASE_URL   # it names the default dialect (tested below)
rules_in() { # file -> sorted "rule" list at ask/deny level
    $zdm lint --format json "$@" | jq -r '.findings[] | select(.decision != "warn") | .rule' | sort -u | tr '\n' ' '
}

# ---- exit codes ----------------------------------------------------------------
printf 'CREATE TABLE t (id bigint);\n' > "$t/clean.sql"
printf 'CREATE INDEX i ON users (email);\n' > "$t/deny.sql"
printf 'ALTER TABLE t ADD COLUMN a int;\n' > "$t/warn.sql"
check "clean file exits 0" test "$(rc_of $zdm lint "$t/clean.sql")" = 0
check "deny finding exits 1" test "$(rc_of $zdm lint "$t/deny.sql")" = 1
check "warn only exits 0" test "$(rc_of $zdm lint "$t/warn.sql")" = 0
check "--strict makes warn fail" test "$(rc_of $zdm lint --strict "$t/warn.sql")" = 1
check "unknown option exits 2" test "$(rc_of $zdm lint --bogus)" = 2

# ---- the default dialect: the config's, else the database's, else postgres -------
mkdir -p "$t/proj/db"
printf 'CREATE INDEX i ON users (email);\n' > "$t/proj/idx.sql"
dialect_rules() { (cd "$t/proj" && "$@" $zdm lint --format json idx.sql | jq -r '[.findings[] | select(.decision != "warn") | .rule] | join(" ")'); }
check "no database, no config: judged as PostgreSQL" test "$(dialect_rules env)" = require-concurrent-index-creation
check "DATABASE_URL=sqlite:… : judged as SQLite" test "$(dialect_rules env DATABASE_URL=sqlite:x.db)" = sqlite-create-index
check "DATABASE_URL=postgres://… : judged as PostgreSQL" \
    test "$(dialect_rules env DATABASE_URL=postgres://u@h/d)" = require-concurrent-index-creation
: > "$t/proj/db/development.sqlite3"
check "the embedded default database exists: judged as SQLite" test "$(dialect_rules env)" = sqlite-create-index
printf 'dialect: postgres\n' > "$t/proj/.zdm.yml"
check ".zdm.yml's dialect beats the database" test "$(dialect_rules env)" = require-concurrent-index-creation
rm "$t/proj/.zdm.yml"
check "--dialect beats the database" \
    test "$(cd "$t/proj" && $zdm lint --dialect postgres --format json idx.sql | jq -r '[.findings[] | select(.decision != "warn") | .rule] | join(" ")')" = require-concurrent-index-creation
check "zdm plan takes the database's dialect too" \
    bash -c "cd '$t/proj' && $zdm plan add-column users n text --dry-run | grep -q '(sqlite)'"
rm -rf "$t/proj"
check "bad format exits 2" test "$(rc_of $zdm lint --format xml "$t/clean.sql")" = 2
check "bad dialect exits 2" test "$(rc_of $zdm lint --dialect oracle "$t/clean.sql")" = 2
check "bad pg version exits 2" test "$(rc_of $zdm lint --pg-version 7 "$t/clean.sql")" = 2
check "missing file exits 3" test "$(rc_of $zdm lint "$t/nope.sql")" = 3
check "unknown command exits 2" test "$(rc_of $zdm frobnicate)" = 2
check "--help exits 0" test "$(rc_of $zdm lint --help)" = 0
out=$($zdm lint "$t/nope.sql" 2>&1)
check "missing file names the path" grep -q "nope.sql" <<<"$out"

# ---- formats -----------------------------------------------------------------
check "json parses" jq -e '.files == 1 and (.findings | length) >= 1' <(${zdm} lint --format json "$t/deny.sql")
check "json finding has every field" jq -e '.findings[0] | has("file") and has("line") and has("column") and has("rule") and has("aliases") and has("decision") and has("message") and has("help") and has("statement")' <($zdm lint --format json "$t/deny.sql")
check "json positions are 1-based" jq -e '[.findings[] | select(.rule == "require-concurrent-index-creation")][0] | .line == 1 and .column == 1' <($zdm lint --format json "$t/deny.sql")
check "sarif is 2.1.0 with results" jq -e '.version == "2.1.0" and (.runs[0].results | length) >= 1 and (.runs[0].tool.driver.rules | length) > 40' <($zdm lint --format sarif "$t/deny.sql")
check "github annotates with ::error" grep -q '^::error file=.*deny.sql,line=1,col=1,title=require-concurrent-index-creation::' <($zdm lint --format github "$t/deny.sql")
out=$(NO_COLOR=1 $zdm lint "$t/deny.sql")
check "text names file:line:col, decision, rule" grep -q "deny.sql:1:1: deny require-concurrent-index-creation:" <<<"$out"
check "text shows help and page" grep -q "see:  zdm explain require-concurrent-index-creation" <<<"$out"
check "no colour when not a tty" bash -c '! grep -q $'"'"'\033'"'"' <<<"$0"' "$out"
check "stdin with -" grep -q "<stdin>:1:1" <(printf 'CREATE INDEX i ON t (c);\n' | $zdm lint -)

# ---- rules and explain ----------------------------------------------------------
check "rules json lists ids and aliases" jq -e 'length > 40 and (map(.id) | index("require-concurrent-index-creation")) != null' <($zdm rules --format json)
check "explain prints the page" grep -q "^## Solution" <($zdm explain require-concurrent-index-creation)
check "explain accepts a squawk alias" grep -q "adding-not-null-column" <($zdm explain adding-required-field)
check "explain of an unknown rule exits 2" test "$(rc_of $zdm explain no-such-rule)" = 2

# ---- suppression -------------------------------------------------------------------
printf -- '-- zdm:allow require-concurrent-index-creation the table is empty until launch\nCREATE INDEX i ON users (email);\n' > "$t/allowed.sql"
check "allow with a reason suppresses" test "$(rules_in "$t/allowed.sql")" = ""
printf -- '-- zdm:allow require-concurrent-index-creation\nCREATE INDEX i ON users (email);\n' > "$t/noreason.sql"
check "allow without a reason does not" test "$(rules_in "$t/noreason.sql")" = "require-concurrent-index-creation "
check "allow without a reason is reported" jq -e '[.findings[].rule] | index("allow-without-reason") != null' <($zdm lint --format json "$t/noreason.sql")
printf 'CREATE INDEX i ON users (email); -- zdm:allow require-concurrent-index-creation built in the maintenance window\n' > "$t/trailing.sql"
check "trailing allow comment applies" test "$(rules_in "$t/trailing.sql")" = ""
printf -- '-- zdm:allow-file ban-drop-table cleanup of the old audit tables\nDROP TABLE a;\nDROP TABLE b;\n' > "$t/file.sql"
check "allow-file applies to every statement" test "$(rules_in "$t/file.sql")" = ""
printf -- '-- zdm:allow adding-required-field squawk names work too\nALTER TABLE users ADD COLUMN a text NOT NULL;\n' > "$t/alias.sql"
check "allow accepts a squawk alias" test "$(rules_in "$t/alias.sql")" = ""

# ---- config ------------------------------------------------------------------------
mkdir -p "$t/proj/db/migrations" "$t/proj/sub"
printf 'rules:\n  require-concurrent-index-creation: off\n' > "$t/proj/.zdm.yml"
cp "$t/deny.sql" "$t/proj/db/migrations/001_idx.sql"
check "config found by walking up turns a rule off" test "$(cd "$t/proj/sub" && rc_of $zdm lint ../db/migrations)" = 0
check "default path is db/migrations" bash -c "cd '$t/proj' && $zdm lint --format json | jq -e '.files == 1' >/dev/null"
printf 'rulez: {}\n' > "$t/bad.yml"
out=$($zdm lint --config "$t/bad.yml" "$t/clean.sql" 2>&1); rc=$?
check "bad config exits 2 naming file:line" bash -c '[ '"$rc"' = 2 ] && grep -q "bad.yml:1" <<<"$0"' "$out"
printf 'dialect: sqlite\n' > "$t/sqlite.yml"
check "config dialect applies" test "$(rules_in --config "$t/sqlite.yml" "$t/deny.sql")" = "sqlite-create-index "

# ---- the seed's examples --------------------------------------------------------------
s=examples/seed
check "seed: NOT NULL column denied" test "$(rules_in $s/01_wrong_not_null_column.sql)" = "adding-not-null-column "
check "seed: three-phase flags the whole-table UPDATE and SET NOT NULL" test "$(rules_in $s/02_seed_three_phase.sql)" = "setting-not-null unbatched-update "
check "seed: plain index denied" test "$(rules_in $s/03_wrong_index.sql)" = "require-concurrent-index-creation "
check "seed: concurrent index passes" test "$(rules_in $s/04_right_index.sql)" = ""
check "seed: type change flags the UPDATE and the drop" test "$(rules_in $s/05_seed_type_change.sql)" = "ban-drop-column unbatched-update "
check "seed: UPDATE ... LIMIT reported with a batching hint" test "$(rules_in $s/06_seed_update_limit.sql)" = "parse-error update-with-limit "
check "seed: UPDATE ... LIMIT hint says key range" bash -c "$zdm lint --format json $s/06_seed_update_limit.sql | jq -r '.findings[] | select(.rule == \"update-with-limit\") | .help' | grep -q 'key range'"
check "seed: constant default passes" test "$(rules_in $s/07_seed_constant_default.sql)" = ""
check "seed: corrected NOT NULL passes" test "$(rules_in $s/08_corrected_not_null.sql)" = ""

# ---- bad input: a clear error or finding, never a crash or a hang ------------------------------
head -c 200000 /dev/urandom > "$t/garbage.sql"
rc=$(timeout 20 $zdm lint "$t/garbage.sql" >/dev/null 2>&1; echo $?)
check "binary garbage: no crash (rc $rc)" test "$rc" -le 1
printf "SELECT 'never closed;\n" > "$t/quote.sql"
check "unterminated quote is a parse-error finding" bash -c "$zdm lint --format json $t/quote.sql | jq -e '.findings[0].rule == \"parse-error\" and (.findings[0].message | test(\"unterminated string\"))' >/dev/null"
printf "/* never closed\nSELECT 1;\n" > "$t/comment.sql"
check "unterminated comment is reported" bash -c "$zdm lint --format json $t/comment.sql | jq -e '.findings[0].message | test(\"comment\")' >/dev/null"
printf 'ALTER TABLE users ADD COLUMN n\xff\xfe text NOT NULL;\n' > "$t/utf8.sql"
check "invalid UTF-8 still gives valid JSON" bash -c "$zdm lint --format json $t/utf8.sql | jq -e '.findings | length >= 1' >/dev/null"
printf 'CREATE INDEX i ON t (c);\n' > "$t/unreadable.sql"; chmod 000 "$t/unreadable.sql"
if [ "$(id -u)" -ne 0 ]; then
    check "unreadable file exits 3" test "$(rc_of $zdm lint "$t/unreadable.sql")" = 3
else
    check "unreadable file exits 3" test "$(rc_of runuser -u nobody -- $zdm lint "$t/unreadable.sql")" = 3
fi
chmod 644 "$t/unreadable.sql"
check "a directory of one bad file lints the rest" test "$(rc_of $zdm lint "$t/quote.sql" "$t/clean.sql")" = 1
# 100 MB: lint it in bounded time (linear), memory stays far below the file
yes "ALTER TABLE t ADD COLUMN IF NOT EXISTS c text;" | head -c 100000000 > "$t/big.sql"
start=$(date +%s)
out=$(/usr/bin/env time -f '%M' $zdm lint --format json "$t/big.sql" 2>&1 >/dev/null | tail -n 1)
dur=$(( $(date +%s) - start ))
check "100 MB file linted (in ${dur}s, ${out} KB)" test "$dur" -lt 240
rm -f "$t/big.sql"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
