// The DWARF of one ELF file, indexed lazily. Problem: answer "which function, inline chain and line
// is this address" on a 588 MB vmlinux without reading it whole. Approach: at first lookup read only
// `.debug_aranges` (address → unit); a unit's bytes, its top-level function ranges and its line
// program are read when an address first lands in it, and cached — failures too, so one corrupt unit
// answers the same error every time while the others keep working. The inline chain is found by
// descending only into the DIEs whose ranges contain the address (DW_AT_sibling skips the rest).
// Rejected: building a full DIE tree per unit (llvm-symbolizer's way) — several times the memory and
// time for the few DIEs a lookup touches.
import { DwarfFormatError, ElfFormatError } from '../errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { type Abbrev, AbbrevTable } from './abbrev-table.js';
import { type UnitRange, UnitRangeTable, readAranges } from './address-ranges.js';
import { type AttributeValue, readAttributeValue, skipAttributeValue } from './attribute-value.js';
import { type FunctionRange, FunctionIndex } from './function-index.js';
import { type ScopeScan, newScopeScan, scanScope, scopeContains } from './scope-scan.js';
import * as C from './dwarf-constants.js';
import { DwarfSections } from './dwarf-sections.js';
import { type DieEntry, DwarfUnit, type UnitHeader, readUnitHeader } from './dwarf-unit.js';
import { type LineProgram, type LineRow, readLineProgram } from './line-program.js';

/** One frame of an inline chain, as `addr2line -f -i` prints it. */
export interface InlineFrame {
  /** The function's name (DW_AT_name through abstract_origin/specification), undefined when unknown. */
  function: string | undefined;
  /** Full path as DWARF spells it (comp_dir/dir/name), undefined when there is no line information. */
  file: string | undefined;
  line: number;
  column: number;
  discriminator: number;
  /** True when this frame was inlined into the next one (every frame but the outermost of a chain). */
  inlined: boolean;
  /** `.debug_info` offset of the subprogram or inlined_subroutine DIE, when one was found. */
  dieOffset: number | undefined;
  /**
   * Where the function is defined: DW_AT_decl_file/decl_line of its DIE, through abstract_origin and
   * specification (the line of the function's name, in the configuration that was built).
   */
  decl?: SourcePlace;
}

export interface SourcePlace {
  /** Full path as DWARF spells it (comp_dir/dir/name). */
  file: string;
  line: number;
}

/** What a function DIE's reference chain says: its name and its declaration. */
interface FunctionFacts {
  name: string | undefined;
  decl: SourcePlace | undefined;
}

type Cached<T> = { ok: true; value: T } | { ok: false; error: unknown };


/** A subprogram or inlined_subroutine DIE on the way down to an address. */
interface ScopeDie {
  offset: number;
  callFile: number | undefined;
  callLine: number;
  callColumn: number;
}

const maxReferenceChain = 16;
const factAttributes = new Set([C.DW_AT_name, C.DW_AT_abstract_origin, C.DW_AT_specification, C.DW_AT_decl_file, C.DW_AT_decl_line]);

export interface DwarfInfoOptions {
  /**
   * Bytes of parsed units (their DIE bytes, line tables, function ranges) kept before the least
   * recently used are dropped; failures are always kept. Default 16 MiB.
   */
  cacheBytes?: number;
}

export class DwarfInfo {
  readonly sections: DwarfSections;
  private readonly cacheBytes: number;
  private cachedBytes = 0;
  private readonly abbrevCache = new Map<number, AbbrevTable>();
  private readonly unitCache = new Map<number, Cached<DwarfUnit>>();
  private readonly lineCache = new Map<number, Cached<LineProgram | undefined>>();
  private readonly functionCache = new Map<number, Cached<FunctionIndex>>();
  private readonly factCache = new Map<number, FunctionFacts>();
  private aranges: Cached<UnitRangeTable> | undefined;
  private unitRanges: Cached<UnitRangeTable> | undefined;
  private headers: UnitHeader[] | undefined;
  private readonly scratch: ScopeScan = newScopeScan();
  /**
   * Buffers of dropped units and line programs, read into again instead of allocating: fresh memory
   * costs a page fault per 4 KiB, about half the time of reading a unit. Dropped buffers wait in
   * `released` until the next lookup starts, when no reader of them is live any more.
   */
  private readonly spare: Uint8Array[] = [];
  private spareBytes = 0;
  private released: Uint8Array[] = [];
  private readonly ownBuffers = new WeakSet<ArrayBufferLike>();
  private readonly buffer = (length: number): Uint8Array => this.takeBuffer(length);
  private readonly release = (bytes: Uint8Array): void => this.releaseBuffer(bytes);

  constructor(elf: ElfFile, options: DwarfInfoOptions = {}) {
    this.sections = new DwarfSections(elf);
    this.cacheBytes = options.cacheBytes ?? 16 * 1024 * 1024;
  }

  /** Whether the file has any DWARF to read. */
  static present(elf: ElfFile): boolean {
    return elf.findSection('.debug_info') !== undefined || elf.findSection('.zdebug_info') !== undefined;
  }

  get file(): string {
    return this.sections.file;
  }

  /**
   * The inline chain at `address`, innermost first: the innermost frame carries the line-table row,
   * each outer frame the DW_AT_call_file/line/column of the inlined call inside it. Empty when no
   * unit covers the address. Throws the unit's DwarfFormatError when its DWARF is corrupt.
   */
  findFrames(address: bigint): InlineFrame[] {
    this.recycleReleased();
    for (const unit of this.unitsFor(address)) {
      const row = this.lineProgram(unit)?.findRow(address);
      const chain = this.scopeChain(unit, address);
      if (!row && chain.length === 0) continue;
      return this.framesFrom(unit, chain, row);
    }
    return [];
  }

  /** The line-table row at `address`, if any unit covers it. */
  findLineRow(address: bigint): LineRow | undefined {
    this.recycleReleased();
    for (const unit of this.unitsFor(address)) {
      const row = this.lineProgram(unit)?.findRow(address);
      if (row) return row;
    }
    return undefined;
  }

  /** Line-table rows in [start, end) from the unit covering `start` (source interleave for disassembly). */
  lineRowsInRange(start: bigint, end: bigint): LineRow[] {
    this.recycleReleased();
    for (const unit of this.unitsFor(start)) {
      const program = this.lineProgram(unit);
      if (program) return program.rowsInRange(start, end);
    }
    return [];
  }

  /** The units whose ranges contain `address` (aranges first, then the units' own ranges). */
  private unitsFor(address: bigint): DwarfUnit[] {
    let offsets = this.arangeTable().find(address);
    if (offsets.length === 0) offsets = this.unitRangeTable().find(address);
    return offsets.map((o) => this.unitAt(o));
  }

  /** The unit whose header starts at `offset` (cached, errors included). */
  private unitAt(offset: number): DwarfUnit {
    const hit = this.unitCache.get(offset);
    if (hit) {
      // Map order is the LRU order: move the unit to the back.
      this.unitCache.delete(offset);
      this.unitCache.set(offset, hit);
      return unwrap(hit);
    }
    const made = this.cached(this.unitCache, offset, () => {
      const header = readUnitHeader(this.sections, offset);
      return new DwarfUnit(this.sections, header, this.abbrevTable(header.abbrevOffset), { buffer: this.buffer });
    });
    if (made.ok) this.account(made.value.reader.length);
    return unwrap(made);
  }

  /** Adds to the cache weight and drops least recently used units beyond the budget. */
  private account(bytes: number): void {
    this.cachedBytes += bytes;
    if (this.cachedBytes <= this.cacheBytes) return;
    for (const [offset, entry] of this.unitCache) {
      if (this.cachedBytes <= this.cacheBytes * 0.75 || this.unitCache.size <= 4) break;
      if (!entry.ok) continue;
      this.unitCache.delete(offset);
      this.cachedBytes -= entry.value.reader.length;
      this.releaseBuffer(entry.value.reader.bytes);
      const lines = this.lineCache.get(offset);
      if (lines?.ok && lines.value?.heldBytes) this.releaseBuffer(lines.value.heldBytes);
      if (lines?.ok && lines.value) this.cachedBytes -= lines.value.byteSize;
      const fns = this.functionCache.get(offset);
      if (fns?.ok) this.cachedBytes -= fns.value.size * 48;
      if (lines?.ok) this.lineCache.delete(offset);
      if (fns?.ok) this.functionCache.delete(offset);
      this.abbrevCache.delete(entry.value.header.abbrevOffset);
    }
  }

  /** The unit that holds the DIE at a `.debug_info` offset (for DW_FORM_ref_addr across units). */
  private unitContaining(dieOffset: number): DwarfUnit {
    const headers = this.allHeaders();
    let lo = 0;
    let hi = headers.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = headers[mid]!;
      if (dieOffset < h.offset) hi = mid - 1;
      else if (dieOffset >= h.end) lo = mid + 1;
      else return this.unitAt(h.offset);
    }
    throw new DwarfFormatError({ file: this.file, section: '.debug_info', offset: dieOffset, code: 'bad-reference' }, `reference to 0x${dieOffset.toString(16)} is in no unit`);
  }

  /** The line program of a unit (undefined when it has no DW_AT_stmt_list). */
  private lineProgram(unit: DwarfUnit): LineProgram | undefined {
    const known = this.lineCache.has(unit.offset);
    const c = this.cached(this.lineCache, unit.offset, () => {
      if (unit.stmtList === undefined || !this.sections.has('.debug_line')) return undefined;
      return readLineProgram(
        { sections: this.sections, compDir: unit.compDir, unitName: unit.name, resolveString: (v) => unit.stringOf(v), buffer: this.buffer, release: this.release },
        unit.stmtList,
      );
    });
    if (!known && c.ok && c.value) this.account(c.value.byteSize);
    return unwrap(c);
  }

  /**
   * The DWARF name and declaration of the function DIE at `dieOffset`, following abstract_origin and
   * specification: each fact comes from the first DIE of the chain that has it (GCC repeats a decl
   * attribute on a definition only where it differs from the declaration). A decl_file indexes the
   * line table of the unit holding that DIE. `near` is a unit likely to hold the DIEs (the one being
   * looked up), tried before the cache.
   */
  private functionFacts(dieOffset: number, near?: DwarfUnit): FunctionFacts {
    const hit = this.factCache.get(dieOffset);
    if (hit) return hit;
    let offset = dieOffset;
    const seen = new Set<number>();
    let name: string | undefined;
    let file: string | undefined;
    let line: number | undefined;
    for (let depth = 0; name === undefined || file === undefined || line === undefined; depth++) {
      if (seen.has(offset) || depth > maxReferenceChain) {
        throw new DwarfFormatError({ file: this.file, section: '.debug_info', offset, code: 'cyclic-reference' }, 'abstract_origin/specification chain loops or is too deep');
      }
      seen.add(offset);
      const unit = near?.containsOffset(offset) ? near : this.unitContainingFast(offset);
      const entry = unit.entryAt(offset);
      if (!entry) break;
      const attrs = readSelected(unit, entry, factAttributes);
      name ??= unit.stringOf(attrs.get(C.DW_AT_name));
      const declFile = attrs.get(C.DW_AT_decl_file);
      if (file === undefined && declFile?.kind === 'constant') file = this.declFilePath(unit, Number(declFile.value));
      const declLine = attrs.get(C.DW_AT_decl_line);
      if (line === undefined && declLine?.kind === 'constant') line = Number(declLine.value);
      const next = attrs.get(C.DW_AT_abstract_origin) ?? attrs.get(C.DW_AT_specification);
      if (next?.kind !== 'reference') break;
      offset = next.offset;
    }
    const facts: FunctionFacts = { name, decl: file !== undefined && line !== undefined && line > 0 ? { file, line } : undefined };
    this.factCache.set(dieOffset, facts);
    return facts;
  }

  /**
   * A decl_file index as a path. The unit may be another than the one looked up (LTO's abstract
   * origins): its corrupt line table costs the definition, not the frames.
   */
  private declFilePath(unit: DwarfUnit, index: number): string | undefined {
    try {
      return this.lineProgram(unit)?.filePath(index);
    } catch (err) {
      if (err instanceof DwarfFormatError || err instanceof ElfFormatError) return undefined;
      throw err;
    }
  }

  /** The subprogram whose ranges contain `address` in a unit (see FunctionIndex). */
  private findFunction(unit: DwarfUnit, address: bigint): FunctionRange | undefined {
    const c = this.cached(this.functionCache, unit.offset, () => new FunctionIndex(unit));
    if (!c.ok) throw c.error;
    const before = c.value.size;
    try {
      return c.value.find(unit, address, this.scratch, readSibling);
    } finally {
      this.account((c.value.size - before) * 48);
    }
  }

  private framesFrom(unit: DwarfUnit, chain: ScopeDie[], row: LineRow | undefined): InlineFrame[] {
    const frames: InlineFrame[] = [];
    const program = this.lineProgram(unit);
    let loc: { file: string | undefined; line: number; column: number; discriminator: number } = row
      ? { file: row.file, line: row.line, column: row.column, discriminator: row.discriminator }
      : { file: undefined, line: 0, column: 0, discriminator: 0 };
    if (chain.length === 0) return [{ function: undefined, ...loc, inlined: false, dieOffset: undefined }];
    for (let i = chain.length - 1; i >= 0; i--) {
      const scope = chain[i]!;
      const facts = this.functionFacts(scope.offset, unit);
      frames.push({ function: facts.name, ...loc, inlined: i > 0, dieOffset: scope.offset, ...(facts.decl ? { decl: facts.decl } : {}) });
      loc = {
        file: scope.callFile === undefined ? undefined : program?.filePath(scope.callFile),
        line: scope.callLine,
        column: scope.callColumn,
        discriminator: 0,
      };
    }
    return frames;
  }

  /** Subprogram then nested inlined_subroutines containing `address`, outermost first. */
  private scopeChain(unit: DwarfUnit, address: bigint): ScopeDie[] {
    const fn = this.findFunction(unit, address);
    if (!fn) return [];
    const scan = this.scratch;
    const entry = unit.entryAt(fn.dieOffset);
    if (!entry) return [];
    scanScope(unit, entry.abbrev, entry.attrsPos, scan);
    const chain: ScopeDie[] = [scopeDie(fn.dieOffset, scan)];
    const abbrevs = unit.abbrevs;
    if (!abbrevs.hasChildren(entry.abbrev)) return chain;
    // The reader now sits on the first child of the matching scope: walk its children, descending
    // into the one that contains the address; the end of that scope's children ends the search.
    for (;;) {
      const abbrev = unit.nextAbbrev();
      if (abbrev < 0) break;
      const offset = unit.entryOffset;
      const tag = abbrevs.tag(abbrev);
      if ((tag === C.DW_TAG_inlined_subroutine || tag === C.DW_TAG_lexical_block) && abbrevs.hasPc(abbrev)) {
        scanScope(unit, abbrev, unit.reader.pos, scan);
        // A lexical block without ranges holds only declarations (GCC), so it cannot contain code.
        if (scopeContains(unit, scan, address)) {
          if (tag === C.DW_TAG_inlined_subroutine) chain.push(scopeDie(offset, scan));
          if (!abbrevs.hasChildren(abbrev)) break;
          continue;
        }
        unit.skipChildren(abbrev, offset, scan.sibling);
      } else {
        unit.skipChildren(abbrev, offset, readSibling(unit, abbrev));
      }
    }
    return chain;
  }

  /** Like unitContaining, but without a header scan when the DIE is in an already-read unit. */
  private unitContainingFast(offset: number): DwarfUnit {
    for (const c of this.unitCache.values()) if (c.ok && c.value.containsOffset(offset)) return c.value;
    return this.unitContaining(offset);
  }

  /** A buffer of at least `length` bytes: the smallest spare that fits, else a new one. */
  private takeBuffer(length: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const n = this.spare[i]!.length;
      if (n >= length && (best < 0 || n < this.spare[best]!.length)) best = i;
    }
    if (best >= 0) {
      const b = this.spare.splice(best, 1)[0]!;
      this.spareBytes -= b.length;
      return b;
    }
    const b = Buffer.allocUnsafeSlow(length);
    this.ownBuffers.add(b.buffer);
    return b;
  }

  /** Takes back the memory of a dropped reader, when it is one of ours (not a view of a whole section). */
  private releaseBuffer(bytes: Uint8Array): void {
    if (this.ownBuffers.has(bytes.buffer)) this.released.push(Buffer.from(bytes.buffer));
  }

  private recycleReleased(): void {
    if (this.released.length === 0) return;
    for (const b of this.released) {
      this.spare.push(b);
      this.spareBytes += b.length;
    }
    this.released = [];
    // Bounded: the oldest spares go when the cache drops more than the next units need.
    while (this.spareBytes > this.cacheBytes / 2 && this.spare.length > 0) this.spareBytes -= this.spare.shift()!.length;
  }

  private abbrevTable(offset: number): AbbrevTable {
    let table = this.abbrevCache.get(offset);
    if (!table) {
      table = new AbbrevTable(this.file, offset, this.sections.size('.debug_abbrev'), (o, n) => this.sections.range('.debug_abbrev', o, n));
      this.abbrevCache.set(offset, table);
    }
    return table;
  }

  private arangeTable(): UnitRangeTable {
    this.aranges ??= attempt(() => new UnitRangeTable(readAranges(this.sections)));
    return unwrap(this.aranges);
  }

  /**
   * The ranges of the units `.debug_aranges` leaves out, from their root DIEs (as LLVM completes its
   * table): built once, on the first aranges miss; one header read per unit, one root read per
   * unit missing from the aranges (none in a kernel built by GCC, so misses stay cheap).
   */
  private unitRangeTable(): UnitRangeTable {
    this.unitRanges ??= attempt(() => {
      const ranges: UnitRange[] = [];
      const covered = this.arangeTable().unitOffsets();
      for (const h of this.allHeaders()) {
        if (covered.has(h.offset)) continue;
        try {
          for (const r of this.unitRoot(h).rootRanges()) ranges.push({ ...r, unitOffset: h.offset });
        } catch (err) {
          if (!(err instanceof DwarfFormatError)) throw err;
        }
      }
      return new UnitRangeTable(ranges);
    });
    return unwrap(this.unitRanges);
  }

  /** A unit read only as far as its root DIE (whole when the root does not fit the window). */
  private unitRoot(h: UnitHeader): DwarfUnit {
    const cached = this.unitCache.get(h.offset);
    if (cached?.ok) return cached.value;
    const abbrevs = this.abbrevTable(h.abbrevOffset);
    try {
      return new DwarfUnit(this.sections, h, abbrevs, { rootOnly: true });
    } catch (err) {
      if (err instanceof DwarfFormatError && (err.code === 'truncated' || err.code === 'unterminated-string')) return new DwarfUnit(this.sections, h, abbrevs);
      throw err;
    } finally {
      if (!this.unitCache.has(h.offset)) this.abbrevCache.delete(h.abbrevOffset);
    }
  }

  private allHeaders(): UnitHeader[] {
    if (!this.headers) {
      const headers: UnitHeader[] = [];
      const total = this.sections.size('.debug_info');
      let offset = 0;
      while (offset < total) {
        const h = readUnitHeader(this.sections, offset);
        headers.push(h);
        offset = h.end;
      }
      this.headers = headers;
    }
    return this.headers;
  }

  private cached<T>(cache: Map<number, Cached<T>>, key: number, make: () => T): Cached<T> {
    let c = cache.get(key);
    if (!c) {
      c = attempt(make);
      cache.set(key, c);
    }
    return c;
  }
}

function attempt<T>(make: () => T): Cached<T> {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) return { ok: false, error };
    if (!(error instanceof DwarfFormatError) && !(error instanceof Error && error.name === 'ElfFormatError')) throw error;
    return { ok: false, error };
  }
}

function unwrap<T>(c: Cached<T>): T {
  if (c.ok) return c.value;
  throw c.error;
}

/** Reads the listed attributes of a DIE, skipping the rest. */
function readSelected(unit: DwarfUnit, entry: DieEntry, wanted: Set<number>): Map<number, AttributeValue> {
  const r = unit.reader;
  r.pos = entry.attrsPos;
  const out = new Map<number, AttributeValue>();
  const t = unit.abbrevs;
  const { names, forms, implicit } = t;
  for (let i = t.first(entry.abbrev); i < t.end(entry.abbrev); i++) {
    const name = names[i]!;
    if (wanted.has(name)) out.set(name, readAttributeValue(r, forms[i]!, unit, unit.offset, implicit[i]));
    else skipAttributeValue(r, forms[i]!, unit);
  }
  return out;
}

/**
 * Skips the attributes of the DIE at the reader, returning its DW_AT_sibling when it has one (for a
 * DIE with children the reader may be left mid-DIE: the caller jumps to the sibling).
 */
function readSibling(unit: DwarfUnit, abbrev: Abbrev): number | undefined {
  const t = unit.abbrevs;
  const siblingIndex = t.siblingIndex(abbrev);
  if (siblingIndex < 0) {
    unit.skipAttributes(abbrev);
    return undefined;
  }
  const r = unit.reader;
  const { names, forms } = t;
  const prefix = t.hasChildren(abbrev) ? unit.siblingPrefixSize(abbrev) : -1;
  if (prefix >= 0) {
    // Read DW_AT_sibling in place and leave the rest unread: the caller jumps to the sibling.
    const start = r.pos;
    r.skip(prefix);
    const form = forms[siblingIndex]!;
    let sibling: number | undefined;
    if (form === C.DW_FORM_ref4) sibling = unit.offset + r.u32();
    else {
      const v = readAttributeValue(r, form, unit, unit.offset);
      if (v.kind === 'reference') sibling = v.offset;
    }
    if (sibling !== undefined && sibling > unit.entryOffset && sibling <= unit.header.end) return sibling;
    r.pos = start;
  }
  let sibling: number | undefined;
  for (let i = t.first(abbrev); i < t.end(abbrev); i++) {
    if (names[i] !== C.DW_AT_sibling) skipAttributeValue(r, forms[i]!, unit);
    else if (forms[i] === C.DW_FORM_ref4) sibling = unit.offset + r.u32();
    else {
      const v = readAttributeValue(r, forms[i]!, unit, unit.offset);
      if (v.kind === 'reference') sibling = v.offset;
    }
  }
  return sibling;
}

function scopeDie(offset: number, scan: ScopeScan): ScopeDie {
  return { offset, callFile: scan.callFile, callLine: scan.callLine, callColumn: scan.callColumn };
}
