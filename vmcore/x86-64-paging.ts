// x86-64 page tables as the kernel builds them (arch/x86/include/asm/pgtable_types.h, pgtable_64_types.h):
// 4 levels (PGD, PUD, PMD, PTE; 48-bit addresses) or 5 (a PML5 above a P4D; 57-bit), 9 index bits per level,
// 1 GB pages at the PUD and 2 MB pages at the PMD (the PSE bit). An entry's address is bits 12..51 less the
// AMD SME encryption bit the kernel ORs into every entry (VMCOREINFO's `NUMBER(sme_mask)`).
//
// A walk reads at most five entries, so corrupt tables cannot make it run long; what they can do is point
// back at a table already used above, which is reported as a loop rather than decoded as a mapping. The
// table pages are cached (a direct-map read of a megabyte walks the same three tables 256 times).
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';

export interface X86PagingOptions {
  /** Physical address of the top table (the PGD; the PML5 with 5 levels). Its low 12 bits are ignored. */
  root: bigint;
  levels: 4 | 5;
  /** Entry bits that are not address bits (AMD SME's C-bit); 0 when memory encryption is off. */
  smeMask?: bigint;
}

export interface X86Mapping {
  physical: bigint;
  /** The size of the page holding the address: 4 KB, 2 MB or 1 GB. */
  pageSize: bigint;
}

const pagePresent = 1n;
const pageSizeBit = 1n << 7n; // _PAGE_PSE: a 1 GB (PUD) or 2 MB (PMD) page
/** Bits 12..51: the physical address an entry holds (x86's 52-bit physical address limit). */
const entryAddressMask = ((1n << 52n) - 1n) & ~0xfffn;
const tableBytes = 4096;
/** Bounds the cache at 16 MB of page tables; the kernel's own mappings need far fewer. */
const maxCachedTables = 4096;
const levelNames = ['PTE', 'PMD', 'PUD', 'P4D', 'PGD'] as const;

export class X86PageTables {
  private readonly root: bigint;
  private readonly levels: 4 | 5;
  private readonly addressMask: bigint;
  private readonly tables = new Map<bigint, DataView>();

  constructor(
    private readonly dump: CoreDump,
    options: X86PagingOptions,
  ) {
    this.addressMask = entryAddressMask & ~(options.smeMask ?? 0n);
    this.root = options.root & this.addressMask;
    this.levels = options.levels;
  }

  /**
   * Where `address` maps to, or undefined when the tables do not map it (a non-canonical address, an entry
   * without the present bit). Throws VmcoreError naming `address`: `page-absent` when a table page is not in
   * the dump, `page-table-loop` when an entry points back at a table of the same walk.
   */
  walk(address: bigint): X86Mapping | undefined {
    const vaBits = this.levels === 5 ? 57n : 48n;
    const top = address >> (vaBits - 1n);
    if (top !== 0n && top !== (1n << (65n - vaBits)) - 1n) return undefined;
    let table = this.root;
    const visited: bigint[] = [];
    for (let level: number = this.levels; level >= 1; level--) {
      visited.push(table);
      const shift = 12n + 9n * BigInt(level - 1);
      const index = Number((address >> shift) & 0x1ffn);
      const entry = this.entry(table, index, address);
      if ((entry & pagePresent) === 0n) return undefined;
      const target = entry & this.addressMask;
      if (level === 1 || ((level === 2 || level === 3) && (entry & pageSizeBit) !== 0n)) {
        const pageSize = 1n << shift;
        return { physical: (target & ~(pageSize - 1n)) | (address & (pageSize - 1n)), pageSize };
      }
      if (visited.includes(target)) {
        throw new VmcoreError(
          this.dump.file,
          'page-table-loop',
          `page-table loop: the ${levelNames[level - 1]} entry points back at the table at physical 0x${target.toString(16)}`,
          address,
        );
      }
      table = target;
    }
    return undefined;
  }

  private entry(table: bigint, index: number, address: bigint): bigint {
    let view = this.tables.get(table);
    if (view === undefined) {
      view = this.readTable(table, address);
      if (this.tables.size >= maxCachedTables) this.tables.clear();
      this.tables.set(table, view);
    }
    return view.getBigUint64(index * 8, true);
  }

  private readTable(table: bigint, address: bigint): DataView {
    const pageSize = BigInt(this.dump.pageSize);
    const page = this.dump.readPage(Number(table / pageSize));
    const start = Number(table % pageSize);
    if (page === undefined || page.length < start + tableBytes) {
      throw new VmcoreError(
        this.dump.file,
        'page-absent',
        `the page table at physical 0x${table.toString(16)} is not in the dump`,
        address,
      );
    }
    // A copy: the dump may hand out a buffer it reuses for its next read.
    const copy = page.slice(start, start + tableBytes);
    return new DataView(copy.buffer, copy.byteOffset, tableBytes);
  }
}
