#!/usr/bin/env bash
# Runs the crash utility on a lab vmcore with the Debian vmlinux-dbg and writes a transcript, each
# command's output under a `crash> COMMAND` line as in an interactive session (one crash run per
# command, since `crash -i` prints no prompts).
#
#   scripts/crashlab/crash-session.sh VMCORE OUTPUT [COMMAND...]    default: sys, bt, bt -l, mod, log
set -euo pipefail
source "$(dirname "$0")/env.sh"

[ $# -ge 2 ] || die "usage: crash-session.sh VMCORE OUTPUT [COMMAND...]"
vmcore=$1 out=$2; shift 2
commands=("$@"); [ ${#commands[@]} -gt 0 ] || commands=(sys bt "bt -l" mod log)
need crash crash
vmlinux=$("$REPO/scripts/fetch-debian.sh" dbg)/usr/lib/debug/boot/vmlinux-$ABI
script=$(mktemp "${TMPDIR:-/tmp}/crashlab-crash.XXXXXX")
trap 'rm -f "$script"' EXIT

: > "$out.tmp"
for command in "${commands[@]}"; do
  printf '%s\nquit\n' "$command" > "$script"
  echo "crash> $command" >> "$out.tmp"
  crash -s "$vmlinux" "$vmcore" -i "$script" </dev/null >> "$out.tmp" 2>&1
  echo >> "$out.tmp"
done
# The session names the vmcore and vmlinux by their local paths; keep $HOME out of the repository.
sed -i "s|$HOME|~|g" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
