#!/usr/bin/env bash
# Makes the out-of-tree module build tree for the lab's kernel (CRASHNAV_KERNEL) from Debian packages only:
# its headers (through scripts/fetch-debian.sh) and its linux-kbuild, at the kernel's version or, for 6.1,
# at whatever version the archive serves (kernels.sh). Prints KDIR.
#
#   scripts/crashlab/prepare-tree.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"

need "$LAB_CC" "$LAB_CC_PKG" make make dpkg-deb dpkg apt-get apt

"$REPO/scripts/fetch-debian.sh" headers >/dev/null || exit $?

if [ ! -f "$TREE/.ready" ]; then
  kbuild=$KBUILD_PKG${KBUILD_VERSION:+=$KBUILD_VERSION}
  kbuild_deb=$(ls "$CACHE"/debs/${KBUILD_PKG}_${KBUILD_VERSION:-*}_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$kbuild_deb" ]; then
    (cd "$CACHE/debs" && apt-get download "$kbuild" >&2) ||
      (apt-get update -qq >&2 && cd "$CACHE/debs" && apt-get download "$kbuild" >&2) ||
      { echo "crashlab: the archive does not serve $kbuild" >&2; exit 3; }
    kbuild_deb=$(ls "$CACHE"/debs/${KBUILD_PKG}_${KBUILD_VERSION:-*}_*.deb | head -n1)
  fi
  # Unpacked aside and moved into place, so that concurrent runs (parallel test files) never see half a tree.
  mkdir -p "$LAB"; new=$(mktemp -d "$LAB/tree.new.XXXXXX")
  for deb in "$CACHE/debs/linux-headers-${ABI}_${VERSION}_$ARCH.deb" \
             "$CACHE/debs/${HEADERS_COMMON}_${VERSION}_all.deb" "$kbuild_deb"; do
    dpkg-deb -x "$deb" "$new"
  done
  # The arch headers include the common Makefile by its installed absolute path; point it into the tree.
  sed -i "s|^include /usr/src/|include $TREE/usr/src/|" "$new/usr/src/linux-headers-$ABI/Makefile"
  dpkg-deb -f "$kbuild_deb" Version > "$new/.kbuild-version"
  touch "$new/.ready"
  rm -rf "$TREE.old"
  [ ! -e "$TREE" ] || mv "$TREE" "$TREE.old"
  mv -T "$new" "$TREE" 2>/dev/null || rm -rf "$new"
  rm -rf "$TREE.old"
fi
# Headers that ship a vmlinux (6.12) have modules carry BTF against it, which kbuild makes with pahole.
[ ! -f "$KDIR/vmlinux" ] || need pahole dwarves
echo "$KDIR"
