// Real dumps from the crash lab (scripts/crashlab/make-vmcores.sh): qemu's ELF dump of a panicked guest
// and every variant qemu and makedumpfile made of the same memory (flattened qemu zlib, makedumpfile
// -c/-l/-F/-d 31, -E -d 31). Each variant must hold the ELF's notes and VMCOREINFO and, page for page, the
// ELF's bytes wherever both hold a page: every 389th pfn (CRASHNAV_VMCORE_STRIDE=1 for all), and every
// page a VMCOREINFO symbol of the kernel image lands in (the log buffer, the page tables' roots: what the
// readers above start from). Skips when the lab has not made the dumps.
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCoreDump, parseVmcoreinfo, type CoreDump } from '../../vmcore/index.js';

const cache = path.join(os.homedir(), '.cache', 'crashnav');
const runs = ['crashlab', 'crashlab-6.12']
  .map((lab) => path.join(cache, lab, 'vmcores'))
  .filter((d) => existsSync(d))
  .flatMap((d) => readdirSync(d).map((run) => path.join(d, run)))
  .filter((run) => existsSync(path.join(run, 'elf.vmcore')) && existsSync(path.join(run, '.done')));
const START_KERNEL_MAP = 0xffffffff80000000n;
const STRIDE = Number(process.env.CRASHNAV_VMCORE_STRIDE ?? 389);
/** How far up the sample goes: past a 4 GB guest's RAM and qemu's framebuffer below 4 GB. */
const MAX_PFN = 0x110000;

/** The pfns of the kernel-image symbols VMCOREINFO names (x86-64: __pa_symbol = va - __START_KERNEL_map + phys_base). */
function symbolPfns(info: string, pageSize: number): number[] {
  const vi = parseVmcoreinfo(info);
  const physBase = vi.number('phys_base') ?? 0n;
  const out: number[] = [];
  for (const key of vi.entries.keys()) {
    const m = /^SYMBOL\((.+)\)$/.exec(key);
    const va = m ? vi.symbol(m[1]!) : undefined;
    if (va !== undefined && va >= START_KERNEL_MAP) out.push(Number((va - START_KERNEL_MAP + physBase) / BigInt(pageSize)));
  }
  return out;
}

function notesKey(d: CoreDump): string[] {
  return d.notes.map((n) => `${n.name}/${n.type}/${Buffer.from(n.desc).toString('hex')}`);
}

describe.skipIf(runs.length === 0)('lab vmcores: every format holds the ELF dump’s pages and notes', () => {
  for (const run of runs) {
    const variants = readdirSync(run).filter((f) => f.endsWith('.vmcore') && f !== 'elf.vmcore');
    for (const variant of variants) {
      it(`${path.basename(path.dirname(path.dirname(run)))}/${path.basename(run)}: ${variant}`, () => {
        const elf = openCoreDump(path.join(run, 'elf.vmcore'));
        const started = performance.now();
        const dump = openCoreDump(path.join(run, variant));
        const openMs = performance.now() - started;
        try {
          expect(notesKey(dump)).toEqual(notesKey(elf));
          expect(dump.vmcoreinfo).toBe(elf.vmcoreinfo);
          expect(dump.pageSize).toBe(elf.pageSize);
          expect(dump.machine).toBe(elf.machine);
          const symbols = symbolPfns(elf.vmcoreinfo!, elf.pageSize);
          expect(symbols.length).toBeGreaterThan(10);
          const sample = [...symbols, ...Array.from({ length: Math.ceil(MAX_PFN / STRIDE) }, (_, i) => i * STRIDE)];
          let same = 0;
          const absent: number[] = [];
          const wrong: number[] = [];
          const readStart = performance.now();
          for (const pfn of sample) {
            const want = elf.readPage(pfn);
            const got = dump.readPage(pfn);
            if (want === undefined) {
              if (got !== undefined) wrong.push(pfn);
            } else if (got === undefined) absent.push(pfn);
            else if (Buffer.compare(want, got) === 0) same++;
            else wrong.push(pfn);
          }
          const readMs = performance.now() - readStart;
          console.log(`${variant}: ${dump.format}, open ${openMs.toFixed(1)} ms, ${sample.length} pfns in ${readMs.toFixed(0)} ms: ${same} equal, ${absent.length} absent`);
          expect(wrong).toEqual([]);
          // The kernel's own data is never excluded, whatever the dump level.
          expect(symbols.filter((pfn) => dump.readPage(pfn) === undefined)).toEqual([]);
          if (variant.includes('d31')) {
            expect(absent.length).toBeGreaterThan(same);
          } else {
            // makedumpfile -d 0 still leaves out what the kernel does not own: qemu's framebuffer and BIOS
            // above RAM, which qemu's own dumps keep.
            const highestHeld = Math.max(...sample.filter((pfn) => dump.readPage(pfn) !== undefined));
            expect(absent.filter((pfn) => pfn < highestHeld)).toEqual([]);
            expect(same).toBeGreaterThan(100);
          }
        } finally {
          dump.close();
          elf.close();
        }
      });
    }
  }
});
