// Addresses for every allocated section. In a linked vmlinux that is sh_addr. In a relocatable `.ko`
// every section starts at 0, so each gets its own synthetic base (as libdwfl does) and `init_module+0x19`
// in `.init.text` can never be confused with `foo+0x19` in `.text`.
import { SHF_ALLOC } from './elf-constants.js';
import type { ElfFile, ElfSection } from './elf-file.js';

// Bases start away from 0 because GCC leaves low_pc 0 on functions the linker discarded.
const firstSyntheticBase = 0x100000n;

export interface SectionAddress {
  section: ElfSection;
  /** Offset from the section's start. */
  offset: bigint;
}

export class SectionLayout {
  private readonly bases = new Map<number, bigint>();
  private readonly ordered: { section: ElfSection; start: bigint; end: bigint }[] = [];

  constructor(elf: ElfFile) {
    let cursor = firstSyntheticBase;
    for (const s of elf.sections) {
      if ((s.flags & SHF_ALLOC) === 0) continue;
      let start = s.addr;
      if (elf.isRelocatable) {
        const align = BigInt(Math.max(16, s.addralign > 0 && s.addralign <= 0x10000 ? s.addralign : 16));
        start = ((cursor + align - 1n) / align) * align;
        cursor = start + BigInt(Math.max(s.size, 1)) + 0x1000n;
      }
      this.bases.set(s.index, start);
      this.ordered.push({ section: s, start, end: start + BigInt(s.size) });
    }
    this.ordered.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** The address of a section's first byte (sh_addr, or the synthetic base in a `.ko`). */
  baseOf(sectionIndex: number): bigint | undefined {
    return this.bases.get(sectionIndex);
  }

  /** The section holding `address`, with the offset inside it. */
  findSectionAddress(address: bigint): SectionAddress | undefined {
    let lo = 0;
    let hi = this.ordered.length - 1;
    let found: (typeof this.ordered)[number] | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.ordered[mid]!;
      if (e.start <= address) {
        found = e;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Several sections may share a start in a vmlinux (empty ones); take the one containing the address.
    for (let i = this.ordered.indexOf(found!); found && i >= 0; i--) {
      const e = this.ordered[i]!;
      if (e.start > address) continue;
      if (address < e.end) return { section: e.section, offset: address - e.start };
      if (e.start < found.start) break;
    }
    return undefined;
  }
}
