# Shared settings of the crash lab scripts (sourced, not run): the Debian kernel they target, where the
# build tree and the boot files live, and the paths the DWARF of the example modules is mapped to.
# CRASHNAV_KERNEL picks the kernel (6.1 by default, or 6.12: kernels.sh) and CRASHNAV_CACHE the cache
# (default ~/.cache/crashnav), as for scripts/fetch-debian.sh.

source "$(dirname "${BASH_SOURCE[0]}")/kernels.sh"
LAB=$CRASHLAB_DIR
# The headers, their common part and linux-kbuild unpacked side by side, as dpkg would install them
# under /, so that the headers' relative `scripts -> ../../lib/linux-kbuild-*/scripts` links resolve.
TREE=$LAB/tree
KDIR=$TREE/usr/src/linux-headers-$ABI
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EXAMPLES=$REPO/examples
# Where the lab writes what it records: the default kernel's .ko files beside their sources and its logs in
# examples/oopses; another kernel's in examples/kernel-K/modules/NAME/NAME.ko and examples/kernel-K/oopses.
if [ "$KERNEL" = 6.1 ]; then
  KO_DIR=$EXAMPLES/modules OOPSES=$EXAMPLES/oopses
else
  KO_DIR=$EXAMPLES/kernel-$KERNEL/modules OOPSES=$EXAMPLES/kernel-$KERNEL/oopses
fi
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
