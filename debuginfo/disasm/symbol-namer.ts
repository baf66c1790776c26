// Names addresses the way objdump does in `<sym+0x10>`: the closest symbol at or below the address
// in the same section, whatever its size or type (data too, for `# ffffffff82a03f58 <initial_gs>`).
// Among symbols at one address objdump prefers functions, then global over weak over local ones, then
// sized ones (a zero-size lockdep `__key.2` never names a variable). Built once per file
// from the symbol table (a vmlinux has ~120,000 symbols: tens of milliseconds).
import type { DebugFile } from '../debug-file.js';
import { SHN_LORESERVE, SHN_UNDEF, STT_FILE, STT_FUNC, STT_SECTION } from '../elf/elf-constants.js';

interface SectionSymbols {
  addresses: bigint[];
  names: string[];
}

const STB_GLOBAL = 1;
const STB_WEAK = 2;

export class SymbolNamer {
  private readonly sections = new Map<number, SectionSymbols>();
  private readonly file: DebugFile;
  private merged: SectionSymbols | undefined;

  constructor(file: DebugFile) {
    this.file = file;
    const symbols = file.symbols;
    const bySection = new Map<number, { address: bigint; name: string; rank: number }[]>();
    for (let i = 0; i < symbols.count; i++) {
      const s = symbols.symbol(i);
      if (s === undefined || s.name === '' || s.type === STT_SECTION || s.type === STT_FILE) continue;
      if (s.sectionIndex === SHN_UNDEF || s.sectionIndex >= SHN_LORESERVE) continue;
      const rank = (s.type === STT_FUNC ? 8 : 0) + (s.bind === STB_GLOBAL ? 4 : s.bind === STB_WEAK ? 2 : 0) + (s.size > 0 ? 1 : 0);
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

  /**
   * `sym` or `sym+0x10` for an address of the file's layout. In a linked vmlinux an address past every
   * symbol of its section (`.altinstr_aux`) is named by the closest symbol below it in any section, as
   * objdump does; in a `.ko`, whose sections all overlap at 0, that would be a lie, so it stays unnamed.
   */
  name(address: bigint): string | undefined {
    let list = this.listFor(address);
    let at = list === undefined ? -1 : lastAtOrBelow(list.addresses, address);
    if (at < 0 && !this.file.elf.isRelocatable) {
      list = this.allSections();
      at = lastAtOrBelow(list.addresses, address);
    }
    if (list === undefined || at < 0) return undefined;
    const offset = address - list.addresses[at]!;
    return offset === 0n ? list.names[at] : `${list.names[at]}+0x${offset.toString(16)}`;
  }

  /** The preferred name of each symbol address in [start, stop), which must lie in one section. */
  labelsIn(start: bigint, stop: bigint): Map<bigint, string> {
    const labels = new Map<bigint, string>();
    const list = this.listFor(start);
    if (list === undefined) return labels;
    for (let i = Math.max(0, lastAtOrBelow(list.addresses, start - 1n) + 1); i < list.addresses.length; i++) {
      const a = list.addresses[i]!;
      if (a >= stop) break;
      labels.set(a, list.names[i]!);
    }
    return labels;
  }

  private allSections(): SectionSymbols {
    if (this.merged === undefined) {
      const entries = [...this.sections.values()].flatMap((l) => l.addresses.map((a, i) => ({ a, name: l.names[i]! })));
      entries.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
      this.merged = { addresses: entries.map((e) => e.a), names: entries.map((e) => e.name) };
    }
    return this.merged;
  }

  private listFor(address: bigint): SectionSymbols | undefined {
    const where = this.file.sectionOf(address);
    return where === undefined ? undefined : this.sections.get(where.section.index);
  }
}

function lastAtOrBelow(addresses: bigint[], address: bigint): number {
  let lo = 0;
  let hi = addresses.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (addresses[mid]! <= address) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}
