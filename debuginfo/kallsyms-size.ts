// The function length a kernel prints after the slash of `func+0x19/0x22`. kallsyms keeps no sizes: it
// prints the distance to the next symbol it lists (alignment padding included), and for the last one
// the end of the region — in a module, the page-aligned end of the text the loader laid out.
import type { DebugFile } from './debug-file.js';
import { EM_AARCH64, SHF_ALLOC, SHF_EXECINSTR } from './elf/elf-constants.js';
import type { ElfSection } from './elf/elf-file.js';

/** A module's text as the loader lays it out: its text sections back to back, in section order. */
interface TextRegion {
  /** Offset of each section of the region in the region (by section index). */
  offsets: Map<number, bigint>;
  /** Page-aligned end (CONFIG_STRICT_MODULE_RWX aligns the text size; without it the end is lower). */
  end: bigint;
}

export class KallsymsSizes {
  private readonly file: DebugFile;
  private sortedAddresses: BigUint64Array | undefined;
  private regions: TextRegion[] | undefined;

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
    const region = (this.regions ??= this.textRegions()).find((r) => r.offsets.has(section.index));
    if (!region) return BigInt(section.size) - offset;
    const start = region.offsets.get(section.index)! + offset;
    let next = region.end;
    const symbols = this.file.symbols;
    for (let i = 0; i < symbols.count; i++) {
      const base = region.offsets.get(symbols.sectionIndexOf(i));
      if (base === undefined || !symbols.isKallsymsVisible(i)) continue;
      const at = base + symbols.symbol(i)!.value;
      if (at > start && at < next) next = at;
    }
    return next - start;
  }

  /** The module loader's two text regions: core (`.text`, `.text.unlikely`, `.exit.text`, ...) and init (`.init*`). */
  private textRegions(): TextRegion[] {
    const elf = this.file.elf;
    // Pages are 4 KiB on x86; arm64 kernels may use 16 or 64 KiB pages, and the largest bound is the lenient one.
    const page = elf.machine === EM_AARCH64 ? 0x10000n : 0x1000n;
    return [false, true].map((init) => {
      const offsets = new Map<number, bigint>();
      let size = 0n;
      for (const s of elf.sections) {
        if ((s.flags & (SHF_ALLOC | SHF_EXECINSTR)) !== (SHF_ALLOC | SHF_EXECINSTR) || s.name.startsWith('.init') !== init) continue;
        const align = BigInt(s.addralign > 1 ? s.addralign : 1);
        const at = ((size + align - 1n) / align) * align;
        offsets.set(s.index, at);
        size = at + BigInt(s.size);
      }
      return { offsets, end: ((size + page - 1n) / page) * page };
    });
  }
}
