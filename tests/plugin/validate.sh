#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The plugin as Claude Code sees it, checked with the real Claude Code CLI.
#
#   tests/plugin/validate.sh
#
# 1. `claude plugin validate --strict` on the plugin (components) and on the
#    marketplace, with no warning and no error, plus the checks the
#    validator leaves out (agent colours, pre-approved `!` commands, every
#    link between pages, the pages issue 6 asks for, the skill's phrases).
# 2. `claude plugin marketplace add`, `install zdm@zdm-tools`, `details zdm`:
#    every skill, agent, command and hook event is listed.
# 3. The installed copy's SessionStart script builds bin/zdm-guard and
#    bin/zdm, is silent and fast the second time, and speaks up (JSON
#    systemMessage) when it cannot build.
# 4. With the installed zdm: every `zdm …` line in the skill, rule pages,
#    commands, agents and README parses; no SQL block of an operation page
#    is denied by the linter.
# 5. The installed zdm-guard denies a blocking CREATE INDEX and passes `ls`.
# 6. A new user's walkthrough on the demo database: each command's `!`
#    injections and the zdm commands its body runs next give the output the
#    command expects.
# 7. A real `claude -p` session against a local fake API (fake-api.js) in
#    that project: every slash command expands with zdm's output (its `!`
#    commands are pre-approved and find zdm), each agent runs with its
#    prompt and tools, and the PreToolUse hook blocks the same CREATE INDEX
#    sent as a Bash tool call.
#
# Offline apart from npm: the CLI is installed into build/npm on first use
# (CLAUDE=/path/to/claude uses another one). HOME is a throwaway directory,
# so the user's own Claude Code settings are never read or changed.
# Prints one line per check and a final "N passed, M failed"; exits 1 when
# anything failed.
# shellcheck disable=SC2016  # backquotes in single quotes are literal on purpose
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	printf 'ok   %s\n' "$1"
}
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then
		printf '%s\n' "$2" | head -n 40 | sed 's/^/     | /'
	fi
}
finish() {
	printf '%d passed, %d failed\n' "$pass" "$fail"
	if [ "$fail" -eq 0 ]; then exit 0; fi
	exit 1
}
# check NAME COMMAND...: one check that passes when COMMAND succeeds
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}

# ---- the CLI ---------------------------------------------------------------
claude=${CLAUDE:-$root/build/npm/node_modules/.bin/claude}
if [ ! -x "$claude" ]; then
	echo "installing @anthropic-ai/claude-code into build/npm" >&2
	if ! npm install --prefix "$root/build/npm" --no-audit --no-fund \
		--loglevel=error @anthropic-ai/claude-code >&2; then
		bad "install the Claude Code CLI from npm"
		finish
	fi
fi
if ! version=$("$claude" --version 2>&1); then
	bad "claude --version" "$version"
	finish
fi
echo "# claude $version"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zdm-plugin.XXXXXX")
# zdm reads the first .zdm.yml found walking up from its directory, up to
# "/": an empty one here keeps a stray one above (/tmp/.zdm.yml, /.zdm.yml)
# from changing the verdicts below. It means every default.
: >"$tmp/.zdm.yml"
server_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

export HOME=$tmp/home
export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache XDG_DATA_HOME=$HOME/.local/share
mkdir -p "$HOME"
unset CLAUDE_CONFIG_DIR CLAUDE_PLUGIN_ROOT CLAUDE_PLUGIN_DATA CLAUDE_PROJECT_DIR \
	CLAUDECODE CLAUDE_CODE_ENTRYPOINT CLAUDE_ENV_FILE ANTHROPIC_API_KEY \
	ANTHROPIC_AUTH_TOKEN ANTHROPIC_BASE_URL ZDM_GUARD 2>/dev/null || true
export DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 \
	CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 NO_COLOR=1

# json FILE EXPR: print EXPR evaluated on the parsed JSON file (as `j`)
json() {
	node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
		const v = ($2); console.log(typeof v === 'string' ? v : JSON.stringify(v));" "$1"
}
# frontmatter FILE KEY: a top-level scalar from a markdown file's frontmatter
frontmatter() {
	awk -v key="$2" 'NR == 1 && $0 != "---" { exit } NR > 1 && $0 == "---" { exit }
		NR > 1 && index($0, key ": ") == 1 { v = substr($0, length(key) + 3); gsub(/^"|"$/, "", v); print v; exit }' "$1"
}

# ---- 1. validation ---------------------------------------------------------
validate() {
	local what=$1 out rc=0
	out=$("$claude" plugin validate "$what" --strict 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'Validation passed' <<<"$out" &&
		! grep -qiE 'warning|error|⚠|✘|❯' <<<"$out"; then
		ok "claude plugin validate $what --strict"
	else
		bad "claude plugin validate $what --strict (exit $rc)" "$out"
	fi
}
validate .claude-plugin/plugin.json
validate .

v_plugin=$(json .claude-plugin/plugin.json 'j.version')
v_market=$(json .claude-plugin/marketplace.json 'j.plugins.find(p => p.name === "zdm").version || ""')
if [ "$v_plugin" = "$v_market" ]; then
	ok "plugin.json and marketplace.json agree on version $v_plugin"
else
	bad "versions differ: plugin.json $v_plugin, marketplace.json $v_market"
fi

for d in agents commands; do
	readme=$(find "$d" -iname 'readme*' -print)
	if [ -n "$readme" ]; then bad "no README in $d/" "$readme"; else ok "no README in $d/"; fi
done

colors=' red blue green yellow purple orange pink cyan '
for f in agents/*.md; do
	name=$(frontmatter "$f" name)
	color=$(frontmatter "$f" color)
	model=$(frontmatter "$f" model)
	problems=
	[ "$name" = "$(basename "$f" .md)" ] || problems="$problems name '$name' is not the file name;"
	case "$colors" in *" $color "*) ;; *) problems="$problems color '$color' is not one of$colors;" ;; esac
	case "$model" in sonnet | opus | haiku | inherit | claude-*) ;; *) problems="$problems model '$model';" ;; esac
	if [ -z "$problems" ]; then ok "agent $name: name, color, model"; else bad "agent $f:$problems"; fi
done

# Every `!` command in a command file must be pre-approved by its
# allowed-tools, or the whole command aborts at run time.
for f in commands/*.md; do
	allowed=$(frontmatter "$f" allowed-tools)
	missing=
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		prefix=$(awk '{ print $1 " " $2 }' <<<"$cmd")
		case "$allowed" in *"Bash($prefix:"* | *"Bash($prefix "* | *"Bash($prefix)"*) ;;
		*) missing="$missing $prefix" ;; esac
	done < <(grep -o '!`[^`]*`' "$f" | sed 's/^!`//; s/`$//')
	hint=$(sed -n '2,/^---$/p' "$f" | grep '^argument-hint:' || true)
	case "$hint" in 'argument-hint: "'*'"') ;; *) missing="$missing (argument-hint not quoted)" ;; esac
	if [ -z "$missing" ]; then ok "command $(basename "$f" .md): ! commands pre-approved, hint quoted"; else bad "command $f: not pre-approved:$missing"; fi
done

# Nothing that changes a database is pre-approved (a person confirms zdm up,
# down, backfill and restore), and /zdm:up and /zdm:rollback show what will
# run and ask before touching anything but the embedded default.
for f in commands/*.md; do
	tr ',' '\n' <<<"$(frontmatter "$f" allowed-tools)" | sed 's/^ *//' |
		grep -E '^Bash\(zdm (up|down|backfill|restore)' | grep -vE -- '--dry-run|--help' |
		sed "s|^|$f: |" || true
done >"$tmp/approved"
approved=$(cat "$tmp/approved")
for c in up rollback; do
	grep -q 'sqlite:db/development.sqlite3' "commands/$c.md" && grep -qE 'ask the user to confirm' "commands/$c.md" &&
		grep -q -- '--dry-run' "commands/$c.md" || approved="$approved"$'\n'"commands/$c.md: no dry run, or no question before a database other than the default"
done
if [ -z "$approved" ]; then
	ok "no command pre-approves zdm up, down, backfill or restore; /zdm:up and /zdm:rollback show the plan and ask"
else
	bad "commands that could change a database unasked" "$approved"
fi

# Every page the skill names exists. Rule pages are checked apart: they come
# with the rules, and a missing one means a renamed or unwritten rule.
broken=
broken_rules=
for f in skills/zero-downtime-migrations/SKILL.md skills/zero-downtime-migrations/references/*.md; do
	dir=$(dirname "$f")
	while IFS= read -r ref; do
		case "$ref" in
		references/*) target=skills/zero-downtime-migrations/$ref ;;
		*) target=$dir/$ref ;;
		esac
		[ -f "$target" ] && continue
		case "$ref" in
		*rules/*) broken_rules="$broken_rules $f->$ref" ;;
		*) broken="$broken $f->$ref" ;;
		esac
	done < <(grep -o '`[a-z0-9/_-]*\.md`' "$f" | tr -d '`' | sort -u)
done
if [ -z "$broken" ]; then ok "skill pages named in the skill exist"; else bad "skill pages named in the skill exist" "$(tr ' ' '\n' <<<"$broken")"; fi
if [ -z "$broken_rules" ]; then ok "rule pages named in the skill exist"; else bad "rule pages named in the skill exist" "$(tr ' ' '\n' <<<"$broken_rules")"; fi

# Every page linked from any page (skill, references, rule pages, commands,
# agents), as `x.md` or [text](x.md), exists. A name is looked up beside
# the page, then under the skill's directory (`references/x.md`).
skill=skills/zero-downtime-migrations
broken=
for f in $skill/SKILL.md $skill/references/*.md $skill/references/rules/*.md commands/*.md agents/*.md; do
	dir=$(dirname "$f")
	while IFS= read -r ref; do
		ref=${ref%%#*}
		case "$ref" in http*:* | '') continue ;; esac
		[ -f "$dir/$ref" ] || [ -f "$skill/$ref" ] || [ -f "$skill/references/$ref" ] ||
			broken="$broken $f->$ref"
	done < <({ grep -o '`[A-Za-z0-9./_-]*\.md`' "$f" | tr -d '`'
		grep -o '\]([^)]*\.md[^)]*)' "$f" | sed 's/^](//; s/)$//'; } | grep -v '<' | sort -u)
	# ${CLAUDE_PLUGIN_ROOT}/x.md in a command or agent: x.md in the plugin
	while IFS= read -r ref; do
		[ -e "$ref" ] || broken="$broken $f->$ref"
	done < <(grep -o '${CLAUDE_PLUGIN_ROOT}/[A-Za-z0-9./_-]*' "$f" | sed 's|^${CLAUDE_PLUGIN_ROOT}/||; s|/$||' | sort -u)
done
if [ -z "$broken" ]; then ok "every page linked from a page, command or agent exists"; else bad "every page linked from a page, command or agent exists" "$(tr ' ' '\n' <<<"$broken")"; fi

# The pages issue 6 asks for, and no page that nothing links to: each page
# under references/ is named by SKILL.md or by a page it names.
missing=
for p in add-column not-null remove-column rename-column rename-table change-type indexes \
	constraints-and-foreign-keys backfills enums partitions databases expand-contract \
	feature-flags rollback lock-queue; do
	[ -f "$skill/references/$p.md" ] || missing="$missing $p.md"
done
if [ -z "$missing" ]; then ok "the skill has a page per operation, database, phase model, flag and rollback topic"; else bad "the skill lacks pages:$missing"; fi
reached=" SKILL.md "
queue=("$skill/SKILL.md")
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for ref in $(grep -o '`[a-z0-9/_-]*\.md`' "$f" | tr -d '`' | grep -v '^rules/' | sort -u); do
		name=$(basename "$ref")
		case "$reached" in *" $name "*) continue ;; esac
		[ -f "$skill/references/$name" ] || continue
		reached="$reached$name "
		queue+=("$skill/references/$name")
	done
done
orphans=
for f in $skill/references/*.md; do
	case "$reached" in *" $(basename "$f") "*) ;; *) orphans="$orphans $(basename "$f")" ;; esac
done
if [ -z "$orphans" ]; then ok "every reference page is reachable from SKILL.md"; else bad "reference pages nothing links to:$orphans"; fi

# The skill describes its trigger phrases in the third person and names each
# step of the workflow the issue lists.
desc=$(awk 'NR > 1 && /^---$/ { exit } NR > 1' $skill/SKILL.md)
missing=
for phrase in "This skill should be used when" "add a column" "rename a column" "add an index" \
	"write a migration" "backfill" "zero" "roll back a migration"; do
	grep -qF "$phrase" <<<"$(tr '\n' ' ' <<<"$desc" | tr -s ' ')" || missing="$missing '$phrase'"
done
for step in "zdm plan" "zdm lint" "zdm verify" "zdm up" "zdm backfill" "Watch" "Roll back"; do
	grep -qF "$step" $skill/SKILL.md || missing="$missing '$step'"
done
if [ -z "$missing" ]; then ok "SKILL.md: trigger phrases and the workflow steps"; else bad "SKILL.md lacks:$missing"; fi

check "hooks/zdm-init is valid POSIX sh" sh -n hooks/zdm-init

# ---- 2. marketplace add, install, details -----------------------------------
# The CLI copies a directory source wholesale (it drops only .git), so adding
# the working tree would copy build/ (the npm cache alone is hundreds of MB)
# and a stale bin/. A user installing from GitHub gets the committed files;
# stage exactly those: tracked and untracked files that .gitignore keeps.
stage=$tmp/zdm
mkdir -p "$stage"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' p; do [ -e "$p" ] && printf '%s\0' "$p"; done |
		tar --null -T - -cf - | tar -xf - -C "$stage"
else
	tar --exclude=./build --exclude=./bin --exclude=./node_modules --exclude=./.git \
		-cf - . | tar -xf - -C "$stage"
fi

if out=$("$claude" plugin marketplace add "$stage" 2>&1) && grep -q 'zdm-tools' <<<"$out"; then
	ok "claude plugin marketplace add (zdm-tools)"
else
	bad "claude plugin marketplace add" "$out"
	finish
fi
if out=$("$claude" plugin install zdm@zdm-tools 2>&1) && grep -qi 'success' <<<"$out"; then
	ok "claude plugin install zdm@zdm-tools"
else
	bad "claude plugin install zdm@zdm-tools" "$out"
	finish
fi

inst=$(json "$HOME/.claude/plugins/installed_plugins.json" 'j.plugins["zdm@zdm-tools"][0].installPath')
size_kb=$(du -sk "$inst" | cut -f1)
if [ -d "$inst/.claude-plugin" ] && [ ! -e "$inst/build" ] && [ ! -e "$inst/bin" ] && [ "$size_kb" -lt 20000 ]; then
	ok "installed copy is the plugin only (${size_kb} KB, no build/ or bin/)"
else
	bad "installed copy at $inst: ${size_kb} KB" "$(ls -la "$inst" 2>&1)"
fi

details=$("$claude" plugin details zdm 2>&1) || true
# listed KIND NAME: NAME appears in the "  Kind (N)  a, b, c" line
listed() {
	local line
	line=$(grep -E "^ *$1 \([0-9]+\)" <<<"$details" | head -n 1 | sed -E 's/^ *[A-Za-z]+ \([0-9]+\) *//; s/ *\(.*$//')
	case ", $line," in *", $2,"*) return 0 ;; esac
	return 1
}
expect() {
	if listed "$1" "$2"; then ok "details lists $3 $2"; else bad "details lists $3 $2" "$details"; fi
}
for f in skills/*/SKILL.md; do expect Skills "$(frontmatter "$f" name)" skill; done
for f in commands/*.md; do expect Skills "$(basename "$f" .md)" command; done
for f in agents/*.md; do expect Agents "$(frontmatter "$f" name)" agent; done
for ev in $(json hooks/hooks.json 'Object.keys(j.hooks).join(" ")'); do expect Hooks "$ev" hook; done

# ---- 3. the installed copy's SessionStart script -------------------------------
data=$tmp/data
mkdir -p "$data"
rc=0
out=$(CLAUDE_PLUGIN_ROOT="$inst" CLAUDE_PLUGIN_DATA="$data" sh "$inst/hooks/zdm-init" 2>&1) || rc=$?
built=no
if [ "$rc" -eq 0 ] && [ -x "$inst/bin/zdm-guard" ] && [ -x "$inst/bin/zdm" ] && [ -z "$out" ]; then
	ok "zdm-init built bin/zdm-guard and bin/zdm in the installed copy"
	built=yes
else
	bad "zdm-init built bin/zdm-guard and bin/zdm in the installed copy (exit $rc)" \
		"$out$(printf '\n--- zdm-init.log (end)\n'; tail -n 15 "$data/zdm-init.log" 2>/dev/null)"
fi
if [ -n "$out" ]; then
	if printf '%s' "$out" | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
		if (!/NOT active/.test(j.systemMessage)) process.exit(1)' 2>/dev/null; then
		ok "zdm-init reported its failure as a JSON systemMessage"
	else
		bad "zdm-init output is a JSON systemMessage" "$out"
	fi
fi

if [ "$built" = yes ]; then
	start=$(date +%s%N)
	out=$(CLAUDE_PLUGIN_ROOT="$inst" CLAUDE_PLUGIN_DATA="$data" sh "$inst/hooks/zdm-init" 2>&1)
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ -z "$out" ] && [ "$ms" -lt 500 ]; then
		ok "zdm-init is silent and fast when bin/ is fresh (${ms} ms)"
	else
		bad "zdm-init is silent and fast when bin/ is fresh (${ms} ms)" "$out"
	fi
fi

# Without make or a compiler it must say so, never stay silent.
nocc=$tmp/nocc
mkdir -p "$nocc/bin"
cp -R "$stage" "$nocc/zdm"
for t in dirname find head sed tr id mkdir grep cat; do
	p=$(command -v "$t") && ln -s "$p" "$nocc/bin/$t"
done
out=$(env -i HOME="$HOME" PATH="$nocc/bin" CLAUDE_PLUGIN_ROOT="$nocc/zdm" \
	CLAUDE_PLUGIN_DATA="$data" "$(command -v sh)" "$nocc/zdm/hooks/zdm-init" 2>&1) || true
if printf '%s' "$out" | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
	const ok = /NOT active/.test(j.systemMessage) && /make/.test(j.systemMessage) &&
		j.hookSpecificOutput.hookEventName === "SessionStart";
	process.exit(ok ? 0 : 1)' 2>/dev/null; then
	ok "zdm-init without make or cc prints a systemMessage naming what to install"
else
	bad "zdm-init without make or cc prints a systemMessage naming what to install" "$out"
fi

# ---- 4. what the pages, commands and agents tell Claude to run ----------------
# Checked with the installed copy's zdm, the one a user gets.
zdm=$inst/bin/zdm
cli=$tmp/cli
mkdir -p "$cli/db/migrations"

# zdm_lines FILE: "LINE<TAB>COMMAND" for each zdm command line in FILE: a code
# span (`zdm …`, !`zdm …`) or a line of a code block (`zdm …`, `$ zdm …`)
zdm_lines() {
	awk '/^ *(```|~~~)/ { fence = !fence; next }
		fence { l = $0; sub(/^ *(\$ )?/, "", l)
			if (l ~ /^zdm [a-z-]+( |$)/) { sub(/  +#.*$/, "", l); print FNR "\t" l }
			next }
		{ l = $0
		  while (match(l, /`zdm [a-z-]+( [^`]*)?`/)) {
			print FNR "\t" substr(l, RSTART + 1, RLENGTH - 2)
			l = substr(l, RSTART + RLENGTH)
		  } }' "$1"
}

# Every zdm command line shown to Claude or to the reader is one bin/zdm
# accepts: a known subcommand, a known plan recipe or rule, and options that
# parse (the line with --help appended exits 0; getopt reads every option
# before it, and a value missing or malformed is a usage error).
# Placeholders (<file>, …, $ARGUMENTS, $0, FILE) stand for any value; in a
# synopsis, [-x] is an option that may be given, [-a | -b] a choice left out.
if [ -x "$zdm" ]; then
	subcommands=" $("$zdm" --help | awk '/^commands:/ { c = 1; next } c && NF { print $1 } c && !NF { exit }' | tr '\n' ' ') "
	recipes=" $("$zdm" plan --help | awk '/^recipes:/ { r = 1; next } r && !NF { exit } r { print $1 }' | tr '\n' ' ') $("$zdm" plan --help | grep -o 'alias [a-z-]*' | cut -d' ' -f2 | tr '\n' ' ') "
	calls=0
	wrong=
	for f in skills/zero-downtime-migrations/SKILL.md skills/zero-downtime-migrations/references/*.md \
		skills/zero-downtime-migrations/references/rules/*.md commands/*.md agents/*.md README.md; do
		while IFS=$'\t' read -r line cmd; do
			calls=$((calls + 1))
			c=${cmd%% 2>&1*}
			c=${c%% || *}
			c=${c//\$ARGUMENTS/}
			c=${c//\$0/}
			c=$(sed -E 's/<[^>]*>/_/g; s/…|\.\.\./_/g; s/\[[^]|]*\|[^]]*\]//g; s/\[([^]]*)\]/\1/g
				s/(^| )[A-Z][A-Z_]*( |$)/\1_\2/g; s/(^| )[A-Z][A-Z_]*( |$)/\1_\2/g' <<<"$c")
			words=()
			case "$c" in *'$'* | *'`'* | *';'* | *'&'* | *'|'* | *'<'* | *'>'*) c=bad ;; esac
			if [ "$c" = bad ] || ! eval "words=($c)" 2>/dev/null || [ "${words[0]:-}" != zdm ]; then
				wrong="$wrong"$'\n'"$f:$line: $cmd: not a plain command line"
				continue
			fi
			sub=${words[1]:-}
			arg=${words[2]:-_}
			if [ -z "$sub" ] || [[ "$subcommands" != *" $sub "* ]]; then
				wrong="$wrong"$'\n'"$f:$line: $cmd: no such command '$sub'"
			elif [ "$sub" = explain ]; then
				if [ "$arg" != _ ] && ! "$zdm" explain "$arg" >/dev/null 2>&1; then
					wrong="$wrong"$'\n'"$f:$line: $cmd: no rule '$arg'"
				fi
			elif [ "$sub" = plan ] && [ "$arg" != _ ] && [[ "$arg" != -* ]] && [[ "$recipes" != *" $arg "* ]]; then
				wrong="$wrong"$'\n'"$f:$line: $cmd: no recipe '$arg'"
			elif ! out=$(cd "$cli" && "$zdm" "${words[@]:1}" --help 2>&1 >/dev/null); then
				wrong="$wrong"$'\n'"$f:$line: $cmd: ${out%%$'\n'*}"
			fi
		done < <(zdm_lines "$f")
	done
	if [ -z "$wrong" ] && [ "$calls" -gt 50 ]; then
		ok "the $calls zdm command lines in the skill, rule pages, commands, agents and README parse"
	else
		bad "zdm command lines in the skill, rule pages, commands, agents and README parse ($calls read)" "${wrong#$'\n'}"
	fi

	# The SQL on the operation pages is what Claude copies into migrations:
	# linted with the dialect of its section, none may be denied (zdm up's lint
	# gate would stop it). Rule pages are left out: their "instead of" SQL is
	# wrong on purpose, and make test lints both kinds against the rules.
	blocks=$tmp/blocks
	mkdir -p "$blocks"
	for f in skills/zero-downtime-migrations/references/*.md; do
		awk -v out="$blocks" -v page="$(basename "$f" .md)" '
			BEGIN { d = "postgres" }
			/^## / { d = "postgres"; if ($0 ~ /MySQL/) d = "mysql"; else if ($0 ~ /SQLite/) d = "sqlite" }
			/^ *```sql/ { inb = 1; n++; match($0, /^ */); ind = RLENGTH
				file = sprintf("%s/%s.%02d.%s.sql", out, page, n, d); next }
			/^ *```/ && inb { inb = 0; close(file); next }
			inb { print substr($0, ind + 1) > file }' "$f"
	done
	denied=
	nblocks=0
	for b in "$blocks"/*.sql; do
		nblocks=$((nblocks + 1))
		d=${b%.sql}
		d=${d##*.}
		out=$("$zdm" lint --config "$tmp/.zdm.yml" --dialect "$d" --format github "$b" 2>&1) || true
		# github format: ::error is deny, ::warning ask, ::notice warn
		if grep -q '^::error' <<<"$out"; then denied="$denied"$'\n'"$(basename "$b"): $(grep '^::error' <<<"$out")"; fi
	done
	if [ -z "$denied" ] && [ "$nblocks" -gt 30 ]; then
		ok "none of the $nblocks SQL blocks on the operation pages is denied by zdm lint"
	else
		bad "SQL blocks on the operation pages that zdm lint denies ($nblocks read)" "${denied#$'\n'}"
	fi
fi

# ---- 5. the installed guard -------------------------------------------------------
deny_payload='{"tool_name":"Bash","tool_input":{"command":"psql -c \"CREATE INDEX i ON t(c)\""},"hook_event_name":"PreToolUse","cwd":"/tmp"}'
pass_payload='{"tool_name":"Bash","tool_input":{"command":"ls -la"},"hook_event_name":"PreToolUse","cwd":"/tmp"}'
if [ -x "$inst/bin/zdm-guard" ]; then
	rc=0
	out=$(printf '%s' "$deny_payload" | "$inst/bin/zdm-guard" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && printf '%s' "$out" | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const h = j.hookSpecificOutput;
		process.exit(h.hookEventName === "PreToolUse" && h.permissionDecision === "deny" && h.permissionDecisionReason ? 0 : 1)' 2>/dev/null; then
		ok "installed zdm-guard denies psql -c \"CREATE INDEX i ON t(c)\""
	else
		bad "installed zdm-guard denies psql -c \"CREATE INDEX i ON t(c)\" (exit $rc)" "$out"
	fi
	rc=0
	out=$(printf '%s' "$pass_payload" | "$inst/bin/zdm-guard" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "installed zdm-guard passes ls -la silently"
	else
		bad "installed zdm-guard passes ls -la silently (exit $rc)" "$out"
	fi
else
	bad "installed zdm-guard denies psql -c \"CREATE INDEX i ON t(c)\"" "no $inst/bin/zdm-guard"
fi

# ---- 6. a new user's walkthrough on the demo database ---------------------------
# What Claude runs for each command, in a project holding the demo's database
# (tools/demo.sh: 300,000 accounts on the embedded SQLite default, no
# .zdm.yml): the command's ! injections, substituted as Claude Code does, and
# then the zdm commands its body tells Claude to run. Each output must be what
# the file expects. The same project then serves the sessions of part 7.
demo=$tmp/demo
mkdir -p "$demo/db/migrations"
# the demo's project (tools/demo.sh): its first migration, 300,000 accounts
cp examples/demo/20250101000000_create_accounts.sql "$demo/db/migrations/"
# user ZDM-ARGS...: a zdm command, run in the project as the user or Claude would
user() { (cd "$demo" && PATH="$inst/bin:$PATH" NO_COLOR=1 zdm "$@" 2>&1) || true; }
# inject COMMAND ARGS: COMMAND's ! commands with $ARGUMENTS = ARGS, $0 = its first word
inject() {
	local f=commands/$1.md args=$2 cmd
	while IFS= read -r cmd; do
		cmd=${cmd//\$ARGUMENTS/$args}
		cmd=${cmd//\$0/${args%% *}}
		(cd "$demo" && PATH="$inst/bin:$PATH" NO_COLOR=1 bash -c "$cmd" 2>&1)
	done < <(grep -o '!`[^`]*`' "$f" | sed 's/^!`//; s/`$//')
}
# expect NAME OUTPUT REGEX...: passes when OUTPUT matches every extended REGEX
expect() {
	local name=$1 out=$2 re
	shift 2
	for re in "$@"; do
		if ! grep -qE -- "$re" <<<"$out"; then
			bad "$name" "expected /$re/ in:"$'\n'"$out"
			return
		fi
	done
	ok "$name"
}

if [ -x "$zdm" ]; then
	expect "demo: zdm up creates the accounts table" "$(user up)" '^1 of 1 applied'
	db='\(sqlite:db/development.sqlite3\)'
	expect "/zdm:status injects zdm status" "$(inject status '')" \
		"^applied +20250101000000_create_accounts" "^1 applied, 0 pending, 0 missing, 0 modified $db"

	out=$(inject plan 'add-column accounts email_domain text')
	expect "/zdm:plan injects zdm status" "$out" "^1 applied, 0 pending.*$db"
	expect "/zdm:plan: zdm plan add-column … --dialect sqlite writes the migration" \
		"$(user plan add-column accounts email_domain text --dialect sqlite)" \
		'wrote db/migrations/[0-9]+_add_accounts_email_domain\.sql' 'apply: zdm up --to [0-9]+'

	out=$(user new add_accounts_email_index)
	expect "/zdm:new: zdm new prints the new file" "$out" '^db/migrations/[0-9]+_add_accounts_email_index\.sql$'
	new=$demo/$out
	printf -- '-- migrate:up\nCREATE INDEX accounts_email_idx ON accounts (email);\n\n-- migrate:down\nDROP INDEX accounts_email_idx;\n' >"$new"
	expect "/zdm:new: zdm lint --dialect sqlite on the file" "$(user lint --dialect sqlite "$new")" \
		':2:1: ask sqlite-create-index' '1 file, 2 statements'

	out=$(inject check '')
	expect "/zdm:check injects the database and the lint result (judged for its SQLite)" "$out" \
		"^1 applied, 2 pending.*$db" 'ask sqlite-create-index' '3 files, [0-9]+ statements: 0 deny, 1 ask'
	expect "/zdm:check: --dialect postgres judges the same files for PostgreSQL" "$(user lint --dialect postgres)" \
		'deny require-concurrent-index-creation'
	expect "/zdm:explain sqlite-create-index injects the rule page" "$(inject explain sqlite-create-index)" \
		'^# sqlite-create-index' '^## Problem'
	expect "/zdm:explain without a rule injects the usage (Claude then runs zdm rules)" \
		"$(inject explain '')" '^usage: zdm explain RULE'
	expect "/zdm:explain: zdm rules lists the rules" "$(user rules)" 'require-concurrent-index-creation'

	expect "/zdm:verify injects the rehearsal" "$(inject verify '')" \
		'^ok +[0-9]+_add_accounts_email_domain' '^ok +[0-9]+_add_accounts_email_index' \
		'^2 migrations rehearsed, 0 not reversible'
	out=$(inject up '')
	expect "/zdm:up injects the state and the dry run" "$out" "^1 applied, 2 pending.*$db" \
		'^ALTER TABLE accounts ADD COLUMN email_domain text;' '^CREATE INDEX accounts_email_idx ON accounts \(email\);'
	expect "/zdm:up: zdm up applies both" "$(user up)" '^2 of 2 applied'

	expect "/zdm:backfill: the zdm backfill it builds fills every row" \
		"$(user backfill --table accounts --set "email_domain = substr(email, instr(email, '@') + 1)" --where "email_domain IS NULL")" \
		'done: 300000 rows scanned, 300000 updated'

	out=$(inject rollback '')
	expect "/zdm:rollback injects the state and the down SQL" "$out" "^3 applied, 0 pending.*$db" \
		'^-- down [0-9]+_add_accounts_email_index' '^DROP INDEX accounts_email_idx;'
	expect "/zdm:rollback: zdm down -n 1 after the user's yes" "$(user down -n 1)" 'add_accounts_email_index'
	expect "/zdm:status after the rollback" "$(inject status '')" "^2 applied, 1 pending"

	# migration-reviewer reads zdm lint's JSON: each finding's file, line, rule, decision
	out=$(user lint --format json --dialect sqlite)
	if node -e 'const j = JSON.parse(process.argv[1]);
		const f = j.findings.find((x) => x.rule === "sqlite-create-index");
		process.exit(f && f.file && f.line === 2 && f.decision === "ask" ? 0 : 1)' "$out" 2>/dev/null; then
		ok "migration-reviewer: zdm lint --format json gives file, line, rule and decision"
	else
		bad "migration-reviewer: zdm lint --format json gives file, line, rule and decision" "$out"
	fi
fi

# ---- 7. a real session against a fake API -----------------------------------------
# For a directory marketplace the CLI runs hooks from the source directory,
# for an installed one from the cache copy: give both the built binaries.
if [ -d "$inst/bin" ] && [ ! -e "$stage/bin" ]; then cp -R "$inst/bin" "$stage/bin"; fi

log=$tmp/api.jsonl
: >"$log"
node "$root/tests/plugin/fake-api.js" "$tmp/port" "$log" &
server_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
if [ ! -s "$tmp/port" ]; then
	bad "fake API server started"
	finish
fi
port=$(cat "$tmp/port")
# the demo project of part 6, where it ended: 2 applied, 1 pending
project=$tmp/project
if [ -d "$demo/db" ]; then cp -R "$demo" "$project"; else mkdir -p "$project/db/migrations"; fi

# session PROMPT [CLAUDE-ARGS...]: run claude -p in the project against the fake API
session() {
	local prompt=$1
	shift
	(cd "$project" && ANTHROPIC_BASE_URL="http://127.0.0.1:$port" ANTHROPIC_API_KEY=sk-ant-zdm-test \
		timeout 180 "$claude" -p "$prompt" "$@" 2>&1 </dev/null)
}
# first_user_text: every user text block of the first logged request
first_user_text() {
	head -n 1 "$log" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
		for (const m of r.body.messages || []) if (m.role === "user")
			for (const b of (typeof m.content === "string" ? [{type: "text", text: m.content}] : m.content))
				if (b.type === "text") console.log(b.text);'
}

# Hooks off here: these sessions test the commands, and the SessionStart
# hook would try the build again in every one of them when it failed.
# Each command runs with the arguments of its line below, and what its !
# commands printed (zdm from the plugin's bin/ on the PATH) must reach the
# model: the REGEX must match the expanded prompt.
while IFS='|' read -r c args re; do
	f=commands/$c.md
	: >"$log"
	rc=0
	out=$(session "/zdm:$c${args:+ $args}" --settings '{"disableAllHooks": true}') || rc=$?
	# the command's first body line, after substitution, must reach the model
	marker=$(awk 'n == 2 && NF { print; exit } /^---$/ { n++ }' "$f" | sed 's/\$[A-Z0-9]*.*//' | cut -c1-40)
	text=$(first_user_text 2>/dev/null) || true
	if [ "$rc" -eq 0 ] && [ -s "$log" ] && grep -qF "$marker" <<<"$text" &&
		{ [ ! -d "$demo/db" ] || grep -qE -- "$re" <<<"$text"; } &&
		! grep -qiE 'command not found|permission check failed' <<<"$out$text"; then
		ok "claude -p /zdm:$c${args:+ $args} expands with zdm's output"
	else
		bad "claude -p /zdm:$c${args:+ $args} expands with zdm's output (exit $rc; want /$re/)" "$out"$'\n'"$text"
	fi
done <<'CMDS'
backfill|--table accounts --set "email_domain = lower(email_domain)" --where "email_domain <> lower(email_domain)"|The user wants to backfill existing rows: --table accounts
check||^2 applied, 1 pending.*sqlite:db/development.sqlite3
explain|sqlite-create-index|^# sqlite-create-index
new|add_accounts_status|Create a migration named add_accounts_status
plan|add-column accounts status text --not-null --default "'active'"|^2 applied, 1 pending
rollback||^-- down [0-9]+_add_accounts_email_domain
status||^2 applied, 1 pending, 0 missing, 0 modified
up||^CREATE INDEX accounts_email_idx ON accounts \(email\);
verify||^1 migration rehearsed, 0 not reversible
CMDS
n_cmds=$(find commands -name '*.md' | wc -l)
if [ "$n_cmds" -eq 9 ]; then ok "the nine commands of issue 6, each run above"; else bad "commands/ holds $n_cmds files; the sessions above run 9"; fi

# The agents, each run as the session's agent: its body is the system
# prompt (with ${CLAUDE_PLUGIN_ROOT} substituted), and of its tools, those
# this CLI has are the only tools offered (2.1.197 has no Grep or Glob tool:
# it searches through Bash; other versions do, so the agents keep them).
: >"$log"
session "hello" --settings '{"disableAllHooks": true}' >/dev/null || true
all_tools=" $(head -n 1 "$log" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
	console.log((r.body.tools || []).map((t) => t.name).join(" "))' 2>/dev/null) "
for f in agents/*.md; do
	a=$(basename "$f" .md)
	: >"$log"
	rc=0
	out=$(session "Review db/migrations" --agent "zdm:$a" --settings '{"disableAllHooks": true}') || rc=$?
	want=$(frontmatter "$f" tools | tr -d ' ' | tr ',' '\n' | sort |
		while IFS= read -r t; do case "$all_tools" in *" $t "*) printf '%s ' "$t" ;; esac; done)
	first=$(awk 'n == 2 && NF { print; exit } /^---$/ { n++ }' "$f" | cut -c1-50)
	got=$(head -n 1 "$log" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const sys = (Array.isArray(r.body.system) ? r.body.system.map((b) => b.text).join("\n") : r.body.system) || "";
		console.log((r.body.tools || []).map((t) => t.name).sort().join(" ") + " ");
		console.log(sys.includes(process.argv[1]) && !sys.includes("${CLAUDE_PLUGIN_ROOT}") &&
			sys.includes("/skills/zero-downtime-migrations/") ? "body" : "nobody");' "$first" 2>&1) || true
	if [ "$rc" -eq 0 ] && [[ " $want" == *" Bash "* ]] && [[ " $want" == *" Read "* ]] && [ "$(head -n 1 <<<"$got")" = "$want" ] &&
		[ "$(tail -n 1 <<<"$got")" = body ]; then
		ok "claude -p --agent zdm:$a: its prompt, and only its tools ($want)"
	else
		bad "claude -p --agent zdm:$a: its prompt, and only its tools ($want) (exit $rc)" "$got"$'\n'"$out"
	fi
done

if [ "$built" != yes ]; then
	bad "in a session, the PreToolUse hook blocks psql -c \"CREATE INDEX i ON t(c)\"" "the guard was not built"
	finish
fi
: >"$log"
# -h/-p point psql at a closed port, in case the hook let it through.
out=$(session 'ZDM-E2E-BASH: psql -h 127.0.0.1 -p 9 -c "CREATE INDEX i ON t(c)"') || true
# tool_result: the text of the first tool result sent back to the model
tool_result() {
	node -e 'const fs = require("fs");
	for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)) {
		const r = JSON.parse(line);
		for (const m of r.body.messages || []) for (const b of Array.isArray(m.content) ? m.content : [])
			if (b.type === "tool_result") {
				const t = typeof b.content === "string" ? b.content : b.content.map((x) => x.text || "").join("");
				console.log(t); process.exit(0);
			}
	}' "$log" 2>&1
}
result=$(tool_result) || true
if grep -q 'require-concurrent-index-creation' <<<"$result"; then
	ok "in a session, the PreToolUse hook blocks psql -c \"CREATE INDEX i ON t(c)\""
else
	bad "in a session, the PreToolUse hook blocks psql -c \"CREATE INDEX i ON t(c)\"" \
		"tool result: ${result:-<none>}"$'\n'"$out"
fi

# The README's ways to let such a call through: for one statement, an allow
# comment with a reason; for a project, ZDM_GUARD=off in the project's
# .claude/settings.json (its env reaches the hook).
# let_through NAME COMMAND: the session's Bash call COMMAND gets a tool
# result, and it is not the guard's denial (the guard never answers "allow":
# the normal permission flow goes on, and in -p mode answers "This command
# requires approval")
let_through() {
	: >"$log"
	out=$(session "ZDM-E2E-BASH: $2") || true
	result=$(tool_result) || true
	if grep -q 'requires approval' <<<"$result" && ! grep -q 'require-concurrent-index-creation' <<<"$result"; then
		ok "in a session, $1 lets the CREATE INDEX through"
	else
		bad "in a session, $1 lets the CREATE INDEX through" "tool result: ${result:-<none>}"$'\n'"$out"
	fi
}
let_through "an allow comment with a reason" \
	'psql -h 127.0.0.1 -p 9 -c "CREATE INDEX i ON t(c); -- zdm:allow require-concurrent-index-creation t stays empty until launch"'
mkdir -p "$project/.claude"
printf '{"env": {"ZDM_GUARD": "off"}}\n' >"$project/.claude/settings.json"
let_through "ZDM_GUARD=off in the project's .claude/settings.json" 'psql -h 127.0.0.1 -p 9 -c "CREATE INDEX i ON t(c)"'
rm -f "$project/.claude/settings.json"
if out=$(cd "$project" && "$claude" plugin disable zdm@zdm-tools --scope project 2>&1 </dev/null); then
	let_through "claude plugin disable zdm@zdm-tools --scope project" 'psql -h 127.0.0.1 -p 9 -c "CREATE INDEX i ON t(c)"'
else
	bad "claude plugin disable zdm@zdm-tools --scope project" "$out"
fi
rm -f "$project/.claude/settings.json"

finish
