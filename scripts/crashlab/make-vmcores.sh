#!/usr/bin/env bash
# Makes the vmcore test data of issue 17: boots the lab kernel once with the module NAME (panic=0, as
# boot.sh --vmcore), and at the panic has qemu's monitor stop the guest and write every dump format it
# knows of the same memory; then Debian's makedumpfile converts the ELF dump into its own formats and
# extracts the log (the oracle a vmcore reader's log must equal byte for byte), and, for 6.1, the crash
# utility's `bt -a` and `log` on the ELF dump. Output goes to the cache, never the repository:
#
#   ~/.cache/crashnav/crashlab[-K]/vmcores/RUN/     RUN = NAME[-kaslr][-MEMm] (-MEMm unless the default 256 MB)
#     elf.vmcore            qemu `dump-guest-memory FILE`: ELF, every RAM page, NT_PRSTATUS and QEMU notes;
#                           qemu 7.2 puts two section headers before the program headers (e_phoff 192)
#     elf-kexec.vmcore      the same with the program headers right after the ELF header, as /proc/vmcore
#                           has them: the only ELF layout makedumpfile 1.7.2 reads, so its input below
#     qemu-zlib.vmcore      qemu `dump-guest-memory -z`: kdump-compressed, zlib, and FLATTENED (qemu before
#                           8.2 writes the flattened form to a file too: signature "makedumpfile")
#     qemu-zlib-R.vmcore    the same rearranged by `makedumpfile -R`: qemu's kdump header and page layout
#     qemu-lzo.vmcore       qemu `-l`, qemu-snappy.vmcore `-s`: only when this qemu was built with them
#     mkd-zlib.vmcore       makedumpfile -c -d 0 (every page)        mkd-lzo.vmcore  makedumpfile -l -d 0
#     mkd-flat.vmcore       makedumpfile -F -c -d 0 (flattened, written to stdout)
#     mkd-d31.vmcore        makedumpfile -c -d 31 (zero, cache, user and free pages left out)
#     mkd-elf-d31.vmcore    makedumpfile -E -d 31 (ELF whose segments leave the excluded pages out)
#     mkd-snappy.vmcore, mkd-zstd.vmcore   makedumpfile -p -d 0 and -z -d 0, when Debian's makedumpfile has
#                           the compression (bookworm's 1.7.2 has neither: the test suites write such pages)
#     dmesg.txt             makedumpfile --dump-dmesg elf-kexec.vmcore: the log every variant must give;
#                           dmesg-VARIANT.txt for the other variants makedumpfile reads (ELF ones only),
#                           manifest.json says whether each equals dmesg.txt
#     console.log           the serial console, cleaned as record.sh cleans it; console.raw.log as printed
#     crash-bt-a.txt, crash-log.txt   crash 8.0.2 on elf.vmcore (6.1 only: it cannot open a 6.12 vmcore)
#     manifest.json         kernel, ABI, KASLR, memory, KERNELOFFSET, each variant made or why not, timings
#     boot/                 boot.sh's run directory (qemu command, monitor transcript)
#
#   CRASHNAV_ARCH=arm64 (the lab's arm64 kernel under qemu-system-aarch64) makes elf, qemu-zlib and
#   qemu-zlib-R only: this host's makedumpfile and crash are x86-64 builds that read x86-64 dumps alone, so
#   their variants and oracles are skipped (missing.tsv says why) and the log's oracle is console.log: every
#   kernel line the guest printed there from boot to the panic must be in the dump's log.
#
#   scripts/crashlab/make-vmcores.sh [--kernel 6.1|6.12] [--kaslr] [--memory MB] [--force] [NAME]
#     NAME: a crashing lab module (default null_pointer); a finished RUN (its .done stamp) is reused unless
#     --force; prints the RUN directory. Installs what it needs (qemu, socat, makedumpfile, crash) on Debian.
set -euo pipefail
kaslr=no memory=256 force=no name=null_pointer
while [ $# -gt 0 ]; do
  case $1 in
    --kernel) export CRASHNAV_KERNEL=$2; shift ;;
    --kaslr) kaslr=yes ;;
    --memory) memory=$2; shift ;;
    --force) force=yes ;;
    -*) echo "make-vmcores: unknown option $1" >&2; exit 2 ;;
    *) name=$1 ;;
  esac
  shift
done
source "$(dirname "$0")/env.sh"
# Debian's makedumpfile and crash read the dumps of the host's architecture only (each is built for one).
host_tools=no; [ "$ARCH" = amd64 ] && host_tools=yes
[[ $memory =~ ^[0-9]+$ ]] && [ "$memory" -ge 128 ] || die "--memory $memory: a number of MB, at least 128"

run=$name; [ $kaslr = no ] || run=$run-kaslr; [ "$memory" = 256 ] || run=$run-${memory}m
out=$LAB/vmcores/$run
if [ -f "$out/.done" ] && [ $force = no ]; then
  log "$run: reusing $out (--force to make it again)"
  echo "$out"; exit 0
fi

# makedumpfile -R only reorders a flattened file's blocks, whatever the dump's architecture.
need "$QEMU" "$QEMU_PKG" socat socat makedumpfile makedumpfile
[ "$KERNEL" != 6.1 ] || [ $host_tools = no ] || need crash crash
rm -rf "$out"; mkdir -p "$out"
timings=$out/timings.tsv; : > "$timings"
missing=$out/missing.tsv; : > "$missing"
# Runs a step and records its wall time (seconds) under LABEL.
timed() { # LABEL COMMAND...
  local label=$1 start end rc=0; shift
  start=$(date +%s.%N)
  "$@" || rc=$?
  end=$(date +%s.%N)
  awk -v label="$label" -v a="$start" -v b="$end" 'BEGIN { printf "%s\t%.2f\n", label, b - a }' >> "$timings"
  log "$run: $label $(tail -n1 "$timings" | cut -f2) s"
  return $rc
}
skip() { printf '%s\t%s\n' "$1" "$2" >> "$missing"; log "$run: no $1: $2"; }

# qemu's part: `stop` first, so every dump sees the same memory (a dump resumes only a running guest).
qemu_formats=("elf:" "qemu-zlib:-z" "qemu-lzo:-l" "qemu-snappy:-s")
{
  echo stop
  for f in "${qemu_formats[@]}"; do echo "dump-guest-memory ${f#*:} $out/${f%%:*}.vmcore" | tr -s ' '; done
} > "$out/dump-commands.txt"
opts=(); [ $kaslr = no ] || opts+=(--kaslr)
# TCG boots here in 10-15 s (to the panic); a large guest's dumps take longer, a loaded machine more.
limit=$((300 + memory / 2))
timed boot+qemu-dumps "$REPO/scripts/crashlab/boot.sh" "$name" "${opts[@]}" --memory "$memory" \
  --dump-commands "$out/dump-commands.txt" --timeout "$limit" --dir "$out/boot" >/dev/null
grep -q -- '---\[ end Kernel panic' "$out/boot/console.raw.log" ||
  die "$run: the guest did not panic (see $out/boot/console.raw.log)"
# boot.sh creates monitor.log when the panic reaches the console: the boot and the dumps apart, to the
# second, where the file system keeps birth times.
started=$(stat -c %W "$out/boot/qemu-cmd.txt") panicked=$(stat -c %W "$out/boot/monitor.log")
if [ "$started" -gt 0 ] && [ "$panicked" -gt 0 ]; then
  printf 'boot\t%d\nqemu-dumps\t%d\n' $((panicked - started)) $(($(stat -c %Y "$out/boot/qemu-rc.txt") - panicked)) >> "$timings"
fi
cp "$out/boot/console.raw.log" "$out/console.raw.log"
"$REPO/scripts/crashlab/clean-console.sh" "$out/console.raw.log" "$out/console.log"
for f in "${qemu_formats[@]}"; do
  variant=${f%%:*}
  [ -s "$out/$variant.vmcore" ] && continue
  rm -f "$out/$variant.vmcore"
  # The monitor answers a format it was not built with by "kdump-lzo is not available now".
  reason=$(tr -d '\r' < "$out/boot/monitor.log" | grep -o "[^>]*${variant#qemu-}[^>]*not available[^>]*" | head -n1 || true)
  skip "$variant" "qemu $("$QEMU" --version | head -n1 | awk '{print $4}'): ${reason:-no file written (see boot/monitor.log)}"
done
if [ -s "$out/qemu-zlib.vmcore" ]; then
  timed qemu-zlib-R bash -c 'makedumpfile --message-level 6 -R "$1" < "$2" >>"$3" 2>&1' _ \
    "$out/qemu-zlib-R.vmcore" "$out/qemu-zlib.vmcore" "$out/makedumpfile.log"
fi
elf=$out/elf.vmcore
[ -s "$elf" ] || die "$run: qemu wrote no ELF dump (see $out/boot/monitor.log)"
kerneloffset=$(grep -a -m1 -o 'KERNELOFFSET=[0-9a-f]*' "$elf" | cut -d= -f2) ||
  die "$run: $elf has no VMCOREINFO (KERNELOFFSET=): was qemu_fw_cfg loaded in the guest?"
osrelease=$(grep -a -m1 -o 'OSRELEASE=[^[:space:]]*' "$elf" | cut -d= -f2)
[ "$osrelease" = "$ABI" ] || die "$run: the dump's OSRELEASE=$osrelease is not $ABI"
features=$(makedumpfile -v 2>&1)
mkd_version=$(head -n1 <<<"$features" | awk '{print $3}')
if [ $host_tools = yes ]; then # up to the crash utility's part: makedumpfile's variants and oracle

# makedumpfile 1.7.2 reads the program headers as if they followed the ELF header ("get_elf_info: Can't get
# the number of PT_LOAD"), but qemu 7.2 writes two section headers there first (e_phoff 192, e_shnum 2).
# elf-kexec.vmcore is the same file with its program headers moved up to offset 64 and no sections, the
# layout of the kernel's /proc/vmcore; every segment keeps its offset.
timed elf-kexec cp "$elf" "$out/elf-kexec.vmcore"
chmod u+w "$out/elf-kexec.vmcore"
node - "$out/elf-kexec.vmcore" <<'JS'
const fs = require('node:fs');
const fd = fs.openSync(process.argv[2], 'r+');
const eh = Buffer.alloc(64);
fs.readSync(fd, eh, 0, 64, 0);
if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) throw new Error(`${process.argv[2]}: not a little-endian ELF64 file`);
const phoff = Number(eh.readBigUInt64LE(32)), phentsize = eh.readUInt16LE(54), phnum = eh.readUInt16LE(56);
// 0xffff: the count is in section header 0 (PN_XNUM), which this file then needs.
if (phoff < 64 || phnum === 0xffff) throw new Error(`${process.argv[2]}: program headers at ${phoff}, ${phnum} of them`);
const table = Buffer.alloc(phoff - 64 + phentsize * phnum); // the old headers' span, zero where no header lands
fs.readSync(fd, table, 0, phentsize * phnum, phoff);
eh.writeBigUInt64LE(64n, 32); // e_phoff
eh.writeBigUInt64LE(0n, 40); // e_shoff
eh.writeUInt16LE(0, 60); eh.writeUInt16LE(0, 62); // e_shnum, e_shstrndx
fs.writeSync(fd, eh, 0, 64, 0);
fs.writeSync(fd, table, 0, table.length, 64);
fs.closeSync(fd);
JS
kexec=$out/elf-kexec.vmcore
fi

# makedumpfile's part. It finds what -d 31 needs (mem_section, page flags) in VMCOREINFO alone. Message
# level 6: its messages and errors, no progress bars.
mkd() { echo "makedumpfile $*" >>"$out/makedumpfile.log"; makedumpfile --message-level 6 "$@" >>"$out/makedumpfile.log" 2>&1; }
if [ $host_tools = yes ]; then # (else: each skipped with its reason)
timed mkd-zlib mkd -c -d 0 "$kexec" "$out/mkd-zlib.vmcore"
timed mkd-lzo mkd -l -d 0 "$kexec" "$out/mkd-lzo.vmcore"
timed mkd-flat bash -c 'makedumpfile --message-level 6 -F -c -d 0 "$1" > "$2" 2>>"$3"' _ "$kexec" "$out/mkd-flat.vmcore" "$out/makedumpfile.log"
timed mkd-d31 mkd -c -d 31 "$kexec" "$out/mkd-d31.vmcore"
timed mkd-elf-d31 mkd -E -d 31 "$kexec" "$out/mkd-elf-d31.vmcore"
for f in snappy:-p zstd:-z; do
  algo=${f%%:*} flag=${f#*:}
  if ! grep -Eq "^$algo[[:space:]]+enabled" <<<"$features"; then
    skip "mkd-$algo" "Debian's makedumpfile $mkd_version was built without $algo (makedumpfile -v), so no $flag"
    continue
  fi
  tool=makedumpfile
  timed "mkd-$algo" bash -c '"$1" --message-level 6 "$2" -d 0 "$3" "$4" >>"$5" 2>&1' _ \
    "$tool" "$flag" "$kexec" "$out/mkd-$algo.vmcore" "$out/makedumpfile.log"
  "$tool" --message-level 6 --dump-dmesg "$out/mkd-$algo.vmcore" "$out/dmesg-mkd-$algo.txt" >>"$out/makedumpfile.log" 2>&1 ||
    rm -f "$out/dmesg-mkd-$algo.txt"
done
timed dump-dmesg mkd --dump-dmesg "$kexec" "$out/dmesg.txt"
[ -s "$out/dmesg.txt" ] || die "$run: makedumpfile --dump-dmesg wrote no log (see $out/makedumpfile.log)"
# The same oracle on each other variant where makedumpfile 1.7.2 can: it reads ELF input only ("Can't get
# valid ehdr" on a kdump-compressed or flattened file), so the log of those is dmesg.txt, of the same memory.
for vmcore in "$out"/*.vmcore; do
  variant=$(basename "$vmcore" .vmcore)
  [ "$variant" != elf-kexec ] && [ ! -f "$out/dmesg-$variant.txt" ] || continue
  mkd --dump-dmesg "$vmcore" "$out/dmesg-$variant.txt" || rm -f "$out/dmesg-$variant.txt"
done
else
  host=$(uname -m)
  for variant in elf-kexec mkd-zlib mkd-lzo mkd-flat mkd-d31 mkd-elf-d31 mkd-snappy mkd-zstd dump-dmesg; do
    skip "$variant" "makedumpfile $mkd_version here is built for $host: it reads $host dumps only, not $ARCH"
  done
fi

if [ $host_tools = no ]; then
  skip crash-bt-a "crash $(crash --version 2>/dev/null | awk '/^crash/ {print $2; exit}') here is built for $(uname -m): it reads $(uname -m) dumps only, not $ARCH"
elif [ "$KERNEL" = 6.1 ]; then
  timed crash-bt-a "$REPO/scripts/crashlab/crash-session.sh" "$elf" "$out/crash-bt-a.txt" "bt -a" >/dev/null
  timed crash-log "$REPO/scripts/crashlab/crash-session.sh" "$elf" "$out/crash-log.txt" log >/dev/null
else
  skip crash-bt-a "crash $(crash --version 2>/dev/null | awk '/^crash/ {print $2; exit}') cannot open a $KERNEL vmcore (invalid structure member offset: module_core_size)"
fi

export MV_OUT=$out MV_KERNEL=$KERNEL MV_ABI=$ABI MV_VERSION=$VERSION MV_KASLR=$kaslr MV_MEMORY=$memory
export MV_ARCH=$ARCH MV_NAME=$name MV_OFFSET=$kerneloffset MV_QEMU="$("$QEMU" --version | head -n1)"
export MV_MKD_VERSION=$mkd_version MV_MKD="$(head -n1 <<<"$features")" MV_CRASH="$([ $host_tools = no ] || crash --version 2>/dev/null | awk '/^crash/ {print $1, $2; exit}' || true)"
node - <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const e = process.env, out = e.MV_OUT;
const made = {
  'elf': 'qemu dump-guest-memory FILE',
  'elf-kexec': 'elf.vmcore with its program headers moved to offset 64 and no section headers', 'qemu-zlib': 'qemu dump-guest-memory -z FILE (flattened)',
  'qemu-zlib-R': 'makedumpfile -R FILE < qemu-zlib.vmcore',
  'qemu-lzo': 'qemu dump-guest-memory -l FILE', 'qemu-snappy': 'qemu dump-guest-memory -s FILE',
  'mkd-zlib': 'makedumpfile -c -d 0 elf-kexec.vmcore FILE', 'mkd-lzo': 'makedumpfile -l -d 0 elf-kexec.vmcore FILE',
  'mkd-flat': 'makedumpfile -F -c -d 0 elf-kexec.vmcore > FILE', 'mkd-d31': 'makedumpfile -c -d 31 elf-kexec.vmcore FILE',
  'mkd-elf-d31': 'makedumpfile -E -d 31 elf-kexec.vmcore FILE',
  'mkd-snappy': `makedumpfile ${e.MV_MKD_VERSION} built with snappy: -p -d 0 elf-kexec.vmcore FILE`,
  'mkd-zstd': `makedumpfile ${e.MV_MKD_VERSION} built with zstd: -z -d 0 elf-kexec.vmcore FILE`,
};
const tsv = (f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
// Without makedumpfile (an arm64 guest) the oracle is the serial console, which tests compare line by line.
const oracle = fs.existsSync(path.join(out, 'dmesg.txt')) ? fs.readFileSync(path.join(out, 'dmesg.txt')) : undefined;
const variants = {};
for (const [name, how] of Object.entries(made)) {
  const file = path.join(out, `${name}.vmcore`);
  if (!fs.existsSync(file)) continue;
  const dmesg = path.join(out, `dmesg-${name}.txt`);
  const magic = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, magic, 0, 16, 0);
  fs.closeSync(fd);
  const format = magic.subarray(0, 4).toString('latin1') === '\x7fELF' ? 'elf'
    : magic.subarray(0, 8).toString('latin1') === 'KDUMP   ' ? 'kdump-compressed'
    : magic.subarray(0, 12).toString('latin1') === 'makedumpfile' ? 'flattened' : 'unknown';
  variants[name] = {
    file: `${name}.vmcore`, format, bytes: fs.statSync(file).size, madeBy: how,
    ...(name === 'elf-kexec' ? {} : { dmesgEqualsOracle: oracle !== undefined && fs.existsSync(dmesg) ? fs.readFileSync(dmesg).equals(oracle) : null }),
  };
}
const manifest = {
  kernel: e.MV_KERNEL, arch: e.MV_ARCH, abi: e.MV_ABI, package: `linux-image-${e.MV_ABI}-unsigned ${e.MV_VERSION}`,
  module: e.MV_NAME, kaslr: e.MV_KASLR === 'yes', memoryMB: Number(e.MV_MEMORY),
  kernelOffset: `0x${e.MV_OFFSET}`, qemu: e.MV_QEMU, makedumpfile: e.MV_MKD, crash: e.MV_CRASH || null,
  dmesgOracle: oracle !== undefined ? 'makedumpfile --dump-dmesg elf-kexec.vmcore dmesg.txt'
    : 'console.log: each line of it in the kernel console form ([seconds.micros] text) is a line of the dump\'s log, in order',
  dmesgEqualsOracleNull: oracle !== undefined ? 'makedumpfile 1.7.2 cannot read the variant: the qemu ELF layout, a flattened file, or qemu-zlib-R under KASLR (below)'
    : `makedumpfile reads ${e.MV_ARCH} dumps on an ${e.MV_ARCH} host only: no dmesg.txt`,
  oddities: [
    "qemu 7.2's ELF puts 2 section headers (e_shoff 64) before the program headers (e_phoff 192): read e_phoff",
    "qemu 7.2's -z file is flattened (signature makedumpfile), not a plain kdump-compressed file",
    "qemu's kdump sub-header phys_base is VMCOREINFO's decimal NUMBER(phys_base) parsed as hex: wrong when phys_base != 0 (KASLR); take NUMBER(phys_base), decimal and possibly negative, from VMCOREINFO",
  ],
  variants, missing: Object.fromEntries(tsv('missing.tsv')),
  seconds: Object.fromEntries(tsv('timings.tsv').map(([k, v]) => [k, Number(v)])),
  made: new Date().toISOString(),
};
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
JS
rm -f "$out/boot/monitor.sock"
# qemu and makedumpfile write their files for their owner alone; these are test data, not secrets.
chmod a+r,u+w "$out"/*
touch "$out/.done"
echo "$out"
