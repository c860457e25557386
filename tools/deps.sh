#!/bin/sh
# SPDX-License-Identifier: MIT
# Check for, or install, the Debian packages zdm builds and tests with.
#
#   tools/deps.sh check     install what is missing when root; otherwise print
#                           the exact command to run and fail
#   tools/deps.sh install   the same, but always try to install
set -eu

# Build: compiler, make and the libraries.  Test: Criterion, a PostgreSQL
# server for the integration tests, valgrind, the sqlite3 shell, clang and
# its libFuzzer runtime (only recommended by clang, so named) for the fuzz
# smoke run.
PKGS="gcc make libc6-dev libsqlite3-dev sqlite3 libjansson-dev libyaml-dev \
libpg-query-dev libprotobuf-c-dev libpq-dev libcriterion-dev postgresql \
valgrind jq clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$st" in
        ii*) ;;
        *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "zdm: missing Debian packages:$missing" >&2
    echo "zdm: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi

echo "zdm: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
