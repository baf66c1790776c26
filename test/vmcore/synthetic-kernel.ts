// A kernel address space laid out in memory for the vmcore tests: sparse physical pages, x86-64 page
// tables built the way the kernel builds them (present, writable, NX, optionally an SME bit), and a
// CoreDump over them, so paging and log readers run on bytes whose meaning the test chose.
import { type CoreDump, VmcoreError } from '../../vmcore/index.js';

export const pageSize = 4096;
const present = 1n;
const writable = 2n;
const largePage = 1n << 7n;
const noExecute = 1n << 63n;

export class SyntheticKernel {
  readonly pages = new Map<number, Uint8Array>();
  readonly root: bigint;
  private nextPfn = 0x100;

  constructor(
    readonly levels: 4 | 5 = 4,
    readonly smeMask = 0n,
  ) {
    this.root = this.allocPage();
  }

  /** A fresh zeroed physical page, its address. */
  allocPage(): bigint {
    const pfn = this.nextPfn++;
    this.pages.set(pfn, new Uint8Array(pageSize));
    return BigInt(pfn * pageSize);
  }

  /** Maps [vaddr, vaddr+size) to physical `paddr` with one entry at the level `size` calls for. */
  map(vaddr: bigint, paddr: bigint, size: '4k' | '2m' | '1g' = '4k'): void {
    const leafLevel = size === '4k' ? 1 : size === '2m' ? 2 : 3;
    let table = this.root;
    for (let level = this.levels; level > leafLevel; level--) {
      const slot = this.slot(table, vaddr, level);
      let entry = this.readU64(slot);
      if ((entry & present) === 0n) {
        entry = this.allocPage() | this.smeMask | present | writable;
        this.writeU64(slot, entry);
      }
      table = entry & ((1n << 52n) - 1n) & ~0xfffn & ~this.smeMask;
    }
    const bits = present | writable | noExecute | this.smeMask | (leafLevel > 1 ? largePage : 0n);
    this.writeU64(this.slot(table, vaddr, leafLevel), paddr | bits);
  }

  /** The physical address of the entry for `vaddr` in `table` at `level` (1 = PTE). */
  slot(table: bigint, vaddr: bigint, level: number): bigint {
    return table + ((vaddr >> BigInt(12 + 9 * (level - 1))) & 0x1ffn) * 8n;
  }

  /** Backs [vaddr, vaddr+length) with fresh 4 KB pages. */
  back(vaddr: bigint, length: number): void {
    for (let off = 0n; off < BigInt(length); off += BigInt(pageSize)) this.map(vaddr + off, this.allocPage());
  }

  writePhysical(paddr: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const at = paddr + BigInt(i);
      const pfn = Number(at / BigInt(pageSize));
      const off = Number(at % BigInt(pageSize));
      let page = this.pages.get(pfn);
      if (page === undefined) this.pages.set(pfn, (page = new Uint8Array(pageSize)));
      const n = Math.min(bytes.length - i, pageSize - off);
      page.set(bytes.subarray(i, i + n), off);
      i += n;
    }
  }

  readU64(paddr: bigint): bigint {
    const page = this.pages.get(Number(paddr / BigInt(pageSize)))!;
    return new DataView(page.buffer).getBigUint64(Number(paddr % BigInt(pageSize)), true);
  }

  writeU64(paddr: bigint, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, value & ((1n << 64n) - 1n), true);
    this.writePhysical(paddr, b);
  }

  /** Writes through this kernel's own 4 KB mappings (the test's translation, not the one under test). */
  writeVirtual(vaddr: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const at = vaddr + BigInt(i);
      const n = Math.min(bytes.length - i, pageSize - Number(at % BigInt(pageSize)));
      this.writePhysical(this.leafOf(at), bytes.subarray(i, i + n));
      i += n;
    }
  }

  /** The physical address of `vaddr` through this kernel's own 4 KB mappings. */
  leafOf(vaddr: bigint): bigint {
    let table = this.root;
    for (let level: number = this.levels; level >= 1; level--) {
      const entry = this.readU64(this.slot(table, vaddr, level));
      const target = entry & ((1n << 52n) - 1n) & ~0xfffn & ~this.smeMask;
      if (level === 1) return target + (vaddr & 0xfffn);
      if ((entry & largePage) !== 0n) throw new Error('writeVirtual goes through 4 KB mappings only');
      table = target;
    }
    throw new Error('unreachable');
  }

  dump(vmcoreinfo: string | undefined, file = 'synthetic.vmcore'): CoreDump {
    const pages = this.pages;
    return {
      file,
      format: 'elf',
      machine: 62,
      pageSize,
      notes: [],
      vmcoreinfo,
      readPage: (pfn) => pages.get(pfn),
      close() {},
    };
  }
}

/** The VMCOREINFO lines an x86-64 kernel writes for its page tables, with init_top_pgt at `rootVirtual`. */
export function pagingVmcoreinfo(kernel: SyntheticKernel, options: { physBase: bigint; extra?: string[] }): string {
  const rootVirtual = kernel.root + 0xffffffff80000000n - options.physBase;
  return [
    'OSRELEASE=6.1.0-synthetic',
    'PAGESIZE=4096',
    `SYMBOL(init_top_pgt)=${(rootVirtual & ((1n << 64n) - 1n)).toString(16)}`,
    `NUMBER(phys_base)=${BigInt.asIntN(64, options.physBase)}`,
    `NUMBER(pgtable_l5_enabled)=${kernel.levels === 5 ? 1 : 0}`,
    `NUMBER(sme_mask)=${kernel.smeMask}`,
    'KERNELOFFSET=0',
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

/** The code and address of the VmcoreError `fn` throws; fails when it throws none. */
export function codeOf(fn: () => unknown): { code: string; address: bigint | undefined } {
  try {
    fn();
  } catch (err) {
    if (err instanceof VmcoreError) return { code: err.code, address: err.address };
    throw err;
  }
  throw new Error('expected a VmcoreError');
}
