#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make bench`: zdm against the tools people would otherwise use.
#
#   part 1  lint    bin/zdm lint   vs squawk         (wall, CPU, peak RSS)
#   part 2  guard   bin/zdm-guard  vs an empty C program and cc-safety-net
#   part 3  runner  bin/zdm up / status vs dbmate    on SQLite
#   part 4  downtime  a steady writer's latency while a change runs, the
#                   unsafe way vs the zdm way, SQLite (WAL) and PostgreSQL
#
# Usage: tests/bench/run.sh [lint] [guard] [runner] [downtime]   (default: all)
#
# Each part prints a table; the end prints every goal as met / NOT met /
# skipped.  A part whose zdm binary or subcommand does not work yet says
# "part N: skipped: <reason>" and the others still run; a peer that cannot
# be installed is reported the same way, never silently left out.
# Everything written goes to tests/bench/out/ (git-ignored): the inputs,
# one file per measurement, report.txt (this output) and results.tsv.
#
# Environment:
#   BENCH_QUICK=1     small inputs and few runs: checks the plumbing in ~1 min
#   BENCH_STRICT=1    exit 1 when a goal is not met (default: exit 0)
#   BENCH_ZDM, BENCH_GUARD   other binaries to measure (default bin/zdm,
#                     bin/zdm-guard)
#   BENCH_OUT         output directory (default tests/bench/out)
#   BENCH_LINT_RUNS, BENCH_GUARD_RUNS, BENCH_PEER_RUNS, BENCH_UP_RUNS,
#   BENCH_STATUS_RUNS, BENCH_SEED   override the defaults below
#
# How each number is measured is in tests/bench/README.md.

# The parts are called as "part_$name", which shellcheck cannot follow.
# shellcheck disable=SC2317

set -uo pipefail    # not -e: one part failing must not stop the others

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 3

OUT=${BENCH_OUT:-$ROOT/tests/bench/out}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
BB=$ROOT/build/bench
NPM=${BENCH_NPM:-$ROOT/build/npm}
ZDM=${BENCH_ZDM:-$ROOT/bin/zdm}
GUARD=${BENCH_GUARD:-$ROOT/bin/zdm-guard}
CC=${CC:-cc}
QUICK=${BENCH_QUICK:-0}
SEED=${BENCH_SEED:-20240601}

# The guard honours ZDM_GUARD=off and the runner DATABASE_URL: neither may
# leak in from the caller's shell and change what is measured.
unset ZDM_GUARD DATABASE_URL NO_COLOR

if [ "$QUICK" = 1 ]; then
	LINT_STMTS=5000 LINT_FILES=100 SCALE_STMTS=2000
	LINT_RUNS=${BENCH_LINT_RUNS:-3} GUARD_RUNS=${BENCH_GUARD_RUNS:-50}
	PEER_RUNS=${BENCH_PEER_RUNS:-5} RUNNER_N=100
	UP_RUNS=${BENCH_UP_RUNS:-1} STATUS_RUNS=${BENCH_STATUS_RUNS:-5}
	DT_ROWS=${BENCH_DT_ROWS:-100000}
else
	LINT_STMTS=50000 LINT_FILES=1000 SCALE_STMTS=20000
	LINT_RUNS=${BENCH_LINT_RUNS:-5} GUARD_RUNS=${BENCH_GUARD_RUNS:-500}
	PEER_RUNS=${BENCH_PEER_RUNS:-40} RUNNER_N=1000
	UP_RUNS=${BENCH_UP_RUNS:-3} STATUS_RUNS=${BENCH_STATUS_RUNS:-20}
	DT_ROWS=${BENCH_DT_ROWS:-1000000}
fi
DT_RATE=${BENCH_DT_RATE:-200}     # the writer's writes per second
DT_RUNS=${BENCH_DT_RUNS:-1}       # rounds of every downtime scenario; cells are medians
# A single run that takes longer than this is killed and counted as failed.
RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-300}

mkdir -p "$OUT" "$BB" || exit 3
exec > >(tee "$OUT/report.txt") 2>&1
printf 'part\tname\truns\tfails\texit\twall_med_ms\tcpu_med_ms\trss_med_kb\n' > "$OUT/results.tsv"

GOALS=()        # "part|goal|measured|met" lines for the summary

say()  { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*"; }

# ---- small helpers ---------------------------------------------------------

# kv KEY LINE: the value of KEY in a runcost result line.
kv() { local k=$1; shift; printf '%s\n' "$*" | tr ' ' '\n' | sed -n "s/^$k=//p"; }

# Microseconds to milliseconds, for tables.
ms() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.2f", v / 1000 }'; }

# ratio A B: A / B with two decimals, "-" when either is missing or B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-";
		else printf "%.2f", a / b }'
}

# x RATIO: "2.05x", or the text as is when there is no ratio.
x() { case $1 in ''|-|failed) echo "${1:--}" ;; *) echo "${1}x" ;; esac; }

# cmp_le A B: true when A <= B (numbers; false when A is "-").
cmp_le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a != "" && a + 0 <= b + 0) }'; }

# goal PART DESCRIPTION MEASURED met|not|skip
goal() {
	local st
	case $4 in
		met) st="met" ;;
		not) st="NOT met" ;;
		*) st="skipped" ;;
	esac
	GOALS+=("$1|$2|$3|$st")
	printf '  goal: %-44s %-28s %s\n' "$2" "$3" "$st"
}

# goal_cmp PART DESCRIPTION VALUE LIMIT le|ge UNIT
goal_cmp() {
	local ok=not
	if [ "$3" = "-" ] || [ -z "$3" ]; then
		goal "$1" "$2" "not measured" skip
		return
	fi
	if [ "$3" = failed ]; then
		goal "$1" "$2" "runs failed (see above)" not
		return
	fi
	if [ "$5" = le ]; then cmp_le "$3" "$4" && ok=met
	else cmp_le "$4" "$3" && ok=met; fi
	goal "$1" "$2" "$3$6" "$ok"
}

# record PART NAME LINE: append a runcost line to results.tsv.
record() {
	local l=$3
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(kv runs "$l")" \
		"$(kv fails "$l")" "$(kv exit "$l")" "$(ms "$(kv wall_med_us "$l")")" \
		"$(ms "$(kv cpu_med_us "$l")")" "$(kv rss_med_kb "$l")" >> "$OUT/results.tsv"
}

# measure FILE RUNCOST-ARGS...: run runcost, keep its lines in FILE (and
# one line per run in FILE.raw), print them.  Failed runs (exit >= 2, a
# signal, the timeout) are reported on stderr with their exit codes, so a
# "failed" cell in a table always comes with its reason.
measure() {
	local f=$1; shift
	"$BB/runcost" -t "$RUN_TIMEOUT" -r "$f.raw" "$@" > "$f" 2> "$f.err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		warn "runcost failed (exit $rc): $(head -n 3 "$f.err")"
		: > "$f"
	fi
	awk -v f="${f#"$ROOT"/}" '$5 >= 2 { if (++n[$1] <= 10) c[$1] = c[$1] " " $5 }
		END { for (k in n) printf "bench: %s: command %d: %d run(s) failed, exit codes:%s (127: could not exec; 128+N: signal N; 142: timeout)\n", f, k + 1, n[k], c[k] }' \
		"$f.raw" >&2
	cat "$f"
}

# nth N TEXT: line N of TEXT.
nth() { printf '%s\n' "$2" | sed -n "${1}p"; }

# A runcost line turned into a table cell; "failed" when a run failed.
wall_ms() { [ "$(kv fails "$1")" = 0 ] && ms "$(kv wall_med_us "$1")" || echo "failed"; }
cpu_ms()  { [ "$(kv fails "$1")" = 0 ] && ms "$(kv cpu_med_us "$1")" || echo "failed"; }
rss_mb()  { [ "$(kv fails "$1")" = 0 ] && awk -v k="$(kv rss_med_kb "$1")" 'BEGIN { printf "%.1f", k / 1024 }' || echo "failed"; }
ok_line() { [ -n "$1" ] && [ "$(kv fails "$1")" = 0 ]; }

# lratio NUM_LINE DEN_LINE KEY: KEY of NUM / KEY of DEN for two runcost
# lines; "-" when one was not measured, "failed" when one had failed runs.
lratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then echo "-"
	elif ok_line "$1" && ok_line "$2"; then ratio "$(kv "$3" "$1")" "$(kv "$3" "$2")"
	else echo "failed"; fi
}

# lms LINE KEY: KEY of LINE in ms, with the same "-" / "failed" rules.
lms() {
	if [ -z "$1" ]; then echo "-"
	elif ok_line "$1"; then ms "$(kv "$2" "$1")"
	else echo "failed"; fi
}

# Number of findings in zdm's JSON (jq when present, else count "rule" keys).
zdm_findings() {
	if [ ! -s "$1" ]; then
		echo "-"
	elif command -v jq >/dev/null 2>&1 && jq -e . "$1" >/dev/null 2>&1; then
		jq '.findings | length' "$1"
	else
		grep -o '"rule" *:' "$1" | wc -l
	fi
}
squawk_findings() {
	if [ ! -s "$1" ]; then
		echo "-"
	elif command -v jq >/dev/null 2>&1 && jq -e . "$1" >/dev/null 2>&1; then
		jq 'length' "$1"
	else
		grep -o '"rule_name" *:' "$1" | wc -l
	fi
}

# ---- tools: helpers, GNU time, peers ----------------------------------------

build_helpers() {
	local p libs
	for p in gen runcost empty writer; do
		libs=()
		[ $p = writer ] && libs=(-I"$(pg_config --includedir)" -lsqlite3 -lpq)
		if [ ! -x "$BB/$p" ] || [ "tests/bench/$p.c" -nt "$BB/$p" ]; then
			# The same compiler and flags as bin/zdm-guard (Makefile
			# CFLAGS), so that the empty program is a fair baseline.
			"$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
				-Wall -Wextra -O2 -g -o "$BB/$p" "tests/bench/$p.c" "${libs[@]}" || return 1
		fi
	done
}

GNU_TIME=/usr/bin/time
ensure_gnu_time() {
	[ -x $GNU_TIME ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		warn "installing the Debian 'time' package for /usr/bin/time"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1; }
	fi
	[ -x $GNU_TIME ] && return 0
	warn "/usr/bin/time is missing and could not be installed (apt-get install time):" \
		"the time(1) cross-check column is left out"
	GNU_TIME=
}

# gnu_time CMD...: "%e s / %M KB" from one run of GNU time, or "n/a".
gnu_time() {
	[ -n "$GNU_TIME" ] || { echo "n/a"; return; }
	local r
	r=$($GNU_TIME -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1)
	awk -v r="$r" 'BEGIN { n = split(r, a, " "); if (n == 2 && a[2] ~ /^[0-9]+$/)
		printf "%ss/%.0fMB", a[1], a[2] / 1024; else print "n/a" }'
}

SQUAWK='' DBMATE='' CCSN='' NODE=''
PEER_NOTE=()
ensure_peers() {
	local bin=$NPM/node_modules/.bin
	if [ ! -e "$bin/squawk" ] || [ ! -e "$bin/dbmate" ] || [ ! -e "$bin/cc-safety-net" ]; then
		if command -v npm >/dev/null 2>&1; then
			warn "installing peers: npm install --prefix ${NPM#"$ROOT"/} squawk-cli dbmate cc-safety-net"
			npm install --prefix "$NPM" --no-audit --no-fund squawk-cli dbmate cc-safety-net \
				> "$OUT/npm-install.log" 2>&1 ||
				warn "npm install failed: $(tail -n 1 "$OUT/npm-install.log")" \
					"(log: ${OUT#"$ROOT"/}/npm-install.log); missing peers are skipped"
		else
			warn "npm not found: cannot install squawk, dbmate, cc-safety-net; their columns are skipped"
		fi
	fi
	NODE=$(command -v node || true)
	# squawk and dbmate ship a native binary behind a node launcher; measure
	# the native binary, so node's start-up is not charged to them.
	SQUAWK=$(ls "$NPM"/node_modules/@squawk-cli/*/bin/squawk 2>/dev/null | head -n 1)
	[ -x "$SQUAWK" ] || SQUAWK=
	[ -z "$SQUAWK" ] && [ -x "$bin/squawk" ] && SQUAWK=$bin/squawk &&
		PEER_NOTE+=("squawk: native binary not found, measuring the node launcher")
	DBMATE=$(ls "$NPM"/node_modules/@dbmate/*/bin/dbmate 2>/dev/null | head -n 1)
	[ -x "$DBMATE" ] || DBMATE=
	[ -z "$DBMATE" ] && [ -x "$bin/dbmate" ] && DBMATE=$bin/dbmate &&
		PEER_NOTE+=("dbmate: native binary not found, measuring the node launcher")
	# cc-safety-net is JavaScript: run its entry point with node directly
	# (its installer registers `npx -y cc-safety-net hook ...`, which costs more).
	local js=$NPM/node_modules/cc-safety-net/dist/bin/cc-safety-net.js
	[ -f "$js" ] && [ -n "$NODE" ] && CCSN=$js
	[ -n "$SQUAWK" ] || warn "squawk is not available: part 1 has no peer column"
	[ -n "$DBMATE" ] || warn "dbmate is not available: part 3 has no peer column"
	[ -n "$CCSN" ] || warn "cc-safety-net is not available: part 2 has no peer column"
	local v
	for v in "squawk:$SQUAWK --version" "dbmate:$DBMATE --version"; do
		[ -n "${v#*:}" ] && [ "${v#*:}" != " --version" ] &&
			say "peer ${v%%:*}: $(${v#*:} 2>&1 | head -n 1)"
	done
	[ -n "$CCSN" ] && say "peer cc-safety-net: $("$NODE" "$CCSN" --version 2>&1 | head -n 1) (node $("$NODE" --version))"
	local n
	for n in "${PEER_NOTE[@]+"${PEER_NOTE[@]}"}"; do warn "$n"; done
}

# zdm_works SUBCOMMAND ARGS...: run zdm once on a tiny input; on failure set
# REASON and return 1.  Exit 0 and 1 (findings) are both "works".
REASON=
zdm_works() {
	REASON=
	if [ ! -x "$ZDM" ]; then
		REASON="${ZDM#"$ROOT"/} does not exist (run make)"
		return 1
	fi
	timeout 60 "$ZDM" "$@" > "$OUT/probe.out" 2> "$OUT/probe.err"
	local rc=$?
	if [ $rc -gt 1 ]; then
		REASON="'zdm $*' exited $rc: $(head -c 160 "$OUT/probe.err" | head -n 1)"
		return 1
	fi
	return 0
}

# ---- part 1: lint ------------------------------------------------------------

part_lint() {
	say ""
	say "== part 1: lint: zdm lint vs squawk =================================="
	local d=$OUT/lint
	mkdir -p "$d"
	rm -rf "$d/dir"
	"$BB/gen" mix "$d/big.sql" "$LINT_STMTS" "$SEED" &&
	"$BB/gen" dir "$d/dir" "$LINT_FILES" "$SEED" || { say "part 1: skipped: input generation failed"; return; }
	local sz nfiles
	sz=$(awk -v b="$(wc -c < "$d/big.sql")" 'BEGIN { printf "%.1f MB", b / 1048576 }')
	nfiles=$(find "$d/dir" -name '*.sql' | wc -l)
	say "inputs: big.sql = $LINT_STMTS statements, $sz;  dir/ = $nfiles migration files, $(du -sh "$d/dir" | cut -f1)"
	say "zdm: lint --format json;  squawk: --reporter json (its default tty reporter is"
	say "quadratic in findings); ${LINT_RUNS} runs each + 1 warm-up, interleaved, medians;"
	say "output kept in ${d#"$ROOT"/}/"

	local zok=1
	printf 'CREATE TABLE t (id int);\nALTER TABLE users ADD COLUMN x int NOT NULL;\n' > "$d/probe.sql"
	if ! zdm_works lint --format json "$d/probe.sql"; then
		zok=0
		say "part 1: skipped: $REASON"
		[ -n "$SQUAWK" ] && say "(measuring squawk alone, for reference)"
	fi
	if [ $zok = 0 ] && [ -z "$SQUAWK" ]; then
		for g in "big: >=3x faster than squawk" "big: <=1/3 of squawk's peak RSS" \
			 "dir: >=3x faster than squawk" "dir: <=1/3 of squawk's peak RSS"; do
			goal 1 "lint $g" "zdm lint not working" skip
		done
		goal 1 "lint time linear in findings" "zdm lint not working" skip
		return
	fi

	local input target sq_target zl sl zf sf zt st
	printf '\n%-8s %-7s %10s %10s %9s %9s %16s\n' input tool "wall ms" "cpu ms" "RSS MB" findings "time(1) %e/%M"
	for input in big dir; do
		if [ $input = big ]; then target=$d/big.sql sq_target=$d/big.sql
		else target=$d/dir sq_target="$d/dir/*.sql"; fi    # squawk takes globs, not dirs
		zl='' sl='' zf=- sf=- zt=n/a st=n/a
		local zcmd=("$ZDM" lint --format json "$target")
		local scmd=("$SQUAWK" --reporter json "$sq_target")
		# Both tools interleaved (zdm, squawk, zdm, ...) so that they see
		# the same machine load; %d keeps each tool's output apart.
		if [ $zok = 1 ] && [ -n "$SQUAWK" ]; then
			local both
			both=$(measure "$d/lint-$input.txt" -n "$LINT_RUNS" -w 1 -o "$d/lint-$input-%d.json" \
				-e "$d/lint-$input-%d.stderr" -- "${zcmd[@]}" ::: "${scmd[@]}")
			zl=$(nth 1 "$both") sl=$(nth 2 "$both")
			mv -f "$d/lint-$input-0.json" "$d/zdm-$input.json"
			mv -f "$d/lint-$input-1.json" "$d/squawk-$input.json"
			mv -f "$d/lint-$input-0.stderr" "$d/zdm-$input.stderr"
			mv -f "$d/lint-$input-1.stderr" "$d/squawk-$input.stderr"
		elif [ $zok = 1 ]; then
			zl=$(measure "$d/lint-$input.txt" -n "$LINT_RUNS" -w 1 -o "$d/zdm-$input.json" \
				-e "$d/zdm-$input.stderr" -- "${zcmd[@]}")
		else
			sl=$(measure "$d/lint-$input.txt" -n "$LINT_RUNS" -w 1 -o "$d/squawk-$input.json" \
				-e "$d/squawk-$input.stderr" -- "${scmd[@]}")
		fi
		if [ -n "$zl" ]; then
			record lint "zdm-$input" "$zl"
			zf=$(zdm_findings "$d/zdm-$input.json")
			zt=$(gnu_time "${zcmd[@]}")
			printf '%-8s %-7s %10s %10s %9s %9s %16s\n' $input zdm "$(wall_ms "$zl")" "$(cpu_ms "$zl")" "$(rss_mb "$zl")" "$zf" "$zt"
		fi
		if [ -n "$sl" ]; then
			record lint "squawk-$input" "$sl"
			sf=$(squawk_findings "$d/squawk-$input.json")
			st=$(gnu_time "${scmd[@]}")
			printf '%-8s %-7s %10s %10s %9s %9s %16s\n' $input squawk "$(wall_ms "$sl")" "$(cpu_ms "$sl")" "$(rss_mb "$sl")" "$sf" "$st"
		fi
		eval "ZL_$input=\$zl SL_$input=\$sl ZF_$input=\$zf"
	done
	say "(findings differ in kind: squawk also counts style warnings such as prefer-robust-stmts)"

	printf '\n%-8s %22s %22s %22s\n' input "squawk/zdm wall" "squawk/zdm cpu" "zdm/squawk peak RSS"
	local tr cr rr
	for input in big dir; do
		eval "zl=\$ZL_$input sl=\$SL_$input zf=\$ZF_$input"
		tr=$(lratio "$sl" "$zl" wall_med_us)
		cr=$(lratio "$sl" "$zl" cpu_med_us)
		rr=$(lratio "$zl" "$sl" rss_med_kb)
		printf '%-8s %22s %22s %22s\n' $input "$(x "$tr")" "$(x "$cr")" "$(x "$rr")"
		if [ $zok = 0 ]; then
			goal 1 "lint $input: >=3x faster than squawk" "zdm lint not working" skip
			goal 1 "lint $input: <=1/3 of squawk's peak RSS" "zdm lint not working" skip
		elif [ -z "$SQUAWK" ]; then
			goal 1 "lint $input: >=3x faster than squawk" "squawk not installed" skip
			goal 1 "lint $input: <=1/3 of squawk's peak RSS" "squawk not installed" skip
		else
			goal_cmp 1 "lint $input: >=3x faster than squawk" "$tr" 3 ge "x (wall)"
			goal_cmp 1 "lint $input: <=1/3 of squawk's peak RSS" "$rr" 0.3333 le "x"
		fi
		if [ $zok = 1 ] && [ "$zf" = 0 ]; then
			warn "zdm reported no findings on $input: is lint doing its job?"
		fi
	done

	if [ $zok = 1 ]; then
		part_lint_scale "$d"
	else
		goal 1 "lint time linear in findings" "zdm lint not working" skip
	fi
}

# Findings scale: is zdm's time linear in the number of findings?
part_lint_scale() {
	local d=$1 pct n l f spec nf cpu=() fnd=()
	say ""
	say "-- findings scale: zdm lint on $SCALE_STMTS statements with 0/50/100 % flagged,"
	say "   then 100 % flagged at 2x and 4x the size ($LINT_RUNS runs each)"
	printf '%-26s %9s %10s %10s %10s %12s\n' file findings "wall ms" "cpu ms" "cpu min" "cpu us/stmt"
	for spec in "$SCALE_STMTS 0" "$SCALE_STMTS 50" "$SCALE_STMTS 100" \
		    "$((SCALE_STMTS * 2)) 100" "$((SCALE_STMTS * 4)) 100"; do
		set -- $spec
		n=$1 pct=$2
		f=$d/scale-$n-$pct.sql
		"$BB/gen" scale "$f" "$n" "$pct" "$SEED" || { warn "gen scale failed"; return; }
		l=$(measure "$d/zdm-scale-$n-$pct.txt" -n "$LINT_RUNS" -w 1 -o "$d/zdm-scale-$n-$pct.json" \
			-- "$ZDM" lint --format json "$f")
		record lint "zdm-scale-$n-$pct" "$l"
		nf=$(zdm_findings "$d/zdm-scale-$n-$pct.json")
		printf '%-26s %9s %10s %10s %10s %12s\n' "${n} stmts, ${pct}% flagged" "$nf" \
			"$(wall_ms "$l")" "$(cpu_ms "$l")" "$(ms "$(kv cpu_min_us "$l")")" \
			"$(awk -v c="$(kv cpu_med_us "$l")" -v n="$n" 'BEGIN { printf "%.2f", c / n }')"
		ok_line "$l" || { goal 1 "lint time linear in findings" "a run failed" not; return; }
		cpu+=("$(kv cpu_min_us "$l")")
		fnd+=("$nf")
	done
	# The 0/50/100 % files are the same statements byte for byte except
	# for the table names (live tables or tables the file creates), so
	# they differ only in the number of findings.  Linear: the 50 % file
	# costs the mean of the other two, within 15 % of the 100 % time.
	# Size: 4x the statements, all flagged, is 4x the findings and may cost
	# at most 5x the CPU (linear is 4x, quadratic 16x).  The fastest run
	# (cpu min) is used because other load only ever adds CPU time (cache
	# misses), so it is the most repeatable estimate.
	local per mid size ok=met
	per=$(awk -v a="${cpu[0]}" -v b="${cpu[2]}" -v fa="${fnd[0]}" -v fb="${fnd[2]}" \
		'BEGIN { if (fb - fa > 0) printf "%.2f us of CPU per finding (%+.0f %% from %d to %d findings)",
			(b - a) / (fb - fa), 100 * (b - a) / a, fa, fb; else print "-" }')
	mid=$(awk -v a="${cpu[0]}" -v m="${cpu[1]}" -v b="${cpu[2]}" \
		'BEGIN { printf "%+.1f", 100 * (m - (a + b) / 2) / b }')
	size=$(ratio "${cpu[4]}" "${cpu[2]}")
	say "   at a fixed $SCALE_STMTS statements: $per"
	say "   the 50 % file is off the straight 0-100 % line by ${mid} % (of the 100 % time; limit 15 %)"
	say "   4x the statements and findings cost ${size}x the CPU (linear 4x; limit 5x)"
	awk -v m="$mid" 'BEGIN { exit !(m <= 15 && m >= -15) }' || ok=not
	cmp_le "$size" 5 || ok=not
	goal 1 "lint time linear in findings" "50%: ${mid}%, 4x: ${size}x (cpu)" $ok
}

# ---- part 2: guard -----------------------------------------------------------

# decision FILE: what a hook's stdout says: pass (empty), deny, ask, or other.
decision() {
	if [ ! -s "$1" ]; then echo pass; return; fi
	local d
	d=$(grep -o '"permissionDecision" *: *"[a-z]*"' "$1" | head -n 1 | sed 's/.*"\([a-z]*\)"$/\1/')
	if [ -n "$d" ]; then echo "$d"
	elif grep -q systemMessage "$1"; then echo "message"
	else echo "output"; fi
}

part_guard() {
	say ""
	say "== part 2: guard: zdm-guard per call vs an empty C program and cc-safety-net"
	local d=$OUT/guard proj
	mkdir -p "$d"
	proj=$d/project
	rm -rf "${proj:?}" "${d:?}/data" "${d:?}/home"
	mkdir -p "$proj/db/migrations" "$d/data" "$d/home"
	"$BB/gen" payloads "$d/payloads" "$proj" "$SEED" || { say "part 2: skipped: payload generation failed"; return; }
	say "payloads: (a) Bash 'ls -la'  (b) Bash psql -c with 3 statements"
	say "          (c) Write of a 200-statement migration ($(wc -c < "$d/payloads/c.json") bytes of JSON)"

	local gok=1 reason=''
	if [ ! -x "$GUARD" ]; then
		gok=0 reason="${GUARD#"$ROOT"/} does not exist (not built yet)"
	else
		timeout 10 "$GUARD" < "$d/payloads/b.json" > "$d/probe.out" 2> "$d/probe.err"
		local rc=$?
		[ $rc -ne 0 ] && gok=0 reason="zdm-guard exited $rc on payload (b): $(head -n 1 "$d/probe.err")"
	fi
	if [ $gok = 0 ]; then
		say "part 2: skipped: $reason"
		goal 2 "guard (a) no SQL: <=1.5x empty program" "zdm-guard not available" skip
		goal 2 "guard (b) psql -c: <=3x empty program" "zdm-guard not available" skip
		goal 2 "guard (c) Write 200 stmts: <10 ms" "zdm-guard not available" skip
		goal 2 "cc-safety-net/guard wall >=30x (worst)" "zdm-guard not available" skip
		[ -n "$CCSN" ] || return
		say "(measuring the empty program and cc-safety-net alone, for reference)"
	else
		local libs
		libs=$(readelf -d "$GUARD" 2>/dev/null | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')
		say "zdm-guard loads: ${libs:-no shared libraries (static, or not an ELF binary)}"
	fi

	# Hooks run with the project as cwd; the audit log goes to our data dir,
	# cc-safety-net's audit log to a scratch HOME rather than the user's.
	export CLAUDE_PLUGIN_DATA=$d/data CLAUDE_PROJECT_DIR=$proj
	local p el gl cl
	printf '\n%-4s %-14s %11s %11s %11s %9s  %s\n' "" program "cpu med ms" "cpu mean" "wall med ms" "RSS MB" decision
	for p in a b c; do
		local pl=$d/payloads/$p.json
		# CPU: the guard and the empty program interleaved, GUARD_RUNS each.
		if [ $gok = 1 ]; then
			local both
			both=$(cd "$proj" && measure "$d/cpu-$p.txt" -n "$GUARD_RUNS" -w 5 -i "$pl" -- "$BB/empty" ::: "$GUARD")
			el=$(nth 1 "$both") gl=$(nth 2 "$both")
			(cd "$proj" && "$GUARD" < "$pl" > "$d/guard-$p.out" 2>/dev/null)
		else
			el=$(cd "$proj" && measure "$d/cpu-$p.txt" -n "$GUARD_RUNS" -w 5 -i "$pl" -- "$BB/empty")
			gl=
		fi
		record guard "empty-$p" "$el"
		printf '(%s)  %-14s %11s %11s %11s %9s  %s\n' $p "empty C" "$(cpu_ms "$el")" \
			"$(ms "$(kv cpu_mean_us "$el")")" "$(wall_ms "$el")" "$(rss_mb "$el")" "-"
		if [ -n "$gl" ]; then
			record guard "zdm-guard-$p" "$gl"
			printf '%-4s %-14s %11s %11s %11s %9s  %s\n' "" "zdm-guard" "$(cpu_ms "$gl")" \
				"$(ms "$(kv cpu_mean_us "$gl")")" "$(wall_ms "$gl")" "$(rss_mb "$gl")" "$(decision "$d/guard-$p.out")"
		fi
		# Wall: the guard and cc-safety-net interleaved, PEER_RUNS each.
		local cl2='' gw=''
		if [ -n "$CCSN" ]; then
			local cmd=("$NODE" "$CCSN" hook --coding-cli)
			(cd "$proj" && HOME=$d/home "${cmd[@]}" < "$pl" > "$d/ccsn-$p.out" 2>/dev/null)
			if [ -n "$gl" ]; then
				local both2
				both2=$(cd "$proj" && HOME=$d/home measure "$d/wall-$p.txt" -n "$PEER_RUNS" -w 2 -i "$pl" -- "$GUARD" ::: "${cmd[@]}")
				gw=$(nth 1 "$both2") cl2=$(nth 2 "$both2")
				record guard "zdm-guard-wall-$p" "$gw"
			else
				cl2=$(cd "$proj" && HOME=$d/home measure "$d/wall-$p.txt" -n "$PEER_RUNS" -w 2 -i "$pl" -- "${cmd[@]}")
			fi
			record guard "cc-safety-net-$p" "$cl2"
			printf '%-4s %-14s %11s %11s %11s %9s  %s\n' "" "cc-safety-net" "$(cpu_ms "$cl2")" \
				"$(ms "$(kv cpu_mean_us "$cl2")")" "$(wall_ms "$cl2")" "$(rss_mb "$cl2")" "$(decision "$d/ccsn-$p.out")"
		fi
		eval "EL_$p=\$el GL_$p=\$gl GW_$p=\$gw CL_$p=\$cl2"
	done
	say "(cpu: ru_utime+ru_stime of each process, $GUARD_RUNS runs interleaved with the empty"
	say " program; cc-safety-net: $PEER_RUNS runs interleaved with zdm-guard, whose wall"
	say " median in that pairing is the one used for the wall ratio)"
	[ $gok = 1 ] || return

	# guard - empty: the guard's own work, with the cost of creating a
	# process taken out (that cost varies between machines far more
	# than the guard's own work does); for information.
	printf '\n%-4s %18s %18s %25s\n' "" "guard/empty cpu" "guard-empty ms" "cc-safety-net/guard wall"
	local r w own worst=
	for p in a b c; do
		eval "el=\$EL_$p gl=\$GL_$p gw=\$GW_$p cl=\$CL_$p"
		r=$(lratio "$gl" "$el" cpu_med_us)
		w=$(lratio "$cl" "$gw" wall_med_us)
		own=-
		ok_line "$gl" && ok_line "$el" &&
			own=$(awk -v g="$(kv cpu_med_us "$gl")" -v e="$(kv cpu_med_us "$el")" 'BEGIN { printf "%.2f", (g - e) / 1000 }')
		printf '(%s) %19s %18s %25s\n' $p "$(x "$r")" "$own" "$(x "$w")"
		if [ "$w" = failed ]; then worst=failed
		elif [ "$w" != - ] && [ "$worst" != failed ] &&
		     { [ -z "$worst" ] || cmp_le "$w" "$worst"; }; then worst=$w; fi
	done
	eval "el=\$EL_a gl=\$GL_a"; r=$(lratio "$gl" "$el" cpu_med_us)
	goal_cmp 2 "guard (a) no SQL: <=1.5x empty program" "$r" 1.5 le "x (cpu)"
	eval "el=\$EL_b gl=\$GL_b"; r=$(lratio "$gl" "$el" cpu_med_us)
	goal_cmp 2 "guard (b) psql -c: <=3x empty program" "$r" 3 le "x (cpu)"
	eval "gl=\$GL_c"; r=$(lms "$gl" cpu_med_us)
	goal_cmp 2 "guard (c) Write 200 stmts: <10 ms" "$r" 10 le " ms (cpu)"
	if [ -n "$CCSN" ]; then
		goal_cmp 2 "cc-safety-net/guard wall >=30x (worst)" "${worst:--}" 30 ge "x"
	else
		goal 2 "cc-safety-net/guard wall >=30x (worst)" "cc-safety-net not installed" skip
	fi
}

# ---- part 3: runner ----------------------------------------------------------

part_runner() {
	say ""
	say "== part 3: runner: zdm up / status vs dbmate on SQLite ================="
	local d=$OUT/runner
	rm -rf "$d"
	mkdir -p "$d"
	"$BB/gen" runner "$d/migrations" "$RUNNER_N" &&
	"$BB/gen" runner "$d/probe-migrations" 3 || { say "part 3: skipped: input generation failed"; return; }
	say "inputs: $RUNNER_N dbmate-format migrations (CREATE TABLE + CREATE INDEX up, DROP down)"
	say "up: fresh database each run, median of $UP_RUNS; status: $RUNNER_N applied, median of $STATUS_RUNS"

	local zok=1 zdb=$d/zdm.sqlite3 ddb=$d/dbmate.sqlite3
	if zdm_works up --url "sqlite:$d/probe.sqlite3" --migrations-dir "$d/probe-migrations" --no-backup; then
		if ! zdm_works status --url "sqlite:$d/probe.sqlite3" --migrations-dir "$d/probe-migrations"; then
			zok=0
		elif command -v sqlite3 >/dev/null 2>&1; then
			local n
			n=$(sqlite3 "$d/probe.sqlite3" 'SELECT count(*) FROM schema_migrations' 2>/dev/null)
			[ "$n" = 3 ] || { zok=0; REASON="zdm up on 3 migrations recorded '${n:-nothing}' in schema_migrations, not 3"; }
		fi
	else
		zok=0
	fi
	[ $zok = 1 ] || say "part 3: skipped: $REASON"
	if [ $zok = 0 ] && [ -z "$DBMATE" ]; then
		goal 3 "zdm up >=2x faster than dbmate" "zdm up not working" skip
		goal 3 "zdm status with $RUNNER_N applied: <10 ms" "zdm status not working" skip
		return
	fi
	[ $zok = 1 ] || say "(measuring dbmate alone, for reference)"

	local setup="rm -f '$zdb' '$zdb-wal' '$zdb-shm' '$zdb-journal' '$ddb' '$ddb-wal' '$ddb-shm' '$ddb-journal'"
	local zcmd=("$ZDM" up --url "sqlite:$zdb" --migrations-dir "$d/migrations" --no-backup)
	local dcmd=("$DBMATE" --url "sqlite:$ddb" --migrations-dir "$d/migrations" --no-dump-schema up)
	local zl='' dl='' lines
	if [ $zok = 1 ] && [ -n "$DBMATE" ]; then
		lines=$(measure "$d/up.txt" -n "$UP_RUNS" -w 0 -s "$setup" -e "$d/up.stderr" -- "${zcmd[@]}" ::: "${dcmd[@]}")
		zl=$(nth 1 "$lines") dl=$(nth 2 "$lines")
	elif [ $zok = 1 ]; then
		zl=$(measure "$d/up.txt" -n "$UP_RUNS" -w 0 -s "$setup" -e "$d/up.stderr" -- "${zcmd[@]}")
	else
		dl=$(measure "$d/up.txt" -n "$UP_RUNS" -w 0 -s "$setup" -e "$d/up.stderr" -- "${dcmd[@]}")
	fi
	[ -n "$zl" ] && record runner zdm-up "$zl"
	[ -n "$dl" ] && record runner dbmate-up "$dl"

	# For information: a database that already exists in rollback-journal
	# mode (an application's own) keeps its mode under zdm, so each
	# commit pays the journal's fsyncs as dbmate's does; the database zdm
	# creates above is in WAL mode.  An empty file is such a database.
	local rl='' rdb=$d/zdm-rollback.sqlite3
	if [ $zok = 1 ]; then
		rl=$(measure "$d/up-rollback.txt" -n "$UP_RUNS" -w 0 \
			-s "rm -f '$rdb' '$rdb-journal' && : > '$rdb'" -e "$d/up-rollback.stderr" -- \
			"$ZDM" up --url "sqlite:$rdb" --migrations-dir "$d/migrations" --no-backup)
		[ -n "$rl" ] && record runner zdm-up-rollback "$rl"
	fi

	# The last `up` of each left $RUNNER_N applied migrations: check, then status.
	local zn=- dn=-
	if command -v sqlite3 >/dev/null 2>&1; then
		[ -n "$zl" ] && zn=$(sqlite3 "$zdb" 'SELECT count(*) FROM schema_migrations' 2>/dev/null || echo "?")
		[ -n "$dl" ] && dn=$(sqlite3 "$ddb" 'SELECT count(*) FROM schema_migrations' 2>/dev/null || echo "?")
	fi
	local zs='' ds=''
	local zscmd=("$ZDM" status --url "sqlite:$zdb" --migrations-dir "$d/migrations")
	local dscmd=("$DBMATE" --url "sqlite:$ddb" --migrations-dir "$d/migrations" status)
	if [ -n "$zl" ] && [ -n "$dl" ]; then
		lines=$(measure "$d/status.txt" -n "$STATUS_RUNS" -w 2 -- "${zscmd[@]}" ::: "${dscmd[@]}")
		zs=$(nth 1 "$lines") ds=$(nth 2 "$lines")
	elif [ -n "$zl" ]; then
		zs=$(measure "$d/status.txt" -n "$STATUS_RUNS" -w 2 -- "${zscmd[@]}")
	else
		ds=$(measure "$d/status.txt" -n "$STATUS_RUNS" -w 2 -- "${dscmd[@]}")
	fi
	[ -n "$zs" ] && record runner zdm-status "$zs"
	[ -n "$ds" ] && record runner dbmate-status "$ds"

	printf '\n%-16s %10s %10s %8s %9s\n' "" "wall ms" "cpu ms" "RSS MB" "applied"
	[ -n "$zl" ] && printf '%-16s %10s %10s %8s %9s\n' "zdm up" "$(wall_ms "$zl")" "$(cpu_ms "$zl")" "$(rss_mb "$zl")" "$zn"
	[ -n "$rl" ] && printf '%-16s %10s %10s %8s %9s\n' "zdm up, rollback" "$(wall_ms "$rl")" "$(cpu_ms "$rl")" "$(rss_mb "$rl")" ""
	[ -n "$dl" ] && printf '%-16s %10s %10s %8s %9s\n' "dbmate up" "$(wall_ms "$dl")" "$(cpu_ms "$dl")" "$(rss_mb "$dl")" "$dn"
	[ -n "$zs" ] && printf '%-16s %10s %10s %8s %9s\n' "zdm status" "$(wall_ms "$zs")" "$(cpu_ms "$zs")" "$(rss_mb "$zs")" ""
	[ -n "$ds" ] && printf '%-16s %10s %10s %8s %9s\n' "dbmate status" "$(wall_ms "$ds")" "$(cpu_ms "$ds")" "$(rss_mb "$ds")" ""
	say "(up is mostly fsync time: one transaction per migration for both; zdm creates"
	say " its database in WAL mode, one fsync a commit; \"zdm up, rollback\": an existing"
	say " rollback-journal database, which zdm leaves in its mode: three or four fsyncs a commit)"

	local ur sr
	ur=$(lratio "$dl" "$zl" wall_med_us)
	sr=$(lratio "$ds" "$zs" wall_med_us)
	printf '\n%-18s %9s\n%-18s %9s\n' "dbmate/zdm up" "$(x "$ur")" "dbmate/zdm status" "$(x "$sr")"
	[ -n "$rl" ] && printf '%-18s %9s   (for information)\n' "dbmate/zdm up, rollback" "$(x "$(lratio "$dl" "$rl" wall_med_us)")"
	if [ $zok = 0 ]; then
		goal 3 "zdm up >=2x faster than dbmate" "zdm up not working" skip
		goal 3 "zdm status with $RUNNER_N applied: <10 ms" "zdm status not working" skip
		return
	fi
	if [ "$zn" != - ] && [ "$zn" != "$RUNNER_N" ]; then
		warn "zdm up left $zn rows in schema_migrations, expected $RUNNER_N (see $d/up.stderr)"
	fi
	if [ -n "$DBMATE" ]; then
		goal_cmp 3 "zdm up >=2x faster than dbmate" "$ur" 2 ge "x (wall)"
	else
		goal 3 "zdm up >=2x faster than dbmate" "dbmate not installed" skip
	fi
	local s
	s=$(lms "$zs" wall_med_us)
	goal_cmp 3 "zdm status with $RUNNER_N applied: <10 ms" "$s" 10 le " ms (wall)"
}

# ---- part 4: the downtime meter -------------------------------------------

# dt_seed_sqlite DB: a fresh WAL database with DT_ROWS rows in items.
dt_seed_sqlite() {
	rm -f "$1" "$1-wal" "$1-shm"
	sqlite3 "$1" "PRAGMA journal_mode = WAL;
		CREATE TABLE items (id INTEGER PRIMARY KEY, v integer, w integer NOT NULL DEFAULT 0);
		WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $DT_ROWS)
		INSERT INTO items (id, v, w) SELECT i, 0, 0 FROM s;" > /dev/null
}

# dt_seed_pg: a fresh items table with DT_ROWS rows on the bench server.
dt_seed_pg() {
	psql -qX -v ON_ERROR_STOP=1 -d "$ZDM_PG_URL" > /dev/null <<-EOF
	SET client_min_messages = warning;
	DROP TABLE IF EXISTS items CASCADE;
	DROP TABLE IF EXISTS schema_migrations, zdm_migrations, zdm_backfills CASCADE;
	CREATE TABLE items (id bigserial PRIMARY KEY, v integer, w integer NOT NULL DEFAULT 0);
	INSERT INTO items (v) SELECT 0 FROM generate_series(1, $DT_ROWS);
	VACUUM ANALYZE items;
	EOF
}

# dt_run SCENARIO WAY URL -- CMD...: run CMD while the writer writes to URL;
# appends "SCENARIO|WAY|change_s|writes|errors|p50|p99|max" to DT (one row
# per round: DT_K).
dt_run() {
	local scen=$1 way=$2 url=$3; shift 4
	local f=$OUT/downtime-${scen// /_}-${way// /_}
	[ "$DT_RUNS" -gt 1 ] && f+=-$DT_K
	"$BB/writer" "$url" items "$DT_ROWS" "$DT_RATE" > "$f.writer" 2> "$f.writer.err" &
	local wpid=$! t0 t1 rc
	sleep 1                       # connect and warm up before the change
	kill -USR1 $wpid
	t0=$(date +%s%N)
	"$@" > "$f.out" 2>&1; rc=$?
	t1=$(date +%s%N)
	sleep 0.2                     # the writes queued behind the change finish
	kill -TERM $wpid; wait $wpid
	local line; line=$(cat "$f.writer")
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		warn "downtime: $scen, $way: the change failed (exit $rc): $(tail -n 3 "$f.out" "$f.writer.err" | tr '\n' ' ')"
		DT+=("$scen|$way|failed|failed|failed|failed|failed|failed")
		return
	fi
	[ -s "$f.writer.err" ] && warn "downtime: $scen, $way: $(head -n 1 "$f.writer.err")"
	DT+=("$scen|$way|$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')|$(kv writes "$line")|$(kv errors "$line")|$(kv p50_ms "$line")|$(kv p99_ms "$line")|$(kv max_ms "$line")")
}

# dt_get SCENARIO WAY FIELD(3..8): a cell of the results, the median of
# the rounds ("failed" if a round failed, "-" if none ran).
dt_get() {
	local r
	for r in "${DT[@]}"; do
		case $r in "$1|$2|"*) printf '%s\n' "$r" | cut -d'|' -f"$3" ;; esac
	done | sort -g | awk '
		$0 == "failed" { bad = 1 } { v[n++] = $0 }
		END {
			if (bad) print "failed"
			else if (!n) print "-"
			else if (n % 2) print v[(n - 1) / 2]
			else { m = (v[n / 2 - 1] + v[n / 2]) / 2; print (v[0] ~ /\./ ? sprintf("%.2f", m) : m) }
		}'
}

part_downtime() {
	say ""
	say "== part 4: downtime meter: a writer's latency while a change runs ========"
	say "$DT_ROWS rows; the writer: $DT_RATE single-row UPDATEs/INSERTs per second, latency from each write's scheduled time"
	[ "$DT_RUNS" -gt 1 ] && say "$DT_RUNS rounds of every scenario, interleaved; the goals use each column's median"
	if ! command -v sqlite3 > /dev/null; then
		say "part 4: skipped: no sqlite3 shell"
		goal 4 "downtime meter" "no sqlite3 shell" skip
		return
	fi
	DT=()
	local d=$OUT/downtime-work
	rm -rf "$d" && mkdir -p "$d/m" || return

	# SQLite (WAL): one UPDATE vs zdm backfill.
	for ((DT_K = 1; DT_K <= DT_RUNS; DT_K++)); do
		dt_seed_sqlite "$d/a.sqlite3"
		dt_run "sqlite backfill" unsafe "sqlite:$d/a.sqlite3" -- \
			sqlite3 "$d/a.sqlite3" "PRAGMA busy_timeout = 60000; UPDATE items SET v = id % 1000;"
		dt_seed_sqlite "$d/b.sqlite3"
		dt_run "sqlite backfill" zdm "sqlite:$d/b.sqlite3" -- \
			"$ZDM" backfill --url "sqlite:$d/b.sqlite3" --table items --set "v = id % 1000"
		# SQLite has no lock queue: a waiting writer polls (busy_timeout
		# sleeps 1, 2, 5, 10, 15, 20 ms ...) and misses short gaps between
		# batches, which is why zdm's SQLite default pauses after each batch
		# for as long as the writer's next poll can be away.  Without that
		# pause (shown, not judged):
		dt_seed_sqlite "$d/c.sqlite3"
		dt_run "sqlite backfill" "no-pause" "sqlite:$d/c.sqlite3" -- \
			"$ZDM" backfill --url "sqlite:$d/c.sqlite3" --table items --set "v = id % 1000" \
			--max-batch-time 20ms --sleep 0
	done

	# PostgreSQL, a server this part starts and stops.
	. tests/lib/pg.sh
	if pg_start; then
		local pgv; pgv=$(psql -qXAt -d "$ZDM_PG_URL" -c "SHOW server_version_num"); pgv=$((pgv / 10000))
		for ((DT_K = 1; DT_K <= DT_RUNS; DT_K++)); do
			dt_seed_pg
			dt_run "pg backfill" unsafe "$ZDM_PG_URL" -- \
				psql -qX -v ON_ERROR_STOP=1 -d "$ZDM_PG_URL" -c "UPDATE items SET v = id % 1000"
			dt_seed_pg
			dt_run "pg backfill" zdm "$ZDM_PG_URL" -- \
				"$ZDM" backfill --url "$ZDM_PG_URL" --table items --set "v = id % 1000"

			# Add a NOT NULL column.  The seed's "wrong" way fails on a table
			# with rows, so the unsafe way is the seed's "right" three steps
			# (add, one UPDATE, SET NOT NULL) in one migration transaction, as a
			# migration tool would run them.
			dt_seed_pg
			dt_run "pg add NOT NULL column" unsafe "$ZDM_PG_URL" -- \
				psql -qX -1 -v ON_ERROR_STOP=1 -d "$ZDM_PG_URL" \
				-c "ALTER TABLE items ADD COLUMN note text" \
				-c "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'x'" \
				-c "UPDATE items SET note = 'x' WHERE note IS NULL" \
				-c "ALTER TABLE items ALTER COLUMN note SET NOT NULL"
			dt_seed_pg
			rm -rf "$d/m" && mkdir -p "$d/m"
			"$ZDM" plan add-column items note text --not-null --default "'x'" \
				--pg-version "$pgv" --migrations-dir "$d/m" > "$d/plan-add-column.txt" 2>&1
			dt_run "pg add NOT NULL column" zdm "$ZDM_PG_URL" -- \
				"$ZDM" up --url "$ZDM_PG_URL" --migrations-dir "$d/m"

			# Add an index.
			dt_seed_pg
			dt_run "pg add index" unsafe "$ZDM_PG_URL" -- \
				psql -qX -v ON_ERROR_STOP=1 -d "$ZDM_PG_URL" -c "CREATE INDEX items_v ON items (v)"
			dt_seed_pg
			rm -rf "$d/m" && mkdir -p "$d/m"
			"$ZDM" plan add-index items v --pg-version "$pgv" --migrations-dir "$d/m" \
				> "$d/plan-add-index.txt" 2>&1
			dt_run "pg add index" zdm "$ZDM_PG_URL" -- \
				"$ZDM" up --url "$ZDM_PG_URL" --migrations-dir "$d/m"
		done
		pg_stop
		unset ZDM_PG_URL PGHOST PGPORT PGUSER PGDATABASE
	else
		warn "downtime: no PostgreSQL server could be started: the PostgreSQL scenarios are skipped"
	fi

	printf '%-24s %-7s %9s %7s %6s %9s %9s %9s\n' scenario way change_s writes errors p50_ms p99_ms max_ms
	local r
	for r in "${DT[@]}"; do
		IFS='|' read -r a b c e f g h i <<< "$r"
		printf '%-24s %-7s %9s %7s %6s %9s %9s %9s\n' "$a" "$b" "$c" "$e" "$f" "$g" "$h" "$i"
	done
	if [ "$DT_RUNS" -gt 1 ]; then
		say "medians of the $DT_RUNS rounds:"
		local seen="|" k
		for r in "${DT[@]}"; do
			IFS='|' read -r a b _ <<< "$r"
			case $seen in *"|$a:$b|"*) continue ;; esac
			seen+="$a:$b|"
			printf '%-24s %-7s' "$a" "$b"
			for k in 3 4 5 6 7 8; do printf ' %9s' "$(dt_get "$a" "$b" $k)"; done
			printf '\n'
		done
	fi

	local scen
	for scen in "sqlite backfill" "pg backfill" "pg add NOT NULL column" "pg add index"; do
		if [ "$(dt_get "$scen" zdm 3)" = - ]; then
			goal 4 "$scen: measured" "not run" skip
			continue
		fi
		goal_cmp 4 "$scen: zdm p99 <50 ms" "$(dt_get "$scen" zdm 7)" 50 le " ms"
		goal_cmp 4 "$scen: zdm max <100 ms" "$(dt_get "$scen" zdm 8)" 100 le " ms"
		goal_cmp 4 "$scen: max stall >=20x lower" \
			"$(ratio "$(dt_get "$scen" unsafe 8)" "$(dt_get "$scen" zdm 8)")" 20 ge "x"
		case $scen in *backfill)
			goal_cmp 4 "$scen: <=2x the single UPDATE's time" \
				"$(ratio "$(dt_get "$scen" zdm 3)" "$(dt_get "$scen" unsafe 3)")" 2 le "x" ;;
		esac
	done
}

# ---- main --------------------------------------------------------------------

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(lint guard runner downtime)
for p in "${PARTS[@]}"; do
	case $p in lint|guard|runner|downtime) ;;
	*) echo "usage: $0 [lint] [guard] [runner] [downtime]" >&2; exit 2 ;; esac
done

START=$(date +%s)
say "zdm benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -srm)  $(nproc 2>/dev/null || echo '?') CPUs  load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
[ "$QUICK" = 1 ] && say "BENCH_QUICK=1: small inputs and few runs; the numbers only check the plumbing"
build_helpers || { say "bench: cannot compile the helpers in tests/bench/ with $CC"; exit 3; }
ensure_gnu_time
ensure_peers

for p in "${PARTS[@]}"; do
	"part_$p"
done

say ""
say "== summary ($(( $(date +%s) - START )) s; details in ${OUT#"$ROOT"/}/) ======================="
printf '%-6s %-46s %-30s %s\n' part goal measured result
NOT_MET=0
for g in "${GOALS[@]+"${GOALS[@]}"}"; do
	IFS='|' read -r gp gd gm gs <<< "$g"
	printf '%-6s %-46s %-30s %s\n' "$gp" "$gd" "$gm" "$gs"
	[ "$gs" = "NOT met" ] && NOT_MET=$((NOT_MET + 1))
done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (wall times are only as quiet as the machine)"
[ "${BENCH_STRICT:-0}" = 1 ] && [ $NOT_MET -gt 0 ] && exit 1
exit 0
