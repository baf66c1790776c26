#!/usr/bin/env bash
# Fetches and unpacks the Debian kernel packages that the real-data tests, benchmarks and the crash lab
# use (see DESIGN.md), into a cache outside the repository: 6.1.187-1 by default, 6.12.118-1~deb12u1
# (bookworm-security) with --kernel 6.12 (scripts/crashlab/kernels.sh lists them). Idempotent: a
# finished step is marked with a stamp file and skipped next time.
#
#   scripts/fetch-debian.sh [--kernel 6.1|6.12] [--arch amd64|arm64] source|dbg|image|headers|all
#     prints the unpacked directory of each
#
# --arch arm64 fetches the same kernel's arm64 packages (the arm64 agreement and disassembly figures of
# bench/README.md, the arm64 crash lab) into PKG-arm64 (pkg-arm64 for 6.1) beside the amd64 ones; it adds
# arm64 to dpkg's foreign architectures when it is missing, so apt-get can download them. The headers'
# common part is architecture-independent and fetched as such.
# CRASHNAV_CACHE overrides the cache (default ~/.cache/crashnav); CRASHNAV_KERNEL and CRASHNAV_ARCH are the
# defaults of --kernel and --arch. Exits 3, naming the package, when the archive no longer serves it, so
# callers can skip with that message.
set -euo pipefail

usage() {
  echo "usage: fetch-debian.sh [--kernel 6.1|6.12] [--arch amd64|arm64] source|dbg|image|headers|all" >&2
  exit 2
}
while [ $# -ge 1 ] && [ "${1#--}" != "$1" ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --kernel) export CRASHNAV_KERNEL=$2 ;;
    --arch) export CRASHNAV_ARCH=$2 ;;
    *) usage ;;
  esac
  shift 2
done
source "$(dirname "$0")/crashlab/kernels.sh"
DEBS=$CACHE/debs
mkdir -p "$DEBS"
APT_ARCH=
if [ "$ARCH" != amd64 ]; then
  APT_ARCH=:$ARCH
  if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
    dpkg --add-architecture "$ARCH" && apt-get update -qq >&2
  fi
fi

download() { # PACKAGE [APT-ARCH]: the .deb path on stdout; APT-ARCH `:arm64`, default the kernel's
  local pkg=$1 arch=${2-$APT_ARCH} deb
  deb=$(ls "$DEBS"/"${pkg}"_"${VERSION}"_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    if ! (cd "$DEBS" && apt-get download "$pkg$arch=$VERSION" >&2 2>/dev/null) &&
       ! (apt-get update -qq >&2 && cd "$DEBS" && apt-get download "$pkg$arch=$VERSION" >&2); then
      echo "fetch-debian: the archive does not serve $pkg=$VERSION" >&2
      exit 3
    fi
    deb=$(ls "$DEBS"/"${pkg}"_"${VERSION}"_*.deb | head -n1)
  fi
  echo "$deb"
}

unpack() { # PACKAGE DIR [APT-ARCH]
  local pkg=$1 dir=$2
  if [ ! -f "$dir/.unpacked-$pkg" ]; then
    local deb; deb=$(download "$pkg" "${3-$APT_ARCH}")
    mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    touch "$dir/.unpacked-$pkg"
  fi
}

fetch_source() {
  local dir=$CACHE/linux-source-$VERSION
  if [ ! -f "$dir/.unpacked" ]; then
    unpack "$SOURCE_PKG" "$PKG/$SOURCE_PKG" ''
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    tar -xf "$PKG/$SOURCE_PKG/usr/src/$SOURCE_PKG.tar.xz" -C "$dir.tmp" --strip-components=1
    rm -rf "$dir"; mv "$dir.tmp" "$dir"
    touch "$dir/.unpacked"
  fi
  echo "$dir"
}

fetch_dbg() {
  unpack "linux-image-$ABI-dbg" "$PKG/dbg"
  echo "$PKG/dbg"
}

fetch_image() {
  unpack "linux-image-$ABI-unsigned" "$PKG/image"
  echo "$PKG/image"
}

fetch_headers() {
  unpack "linux-headers-$ABI" "$PKG/headers"
  unpack "$HEADERS_COMMON" "$PKG/headers" ''
  echo "$PKG/headers"
}

case "${1:-all}" in
  source) fetch_source ;;
  dbg) fetch_dbg ;;
  image) fetch_image ;;
  headers) fetch_headers ;;
  all) fetch_source; fetch_dbg; fetch_image; fetch_headers ;;
  *) usage ;;
esac
