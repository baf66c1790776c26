// Names addresses the way objdump does in `<sym+0x10>`: the closest symbol at or below the address
// in the same section, whatever its size or type (data too, for `# ffffffff82a03f58 <initial_gs>`).
// Among symbols at one address objdump prefers functions, then global ones. Built once per file
// from the symbol table (a vmlinux has ~120,000 symbols: tens of milliseconds).
import type { DebugFile } from '../debug-file.js';
import { SHN_LORESERVE, SHN_UNDEF, STT_FILE, STT_FUNC, STT_SECTION } from '../elf/elf-constants.js';

interface SectionSymbols {
  addresses: bigint[];
  names: string[];
}

const STB_LOCAL = 0;

export class SymbolNamer {
  private readonly sections = new Map<number, SectionSymbols>();
  private readonly file: DebugFile;

  constructor(file: DebugFile) {
    this.file = file;
    const symbols = file.symbols;
    const bySection = new Map<number, { address: bigint; name: string; rank: number }[]>();
    for (let i = 0; i < symbols.count; i++) {
      const s = symbols.symbol(i);
      if (s === undefined || s.name === '' || s.type === STT_SECTION || s.type === STT_FILE) continue;
      if (s.sectionIndex === SHN_UNDEF || s.sectionIndex >= SHN_LORESERVE) continue;
      const rank = (s.type === STT_FUNC ? 2 : 0) + (s.bind !== STB_LOCAL ? 1 : 0);
      let list = bySection.get(s.sectionIndex);
      if (list === undefined) bySection.set(s.sectionIndex, (list = []));
      list.push({ address: s.address, name: s.name, rank });
    }
    for (const [section, list] of bySection) {
      // Preferred symbol last among equal addresses, so the binary search below lands on it.
      list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.rank - b.rank));
      this.sections.set(section, { addresses: list.map((e) => e.address), names: list.map((e) => e.name) });
    }
  }

  /** `sym` or `sym+0x10` for an address of the file's layout; undefined outside every section. */
  name(address: bigint): string | undefined {
    const where = this.file.sectionOf(address);
    if (where === undefined) return undefined;
    const list = this.sections.get(where.section.index);
    if (list === undefined) return undefined;
    let lo = 0;
    let hi = list.addresses.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list.addresses[mid]! <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    const offset = address - list.addresses[at]!;
    return offset === 0n ? list.names[at] : `${list.names[at]}+0x${offset.toString(16)}`;
  }
}
