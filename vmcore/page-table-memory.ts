// KernelMemory over any architecture's page-table walk (x86-64's and arm64's): reads split at virtual page
// and dump page boundaries, each virtual page translated once (a log read touches a few hundred pages).
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

/** The physical address a kernel virtual address maps to, undefined when unmapped; may throw VmcoreError. */
export type TranslateFn = (address: bigint) => bigint | undefined;

const u64Mask = (1n << 64n) - 1n;
/** The smallest page any supported architecture maps: reads are split at its boundaries. */
const virtualPageSize = 4096;
const maxCachedTranslations = 65536;
/** Reads above this many bytes are checked to be mapped before their buffer is allocated. */
const largeRead = 1 << 20;

export class PageTableMemory implements KernelMemory {
  /** Virtual page number → physical address of that 4 KB page, or null when not mapped. */
  private readonly pages = new Map<bigint, bigint | null>();

  constructor(
    readonly dump: CoreDump,
    readonly info: Vmcoreinfo,
    readonly kernelSlide: bigint,
    private readonly walk: TranslateFn,
  ) {}

  translate(address: bigint): bigint | undefined {
    const page = this.physicalPage(address & u64Mask);
    return page === null ? undefined : page + (address & BigInt(virtualPageSize - 1));
  }

  read(address: bigint, length: number): Uint8Array {
    // A length read from corrupt memory can ask for gigabytes: fail on its first unmapped page first.
    if (length > largeRead) {
      for (let off = 0; off < length; off += virtualPageSize) {
        const at = (address + BigInt(off)) & u64Mask;
        if (this.translate(at) === undefined) throw new VmcoreError(this.dump.file, 'not-mapped', `not mapped by the kernel page tables (reading ${length} bytes at 0x${address.toString(16)})`, at);
      }
    }
    const out = new Uint8Array(length);
    const dumpPageSize = this.dump.pageSize;
    for (let done = 0; done < length; ) {
      const at = (address + BigInt(done)) & u64Mask;
      const physical = this.translate(at);
      if (physical === undefined) throw new VmcoreError(this.dump.file, 'not-mapped', 'not mapped by the kernel page tables', at);
      const pfn = physical / BigInt(dumpPageSize);
      const inPage = Number(physical % BigInt(dumpPageSize));
      const inVirtual = Number(at & BigInt(virtualPageSize - 1));
      const n = Math.min(length - done, virtualPageSize - inVirtual, dumpPageSize - inPage);
      const page = this.dump.readPage(Number(pfn));
      if (page === undefined || page.length < inPage + n) {
        throw new VmcoreError(this.dump.file, 'page-absent', `physical page 0x${(pfn * BigInt(dumpPageSize)).toString(16)} is not in the dump`, at);
      }
      out.set(page.subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  u64(address: bigint): bigint {
    const b = this.read(address, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  u32(address: bigint): number {
    const b = this.read(address, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  private physicalPage(address: bigint): bigint | null {
    const vpn = address >> 12n;
    const cached = this.pages.get(vpn);
    if (cached !== undefined) return cached;
    const physical = this.walk(address);
    const page = physical === undefined ? null : physical & ~BigInt(virtualPageSize - 1);
    if (this.pages.size >= maxCachedTranslations) this.pages.clear();
    this.pages.set(vpn, page);
    return page;
  }
}
