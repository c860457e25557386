# SPDX-License-Identifier: MIT
# Sourced by the fuzz scripts, from the repository root.  The committed
# corpus of a target is one archive, tests/fuzz/corpus/<target>.tar.xz:
# thousands of small inputs as files would cost every clone and every
# plugin install megabytes of 4 KB blocks for some 300 KB of data.

# seeds_of TARGET: unpack the archive into build/fuzz/seeds/<target>/ when
# it is newer than the last unpack; print that directory.
seeds_of() {
    local dir=$PWD/build/fuzz/seeds/$1 stamp=$PWD/build/fuzz/seeds/$1.stamp
    local tarball=$PWD/tests/fuzz/corpus/$1.tar.xz
    if [ ! -f "$stamp" ] || [ "$tarball" -nt "$stamp" ]; then
        rm -rf "$dir" && mkdir -p "$dir" || return 1
        if [ -f "$tarball" ]; then tar -C "$dir" -xJf "$tarball" || return 1; fi
        touch "$stamp"
    fi
    printf '%s\n' "$dir"
}

# pack_seeds TARGET DIR: write the files in DIR as the target's archive,
# sorted, with fixed owner and time, so that one corpus gives one archive.
pack_seeds() {
    local out=$PWD/tests/fuzz/corpus/$1.tar.xz
    (cd "$2" && find . -maxdepth 1 -type f -printf '%P\n' | LC_ALL=C sort |
        tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - -T - | xz -9 > "$out.tmp") &&
        mv "$out.tmp" "$out"
}
