// The ELF symbol table (`.symtab`, else `.dynsym`), kept as typed arrays (a vmlinux has ~120,000
// symbols: objects for each would cost ~100 MB and half a second), with an address-sorted index of
// code symbols for address → `function+offset` and a byte-level name scan for lookups.
import { ByteReader, stringAt } from '../byte-reader.js';
import { ElfFormatError } from '../errors.js';
import { SHF_EXECINSTR, SHN_ABS, SHN_LORESERVE, SHN_UNDEF, SHT_DYNSYM, SHT_SYMTAB, STT_FILE, STT_FUNC, STT_NOTYPE, STT_SECTION } from './elf-constants.js';
import type { ElfFile } from './elf-file.js';
import type { SectionLayout } from './section-layout.js';

export interface ElfSymbol {
  /** Index in the symbol table (what relocations refer to). */
  index: number;
  name: string;
  /** st_value as stored (section-relative in a `.ko`). */
  value: bigint;
  /** The symbol's address in the layout: st_value, or synthetic section base + st_value in a `.ko`. */
  address: bigint;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** st_shndx (SHN_UNDEF, SHN_ABS... included). */
  sectionIndex: number;
  /** Name of the section the symbol is defined in, '' for undefined/absolute. */
  sectionName: string;
}

interface SymbolColumns {
  names: Uint8Array;
  nameOffset: Uint32Array;
  value: BigUint64Array;
  address: BigUint64Array;
  size: Float64Array;
  info: Uint8Array;
  shndx: Uint32Array;
}

// scripts/kallsyms: linker stubs and namespaces that never reach the kernel's table.
const kallsymsIgnoredPrefixes = ['__efistub_', '__kvm_nvhe_$', '__kvm_nvhe_.L', '__AArch64ADRPThunk_', '__ARMV5PureThunk_', '__kcfi_typeid_'];

export class SymbolTable {
  readonly count: number;
  private readonly cols: SymbolColumns;
  private readonly sectionNames: string[];
  /** Indices of code symbols sorted by address (larger size first among equals). */
  private readonly code: Uint32Array;
  /** Addresses of `code`, relative to `codeBase`, as numbers for fast comparison. */
  private readonly codeRel: Float64Array;
  private readonly codeBase: bigint;

  constructor(cols: SymbolColumns, sectionNames: string[], isCode: (index: number) => boolean) {
    this.cols = cols;
    this.count = cols.nameOffset.length;
    this.sectionNames = sectionNames;
    const all = new Uint32Array(this.count);
    let n = 0;
    for (let i = 0; i < this.count; i++) if (isCode(i)) all[n++] = i;
    const idx = all.subarray(0, n);
    const { base, rel } = relativeAddresses(cols.address, idx);
    this.codeBase = base;
    const order = sortedPositions(rel);
    // Among symbols at one address (aliases, labels), larger size first, then table order.
    for (let k = 0; k < n; ) {
      let e = k + 1;
      while (e < n && rel[order[e]!] === rel[order[k]!]) e++;
      if (e - k > 1) order.subarray(k, e).sort((a, b) => cols.size[idx[b]!]! - cols.size[idx[a]!]! || a - b);
      k = e;
    }
    this.code = new Uint32Array(n);
    this.codeRel = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.code[k] = idx[order[k]!]!;
      this.codeRel[k] = rel[order[k]!]!;
    }
  }

  /** The symbol at an index of the table. */
  symbol(index: number): ElfSymbol | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const c = this.cols;
    const info = c.info[index]!;
    const shndx = c.shndx[index]!;
    return {
      index,
      name: stringAt(c.names, c.nameOffset[index]!) ?? '',
      value: c.value[index]!,
      address: c.address[index]!,
      size: c.size[index]!,
      type: info & 0xf,
      bind: info >> 4,
      sectionIndex: shndx,
      sectionName: this.sectionNames[shndx] ?? '',
    };
  }

  /** The address of a symbol by index (for relocation), without building the record. */
  addressOf(index: number): bigint | undefined {
    return index >= 0 && index < this.count ? this.cols.address[index] : undefined;
  }

  /** st_shndx of a symbol by index, without building the record. */
  sectionIndexOf(index: number): number {
    return this.cols.shndx[index] ?? SHN_UNDEF;
  }

  /**
   * Whether kallsyms lists the symbol, so that the kernel measures its neighbours' sizes up to it:
   * named and defined in a section, not a section or file symbol, a `.L` label or a mapping symbol
   * (`$x`, `$d`), nor one of the linker's names scripts/kallsyms drops.
   */
  isKallsymsVisible(index: number): boolean {
    const c = this.cols;
    const shndx = c.shndx[index];
    if (shndx === undefined || shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) return false;
    const type = c.info[index]! & 0xf;
    if (type === STT_SECTION || type === STT_FILE) return false;
    const off = c.nameOffset[index]!;
    const c0 = c.names[off];
    if (c0 === undefined || c0 === 0 || c0 === 0x24 || (c0 === 0x2e && c.names[off + 1] === 0x4c)) return false;
    if (c0 !== 0x5f || c.names[off + 1] !== 0x5f) return true;
    const name = stringAt(c.names, off) ?? '';
    return !kallsymsIgnoredPrefixes.some((p) => name.startsWith(p));
  }

  /** Code symbols (functions and assembly labels in executable sections), by address. */
  codeSymbols(): ElfSymbol[] {
    return Array.from(this.code, (i) => this.symbol(i)!);
  }

  /** All symbols with this exact name (static functions repeat across files). */
  findByName(name: string): ElfSymbol[] {
    const want = Buffer.from(name, 'utf8');
    const { names, nameOffset, info } = this.cols;
    const out: ElfSymbol[] = [];
    outer: for (let i = 0; i < this.count; i++) {
      const off = nameOffset[i]!;
      if (off + want.length >= names.length || names[off + want.length] !== 0) continue;
      for (let k = 0; k < want.length; k++) if (names[off + k] !== want[k]) continue outer;
      const type = info[i]! & 0xf;
      if (type === STT_SECTION || type === STT_FILE) continue;
      out.push(this.symbol(i)!);
    }
    return out;
  }

  /**
   * The code symbol naming `address`: the nearest sizeless label at or below it when it is nearer
   * than the covering function, else the closest sized symbol that covers it, else the nearest
   * label below it (as kallsyms would name it).
   */
  findByAddress(address: bigint): ElfSymbol | undefined {
    const d = address - this.codeBase;
    if (d < 0n || this.code.length === 0) return undefined;
    const target = Number(d);
    const rel = this.codeRel;
    let lo = 0;
    let hi = rel.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rel[mid]! <= target) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    const sizes = this.cols.size;
    let bestK = -1;
    let sizelessK = -1;
    // Nested labels and aliases: look back a little for a sized symbol that covers the address,
    // preferring the innermost (highest start), then FUNC over NOTYPE, then global over local.
    for (let k = at; k >= 0 && at - k < 64; k--) {
      if (bestK >= 0 && rel[k] !== rel[bestK]) break;
      const i = this.code[k]!;
      const size = sizes[i]!;
      if (size === 0) {
        if (sizelessK < 0 && rel[k] === rel[at]) sizelessK = k;
      } else if (target < rel[k]! + size && (bestK < 0 || this.rank(i) > this.rank(this.code[bestK]!))) bestK = k;
    }
    // A label nearer than the covering function names the address, as kallsyms and objdump do
    // (`entry_SYSCALL_64_after_hwframe+0x6e` inside `entry_SYSCALL_64`).
    if (bestK >= 0 && (sizelessK < 0 || rel[bestK] === rel[at])) return this.symbol(this.code[bestK]!);
    if (sizelessK >= 0) return this.symbol(this.code[sizelessK]!);
    // A sizeless label below the address and no sized symbol covering it: the label owns it.
    const i = this.code[at]!;
    return sizes[i] === 0 ? this.symbol(i) : undefined;
  }

  private rank(i: number): number {
    const info = this.cols.info[i]!;
    return ((info & 0xf) === STT_FUNC ? 2 : 0) + (info >> 4 === 1 ? 1 : 0);
  }
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The addresses of the listed symbols relative to the lowest of them, as numbers: from the two 32-bit
 * halves of each address on a little-endian host, without a BigInt per symbol (a vmlinux has 120,000).
 */
function relativeAddresses(address: BigUint64Array, idx: Uint32Array): { base: bigint; rel: Float64Array } {
  const rel = new Float64Array(idx.length);
  if (idx.length === 0) return { base: 0n, rel };
  if (!littleEndianHost) {
    let base = address[idx[0]!]!;
    for (let k = 1; k < idx.length; k++) if (address[idx[k]!]! < base) base = address[idx[k]!]!;
    for (let k = 0; k < idx.length; k++) rel[k] = Number(address[idx[k]!]! - base);
    return { base, rel };
  }
  const words = new Uint32Array(address.buffer, address.byteOffset, address.length * 2);
  let lo = words[2 * idx[0]!]!;
  let hi = words[2 * idx[0]! + 1]!;
  // Index loops: a typed array's iterator allocates a result per step in code that runs once.
  for (let k = 1; k < idx.length; k++) {
    const i = idx[k]!;
    const h = words[2 * i + 1]!;
    const l = words[2 * i]!;
    if (h < hi || (h === hi && l < lo)) {
      hi = h;
      lo = l;
    }
  }
  for (let k = 0; k < idx.length; k++) rel[k] = (words[2 * idx[k]! + 1]! - hi) * 0x100000000 + (words[2 * idx[k]!]! - lo);
  return { base: (BigInt(hi) << 32n) | BigInt(lo), rel };
}

/**
 * Positions 0..n-1 ordered by `keys`, ties in position order: one numeric sort of keys with the
 * position packed into their low bits when they fit 53 bits (a comparator sort of 120,000 symbols
 * took ~25 ms), else a comparator sort.
 */
function sortedPositions(keys: Float64Array): Uint32Array {
  const n = keys.length;
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)));
  let max = 0;
  let integral = true;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    if (key > max) max = key;
    if (!Number.isInteger(key) || key < 0) integral = false;
  }
  const order = new Uint32Array(n);
  if (!integral || max * scale + scale >= Number.MAX_SAFE_INTEGER) {
    for (let k = 0; k < n; k++) order[k] = k;
    return order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  }
  const packed = new Float64Array(n);
  for (let k = 0; k < n; k++) packed[k] = keys[k]! * scale + k;
  packed.sort();
  for (let k = 0; k < n; k++) order[k] = packed[k]! % scale;
  return order;
}

/** Reads `.symtab` (or `.dynsym` when stripped); an empty table when there is neither. */
export function readSymbolTable(elf: ElfFile, layout: SectionLayout): SymbolTable {
  const table = elf.sections.find((s) => s.type === SHT_SYMTAB) ?? elf.sections.find((s) => s.type === SHT_DYNSYM);
  const entsize = elf.is64 ? 24 : 16;
  const data = table ? elf.sectionData(table) : new Uint8Array(0);
  const strtab = table ? elf.sections[table.link] : undefined;
  const count = Math.floor(data.length / entsize);
  const cols: SymbolColumns = {
    names: strtab ? elf.sectionData(strtab) : new Uint8Array(0),
    nameOffset: new Uint32Array(count),
    value: new BigUint64Array(count),
    address: new BigUint64Array(count),
    size: new Float64Array(count),
    info: new Uint8Array(count),
    shndx: new Uint32Array(count),
  };
  const r = new ByteReader(data, { file: elf.name, section: table?.name ?? '.symtab', base: 0, errorClass: ElfFormatError });
  const view = r.view;
  const bases = elf.sections.map((s) => (elf.isRelocatable ? layout.baseOf(s.index) ?? 0n : 0n));
  // In a linked 64-bit file the address is st_value: both columns are filled as two 32-bit halves
  // (in the host's order), without a BigInt per symbol (a vmlinux has 120,000).
  const halves = elf.is64 && !elf.isRelocatable && littleEndianHost;
  const valueWords = new Uint32Array(cols.value.buffer);
  const addressWords = new Uint32Array(cols.address.buffer);
  for (let i = 0; i < count; i++) {
    const p = i * entsize;
    let value: bigint, size: number, shndx: number;
    cols.nameOffset[i] = view.getUint32(p, true);
    if (elf.is64) {
      cols.info[i] = data[p + 4]!;
      shndx = view.getUint16(p + 6, true);
      size = view.getUint32(p + 16, true) + view.getUint32(p + 20, true) * 0x100000000;
      if (halves) {
        const lo = view.getUint32(p + 8, true);
        const hi = view.getUint32(p + 12, true);
        valueWords[2 * i] = addressWords[2 * i] = lo;
        valueWords[2 * i + 1] = addressWords[2 * i + 1] = hi;
        cols.size[i] = size;
        cols.shndx[i] = shndx;
        continue;
      }
      value = view.getBigUint64(p + 8, true);
    } else {
      value = BigInt(view.getUint32(p + 4, true));
      size = view.getUint32(p + 8, true);
      cols.info[i] = data[p + 12]!;
      shndx = view.getUint16(p + 14, true);
    }
    cols.value[i] = value;
    cols.size[i] = size;
    cols.shndx[i] = shndx;
    const defined = shndx !== SHN_UNDEF && shndx < SHN_LORESERVE;
    cols.address[i] = shndx === SHN_ABS || !defined ? value : BigInt.asUintN(64, (bases[shndx] ?? 0n) + value);
  }
  const sectionNames = elf.sections.map((s) => s.name);
  const executable = elf.sections.map((s) => (s.flags & SHF_EXECINSTR) !== 0);
  return new SymbolTable(cols, sectionNames, (i) => {
    const type = cols.info[i]! & 0xf;
    if (type !== STT_FUNC && type !== STT_NOTYPE) return false;
    const shndx = cols.shndx[i]!;
    if (shndx === SHN_UNDEF || shndx >= SHN_LORESERVE || !executable[shndx]) return false;
    const off = cols.nameOffset[i]!;
    const c0 = cols.names[off];
    // Unnamed, `.L` local labels and aarch64 mapping symbols ($x, $d) are not functions.
    return c0 !== undefined && c0 !== 0 && !(c0 === 0x2e && cols.names[off + 1] === 0x4c) && c0 !== 0x24;
  });
}
