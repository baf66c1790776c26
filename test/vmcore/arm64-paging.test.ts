// arm64 page-table walks over synthetic dumps: VMSAv8-64 descriptors (4 KB granule) built by the test in
// SyntheticKernel's physical pages, the root found as arm64's VMCOREINFO places it (swapper_pg_dir less
// kimage_voffset), the VA size from TCR_EL1.T1SZ. Also how a qemu kdump file of an arm64 guest is told.
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../debuginfo/index.js';
import { openArm64KernelMemory, openCoreDumpSource, openKernelMemory } from '../../vmcore/index.js';
import { writeKdump } from './dump-writer.js';
import { SyntheticKernel, codeOf } from './synthetic-kernel.js';

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const valid = 1n;
const tableOrPage = 2n;
const accessFlag = 1n << 10n;
/** Bits a walk must ignore: contiguous hint, PXN, UXN, nG, inner shareable. */
const attributes = (1n << 52n) | (1n << 53n) | (1n << 54n) | (1n << 11n) | (3n << 8n);
const addressBits = ((1n << 48n) - 1n) & ~0xfffn;

/** SyntheticKernel's pages and slots (9 index bits per level, level 1 the last) with arm64 descriptors. */
class Arm64Kernel extends SyntheticKernel {
  constructor(readonly armLevels: 3 | 4 = 4) {
    super(4);
  }

  override map(vaddr: bigint, paddr: bigint, size: '4k' | '2m' | '1g' = '4k'): void {
    const leafLevel = size === '4k' ? 1 : size === '2m' ? 2 : 3;
    let table = this.root;
    for (let level = this.armLevels; level > leafLevel; level--) {
      const slot = this.slot(table, vaddr, level);
      let entry = this.readU64(slot);
      if ((entry & valid) === 0n) this.writeU64(slot, (entry = this.allocPage() | valid | tableOrPage));
      table = entry & addressBits;
    }
    this.writeU64(this.slot(table, vaddr, leafLevel), paddr | valid | accessFlag | attributes | (leafLevel === 1 ? tableOrPage : 0n));
  }

  override leafOf(vaddr: bigint): bigint {
    let table = this.root;
    for (let level: number = this.armLevels; level > 1; level--) table = this.readU64(this.slot(table, vaddr, level)) & addressBits;
    return (this.readU64(this.slot(table, vaddr, 1)) & addressBits) + (vaddr & 0xfffn);
  }

  /** The dump with arm64's VMCOREINFO: swapper_pg_dir at the image address of the root. */
  arm64Dump(options: { kimageVoffset?: bigint; t1sz?: number; vaBits?: number; extra?: string[] } = {}) {
    const voffset = options.kimageVoffset ?? 0xffff7fffc7e00000n;
    const info = [
      'OSRELEASE=6.1.0-synthetic-arm64',
      'PAGESIZE=4096',
      `SYMBOL(swapper_pg_dir)=${u64(this.root + voffset).toString(16)}`,
      `NUMBER(VA_BITS)=${options.vaBits ?? 48}`,
      `NUMBER(kimage_voffset)=0x${voffset.toString(16)}`,
      'NUMBER(PHYS_OFFSET)=0x40000000',
      ...(options.t1sz === undefined ? [] : [`NUMBER(TCR_EL1_T1SZ)=0x${options.t1sz.toString(16)}`]),
      'NUMBER(KERNELPACMASK)=0xffff000000000000',
      'KERNELOFFSET=0',
      ...(options.extra ?? []),
      '',
    ].join('\n');
    return { ...this.dump(info), machine: 183 };
  }
}

const image = 0xffff800008010000n;
const linear = 0xffff000000000000n;
const vmalloc = 0xffff800080000000n;

describe('arm64 page-table walks over a synthetic dump', () => {
  it('translates 4 KB pages, 2 MB and 1 GB blocks with 4 levels, attribute bits ignored', () => {
    const k = new Arm64Kernel(4);
    k.map(image, 0x40210000n);
    k.map(vmalloc + 0x200000n, 0x41200000n, '2m');
    k.map(linear, 0x40000000n, '1g');
    const mem = openKernelMemory(k.arm64Dump({ t1sz: 16 }));
    expect(mem.translate(image + 0x123n)).toBe(0x40210123n);
    expect(mem.translate(vmalloc + 0x200000n + 0x1abcden)).toBe(0x41200000n + 0x1abcden);
    expect(mem.translate(linear + 0x3fffffffn)).toBe(0x7fffffffn);
    expect(mem.translate(image + 0x1000n)).toBeUndefined();
  });

  it('walks 3 levels for a 39-bit kernel (TCR_EL1.T1SZ 25), and refuses addresses outside TTBR1', () => {
    const k = new Arm64Kernel(3);
    const va39 = 0xffffffc008010000n;
    k.map(va39, 0x40400000n);
    const mem = openArm64KernelMemory(k.arm64Dump({ t1sz: 25, vaBits: 39 }));
    expect(mem.translate(va39 + 8n)).toBe(0x40400008n);
    // A user (TTBR0) address and one whose top bits are not all ones for 39 bits.
    expect(mem.translate(va39 & ((1n << 39n) - 1n))).toBeUndefined();
    expect(mem.translate(va39 & ~(1n << 40n))).toBeUndefined();
  });

  it('takes the VA size from TCR_EL1.T1SZ over VA_BITS (a 52-bit kernel on 48-bit hardware)', () => {
    const k = new Arm64Kernel(4);
    k.map(image, 0x40210000n);
    expect(openArm64KernelMemory(k.arm64Dump({ t1sz: 16, vaBits: 52 })).translate(image)).toBe(0x40210000n);
  });

  it('finds the root through a KASLR kimage_voffset', () => {
    const k = new Arm64Kernel(4);
    k.map(image + 0x2a00000n, 0x40210000n);
    const mem = openArm64KernelMemory(k.arm64Dump({ kimageVoffset: 0xffff7fffc7e00000n + 0x2a00000n }));
    expect(mem.translate(image + 0x2a00010n)).toBe(0x40210010n);
  });

  it('treats a last-level entry with bits 1:0 = 01 as unmapped (reserved), not as a block', () => {
    const k = new Arm64Kernel(4);
    k.map(image, 0x40210000n);
    const page = k.leafOf(image);
    const tables = [k.root];
    for (let level = 4; level > 1; level--) tables.push(k.readU64(k.slot(tables[tables.length - 1]!, image, level)) & addressBits);
    const slot = k.slot(tables[3]!, image, 1);
    expect(k.readU64(slot) & addressBits).toBe(page);
    k.writeU64(slot, k.readU64(slot) & ~tableOrPage);
    expect(openArm64KernelMemory(k.arm64Dump()).translate(image)).toBeUndefined();
  });

  it('reads across pages that map to scattered physical pages', () => {
    const k = new Arm64Kernel(4);
    k.back(vmalloc, 3 * 4096);
    const bytes = Uint8Array.from({ length: 9000 }, (_, i) => (i * 13) & 0xff);
    k.writeVirtual(vmalloc + 100n, bytes);
    const mem = openArm64KernelMemory(k.arm64Dump());
    expect(Buffer.from(mem.read(vmalloc + 100n, 9000)).equals(Buffer.from(bytes))).toBe(true);
    expect(mem.u64(vmalloc + 100n + 4092n)).toBe(new DataView(bytes.buffer).getBigUint64(4092, true));
  });

  it('names the unmapped address, the absent page, the absent table and a loop', () => {
    const k = new Arm64Kernel(4);
    k.map(vmalloc, k.allocPage());
    k.map(vmalloc + 0x1000n, 0x7fff0000n); // a physical page nobody wrote: absent from the dump
    const mem = openArm64KernelMemory(k.arm64Dump());
    expect(codeOf(() => mem.read(vmalloc + 0x2010n, 4))).toEqual({ code: 'not-mapped', address: vmalloc + 0x2010n });
    expect(codeOf(() => mem.read(vmalloc + 0xff0n, 0x20))).toEqual({ code: 'page-absent', address: vmalloc + 0x1000n });

    const l1 = k.readU64(k.slot(k.root, vmalloc, 4)) & addressBits;
    k.writeU64(k.slot(l1, vmalloc, 3), 0x7ff00000n | valid | tableOrPage);
    expect(codeOf(() => openArm64KernelMemory(k.arm64Dump()).translate(vmalloc))).toEqual({ code: 'page-absent', address: vmalloc });
    k.writeU64(k.slot(l1, vmalloc, 3), k.root | valid | tableOrPage);
    expect(codeOf(() => openArm64KernelMemory(k.arm64Dump()).read(vmalloc, 8))).toEqual({ code: 'page-table-loop', address: vmalloc });
  });

  it('refuses a dump without the page-table entries, other page sizes and other machines with typed errors', () => {
    const k = new Arm64Kernel(4);
    expect(codeOf(() => openArm64KernelMemory({ ...k.dump(undefined), machine: 183 })).code).toBe('no-vmcoreinfo');
    expect(codeOf(() => openArm64KernelMemory({ ...k.dump('OSRELEASE=x\nNUMBER(VA_BITS)=48\n'), machine: 183 })).code).toBe('no-vmcoreinfo');
    const odd = k.arm64Dump({ extra: [] });
    expect(codeOf(() => openArm64KernelMemory({ ...odd, vmcoreinfo: odd.vmcoreinfo!.replace('PAGESIZE=4096', 'PAGESIZE=8192') })).code).toBe('unsupported');
    expect(codeOf(() => openArm64KernelMemory({ ...odd, machine: 62 })).code).toBe('unsupported');
  });
});

// qemu 7.2 names no machine in an aarch64 guest's kdump header ("Unknown"); its NT_PRSTATUS notes do.
describe('the machine of a kdump-compressed file whose header says "Unknown"', () => {
  const dumpWith = (prstatusBytes: number | undefined) => {
    const notes = prstatusBytes === undefined ? [] : [{ name: 'CORE', type: 1, desc: new Uint8Array(prstatusBytes) }];
    const image = { pageSize: 4096, pages: new Map([[0, new Uint8Array(4096)]]), notes };
    return openCoreDumpSource('unknown.vmcore', memoryByteSource(writeKdump(image, { compression: 'zlib', machineName: 'Unknown' })));
  };

  it.each([
    [392, 183],
    [336, 62],
  ])('a %d-byte elf_prstatus is machine %d', (bytes, machine) => {
    expect(dumpWith(bytes).machine).toBe(machine);
  });

  it.each([[undefined], [200]])('refuses one whose notes do not tell (prstatus %s)', (bytes) => {
    expect(codeOf(() => dumpWith(bytes)).code).toBe('unsupported');
  });
});
