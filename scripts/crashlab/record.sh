#!/usr/bin/env bash
# Regenerates everything the bundled example commits: builds the example modules into
# examples/modules/NAME/NAME.ko, boots the lab kernel once per module, and more for the runs named
# NAME-kaslr (KASLR on), NAME-vmcore (panic=0 and a vmcore) and NAME-kaslr-vmcore (both). It writes each
# serial console to examples/oopses/RUN.log and, for a vmcore, two crash utility sessions on it (the vmcore
# itself stays in the cache: 36-48 MB): examples/oopses/RUN.crash.txt as crash prints it when given only
# the vmlinux, module frames named from kallsyms, and RUN-modsyms.crash.txt after `mod -S examples/modules`
# loaded the .ko files. examples/oopses/manifest.json says how each was produced, and for a vmcore the facts
# a resolution is checked against: the KASLR offset from the vmcore's VMCOREINFO (KERNELOFFSET=) and the
# crashed module's symbol addresses from crash's `sym -m`. The logs are the console as captured with two
# changes: CR LF line ends become LF and the firmware's terminal control sequences (ESC c, ESC [ ...) are
# dropped.
#
#   scripts/crashlab/record.sh [--kernel 6.1|6.12] [--arch amd64|arm64] [--no-build] [--no-boot] [RUN...]
#     --kernel: the Debian kernel (default CRASHNAV_KERNEL, else 6.1); another kernel than 6.1 records into
#     examples/kernel-K/ (modules/NAME/NAME.ko, oopses/RUN.log, oopses/manifest.json), runs with no vmcore
#     by default: bookworm's crash 8.0.2 cannot open a 6.12 vmcore (`invalid structure member offset:
#     module_core_size`); --arch arm64 (default CRASHNAV_ARCH) records into examples/kernel-K-arm64/, with
#     no vmcore either: bookworm's crash reads only the host architecture's dumps
#     RUN: NAME, NAME-kaslr, NAME-vmcore or NAME-kaslr-vmcore; default: all
#     --no-build: keep the committed .ko files; --no-boot: record from the previous boot of each RUN (its
#     console and vmcore in ~/.cache/crashnav/crashlab/runs/RUN), e.g. a boot whose stack shows a frame
#     another boot's does not: what crash's unwinder finds on the stack varies from boot to boot
set -euo pipefail
if [ "${1:-}" = --kernel ]; then export CRASHNAV_KERNEL=$2; shift 2; fi
if [ "${1:-}" = --arch ]; then export CRASHNAV_ARCH=$2; shift 2; fi
source "$(dirname "$0")/env.sh"

build=yes boot=yes
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=no ;;
    --no-boot) boot=no ;;
    *) break ;;
  esac
  shift
done
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=("${MODULES[@]}" null_pointer-kaslr)
  [ "$KERNEL-$ARCH" != 6.1-amd64 ] || runs+=(null_pointer-vmcore null_pointer-kaslr-vmcore)
fi

[ $build = no ] || "$REPO/scripts/crashlab/build-modules.sh" >/dev/null
mkdir -p "$OOPSES"
oopses=${OOPSES#"$REPO"/}
for run in "${runs[@]}"; do
  case $run in
    *-kaslr-vmcore) name=${run%-kaslr-vmcore}; opts=(--kaslr --vmcore) ;;
    *-kaslr) name=${run%-kaslr}; opts=(--kaslr) ;;
    *-vmcore) name=${run%-vmcore}; opts=(--vmcore) ;;
    *) name=$run; opts=() ;;
  esac
  if [ $boot = yes ]; then
    dir=$("$REPO/scripts/crashlab/boot.sh" "$name" "${opts[@]}")
  else
    dir=$LAB/runs/$run
    [ -f "$dir/console.raw.log" ] || die "no previous boot of $run in $dir"
  fi
  "$REPO/scripts/crashlab/clean-console.sh" "$dir/console.raw.log" "$OOPSES/$run.log"
  log "$run: $oopses/$run.log"
  if [ -f "$dir/vmcore" ]; then
    "$REPO/scripts/crashlab/crash-session.sh" "$dir/vmcore" "$OOPSES/$run.crash.txt" >/dev/null
    log "$run: $oopses/$run.crash.txt"
    # From the repository, so that the session names the modules directory as examples/modules.
    (cd "$REPO" && scripts/crashlab/crash-session.sh --mod-symbols "${KO_DIR#"$REPO"/}" "$dir/vmcore" \
      "$OOPSES/$run-modsyms.crash.txt" >/dev/null)
    log "$run: $oopses/$run-modsyms.crash.txt"
    # The facts write-manifest.ts records: VMCOREINFO is a plain-text note in the dump's header.
    grep -a -m1 -o 'KERNELOFFSET=[0-9a-f]*' "$dir/vmcore" > "$dir/vmcoreinfo.txt" ||
      die "$dir/vmcore has no KERNELOFFSET in its VMCOREINFO"
    "$REPO/scripts/crashlab/crash-session.sh" "$dir/vmcore" "$dir/module-symbols.crash.txt" "sym -m $name" >/dev/null
  fi
done

# The manifest keeps the entries of runs not redone this time.
export CRASHLAB_RUNS_DIR=$LAB/runs CRASHLAB_RUNS="${runs[*]}" CRASHLAB_MODULES="${MODULES[*]}"
export CRASHLAB_OOPSES=$oopses CRASHLAB_KO_DIR=${KO_DIR#"$REPO"/}
export CRASHLAB_KERNEL="linux-image-$ABI-unsigned $VERSION" CRASHLAB_DEBUG_ROOT=$DEBUG_ROOT
# What built the modules: only when this run built them (with --no-build the manifest keeps its own).
if [ $build = yes ]; then
  export CRASHLAB_HEADERS="linux-headers-$ABI $VERSION, $HEADERS_COMMON $VERSION, $KBUILD_PKG $(cat "$TREE/.kbuild-version")"
  export CRASHLAB_GCC=$("$LAB_CC" --version | head -n1)
fi
export CRASHLAB_QEMU=$("$QEMU" --version | head -n1)
export CRASHLAB_BUSYBOX="busybox-static$([ "$ARCH" = amd64 ] || echo ":$ARCH") $(lab_busybox_version)"
(cd "$REPO" && npx tsx scripts/crashlab/write-manifest.ts)
