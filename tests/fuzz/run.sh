#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The fuzz smoke run: every libFuzzer target in build/fuzz/ for
# FUZZ_SECONDS (default 5) on its committed seeds, ending with
# "N passed, M failed".  Builds the targets first (make fuzz-build) when
# clang is there; `make fuzz` does the same.
#
#   tests/fuzz/run.sh                             every target, 5 s each
#   tests/fuzz/run.sh fuzz_lint fuzz_split        only these
#
# The seeds (tests/fuzz/corpus/<target>.tar.xz, unpacked into
# build/fuzz/seeds/) are only read; new inputs go to a scratch directory
# removed at the end (FUZZ_KEEP=1 keeps them in build/fuzz/corpus/<target>/
# instead).  A crash is written to
# build/fuzz/crash/<target>/ and the log to build/fuzz/log/<target>.log.
# A hang over 1 s per input or RSS over 2 GB counts as a crash.  For long
# runs that go on past a crash, see long.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/fuzz/corpus.sh
secs=${FUZZ_SECONDS:-5}
bin=$PWD/build/fuzz
passed=0
failed=0

if command -v "${FUZZ_CC:-clang}" >/dev/null; then
    make -s fuzz-build >/dev/null || { echo "fuzz-build failed"; echo "0 passed, 1 failed"; exit 1; }
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c)
        targets+=("$t")
    done
fi

for t in "${targets[@]}"; do
    if [ ! -x "$bin/$t" ]; then
        echo "FAIL $t: $bin/$t is not built (make fuzz-build)"
        failed=$((failed + 1))
        continue
    fi
    out="$scratch/$t"
    [ -z "${FUZZ_KEEP:-}" ] || out="$bin/corpus/$t"
    mkdir -p "$out" "$bin/crash/$t" "$bin/log"
    seeds=$(seeds_of "$t") || { echo "FAIL $t: cannot unpack its corpus"; failed=$((failed + 1)); continue; }
    log="$bin/log/$t.log"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp} \
        "$bin/$t" -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$bin/crash/$t/" \
        "$out" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "ok   $t: ${execs:-?} executions in ${secs}s"
        passed=$((passed + 1))
    else
        echo "FAIL $t (rc=$rc): see $log"
        grep -aE '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -n 8 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
