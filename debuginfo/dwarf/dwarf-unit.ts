// One unit of `.debug_info` (DWARF 2–5 headers, §7.5.1): its bytes, abbreviations, and the root DIE's
// bases (str_offsets, addr, rnglists, low_pc) needed to resolve indexed forms in its other DIEs.
import { ByteReader } from '../byte-reader.js';
import { DwarfFormatError } from '../errors.js';
import { type Abbrev, type AbbrevTable, FIXED_ADDRESSES, FIXED_CONST, FIXED_OFFSETS, FIXED_REF_ADDRS, PREFIX_ADDRESSES, PREFIX_CONST, PREFIX_OFFSETS, PREFIX_REF_ADDRS } from './abbrev-table.js';
import { type AttributeValue, type UnitFormat, readAttributeValue, skipAttributeValue } from './attribute-value.js';
import * as C from './dwarf-constants.js';
import type { DwarfSections } from './dwarf-sections.js';
import { type AddressRange, readRangeList } from './range-list.js';

export interface UnitHeader extends UnitFormat {
  /** Section offset of the unit's length field. */
  offset: number;
  /** Section offset one past the unit's last byte. */
  end: number;
  unitType: number;
  abbrevOffset: number;
  /** Section offset of the root DIE. */
  firstDieOffset: number;
}

const maxUnitSize = 1 << 30;
// Root DIEs are a few dozen bytes; a name or producer inlined as DW_FORM_string can be longer.
const rootWindow = 1024;

/** Reads a unit header at `offset` of `.debug_info` (small read: the header only). */
export function readUnitHeader(sections: DwarfSections, offset: number): UnitHeader {
  const total = sections.size('.debug_info');
  const r = sections.sliceReader('.debug_info', offset, Math.min(32, total - offset));
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = r.u64Number();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) r.fail('bad-unit-length', `reserved unit length 0x${length.toString(16)}`, 0);
  const end = offset + r.pos + length;
  if (length > maxUnitSize || end > total) r.fail('bad-unit-length', `unit length 0x${length.toString(16)} runs past the end of .debug_info`, 0);
  const version = r.u16();
  if (version < 2 || version > 5) r.fail('bad-version', `unsupported DWARF version ${version}`, r.pos - 2);
  let unitType = C.DW_UT_compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = r.u8();
    addressSize = r.u8();
    abbrevOffset = r.offset(offsetSize);
    if (unitType === C.DW_UT_skeleton || unitType === C.DW_UT_split_compile) r.skip(8);
    else if (unitType === C.DW_UT_type || unitType === C.DW_UT_split_type) r.skip(8 + offsetSize);
  } else {
    abbrevOffset = r.offset(offsetSize);
    addressSize = r.u8();
  }
  if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) r.fail('bad-address-size', `address size ${addressSize}`, r.pos - 1);
  const firstDieOffset = offset + r.pos;
  if (firstDieOffset > end) r.fail('bad-unit-length', 'unit shorter than its header', 0);
  return { offset, end, version, unitType, addressSize, offsetSize, abbrevOffset, firstDieOffset };
}

/** A DIE's position and abbreviation; attributes are read from `attrsPos` on demand. */
export interface DieEntry {
  offset: number;
  abbrev: Abbrev;
  /** Reader position (unit-relative) of the first attribute value. */
  attrsPos: number;
}

export class DwarfUnit implements UnitFormat {
  readonly header: UnitHeader;
  readonly sections: DwarfSections;
  readonly abbrevs: AbbrevTable;
  readonly reader: ByteReader;
  readonly name: string | undefined;
  readonly compDir: string | undefined;
  readonly stmtList: number | undefined;
  /** The unit's base address for range lists and location lists (DW_AT_low_pc of the root, or 0). */
  readonly baseAddress: bigint;
  readonly strOffsetsBase: number;
  readonly addrBase: number;
  readonly rnglistsBase: number;
  // The header's fields as plain properties: the DIE walks read them for every attribute.
  readonly offset: number;
  readonly version: number;
  readonly addressSize: number;
  readonly offsetSize: 4 | 8;
  /** Size of a DW_FORM_ref_addr (an address in DWARF 2, an offset since). */
  readonly refAddrSize: number;
  private readonly rootAttrs: Map<number, AttributeValue>;

  /**
   * `rootOnly` reads just enough bytes for the root DIE (its ranges, for the unit range table):
   * such a unit must not be used to walk its children. `buffer` provides the memory its bytes are read to.
   */
  constructor(sections: DwarfSections, header: UnitHeader, abbrevs: AbbrevTable, options: { rootOnly?: boolean; buffer?: (length: number) => Uint8Array } = {}) {
    this.sections = sections;
    this.header = header;
    this.abbrevs = abbrevs;
    this.offset = header.offset;
    this.version = header.version;
    this.addressSize = header.addressSize;
    this.offsetSize = header.offsetSize;
    this.refAddrSize = header.version <= 2 ? header.addressSize : header.offsetSize;
    const full = header.end - header.offset;
    this.reader = sections.sliceReader('.debug_info', header.offset, options.rootOnly ? Math.min(full, header.firstDieOffset - header.offset + rootWindow) : full, options.buffer);
    const root = this.entryAt(header.firstDieOffset);
    if (!root) throw this.formatError('empty-unit', 'unit has no root DIE', header.firstDieOffset);
    this.rootAttrs = this.attributes(root);
    const a = this.rootAttrs;
    // DWARF 5 bases default to just past the section header of each table (§7.26, §7.27, §7.28).
    this.strOffsetsBase = this.offsetAttr(a.get(C.DW_AT_str_offsets_base)) ?? (this.version >= 5 ? 8 : 0);
    this.addrBase = this.offsetAttr(a.get(C.DW_AT_addr_base) ?? a.get(C.DW_AT_GNU_addr_base)) ?? (this.version >= 5 ? 8 : 0);
    this.rnglistsBase = this.offsetAttr(a.get(C.DW_AT_rnglists_base) ?? a.get(C.DW_AT_GNU_ranges_base)) ?? 0;
    this.name = this.stringOf(a.get(C.DW_AT_name));
    this.compDir = this.stringOf(a.get(C.DW_AT_comp_dir));
    this.stmtList = this.offsetAttr(a.get(C.DW_AT_stmt_list));
    this.baseAddress = this.addressOf(a.get(C.DW_AT_low_pc)) ?? 0n;
  }

  get file(): string {
    return this.sections.file;
  }

  /** The address ranges of the whole unit (from its root DIE). */
  rootRanges(): AddressRange[] {
    return this.rangesOf(this.rootAttrs) ?? [];
  }

  containsOffset(offset: number): boolean {
    return offset >= this.header.firstDieOffset && offset < this.header.end;
  }

  /** Section offset of the DIE last read by `nextAbbrev`. */
  entryOffset = 0;

  /** The DIE at a section offset, or undefined for a null entry (end of siblings). */
  entryAt(offset: number): DieEntry | undefined {
    this.reader.seek(offset - this.header.offset);
    const abbrev = this.nextAbbrev();
    return abbrev < 0 ? undefined : { offset, abbrev, attrsPos: this.reader.pos };
  }

  /**
   * Reads the abbreviation code at the reader's position (-1 for a null entry), leaving the reader
   * at the DIE's first attribute and its offset in `entryOffset`. Allocates nothing: the walks call
   * it for every DIE they pass.
   */
  nextAbbrev(): Abbrev {
    const r = this.reader;
    this.entryOffset = r.place.base + r.pos;
    const code = r.uleb();
    if (code === 0) return -1;
    const abbrev = this.abbrevs.get(code);
    if (abbrev < 0) return r.fail('unknown-abbrev', `abbreviation code ${code} not in the table at .debug_abbrev+0x${this.header.abbrevOffset.toString(16)}`, this.entryOffset - this.header.offset);
    return abbrev;
  }

  /** Every attribute of a DIE, decoded (leaves the reader after the DIE). */
  attributes(entry: DieEntry): Map<number, AttributeValue> {
    const r = this.reader;
    r.pos = entry.attrsPos;
    const out = new Map<number, AttributeValue>();
    const t = this.abbrevs;
    const { names, forms, implicit } = t;
    for (let i = t.first(entry.abbrev); i < t.end(entry.abbrev); i++) out.set(names[i]!, readAttributeValue(r, forms[i]!, this, this.header.offset, implicit[i]));
    return out;
  }

  /** The byte size of the attributes before DW_AT_sibling in this unit's format, -1 when not all fixed. */
  siblingPrefixSize(a: Abbrev): number {
    const info = this.abbrevs.info;
    const c = info[a + PREFIX_CONST]!;
    return c < 0 ? -1 : c + info[a + PREFIX_ADDRESSES]! * this.addressSize + info[a + PREFIX_OFFSETS]! * this.offsetSize + info[a + PREFIX_REF_ADDRS]! * this.refAddrSize;
  }

  /** Moves the reader (at a DIE's first attribute) past its attributes. */
  skipAttributes(a: Abbrev): void {
    const r = this.reader;
    const t = this.abbrevs;
    const info = t.info;
    const c = info[a + FIXED_CONST]!;
    if (c >= 0) {
      r.skip(c + info[a + FIXED_ADDRESSES]! * this.addressSize + info[a + FIXED_OFFSETS]! * this.offsetSize + info[a + FIXED_REF_ADDRS]! * this.refAddrSize);
      return;
    }
    const forms = t.forms;
    for (let i = t.first(a); i < t.end(a); i++) skipAttributeValue(r, forms[i]!, this);
  }

  /**
   * Moves the reader (after the attributes of the DIE at `offset`) past its descendants, jumping
   * to DW_AT_sibling when the producer gave one.
   */
  skipChildren(abbrev: Abbrev, offset: number, sibling: number | undefined): void {
    const r = this.reader;
    if (!this.abbrevs.hasChildren(abbrev)) return;
    if (sibling !== undefined && sibling > offset && sibling <= this.header.end) {
      r.pos = sibling - this.header.offset;
      return;
    }
    let depth = 1;
    while (depth > 0) {
      const child = this.nextAbbrev();
      if (child < 0) {
        depth--;
        continue;
      }
      this.skipAttributes(child);
      if (this.abbrevs.hasChildren(child)) depth++;
    }
  }

  /** A DW_AT_ranges list of this unit. */
  rangeList(where: { offset: number } | { index: number }): AddressRange[] {
    return readRangeList(this, where);
  }

  stringOf(v: AttributeValue | undefined): string | undefined {
    if (!v) return undefined;
    switch (v.kind) {
      case 'string':
        return v.value;
      case 'strp':
        return this.sections.string('.debug_str', v.offset);
      case 'line-strp':
        return this.sections.string('.debug_line_str', v.offset);
      case 'string-index': {
        const at = this.strOffsetsBase + v.index * this.offsetSize;
        const r = this.sections.reader('.debug_str_offsets', 0);
        r.seek(at);
        return this.sections.string('.debug_str', r.offset(this.offsetSize));
      }
      default:
        return undefined;
    }
  }

  addressOf(v: AttributeValue | undefined): bigint | undefined {
    if (!v) return undefined;
    if (v.kind === 'address') return v.value;
    if (v.kind === 'address-index') return this.indexedAddress(v.index);
    return undefined;
  }

  indexedAddress(index: number): bigint {
    const r = this.sections.reader('.debug_addr', 0);
    r.seek(this.addrBase + index * this.addressSize);
    return r.address(this.addressSize);
  }

  offsetAttr(v: AttributeValue | undefined): number | undefined {
    if (!v) return undefined;
    if (v.kind === 'section-offset') return v.offset;
    if (v.kind === 'constant') return Number(v.value);
    return undefined;
  }

  /**
   * The PC ranges a DIE covers: low_pc/high_pc (high_pc as an address or, since DWARF 4, as a length)
   * or DW_AT_ranges. Undefined when the DIE has no code.
   */
  rangesOf(attrs: Map<number, AttributeValue>): AddressRange[] | undefined {
    const ranges = attrs.get(C.DW_AT_ranges);
    if (ranges) {
      if (ranges.kind === 'rnglist-index') return readRangeList(this, { index: ranges.index });
      const offset = this.offsetAttr(ranges);
      return offset === undefined ? undefined : readRangeList(this, { offset });
    }
    const low = this.addressOf(attrs.get(C.DW_AT_low_pc));
    if (low === undefined) return undefined;
    const high = attrs.get(C.DW_AT_high_pc);
    if (!high) return [{ start: low, end: low + 1n }];
    if (high.kind === 'constant') return [{ start: low, end: low + BigInt(high.value) }];
    const h = this.addressOf(high);
    return h === undefined ? undefined : [{ start: low, end: h }];
  }

  formatError(code: string, detail: string, sectionOffset: number): DwarfFormatError {
    return new DwarfFormatError({ file: this.file, section: '.debug_info', offset: sectionOffset, code }, detail);
  }
}
