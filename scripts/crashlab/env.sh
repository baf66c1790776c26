# Shared settings of the crash lab scripts (sourced, not run): the Debian kernel they target, where the
# build tree and the boot files live, and the paths the DWARF of the example modules is mapped to.
# CRASHNAV_CACHE overrides the cache (default ~/.cache/crashnav), as for scripts/fetch-debian.sh.

VERSION=6.1.187-1
ABI=6.1.0-53-cloud-amd64
HEADERS_COMMON=linux-headers-6.1.0-53-common
KBUILD_PKG=linux-kbuild-6.1
CACHE=${CRASHNAV_CACHE:-$HOME/.cache/crashnav}
LAB=$CACHE/crashlab
# The headers, their common part and linux-kbuild-6.1 unpacked side by side, as dpkg would install them
# under /, so that the headers' relative `scripts -> ../../lib/linux-kbuild-6.1/scripts` links resolve.
TREE=$LAB/tree
KDIR=$TREE/usr/src/linux-headers-$ABI
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EXAMPLES=$REPO/examples
# Where the module sources appear in the DWARF: the repo-relative path under a fixed root, so that a
# rebuild anywhere gives the same debug info and a resolver finds the file by stripping `/crashnav/`.
DEBUG_ROOT=/crashnav/examples/modules
MODULES=(hello kill_kernel null_pointer inline_helper timer_crash)

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
