#!/usr/bin/env bash
# Boots the lab's Debian kernel under qemu (TCG: KVM is not usable here; qemu-system-aarch64 -M virt for
# CRASHNAV_ARCH=arm64, env.sh) with the lab initramfs, which
# insmods the module NAME, and captures the serial console. `panic=-1 oops=panic` with -no-reboot
# makes qemu exit at the panic. --vmcore boots with panic=0 instead, waits for the panic on the
# console and has qemu's monitor write a kdump-compressed vmcore (`dump-guest-memory -z`) that the
# crash utility opens with the Debian vmlinux-dbg (-device vmcoreinfo tells it the KASLR offset).
#
#   scripts/crashlab/boot.sh NAME [--kaslr] [--vmcore] [--memory MB] [--dump-commands FILE] [--timeout SECONDS] [--dir RUNDIR]
#     writes RUNDIR/console.raw.log (the serial output as qemu printed it), qemu-cmd.txt, qemu-rc.txt
#     and, with --vmcore, RUNDIR/vmcore; prints RUNDIR (default ~/.cache/crashnav/crashlab/runs/NAME[-kaslr][-vmcore])
#     --memory: guest RAM (default 1024); --dump-commands FILE (implies --vmcore): the monitor (HMP) lines
#     sent at the panic instead of the one dump to RUNDIR/vmcore, e.g. several dump-guest-memory of the
#     same paused guest (make-vmcores.sh)
set -euo pipefail
source "$(dirname "$0")/env.sh"

[ $# -ge 1 ] || die "usage: boot.sh NAME [--kaslr] [--vmcore] [--memory MB] [--dump-commands FILE] [--timeout SECONDS] [--dir RUNDIR]"
name=$1; shift
kaslr=no vmcore=no limit=${CRASHLAB_TIMEOUT:-240} dir= memory=1024 dumps=
while [ $# -gt 0 ]; do
  case $1 in
    --kaslr) kaslr=yes ;;
    --vmcore) vmcore=yes ;;
    --memory) memory=$2; shift ;;
    --dump-commands) dumps=$(realpath "$2") vmcore=yes; shift ;;
    --timeout) limit=$2; shift ;;
    --dir) dir=$2; shift ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
run=$name; [ $kaslr = yes ] && run=$run-kaslr; [ $vmcore = yes ] && run=$run-vmcore
dir=$(realpath -m "${dir:-$LAB/runs/$run}")

need "$QEMU" "$QEMU_PKG"
[ $vmcore = no ] || need socat socat
image=$("$REPO/scripts/fetch-debian.sh" image) || exit $?
initrd=$("$REPO/scripts/crashlab/make-initramfs.sh")

append="console=$CONSOLE oops=panic crashmod=$name"
[ $vmcore = yes ] && append="$append panic=0" || append="$append panic=-1"
[ $kaslr = yes ] || append="$append nokaslr"
cmd=("$QEMU" "${QEMU_MACHINE[@]}" -accel tcg -m "$memory" -smp 2 -nographic -no-reboot
     -kernel "$image/boot/vmlinuz-$ABI" -initrd "$initrd" -append "$append" -device vmcoreinfo)
[ $vmcore = yes ] && cmd+=(-monitor "unix:$dir/monitor.sock,server,nowait")

# A run directory is reused, but never a directory that holds anything else.
if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ ! -f "$dir/qemu-cmd.txt" ]; then
  die "$dir is not empty and is not a previous run: choose another --dir"
fi
mkdir -p "$dir"
rm -f "$dir"/{console.raw.log,qemu-cmd.txt,qemu-rc.txt,qemu.stderr,monitor.log,monitor.sock,vmcore}
printf '%q ' "${cmd[@]}" | sed 's/ $/\n/' > "$dir/qemu-cmd.txt"
log "booting $run (timeout ${limit}s): $(cat "$dir/qemu-cmd.txt")"

rc=0
if [ $vmcore = no ]; then
  timeout "$limit" "${cmd[@]}" </dev/null >"$dir/console.raw.log" 2>"$dir/qemu.stderr" || rc=$?
else
  timeout "$limit" "${cmd[@]}" </dev/null >"$dir/console.raw.log" 2>"$dir/qemu.stderr" &
  qemu=$!
  # panic() prints this last line once the dump of the stack and registers is on the console.
  until grep -q -- '---\[ end Kernel panic' "$dir/console.raw.log" 2>/dev/null; do
    kill -0 $qemu 2>/dev/null || break
    sleep 1
  done
  if kill -0 $qemu 2>/dev/null; then
    log "panic on the console: dumping guest memory"
    # HMP runs the commands in order, so `quit` comes after the dump has been written; socat then
    # waits (-t) for qemu to close the socket.
    { if [ -n "$dumps" ]; then cat "$dumps"; else echo "dump-guest-memory -z $dir/vmcore"; fi; echo quit; } |
      socat -t "$limit" - "UNIX-CONNECT:$dir/monitor.sock" >"$dir/monitor.log" 2>&1 || true
  fi
  wait $qemu || rc=$?
fi
echo $rc > "$dir/qemu-rc.txt"
[ $rc -ne 124 ] || die "qemu timed out after ${limit}s (see $dir/console.raw.log)"
echo "$dir"
