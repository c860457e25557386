#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A long fuzzing session: run the given targets (default: all) for
# FUZZ_SECONDS each (default 600), in fork mode so that the run goes on
# past a crash, a hang (> 1 s) or an OOM (> 2 GB) and keeps every one in
# build/fuzz/crash/<target>/.  Log: build/fuzz/log/<target>.long.log.
# New inputs collect in build/fuzz/corpus/<target>/; tests/fuzz/seed.sh
# merges them into the committed corpus.
#
#   FUZZ_SECONDS=600 tests/fuzz/long.sh fuzz_lint fuzz_guard
set -u
cd "$(dirname "$0")/../.."
. tests/fuzz/corpus.sh
secs=${FUZZ_SECONDS:-600}
bin=$PWD/build/fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
for t in "${targets[@]}"; do
    mkdir -p "$bin/corpus/$t" "$bin/crash/$t" "$bin/log"
    seeds=$(seeds_of "$t") || exit 1
    LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp \
        "$bin/$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$bin/crash/$t/" \
        "$bin/corpus/$t" "$seeds" >"$bin/log/$t.long.log" 2>&1
    echo "$t: rc=$? $(grep -a 'DONE\|INFO: fuzzed for' "$bin/log/$t.long.log" | tail -n 1)"
done
