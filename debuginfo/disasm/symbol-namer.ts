// Names addresses the way objdump does in `<sym+0x10>`: the closest symbol at or below the address
// in the same section, whatever its size or type (data too, for `# ffffffff82a03f58 <initial_gs>`).
// Among symbols at one address objdump prefers functions, then objects, then global over weak over
// local ones, then the larger (a zero-size lockdep `__key.2` never names a variable), then names not
// starting with `.`, then the first by name (binutils' `compare_symbols`). ARM's mapping symbols (`$x`, `$d`,
// `$a`, `$t`, with or without a `.suffix`) mark code and data, not names: objdump never names an address
// with one. Built once per file from the symbol table (a vmlinux has ~120,000 symbols: about 0.2 s).
import type { DebugFile } from '../debug-file.js';
import { EM_AARCH64, EM_ARM, SHN_LORESERVE, SHN_UNDEF, STT_FILE, STT_FUNC, STT_OBJECT, STT_SECTION } from '../elf/elf-constants.js';

interface SectionSymbols {
  /** Address of offset 0 (the section's base in the file's layout). */
  base: bigint;
  /** Offsets from `base`, ascending: exact as doubles, and far faster to sort and search than bigints. */
  offsets: Float64Array;
  names: string[];
}

const STB_GLOBAL = 1;
const STB_WEAK = 2;
const mappingSymbol = /^\$[adtx](\.|$)/;

export class SymbolNamer {
  private readonly sections = new Map<number, SectionSymbols>();
  private readonly file: DebugFile;
  private merged: { addresses: bigint[]; names: string[] } | undefined;
  private mergedValues: { offsets: Float64Array; names: string[] } | undefined;

  constructor(file: DebugFile) {
    this.file = file;
    const symbols = file.symbols;
    const arm = file.elf.machine === EM_AARCH64 || file.elf.machine === EM_ARM;
    const bySection = new Map<number, { base: bigint; offsets: number[]; ranks: number[]; sizes: number[]; names: string[] }>();
    for (let i = 0; i < symbols.count; i++) {
      const s = symbols.symbol(i);
      if (s === undefined || s.name === '' || s.type === STT_SECTION || s.type === STT_FILE) continue;
      if (arm && mappingSymbol.test(s.name)) continue;
      if (s.sectionIndex === SHN_UNDEF || s.sectionIndex >= SHN_LORESERVE) continue;
      let list = bySection.get(s.sectionIndex);
      if (list === undefined) {
        const base = file.layout.baseOf(s.sectionIndex);
        if (base === undefined) continue;
        bySection.set(s.sectionIndex, (list = { base, offsets: [], ranks: [], sizes: [], names: [] }));
      }
      list.offsets.push(Number(s.address - list.base));
      list.ranks.push((s.type === STT_FUNC ? 8 : 0) + (s.type === STT_OBJECT ? 4 : 0) + (s.bind === STB_GLOBAL ? 2 : s.bind === STB_WEAK ? 1 : 0));
      list.sizes.push(s.size);
      list.names.push(s.name);
    }
    for (const [section, list] of bySection) {
      // Preferred symbol last among equal addresses, so the binary search below lands on it (of aliases
      // equal in every other way, the first by name: `__memcpy`, not `__memmove`).
      const dotted = (k: number): number => (list.names[k]!.startsWith('.') ? 0 : 1);
      const byName = (a: number, b: number): number => (list.names[a]! < list.names[b]! ? 1 : list.names[a]! > list.names[b]! ? -1 : 0);
      const order = list.offsets
        .map((_, k) => k)
        .sort((a, b) => list.offsets[a]! - list.offsets[b]! || list.ranks[a]! - list.ranks[b]! || list.sizes[a]! - list.sizes[b]! || dotted(a) - dotted(b) || byName(a, b));
      this.sections.set(section, {
        base: list.base,
        offsets: Float64Array.from(order, (k) => list.offsets[k]!),
        names: order.map((k) => list.names[k]!),
      });
    }
  }

  /**
   * `sym` or `sym+0x10` for an address of the file's layout. In a linked vmlinux an address past every
   * symbol of its section (`.altinstr_aux`) is named by the closest symbol below it in any section, as
   * objdump does (below every symbol, by the first one: `sym-0x180`); in a `.ko`, whose sections all
   * overlap at 0, that would be a lie, so it stays unnamed.
   */
  name(address: bigint): string | undefined {
    const list = this.listFor(address);
    if (list !== undefined) {
      const at = lastAtOrBelow(list.offsets, Number(address - list.base));
      if (at >= 0) return withOffset(list.names[at]!, address - list.base - BigInt(list.offsets[at]!));
    }
    if (this.file.elf.isRelocatable) return undefined;
    const all = this.allSections();
    let lo = 0;
    let hi = all.addresses.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (all.addresses[mid]! <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Below every symbol objdump names it after the first one above it (`<helper-0x180>`).
    const named = Math.max(at, 0);
    return all.names.length === 0 ? undefined : withOffset(all.names[named]!, address - all.addresses[named]!);
  }

  /**
   * objdump's name for a symbol value of a relocatable file (section-relative: every section starts at 0)
   * met while disassembling section `sectionIndex`, as binutils' `find_symbol_for_address` picks it: the
   * closest symbol at or below the value among every section's, one of this section's among equals; and
   * when the value lies inside this section, this section's closest below, even if another's is closer.
   */
  nameInRelocatable(value: bigint, sectionIndex: number, sectionSize: bigint): string | undefined {
    this.mergedValues ??= this.allValues();
    const all = this.mergedValues;
    const any = lastAtOrBelow(all.offsets, Number(value));
    if (any < 0) return undefined;
    const closest = all.offsets[any]!;
    const own = this.sections.get(sectionIndex);
    const mine = own === undefined ? -1 : lastAtOrBelow(own.offsets, Number(value));
    // One of the section's own at the closest value, or (the value inside the section) its closest below.
    if (mine >= 0 && (own!.offsets[mine] === closest || value < sectionSize)) return withOffset(own!.names[mine]!, value - BigInt(own!.offsets[mine]!));
    return withOffset(all.names[any]!, value - BigInt(closest));
  }

  /** The preferred name of each symbol address in [start, stop), which must lie in one section. */
  labelsIn(start: bigint, stop: bigint): Map<bigint, string> {
    const labels = new Map<bigint, string>();
    const list = this.listFor(start);
    if (list === undefined) return labels;
    const from = Number(start - list.base);
    const to = Number(stop - list.base);
    for (let i = lastAtOrBelow(list.offsets, from - 1) + 1; i < list.offsets.length && list.offsets[i]! < to; i++) {
      labels.set(list.base + BigInt(list.offsets[i]!), list.names[i]!);
    }
    return labels;
  }

  private allSections(): { addresses: bigint[]; names: string[] } {
    if (this.merged === undefined) {
      const entries = [...this.sections.values()].flatMap((l) => Array.from(l.offsets, (o, i) => ({ a: l.base + BigInt(o), name: l.names[i]! })));
      entries.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
      this.merged = { addresses: entries.map((e) => e.a), names: entries.map((e) => e.name) };
    }
    return this.merged;
  }

  /** Every section's symbols by section-relative value, the preferred one last among equal values. */
  private allValues(): { offsets: Float64Array; names: string[] } {
    const entries = [...this.sections.values()].flatMap((l) => Array.from(l.offsets, (o, i) => ({ o, i, name: l.names[i]! })));
    // Stable: within one section the preferred is already last.
    entries.sort((x, y) => x.o - y.o);
    return { offsets: Float64Array.from(entries, (e) => e.o), names: entries.map((e) => e.name) };
  }

  private listFor(address: bigint): SectionSymbols | undefined {
    const where = this.file.sectionOf(address);
    return where === undefined ? undefined : this.sections.get(where.section.index);
  }
}

function withOffset(name: string, offset: bigint): string {
  return offset === 0n ? name : offset < 0n ? `${name}-0x${(-offset).toString(16)}` : `${name}+0x${offset.toString(16)}`;
}

function lastAtOrBelow(offsets: Float64Array, offset: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! <= offset) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}
