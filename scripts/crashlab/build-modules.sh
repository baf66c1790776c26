#!/usr/bin/env bash
# Builds the example modules in examples/modules/ against the lab's Debian headers (CRASHNAV_KERNEL,
# CRASHNAV_ARCH: kernels.sh) with gcc-12, the compiler Debian built the kernels with (for arm64 its cross
# build, aarch64-linux-gnu-gcc-12), and DWARF, in a scratch copy, with the debug paths mapped so that the .ko never names the scratch dir or
# the cache: module sources appear as /crashnav/examples/modules/NAME/NAME.c, kernel headers as
# /usr/src/linux-headers-*/..., as on a Debian machine. The same sources give the same line tables.
#
#   scripts/crashlab/build-modules.sh [--out DIR] [NAME...]
#     default: every module, each .ko written to the kernel's KO_DIR/NAME/NAME.ko (env.sh: beside its
#     source for 6.1); --out DIR: DIR/NAME.ko instead
set -euo pipefail
source "$(dirname "$0")/env.sh"

out=
if [ "${1:-}" = --out ]; then out=$(realpath -m "$2"); shift 2; mkdir -p "$out"; fi
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${MODULES[@]}")

kdir=$("$REPO/scripts/crashlab/prepare-tree.sh") || exit $?
work=$(mktemp -d "${TMPDIR:-/tmp}/crashlab-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

for name in "${names[@]}"; do
  src=$EXAMPLES/modules/$name
  [ -f "$src/Kbuild" ] || die "no module $name in $EXAMPLES/modules"
  mkdir -p "$work/$name"
  cp "$src"/Kbuild "$src"/*.c "$work/$name/"
  log "building $name"
  # -ffile-prefix-map covers both DW_AT_name/comp_dir and __FILE__ (BUG()/WARN() file names).
  make -s -C "$kdir" M="$work/$name" CROSS_COMPILE="$CROSS_COMPILE" \
    KCFLAGS="-ffile-prefix-map=$work=$DEBUG_ROOT -ffile-prefix-map=$TREE/usr/src=/usr/src" \
    modules >&2
  dest=${out:-$KO_DIR/$name}
  mkdir -p "$dest"
  cp "$work/$name/$name.ko" "$dest/$name.ko"
  echo "$dest/$name.ko"
done
