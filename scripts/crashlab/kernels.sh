# The Debian kernels the real-data tests, benchmarks and the crash lab know (sourced, not run), chosen by
# CRASHNAV_KERNEL (default 6.1) and CRASHNAV_ARCH (amd64 by default, or arm64). Each sets the package
# version, the ABI name of its image, headers and -dbg packages, the other packages a module build needs,
# where in the cache they are unpacked (6.1 amd64 keeps the cache layout it always had, another kernel or
# architecture gets directories of its own beside it) and which of the example modules the crash lab
# builds and boots for it.
CACHE=${CRASHNAV_CACHE:-$HOME/.cache/crashnav}
KERNEL=${CRASHNAV_KERNEL:-6.1}
case $KERNEL in
  6.1)
    VERSION=6.1.187-1
    ABI=6.1.0-53-cloud-amd64
    HEADERS_COMMON=linux-headers-6.1.0-53-common
    # The archive no longer serves linux-kbuild-6.1 at 6.1.187-1: any version will do (its host tools
    # are stable within 6.1), so it is downloaded without one.
    KBUILD_PKG=linux-kbuild-6.1 KBUILD_VERSION=
    PKG=$CACHE/pkg
    CRASHLAB_DIR=$CACHE/crashlab
    LAB_MODULES=(hello kill_kernel null_pointer inline_helper timer_crash) ;;
  6.12)
    VERSION=6.12.118-1~deb12u1
    ABI=6.12.118+deb12-cloud-amd64
    HEADERS_COMMON=linux-headers-6.12.118+deb12-common
    KBUILD_PKG=linux-kbuild-6.12.118+deb12 KBUILD_VERSION=$VERSION
    PKG=$CACHE/pkg-6.12
    CRASHLAB_DIR=$CACHE/crashlab-6.12
    # The crashing modules whose frames the 6.12 test checks: their .ko files (170-180 KB each) are committed.
    LAB_MODULES=(null_pointer inline_helper timer_crash) ;;
  *) echo "unknown kernel '$KERNEL' (CRASHNAV_KERNEL / --kernel): 6.1 or 6.12" >&2; exit 2 ;;
esac
SOURCE_PKG=linux-source-$KERNEL
# The same kernel built for arm64 has the same version and flavour; its packages are ABI-arm64 ones. Only
# the headers are target-specific: linux-kbuild stays the host's (its scripts run on the build machine).
ARCH=${CRASHNAV_ARCH:-amd64}
case $ARCH in
  amd64) ;;
  arm64)
    ABI=${ABI%-amd64}-arm64
    PKG=$PKG-arm64
    CRASHLAB_DIR=$CRASHLAB_DIR-arm64
    LAB_MODULES=(null_pointer inline_helper timer_crash) ;;
  *) echo "unknown architecture '$ARCH' (CRASHNAV_ARCH / --arch): amd64 or arm64" >&2; exit 2 ;;
esac
