#!/usr/bin/env bash
# Runs the crash utility on a lab vmcore with the Debian vmlinux-dbg and writes a transcript, each
# command's output under a `crash> COMMAND` line as in an interactive session (one crash run per
# command, since `crash -i` prints no prompts).
#
#   scripts/crashlab/crash-session.sh [--mod-symbols DIR] VMCORE OUTPUT [COMMAND...]
#     default commands: sys, bt, bt -a, bt -l, mod, log, foreach bt
#     --mod-symbols DIR: the session starts with `mod -S DIR` (crash loads the symbols and DWARF of each
#     module it finds under DIR); since every command is its own crash run, each later run first loads the
#     same .ko files again with `mod -s NAME FILE`, its output discarded, as an interactive session keeps them.
set -euo pipefail
source "$(dirname "$0")/env.sh"

symbols=
if [ "${1:-}" = --mod-symbols ]; then symbols=$2; shift 2; fi
[ $# -ge 2 ] || die "usage: crash-session.sh [--mod-symbols DIR] VMCORE OUTPUT [COMMAND...]"
vmcore=$1 out=$2; shift 2
commands=("$@"); [ ${#commands[@]} -gt 0 ] || commands=(sys bt "bt -a" "bt -l" mod log "foreach bt")
need crash crash
vmlinux=$("$REPO/scripts/fetch-debian.sh" dbg)/usr/lib/debug/boot/vmlinux-$ABI
script=$(mktemp "${TMPDIR:-/tmp}/crashlab-crash.XXXXXX")
trap 'rm -f "$script"' EXIT

# Runs crash with the lines given (then quit) and appends what it prints to OUTPUT.tmp.
crash_run() {
  printf '%s\n' "$@" quit > "$script"
  crash -s "$vmlinux" "$vmcore" -i "$script" </dev/null >> "$out.tmp" 2>&1
}

: > "$out.tmp"
preamble=()
if [ -n "$symbols" ]; then
  echo "crash> mod -S $symbols" >> "$out.tmp"
  start=$(wc -l < "$out.tmp")
  crash_run "mod -S $symbols"
  echo >> "$out.tmp"
  # The module table it printed: MODULE NAME BASE SIZE OBJECT-FILE, the file when crash loaded one.
  while read -r name file; do
    preamble+=("mod -s $name $file > /dev/null")
  done < <(tail -n +"$((start + 1))" "$out.tmp" | awk 'length($1) == 16 && $1 ~ /^[0-9a-f]+$/ && $5 ~ /\.ko$/ { print $2, $5 }')
  [ ${#preamble[@]} -gt 0 ] || die "mod -S $symbols loaded no module of $vmcore"
fi
for command in "${commands[@]}"; do
  echo "crash> $command" >> "$out.tmp"
  crash_run "${preamble[@]}" "$command"
  echo >> "$out.tmp"
done
# The session names the vmcore and vmlinux by their local paths; keep $HOME out of the repository.
sed -i "s|$HOME|~|g" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
