#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh - black-box tests of bin/zdm-guard: hook JSON in, decision out.
#
# Each tests/guard/cases/NNN-name.case is turned into PreToolUse JSON by
# case2json.awk inside a fresh sandbox directory (the call's cwd, with the
# files the case sets up), piped into the guard, and checked:
#
#   expect: pass               no output at all
#   expect: deny [RULE...]     permissionDecision "deny", each RULE in the reason
#   expect: ask [RULE...]      permissionDecision "ask", each RULE in the reason
#   expect: message [TEXT]     a systemMessage (containing TEXT), no decision
#
# Other header lines: tool: (default Bash), file: (the path written, in
# the sandbox), cwd: (a sandbox subdirectory), env: (VAR=value ...),
# setup: (a shell command run in the sandbox first), input_cmd: (a shell
# command whose output is the hook input, for huge or binary input),
# after: (a shell command run in the sandbox afterwards that must
# succeed; $ZDM_GUARD_BIN is the guard, .data/ the audit directory).
# Sections: "--- command", "--- content", "--- old_string",
# "--- new_string", "--- new_source", "--- raw" (input as is) and
# "--- file:PATH" (a file created in the sandbox).
#
# and the exit status must always be 0.  Usage: run.sh [PATTERN] (a
# substring of the case names to run).  Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
guard=${ZDM_GUARD_BIN:-$root/bin/zdm-guard}
pattern=${1:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zdm-guard-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

if [ ! -x "$guard" ]; then
	echo "run.sh: $guard is missing; run make first" >&2
	exit 2
fi

fail() {
	failed=$((failed + 1))
	echo "FAIL $name: $1"
	if [ -s "$box/.out" ]; then
		sed 's/^/    out: /' "$box/.out" | cut -c1-400
	fi
}

for case in "$here"/cases/*.case; do
	name=$(basename "$case" .case)
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	box="$tmp/$name"
	mkdir -p "$box/.home" "$box/.data"
	if ! LC_ALL=C awk -v box="$box" -f "$here/case2json.awk" "$case" > "$box/.input.json"; then
		fail "cannot build the input"
		continue
	fi
	expect=$(sed -n 's/^expect: *//p' "$case" | head -n 1)
	envs=$(sed -n 's/^env: *//p' "$case" | head -n 1)
	input_cmd=$(sed -n 's/^input_cmd: *//p' "$case" | head -n 1)
	setup=$(sed -n 's/^setup: *//p' "$case" | head -n 1)
	if [ -n "$setup" ]; then
		(cd "$box" && sh -c "$setup") || { fail "setup failed"; continue; }
	fi
	if [ -n "$input_cmd" ]; then
		(cd "$box" && sh -c "$input_cmd") > "$box/.input.json"
	fi
	(
		cd "$box" || exit 99
		# shellcheck disable=SC2086
		exec env CLAUDE_PLUGIN_DATA="$box/.data" HOME="$box/.home" \
			XDG_STATE_HOME="$box/.state" $envs \
			"$guard" < "$box/.input.json" > "$box/.out" 2> "$box/.err"
	)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "exit status $rc (must be 0)"
		continue
	fi
	set -- $expect
	want=${1:-pass}
	[ $# -gt 0 ] && shift
	out=$(cat "$box/.out")
	ok=1
	case "$want" in
	pass)
		[ -z "$out" ] || { fail "expected silence"; ok=0; } ;;
	deny|ask)
		if ! printf '%s' "$out" | grep -q "\"permissionDecision\":\"$want\""; then
			fail "expected $want"
			ok=0
		else
			for rule in "$@"; do
				if ! printf '%s' "$out" | grep -q -- "$rule"; then
					fail "expected $rule in the reason"
					ok=0
					break
				fi
			done
		fi ;;
	message)
		if ! printf '%s' "$out" | grep -q '"systemMessage"' ||
		   printf '%s' "$out" | grep -q '"permissionDecision"'; then
			fail "expected a systemMessage only"
			ok=0
		elif [ $# -gt 0 ] && ! printf '%s' "$out" | grep -q -- "$*"; then
			fail "expected '$*' in the message"
			ok=0
		fi ;;
	*)
		fail "bad expect line '$expect'"
		ok=0 ;;
	esac
	after=$(sed -n 's/^after: *//p' "$case" | head -n 1)
	if [ "$ok" = 1 ] && [ -n "$after" ]; then
		if ! (cd "$box" && ZDM_GUARD_BIN="$guard" CLAUDE_PLUGIN_DATA="$box/.data" \
			HOME="$box/.home" sh -c "$after") > "$box/.after" 2>&1; then
			fail "after: $after"
			sed 's/^/    after: /' "$box/.after" | head -5
			ok=0
		fi
	fi
	if [ "$ok" = 1 ]; then
		passed=$((passed + 1))
		[ -n "${VERBOSE:-}" ] && echo "ok   $name"
	fi
done

# Inputs that once crashed or leaked in fuzz_guard: exit 0 and either no
# output or a hook answer.  Under `make asan` a leak is a non-zero exit.
for input in "$root"/tests/fixtures/fuzz/fuzz_guard/*.bin; do
	name=fuzz/$(basename "$input")
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	out=$(cd "$tmp" && HOME="$tmp" CLAUDE_PLUGIN_DATA="$tmp/.data" "$guard" < "$input" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "exit status $rc"
	elif [ -n "$out" ] && ! printf '%s' "$out" | grep -q '^{"hookSpecificOutput"'; then
		fail "not a hook answer: $(printf '%s' "$out" | head -c 200)"
	else
		passed=$((passed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
