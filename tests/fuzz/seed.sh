#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rebuild the committed corpora, tests/fuzz/corpus/<target>.tar.xz: the
# seeds written from the test fixtures (named after the fixture), the
# inputs already in the archive, and what long runs found
# (build/fuzz/corpus/<target>/), merged with `-merge=1` when the target is
# built, so that only inputs that add coverage are kept.  Inputs for
# fuzz_split and fuzz_lint start with one option byte (the dialect in its
# low bits: 0 postgres, 1 mysql, 2 sqlite); see each target's header
# comment.  Files over 16 KB are skipped so that the corpus stays small.
set -eu
cd "$(dirname "$0")/../.."
. tests/fuzz/corpus.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/fixtures
max=16384
mkdir -p "$out"/{fuzz_split,fuzz_lint,fuzz_config,fuzz_guard,fuzz_shell}

dialect_of() {
    case "$1" in
        *mysql*) echo 1 ;;
        *sqlite*) echo 2 ;;
        *) echo 0 ;;
    esac
}

small() { [ "$(stat -c %s "$1")" -le $max ]; }

# SQL: the split and rule fixtures, each as its own dialect.
find tests/fixtures/split tests/fixtures/rules -type f -name '*.sql' | sort | while read -r f; do
    small "$f" || continue
    d=$(dialect_of "$f")
    name=$(echo "${f#tests/fixtures/}" | tr '/' '_')
    { printf "\\$(printf %03o "$d")"; cat "$f"; } > "$out/fuzz_split/$name"
    # fuzz_lint: bits 2-3 pick the file name; 12 is the dbmate-style name
    opt=$d
    grep -q 'migrate:up' "$f" && opt=$((d | 12))
    { printf "\\$(printf %03o "$opt")"; cat "$f"; } > "$out/fuzz_lint/$name"
done

# Config: every .zdm.yml fixture, good and bad.
find tests/fixtures/config -type f | sort | while read -r f; do
    small "$f" || continue
    cp "$f" "$out/fuzz_config/$(echo "${f#tests/fixtures/config/}" | tr '/' '_')"
done

# Guard: every hook case as the JSON the hook receives; its command alone
# for the shell target.
box=$work/box
mkdir -p "$box"
for c in tests/guard/cases/*.case; do
    small "$c" || continue
    n=$(basename "$c" .case)
    LC_ALL=C awk -v box="$box" -f tests/guard/case2json.awk "$c" > "$out/fuzz_guard/$n.json" 2>/dev/null || rm -f "$out/fuzz_guard/$n.json"
    if command -v jq >/dev/null && [ -s "$out/fuzz_guard/$n.json" ]; then
        cmd=$(jq -r '.tool_input.command // empty' "$out/fuzz_guard/$n.json" 2>/dev/null || true)
        if [ -n "$cmd" ]; then
            p=0; [ "$(jq -r .tool_name "$out/fuzz_guard/$n.json")" = PowerShell ] && p=1
            { printf "\\$(printf %03o "$p")"; printf '%s' "$cmd"; } > "$out/fuzz_shell/$n"
        fi
    fi
done
for dir in "$out"/*; do
    t=$(basename "$dir")
    old=$(seeds_of "$t")
    found=$PWD/build/fuzz/corpus/$t
    mkdir -p "$found" "$work/merged/$t"
    if [ -x "build/fuzz/$t" ]; then
        LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp \
            "$PWD/build/fuzz/$t" -merge=1 -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
            "$work/merged/$t" "$dir" "$old" "$found" >"$work/$t.log" 2>&1 ||
            { echo "$t: merge failed:"; tail -n 5 "$work/$t.log"; exit 1; }
    else
        cp "$old"/* "$found"/* "$dir"/* "$work/merged/$t"/ 2>/dev/null || true
    fi
    pack_seeds "$t" "$work/merged/$t"
    echo "$t: $(find "$work/merged/$t" -type f | wc -l) inputs, $(stat -c %s "tests/fuzz/corpus/$t.tar.xz") bytes"
done
