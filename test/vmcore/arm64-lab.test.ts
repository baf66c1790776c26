// Real data: the arm64 vmcores of the crash lab (CRASHNAV_ARCH=arm64 scripts/crashlab/make-vmcores.sh:
// qemu's ELF, -z and its makedumpfile -R rearrangement, with and without KASLR). This host's makedumpfile
// reads x86-64 dumps only, so the log's oracle is the guest's serial console: each line the kernel printed
// there in its console form (`[seconds.micros] text`; the initramfs's own `[crashlab]` lines are not log
// records) must be a line of `crashnav vmcore dmesg`, in the same order. The two forms agree on a
// single-line record because Debian's arm64 6.1 has no CONFIG_PRINTK_CALLER; the console shows only
// records below console_loglevel, so the dump's log holds more lines, never fewer. Every variant of one
// guest gives the same bytes. The page tables are checked against the image's and the linear map's own
// arithmetic. With Debian's arm64 vmlinux-dbg, the panicking CPU's backtrace holds the console oops's
// Call trace (every reliable frame, by name, in order: through the IRQ stack for timer_crash).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { parseCrashReport } from '../../crash/index.js';
import { openDebugFile } from '../../debuginfo/index.js';
import { openCoreDump, openKernelMemory, readBacktraces } from '../../vmcore/index.js';
import { captureIo } from '../support/capture-io.js';

const cache = path.join(os.homedir(), '.cache/crashnav');
const labs = path.join(cache, 'crashlab-arm64', 'vmcores');
const vmlinux = path.join(cache, 'pkg-arm64/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-arm64');
const modules = path.resolve(import.meta.dirname, '../../examples/kernel-6.1-arm64/modules');
const guests = (existsSync(labs) ? readdirSync(labs) : [])
  .map((g) => path.join(labs, g))
  .filter((g) => existsSync(path.join(g, 'manifest.json')) && existsSync(path.join(g, 'console.log')));

async function dmesg(file: string): Promise<{ code: number; out: string; err: string }> {
  const t = captureIo();
  const code = await main(['vmcore', 'dmesg', file], t.io);
  return { code, out: t.out(), err: t.err() };
}

const consoleLine = /^\[ *\d+\.\d{6}\] /;

describe.skipIf(guests.length === 0)('arm64 lab vmcores (skipped: no CRASHNAV_ARCH=arm64 scripts/crashlab/make-vmcores.sh run under ~/.cache/crashnav/crashlab-arm64/vmcores)', () => {
  describe.each(guests.map((g) => ({ name: path.basename(g), dir: g })))('$name', ({ dir }) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { variants: Record<string, { file: string }> };
    const files = Object.values(manifest.variants).map((v) => path.join(dir, v.file)).filter((f) => existsSync(f));

    it('has an ELF and a kdump-compressed variant', () => {
      expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['elf.vmcore', 'qemu-zlib.vmcore']));
    });

    it('every variant: the console lines, in order, within the log; all variants alike', async () => {
      const serial = readFileSync(path.join(dir, 'console.log'), 'utf8').split('\n').filter((l) => consoleLine.test(l));
      expect(serial.some((l) => l.includes('end Kernel panic'))).toBe(true);
      let first: string | undefined;
      for (const file of files) {
        const r = await dmesg(file);
        expect(r.err, file).toBe('');
        expect(r.code, file).toBe(0);
        const lines = r.out.split('\n');
        let at = 0;
        const unmatched = serial.filter((line) => {
          const found = lines.indexOf(line, at);
          if (found < 0) return true;
          at = found + 1;
          return false;
        });
        expect(unmatched, file).toEqual([]);
        expect(lines.length).toBeGreaterThan(serial.length);
        first ??= r.out;
        expect(r.out === first, `${file} gives the log of ${files[0]}`).toBe(true);
      }
    });

    it('the page tables map the image at kimage_voffset and the linear map at PHYS_OFFSET', () => {
      const dump = openCoreDump(path.join(dir, 'elf.vmcore'));
      try {
        const mem = openKernelMemory(dump);
        const voffset = mem.info.number('kimage_voffset')!;
        for (const name of ['swapper_pg_dir', '_stext', 'prb', 'init_uts_ns']) {
          const address = mem.info.symbol(name)!;
          expect(mem.translate(address), name).toBe(BigInt.asUintN(64, address - voffset));
        }
        // mem_section is allocated: a linear-map address, __virt_to_phys = (va & ~PAGE_OFFSET) + PHYS_OFFSET.
        const vaBits = BigInt(mem.info.number('VA_BITS')!);
        const section = mem.info.symbol('mem_section')!;
        expect(section >> vaBits).toBe((1n << (64n - vaBits)) - 1n);
        expect(mem.translate(section)).toBe((section & ((1n << vaBits) - 1n)) + mem.info.number('PHYS_OFFSET')!);
        expect(mem.kernelSlide).toBe(BigInt((manifest as unknown as { kernelOffset: string }).kernelOffset));
      } finally {
        dump.close();
      }
    });
  });
});

describe.skipIf(guests.length === 0 || !existsSync(vmlinux))('arm64 lab backtraces (skipped without lab vmcores or the arm64 vmlinux-dbg: scripts/fetch-debian.sh --arch arm64 dbg)', () => {
  it.each(guests.map((g) => ({ name: path.basename(g), dir: g })))('$name: the panicking CPU holds the Call trace', async ({ dir }) => {
    const oops = parseCrashReport(readFileSync(path.join(dir, 'console.log'), 'utf8'), { source: 'console.log' }).reports.find((r) => r.kind !== 'info' && r.stacks.length > 0)!;
    // The Call trace's first entry repeats the `pc :` frame: the same function twice in a row counts once.
    const expected = oops.stacks.flatMap((s) => s.frames).filter((f) => f.reliable && f.symbol).map((f) => f.symbol!).filter((name, i, all) => name !== all[i - 1]);
    expect(expected.length).toBeGreaterThan(3);
    const dump = openCoreDump(path.join(dir, 'elf.vmcore'));
    const file = await openDebugFile(vmlinux);
    try {
      const traces = await readBacktraces({ memory: openKernelMemory(dump), vmlinux: file, moduleDirs: [modules] });
      expect(traces.problems).toEqual([]);
      const panicking = traces.cpus.find((c) => c.panicking)!;
      expect(panicking.problems).toEqual([]);
      const names = panicking.frames.map((f) => f.symbol?.name);
      let at = 0;
      const missing = expected.filter((name) => {
        const found = names.indexOf(name, at);
        if (found < 0) return true;
        at = found + 1;
        return false;
      });
      expect(missing, names.join(' ')).toEqual([]);
      expect(names).toContain('panic');
    } finally {
      file.close();
      dump.close();
    }
  });
});
