import { describe, expect, it } from 'vitest';
import { openX86_64KernelMemory } from '../../vmcore/kernel-memory-x86-64.js';
import { SyntheticKernel, pagingVmcoreinfo, codeOf } from './synthetic-kernel.js';

const directMap = 0xff11000000000000n; // a 5-level page_offset_base; 4-level tests use 0xffff888000000000
const directMap4 = 0xffff888000000000n;
const vmalloc = 0xffffc90000000000n;

function open(kernel: SyntheticKernel, physBase = 0n) {
  return openX86_64KernelMemory(kernel.dump(pagingVmcoreinfo(kernel, { physBase })));
}

describe('x86-64 page-table walks over a synthetic dump', () => {
  it('translates 4 KB, 2 MB and 1 GB pages with 4 levels, NX and SME bits stripped', () => {
    const sme = 1n << 47n;
    const k = new SyntheticKernel(4, sme);
    k.map(vmalloc + 0x5000n, 0x7654000n);
    k.map(directMap4 + 0x40000000n, 0x1200000n, '2m');
    k.map(directMap4, 0x80000000n, '1g');
    const mem = open(k);
    expect(mem.translate(vmalloc + 0x5123n)).toBe(0x7654123n);
    expect(mem.translate(directMap4 + 0x40000000n + 0x1abcden)).toBe(0x1200000n + 0x1abcden);
    expect(mem.translate(directMap4 + 0x3fffffffn)).toBe(0x80000000n + 0x3fffffffn);
    expect(mem.translate(vmalloc + 0x6000n)).toBeUndefined();
  });

  it('walks 5 levels when pgtable_l5_enabled is 1', () => {
    const k = new SyntheticKernel(5);
    k.map(directMap + 0x123000n, 0x3000n);
    const mem = open(k);
    expect(mem.translate(directMap + 0x123456n)).toBe(0x3456n);
    // A 4-level reading of the same address would be non-canonical.
    expect(mem.translate(0xff11000000123000n & ~(1n << 56n))).toBeUndefined();
  });

  it('finds the root through a negative phys_base (image loaded below its link address)', () => {
    const k = new SyntheticKernel(4);
    k.map(vmalloc, 0x9000n);
    expect(open(k, -0x20000000n).translate(vmalloc + 8n)).toBe(0x9008n);
  });

  it('reads across pages that map to scattered physical pages', () => {
    const k = new SyntheticKernel(4);
    k.back(vmalloc, 3 * 4096);
    const bytes = Uint8Array.from({ length: 9000 }, (_, i) => (i * 7) & 0xff);
    k.writeVirtual(vmalloc + 100n, bytes);
    const mem = open(k);
    expect(Buffer.from(mem.read(vmalloc + 100n, 9000)).equals(Buffer.from(bytes))).toBe(true);
    expect(mem.u32(vmalloc + 100n + 4094n)).toBe(new DataView(bytes.buffer).getUint32(4094, true));
  });

  it('names the address that is not mapped, and the one whose page the dump lacks', () => {
    const k = new SyntheticKernel(4);
    k.map(vmalloc, k.allocPage());
    k.map(vmalloc + 0x1000n, 0x7fff0000n); // a physical page nobody wrote: absent from the dump
    const mem = open(k);
    expect(codeOf(() => mem.read(vmalloc + 0x2010n, 4))).toEqual({ code: 'not-mapped', address: vmalloc + 0x2010n });
    expect(codeOf(() => mem.read(vmalloc + 0xff0n, 0x20))).toEqual({ code: 'page-absent', address: vmalloc + 0x1000n });
  });

  it('reports a table missing from the dump as page-absent naming the virtual address', () => {
    const k = new SyntheticKernel(4);
    k.map(vmalloc, 0x9000n);
    const pud = k.readU64(k.slot(k.root, vmalloc, 4)) & ~0xfffn & ((1n << 52n) - 1n);
    k.writeU64(k.slot(pud, vmalloc, 3), 0x7ff00000n | 3n); // a PMD table outside the dump
    expect(codeOf(() => open(k).translate(vmalloc))).toEqual({ code: 'page-absent', address: vmalloc });
  });

  it('stops at a table that points back at one of its own walk', () => {
    const k = new SyntheticKernel(4);
    k.map(vmalloc, 0x9000n);
    const pud = k.readU64(k.slot(k.root, vmalloc, 4)) & ~0xfffn & ((1n << 52n) - 1n);
    k.writeU64(k.slot(pud, vmalloc, 3), k.root | 3n);
    const err = codeOf(() => open(k).read(vmalloc, 8));
    expect(err).toEqual({ code: 'page-table-loop', address: vmalloc });
  });

  it("falls back to a CPU's CR3 from the qemu note when there is no VMCOREINFO (CR4.LA57 for 5 levels)", () => {
    for (const levels of [4, 5] as const) {
      const k = new SyntheticKernel(levels);
      const va = levels === 5 ? directMap + 0x5000n : vmalloc + 0x5000n;
      k.map(va, 0x7654000n);
      // QEMUCPUState: version, size, 18 registers, 10 segments of 24 bytes, then cr0..cr4.
      const cr = 8 + 18 * 8 + 10 * 24;
      const cpu = (cr0: bigint, cr3: bigint) => {
        const desc = new Uint8Array(440);
        const view = new DataView(desc.buffer);
        view.setBigUint64(cr, cr0, true);
        view.setBigUint64(cr + 24, cr3, true);
        view.setBigUint64(cr + 32, levels === 5 ? 1n << 12n : 0n, true);
        return { name: 'QEMU', type: 0, desc };
      };
      // The first CPU has paging off (never started): the second's CR3, with a PCID in its low bits, is used.
      const dump = { ...k.dump(undefined), notes: [cpu(0x10n, 0n), cpu(0x80050033n, k.root | 0x5n)] };
      expect(openX86_64KernelMemory(dump).translate(va + 0x10n)).toBe(0x7654010n);
    }
  });

  it('survives seeded corruption of the tables: an address, undefined or a VmcoreError', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const k = new SyntheticKernel(round % 2 === 0 ? 4 : 5);
      const base = round % 2 === 0 ? vmalloc : directMap;
      k.back(base, 3 * 4096);
      k.map(base + 0x200000n, 0x40000000n, '2m');
      const tables = [...k.pages.keys()].slice(0, 8);
      for (let flips = 1 + Math.floor(random() * 6); flips > 0; flips--) {
        const page = k.pages.get(tables[Math.floor(random() * tables.length)]!)!;
        page[Math.floor(random() * 4096)] = Math.floor(random() * 256);
      }
      const mem = open(k);
      for (const address of [base, base + 0x1008n, base + 0x2ff0n, base + 0x212345n]) {
        try {
          mem.read(address, 32);
        } catch (err) {
          expect((err as Error).name, String(err)).toBe('VmcoreError');
        }
      }
    }
  });

  it('refuses a dump without VMCOREINFO or another machine with a typed error', () => {
    const k = new SyntheticKernel(4);
    expect(codeOf(() => openX86_64KernelMemory(k.dump(undefined))).code).toBe('no-vmcoreinfo');
    expect(codeOf(() => openX86_64KernelMemory({ ...k.dump(''), machine: 183 })).code).toBe('unsupported');
  });
});
