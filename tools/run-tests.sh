#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run the test suites and print one closing line: "N passed, M failed".
#
#   tools/run-tests.sh BIN...              unit tests (Criterion) + every suite
#   tools/run-tests.sh --unit-only BIN...  the Criterion binaries only
#   tools/run-tests.sh --valgrind BIN...   the Criterion binaries under memcheck
#
# Suites other than the unit tests are scripts that end with their own
# "N passed, M failed" line; their counts are added up here.
set -u
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
    --unit-only) mode=unit; shift ;;
    --valgrind) mode=valgrind; shift ;;
esac

passed=0
failed=0
failures=()

count_criterion() { # name, output
    local line t p f c
    line=$(grep -a 'Synthesis: Tested:' <<<"$2" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures+=("$1: no result (crashed?)")
        return
    fi
    t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
    p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
    f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
    c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f + c))
    [ $((f + c)) -eq 0 ] || failures+=("$1: $((f + c)) of $t failed")
}

count_suite() { # name, output, rc
    local line p f
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' <<<"$2" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures+=("$1: no result line (rc=$3)")
        return
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ "$3" -ne 0 ]; then
        failures+=("$1: $f failed (rc=$3)")
        [ "$f" -ne 0 ] || failed=$((failed + 1))
    fi
}

for bin in "$@"; do
    name=$(basename "$bin")
    echo "== $name"
    if [ "$mode" = valgrind ]; then
        # Criterion forks a process per test; --trace-children follows them.
        out=$(valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
              --suppressions=tests/fuzz/valgrind.supp \
              --error-exitcode=99 "$bin" --jobs 1 2>&1); rc=$?
    else
        out=$("$bin" 2>&1); rc=$?
    fi
    grep -aE '^\[(ERR |FAIL|----)\]|Synthesis' <<<"$out" | head -n 60
    count_criterion "$name" "$out"
    if [ "$mode" = valgrind ] && [ $rc -eq 99 ]; then
        failed=$((failed + 1)); failures+=("$name: valgrind errors")
        grep -a '==[0-9]*==' <<<"$out" | head -n 40
    fi
done

if [ "$mode" = all ]; then
    for suite in tests/cli/run.sh tests/guard/run.sh tests/runner/run.sh tests/integration/run.sh tests/plan/run.sh tests/plugin/validate.sh; do
        [ -x "$suite" ] || continue
        echo "== $suite"
        out=$("$suite" 2>&1); rc=$?
        printf '%s\n' "$out" | tail -n 25
        count_suite "$suite" "$out" "$rc"
    done
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failures:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
