#!/usr/bin/env bash
# Makes the out-of-tree module build tree for the lab's kernel from Debian packages only: the headers of
# 6.1.187-1 (through scripts/fetch-debian.sh) and linux-kbuild-6.1 at whatever version the archive
# serves (it no longer serves 6.1.187-1; kbuild's host tools are stable within 6.1). Prints KDIR.
#
#   scripts/crashlab/prepare-tree.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"

need gcc-12 gcc-12 make make dpkg-deb dpkg apt-get apt

"$REPO/scripts/fetch-debian.sh" headers >/dev/null || exit $?

if [ ! -f "$TREE/.ready" ]; then
  kbuild_deb=$(ls "$CACHE"/debs/${KBUILD_PKG}_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$kbuild_deb" ]; then
    (cd "$CACHE/debs" && apt-get download "$KBUILD_PKG" >&2) ||
      (apt-get update -qq >&2 && cd "$CACHE/debs" && apt-get download "$KBUILD_PKG" >&2) ||
      { echo "crashlab: the archive does not serve $KBUILD_PKG" >&2; exit 3; }
    kbuild_deb=$(ls "$CACHE"/debs/${KBUILD_PKG}_*.deb | head -n1)
  fi
  # Unpacked aside and moved into place, so that concurrent runs (parallel test files) never see half a tree.
  mkdir -p "$LAB"; new=$(mktemp -d "$LAB/tree.new.XXXXXX")
  for deb in "$CACHE/debs/linux-headers-${ABI}_${VERSION}_amd64.deb" \
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
echo "$KDIR"
