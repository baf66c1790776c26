#!/usr/bin/env bash
# Regenerates everything the bundled example commits: builds the example modules into
# examples/modules/NAME/NAME.ko, boots the lab kernel once per module (null_pointer twice more: with
# KASLR on, and with panic=0 to take a vmcore), and writes each serial console to examples/oopses/RUN.log,
# the crash utility's session on the vmcore to examples/oopses/RUN.crash.txt (the vmcore itself stays in
# the cache: 36 MB), and examples/oopses/manifest.json (how each was produced). The logs are the console
# as captured with two changes: CR LF line ends become LF and the firmware's terminal control sequences
# (ESC c, ESC [ ...) are dropped.
#
#   scripts/crashlab/record.sh [--no-build] [RUN...]     RUN: NAME, NAME-kaslr or NAME-vmcore; default: all
set -euo pipefail
source "$(dirname "$0")/env.sh"

build=yes
if [ "${1:-}" = --no-build ]; then build=no; shift; fi
runs=("$@"); [ ${#runs[@]} -gt 0 ] || runs=("${MODULES[@]}" null_pointer-kaslr null_pointer-vmcore)

[ $build = no ] || "$REPO/scripts/crashlab/build-modules.sh" >/dev/null
mkdir -p "$EXAMPLES/oopses"
for run in "${runs[@]}"; do
  case $run in
    *-kaslr) name=${run%-kaslr}; opts=(--kaslr) ;;
    *-vmcore) name=${run%-vmcore}; opts=(--vmcore) ;;
    *) name=$run; opts=() ;;
  esac
  dir=$("$REPO/scripts/crashlab/boot.sh" "$name" "${opts[@]}")
  sed -e $'s/\r$//' -e $'s/\r/\\n/g' -e $'s/\x1bc//g' -e $'s/\x1b\\[[0-9;?]*[A-Za-z]//g' \
    "$dir/console.raw.log" > "$EXAMPLES/oopses/$run.log"
  [ -z "$(tail -c1 "$EXAMPLES/oopses/$run.log")" ] || echo >> "$EXAMPLES/oopses/$run.log"
  log "$run: examples/oopses/$run.log"
  if [ -f "$dir/vmcore" ]; then
    "$REPO/scripts/crashlab/crash-session.sh" "$dir/vmcore" "$EXAMPLES/oopses/$run.crash.txt" >/dev/null
    log "$run: examples/oopses/$run.crash.txt"
  fi
done

# The manifest keeps the entries of runs not redone this time.
export CRASHLAB_RUNS_DIR=$LAB/runs CRASHLAB_RUNS="${runs[*]}" CRASHLAB_MODULES="${MODULES[*]}"
export CRASHLAB_KERNEL="linux-image-$ABI-unsigned $VERSION" CRASHLAB_DEBUG_ROOT=$DEBUG_ROOT
export CRASHLAB_HEADERS="linux-headers-$ABI $VERSION, $HEADERS_COMMON $VERSION, $KBUILD_PKG $(cat "$TREE/.kbuild-version")"
export CRASHLAB_GCC=$(gcc-12 --version | head -n1)
export CRASHLAB_QEMU=$(qemu-system-x86_64 --version | head -n1)
export CRASHLAB_BUSYBOX="busybox-static $(dpkg-query -W -f '${Version}' busybox-static)"
(cd "$REPO" && npx tsx scripts/crashlab/write-manifest.ts)
