// arm64 kernel page tables as the MMU walks them for TTBR1 (the kernel half; ARM ARM D8, the VMSAv8-64
// translation table format), rooted at `swapper_pg_dir`. A granule of 2^pageShift bytes (4, 16 or 64 KB)
// holds 2^(pageShift-3) entries, so the levels follow from the VA size as arch/arm64's
// ARM64_HW_PGTABLE_LEVELS computes them: (vaBits - 4) / (pageShift - 3), 4 levels for 4 KB pages and 48
// bits, 3 for 39 bits. Descriptors: bit 0 valid; above the last level bit 1 set is a table and clear a
// block (1 GB / 2 MB with 4 KB pages); at the last level bits 1:0 = 11 is a page. The output address is
// bits 47..pageShift; 64 KB pages with 52-bit physical addresses keep PA[51:48] in bits 15:12. The
// contiguous hint (bit 52) only tells the TLB that neighbours match, so a walk ignores it.
//
// A walk reads at most four entries; a table pointing back at one of its own walk is reported as a loop.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';

export interface Arm64PagingOptions {
  /** Physical address of the top table (`swapper_pg_dir`). */
  root: bigint;
  /** Bits of the kernel's virtual addresses: 64 - TCR_EL1.T1SZ (48 on a 4 KB-page kernel). */
  vaBits: number;
  /** log2 of the translation granule: 12, 14 or 16. */
  pageShift: 12 | 14 | 16;
}

export interface Arm64Mapping {
  physical: bigint;
  /** The size of the page or block holding the address. */
  pageSize: bigint;
}

const descValid = 1n;
const descTable = 2n; // a table above the last level, a page at it
const outputMask = (1n << 48n) - 1n;
/** Bounds the cache of table pages; the kernel's own mappings need far fewer. */
const maxCachedTables = 4096;

export class Arm64PageTables {
  readonly levels: number;
  private readonly bitsPerLevel: number;
  private readonly tables = new Map<bigint, DataView>();

  constructor(
    private readonly dump: CoreDump,
    private readonly options: Arm64PagingOptions,
  ) {
    const { vaBits, pageShift } = options;
    this.bitsPerLevel = pageShift - 3;
    this.levels = Math.floor((vaBits - 4) / this.bitsPerLevel);
    if (!(vaBits > pageShift && vaBits <= 52 && this.levels >= 1 && this.levels <= 4)) {
      throw new VmcoreError(dump.file, 'unsupported', `arm64 page tables of ${vaBits}-bit addresses with ${1 << pageShift}-byte pages are not read`);
    }
  }

  /**
   * Where the kernel address `address` maps to, or undefined when it is not a TTBR1 address or the tables
   * do not map it. Throws VmcoreError naming `address`: `page-absent` when a table is not in the dump,
   * `page-table-loop` when an entry points back at a table of the same walk.
   */
  walk(address: bigint): Arm64Mapping | undefined {
    const { vaBits, pageShift } = this.options;
    if (address >> BigInt(vaBits) !== (1n << BigInt(64 - vaBits)) - 1n) return undefined;
    const pageMask = (1n << BigInt(pageShift)) - 1n;
    let table = this.options.root & outputMask & ~pageMask;
    const visited: bigint[] = [];
    for (let level = 4 - this.levels; level <= 3; level++) {
      visited.push(table);
      const shift = BigInt(pageShift + (3 - level) * this.bitsPerLevel);
      // The top table indexes what is left of the VA bits (fewer than a full level, or more for 52 bits).
      const indexBits = level === 4 - this.levels ? vaBits - Number(shift) : this.bitsPerLevel;
      const index = Number((address >> shift) & ((1n << BigInt(indexBits)) - 1n));
      const entry = this.entry(table, 8 << indexBits, index, address);
      if ((entry & descValid) === 0n) return undefined;
      const last = level === 3;
      if (last && (entry & descTable) === 0n) return undefined; // reserved at the last level
      let target = entry & outputMask & ~pageMask;
      if (pageShift === 16) target |= ((entry >> 12n) & 0xfn) << 48n;
      if (last || (entry & descTable) === 0n) {
        const size = 1n << shift;
        return { physical: (target & ~(size - 1n)) | (address & (size - 1n)), pageSize: size };
      }
      if (visited.includes(target)) {
        throw new VmcoreError(this.dump.file, 'page-table-loop', `page-table loop: the level ${level} entry points back at the table at physical 0x${target.toString(16)}`, address);
      }
      table = target;
    }
    return undefined;
  }

  private entry(table: bigint, bytes: number, index: number, address: bigint): bigint {
    let view = this.tables.get(table);
    // A corrupt walk may use a short top-level table as a lower level's: read it again in full.
    if (view === undefined || view.byteLength < bytes) {
      view = this.readTable(table, bytes, address);
      if (this.tables.size >= maxCachedTables) this.tables.clear();
      this.tables.set(table, view);
    }
    return view.getBigUint64(index * 8, true);
  }

  /** A copy of the table (the dump may reuse the buffer it returns); it may span several dump pages. */
  private readTable(table: bigint, bytes: number, address: bigint): DataView {
    const copy = new Uint8Array(bytes);
    const dumpPage = BigInt(this.dump.pageSize);
    for (let done = 0; done < bytes; ) {
      const at = table + BigInt(done);
      const start = Number(at % dumpPage);
      const n = Math.min(bytes - done, this.dump.pageSize - start);
      const page = this.dump.readPage(Number(at / dumpPage));
      if (page === undefined || page.length < start + n) {
        throw new VmcoreError(this.dump.file, 'page-absent', `the page table at physical 0x${table.toString(16)} is not in the dump`, address);
      }
      copy.set(page.subarray(start, start + n), done);
      done += n;
    }
    return new DataView(copy.buffer);
  }
}
