# Shared settings of the crash lab scripts (sourced, not run): the Debian kernel they target, where the
# build tree and the boot files live, and the paths the DWARF of the example modules is mapped to.
# CRASHNAV_KERNEL picks the kernel (6.1 by default, or 6.12: kernels.sh), CRASHNAV_ARCH its architecture
# (amd64 by default, or arm64) and CRASHNAV_CACHE the cache (default ~/.cache/crashnav), as for
# scripts/fetch-debian.sh.

source "$(dirname "${BASH_SOURCE[0]}")/kernels.sh"
LAB=$CRASHLAB_DIR
# The headers, their common part and linux-kbuild unpacked side by side, as dpkg would install them
# under /, so that the headers' relative `scripts -> ../../lib/linux-kbuild-*/scripts` links resolve.
TREE=$LAB/tree
KDIR=$TREE/usr/src/linux-headers-$ABI
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EXAMPLES=$REPO/examples
# Where the lab writes what it records: the default kernel's .ko files beside their sources and its logs in
# examples/oopses; another kernel's in examples/kernel-K/modules/NAME/NAME.ko and examples/kernel-K/oopses,
# another architecture's in examples/kernel-K-ARCH/.
examples=kernel-$KERNEL; [ "$ARCH" = amd64 ] || examples=$examples-$ARCH
if [ "$examples" = kernel-6.1 ]; then
  KO_DIR=$EXAMPLES/modules OOPSES=$EXAMPLES/oopses
else
  KO_DIR=$EXAMPLES/$examples/modules OOPSES=$EXAMPLES/$examples/oopses
fi
unset examples
# How the lab builds for and boots its architecture. Debian's headers name the compiler as
# $(CROSS_COMPILE)gcc-12 (their .kernelvariables), so arm64 modules are built by aarch64-linux-gnu-gcc-12,
# the cross build of the gcc the arm64 kernel was built with; QEMU_MACHINE precedes the common qemu options.
case $ARCH in
  amd64)
    CROSS_COMPILE= LAB_CC=gcc-12 LAB_CC_PKG=gcc-12
    QEMU=qemu-system-x86_64 QEMU_PKG=qemu-system-x86 QEMU_MACHINE=() CONSOLE=ttyS0 ;;
  arm64)
    CROSS_COMPILE=aarch64-linux-gnu- LAB_CC=aarch64-linux-gnu-gcc-12 LAB_CC_PKG=gcc-12-aarch64-linux-gnu
    # -cpu max: the kernel's pointer authentication and BTI are emulated as on recent hardware.
    QEMU=qemu-system-aarch64 QEMU_PKG=qemu-system-arm QEMU_MACHINE=(-M virt -cpu max) CONSOLE=ttyAMA0 ;;
esac
# Where the module sources appear in the DWARF: the repo-relative path under a fixed root, so that a
# rebuild anywhere gives the same debug info and a resolver finds the file by stripping `/crashnav/`.
DEBUG_ROOT=/crashnav/examples/modules
MODULES=("${LAB_MODULES[@]}")

die() { echo "crashlab: $*" >&2; exit 1; }
log() { echo "crashlab: $*" >&2; }

# Installs the Debian packages named when their command is missing, or, for COMMAND `-`, when the
# package itself is not installed (the lab runs on Debian; sudo when not root).
need() { # COMMAND PACKAGE [COMMAND PACKAGE...]
  local missing=()
  while [ $# -gt 0 ]; do
    if [ "$1" = - ]; then
      dpkg-query -W -f '${Status}' "$2" 2>/dev/null | grep -q 'ok installed' || missing+=("$2")
    else
      command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    fi
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { $sudo apt-get update -qq >&2 && $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
    die "cannot install ${missing[*]}"
}

# The busybox-static the initramfs runs, of the lab's architecture: the host's own for amd64, else that
# architecture's package, downloaded (dpkg knows the architecture: scripts/fetch-debian.sh --arch adds it)
# and unpacked in the lab directory. Prints the binary's path.
lab_busybox() {
  if [ "$ARCH" = amd64 ]; then need - busybox-static; echo /bin/busybox; return; fi
  local dir=$LAB/busybox-static deb
  if [ ! -f "$dir/.version" ]; then
    mkdir -p "$CACHE/debs"
    deb=$(ls "$CACHE"/debs/busybox-static_*_"$ARCH".deb 2>/dev/null | head -n1 || true)
    if [ -z "$deb" ]; then
      (cd "$CACHE/debs" && apt-get download "busybox-static:$ARCH" >&2) || die "cannot download busybox-static:$ARCH"
      deb=$(ls "$CACHE"/debs/busybox-static_*_"$ARCH".deb | head -n1)
    fi
    rm -rf "$dir"; dpkg-deb -x "$deb" "$dir"
    dpkg-deb -f "$deb" Version > "$dir/.version"
  fi
  echo "$dir/bin/busybox"
}

# The version of the package lab_busybox took the binary from.
lab_busybox_version() {
  if [ "$ARCH" = amd64 ]; then dpkg-query -W -f '${Version}' busybox-static; else cat "$LAB/busybox-static/.version"; fi
}
