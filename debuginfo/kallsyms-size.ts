// The function length a kernel prints after the slash of `func+0x19/0x22`. kallsyms keeps no sizes: it
// prints the distance to the next symbol it lists (alignment padding included), and for the last one
// the end of the region — in a module, the page-aligned end of the text the loader laid out.
import type { DebugFile } from './debug-file.js';
import { SHF_ALLOC, SHF_EXECINSTR } from './elf/elf-constants.js';
import type { ElfSection } from './elf/elf-file.js';
import { type ModuleLayout, moduleLayout } from './module-layout.js';

export class KallsymsSizes {
  private readonly file: DebugFile;
  private sortedAddresses: BigUint64Array | undefined;
  private layout: ModuleLayout | undefined;

  constructor(file: DebugFile) {
    this.file = file;
  }

  /**
   * The largest length the kernel can print for a symbol starting at `address` (in the file's layout):
   * the distance to the next symbol kallsyms lists; undefined when the address is in no section.
   */
  reportedSize(address: bigint): bigint | undefined {
    const where = this.file.sectionOf(address);
    if (!where) return undefined;
    return this.file.elf.isRelocatable ? this.moduleSize(where.section, where.offset) : this.linkedSize(address, where.section, where.offset);
  }

  private linkedSize(address: bigint, section: ElfSection, offset: bigint): bigint {
    const sorted = (this.sortedAddresses ??= this.visibleAddresses());
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= address) lo = mid + 1;
      else hi = mid;
    }
    // No symbol above: the kernel measures up to _etext/_einittext/_end, past the section's end at least.
    return lo < sorted.length ? sorted[lo]! - address : BigInt(section.size) - offset;
  }

  private visibleAddresses(): BigUint64Array {
    const symbols = this.file.symbols;
    const sections = this.file.elf.sections;
    const out: bigint[] = [];
    for (let i = 0; i < symbols.count; i++) {
      if (!symbols.isKallsymsVisible(i)) continue;
      const section = sections[symbols.sectionIndexOf(i)];
      if (section && (section.flags & SHF_ALLOC) !== 0) out.push(symbols.addressOf(i)!);
    }
    return BigUint64Array.from(out).sort();
  }

  private moduleSize(section: ElfSection, offset: bigint): bigint {
    const layout = (this.layout ??= moduleLayout(this.file.elf));
    const sections = this.file.elf.sections;
    const isText = (index: number) => ((sections[index]?.flags ?? 0) & SHF_EXECINSTR) !== 0;
    const region = [layout.core, layout.init].find((r) => r.offsets.has(section.index));
    if (!region || !isText(section.index)) return BigInt(section.size) - offset;
    const start = region.offsets.get(section.index)! + offset;
    let next = region.textEnd;
    const symbols = this.file.symbols;
    for (let i = 0; i < symbols.count; i++) {
      const index = symbols.sectionIndexOf(i);
      const base = region.offsets.get(index);
      if (base === undefined || !isText(index) || !symbols.isKallsymsVisible(i)) continue;
      const at = base + symbols.symbol(i)!.value;
      if (at > start && at < next) next = at;
    }
    return next - start;
  }
}
