// `.debug_abbrev` tables (DWARF 5 §7.5.3): per code, the tag, the children flag and the attribute
// specifications. Parsed incrementally: a lookup parses entries only as far as the code it needs
// (a unit's root is nearly always code 1, and building the unit range table needs only roots).
import { ByteReader } from '../byte-reader.js';
import { DwarfFormatError } from '../errors.js';
import * as C from './dwarf-constants.js';

const { DW_AT_sibling, DW_FORM_implicit_const } = C;

/**
 * An abbreviation: the offset of its record in its table's `info` (see the field constants), or -1
 * for the null entry that ends a list of siblings. Numbers, not objects: a kernel unit's table has
 * ~250 entries and a batch reads hundreds of tables (objects per entry were a third of all it allocated).
 */
export type Abbrev = number;

// The fields of an entry's record in `info`. FIXED_*: sizes of all attribute values when every form
// has a fixed size — FIXED_CONST bytes (-1 when a form is variable: LEB128, string, block) plus so
// many addresses, offsets and DW_FORM_ref_addr; PREFIX_*: the same for the attributes before
// DW_AT_sibling (a direct jump to it).
const TAG = 0;
const FLAGS = 1;
const FIRST = 2;
const END = 3;
const SIBLING = 4;
export const FIXED_CONST = 5;
export const FIXED_ADDRESSES = 6;
export const FIXED_OFFSETS = 7;
export const FIXED_REF_ADDRS = 8;
export const PREFIX_CONST = 9;
export const PREFIX_ADDRESSES = 10;
export const PREFIX_OFFSETS = 11;
export const PREFIX_REF_ADDRS = 12;
const stride = 13;
const HAS_CHILDREN = 1;
const HAS_PC = 2;

const maxAttributes = 4096;
// Codes are dense from 1 in every producer seen; beyond this a map holds them.
const maxDenseCode = 1 << 16;
// Sized for the average kernel unit's table (2.3 KiB: ~150 entries, ~750 specifications; growing
// from 512 showed in profiles).
const initialSpecs = 1024;
const initialEntries = 256;
// The first read of a table: every table of the Debian vmlinux fits (at most 5.6 KB, median 2.5 KB);
// a 4 KB window was slower, its retries on the bigger tables costing more than the bytes saved.
const firstWindow = 8192;

/** Reads `length` bytes of `.debug_abbrev` at `offset`. */
export type AbbrevWindow = (offset: number, length: number) => Uint8Array;

export class AbbrevTable {
  /**
   * Attribute specifications of all parsed entries, flat, and the entries' records. Replaced when
   * they grow, so read them from the table after `get`, not before.
   */
  names: Uint32Array;
  forms: Uint32Array;
  /** DW_FORM_implicit_const values, indexed like `forms` (0 elsewhere). */
  implicit: Float64Array;
  info: Int32Array;
  private specCount = 0;
  private entryEnd = 0;
  /** Code → record offset + 1 (0: not parsed yet). */
  private dense: Int32Array;
  private readonly sparse = new Map<number, number>();
  private readonly offset: number;
  private readonly sectionSize: number;
  private readonly window: AbbrevWindow;
  private reader: ByteReader;
  private done = false;

  constructor(file: string, offset: number, sectionSize: number, window: AbbrevWindow) {
    this.offset = offset;
    this.sectionSize = sectionSize;
    this.window = window;
    if (offset < 0 || offset >= sectionSize) {
      throw new DwarfFormatError({ file, section: '.debug_abbrev', offset, code: 'bad-offset' }, `abbreviation table offset 0x${offset.toString(16)} outside the section`);
    }
    // Bigger tables grow the window.
    this.reader = this.read(file, Math.min(firstWindow, sectionSize - offset), 0);
    this.names = new Uint32Array(initialSpecs);
    this.forms = new Uint32Array(initialSpecs);
    this.implicit = new Float64Array(initialSpecs);
    this.info = new Int32Array(initialEntries * stride);
    this.dense = new Int32Array(initialEntries);
  }

  /** The entry for `code`, or -1 when the table has none. */
  get(code: number): Abbrev {
    const hit = this.lookup(code);
    if (hit >= 0 || this.done) return hit;
    while (!this.done) {
      const entry = this.parseNext();
      if (entry >= 0 && this.lookup(code) === entry) return entry;
    }
    return -1;
  }

  tag(a: Abbrev): number {
    return this.info[a + TAG]!;
  }

  hasChildren(a: Abbrev): boolean {
    return (this.info[a + FLAGS]! & HAS_CHILDREN) !== 0;
  }

  /** Has DW_AT_low_pc or DW_AT_ranges: may cover code (declarations and abstract instances do not). */
  hasPc(a: Abbrev): boolean {
    return (this.info[a + FLAGS]! & HAS_PC) !== 0;
  }

  /** Its attribute specifications are `first(a)` to `end(a)` (exclusive) of `names`/`forms`/`implicit`. */
  first(a: Abbrev): number {
    return this.info[a + FIRST]!;
  }

  end(a: Abbrev): number {
    return this.info[a + END]!;
  }

  /** The index of DW_AT_sibling's specification, or -1. */
  siblingIndex(a: Abbrev): number {
    return this.info[a + SIBLING]!;
  }

  private lookup(code: number): number {
    if (code < this.dense.length) return this.dense[code]! - 1;
    return code < maxDenseCode ? -1 : (this.sparse.get(code) ?? -1);
  }

  /** Parses one more entry (-1 at the table's end), growing the window when it runs out. */
  private parseNext(): Abbrev {
    const start = this.reader.pos;
    const specs = this.specCount;
    try {
      return this.parseEntry();
    } catch (err) {
      const available = this.sectionSize - this.offset;
      if (!(err instanceof DwarfFormatError) || err.code !== 'truncated' || this.reader.length >= available) throw err;
      this.specCount = specs;
      this.reader = this.read(this.reader.place.file, Math.min(available, this.reader.length * 8), start);
      return this.parseNext();
    }
  }

  private parseEntry(): Abbrev {
    const r = this.reader;
    const code = r.uleb();
    if (code === 0) {
      this.done = true;
      return -1;
    }
    const tag = r.uleb();
    const hasChildren = r.u8() !== 0;
    const first = this.specCount;
    let fConst = 0;
    let fAddr = 0;
    let fOff = 0;
    let fRef = 0;
    let isFixed = true;
    let prefixConst = -1;
    let prefixAddresses = 0;
    let prefixOffsets = 0;
    let prefixRefAddrs = 0;
    let siblingIndex = -1;
    let hasPc = false;
    for (;;) {
      const name = r.uleb();
      const form = r.uleb();
      if (name === 0 && form === 0) break;
      const n = this.specCount;
      if (n - first >= maxAttributes) r.fail('absurd-abbrev', `abbrev ${code} has more than ${maxAttributes} attributes`);
      const implicit = form === DW_FORM_implicit_const ? r.sleb() : 0;
      if (name === DW_AT_sibling) {
        siblingIndex = n;
        if (isFixed) {
          prefixConst = fConst;
          prefixAddresses = fAddr;
          prefixOffsets = fOff;
          prefixRefAddrs = fRef;
        }
      } else if (name === C.DW_AT_low_pc || name === C.DW_AT_ranges) hasPc = true;
      if (n === this.names.length) this.growSpecs();
      this.names[n] = name;
      this.forms[n] = form;
      this.implicit[n] = implicit;
      this.specCount = n + 1;
      if (isFixed) {
        const cls = form < formClass.length ? formClass[form]! : variable;
        if (cls >= 0) fConst += cls;
        else if (cls === addressClass) fAddr++;
        else if (cls === offsetClass || form === C.DW_FORM_GNU_ref_alt || form === C.DW_FORM_GNU_strp_alt) fOff++;
        else if (cls === refAddrClass) fRef++;
        else isFixed = false;
      }
    }
    if (this.lookup(code) >= 0) r.fail('duplicate-abbrev', `abbrev code ${code} defined twice`);
    const a = this.entryEnd;
    if (a + stride > this.info.length) {
      const bigger = new Int32Array(this.info.length * 2);
      bigger.set(this.info);
      this.info = bigger;
    }
    const info = this.info;
    // Tags and codes beyond 2^31 are absurd: stored wrapped, they find nothing.
    info[a + TAG] = tag;
    info[a + FLAGS] = (hasChildren ? HAS_CHILDREN : 0) | (hasPc ? HAS_PC : 0);
    info[a + FIRST] = first;
    info[a + END] = this.specCount;
    info[a + SIBLING] = siblingIndex;
    info[a + FIXED_CONST] = isFixed ? fConst : -1;
    info[a + FIXED_ADDRESSES] = fAddr;
    info[a + FIXED_OFFSETS] = fOff;
    info[a + FIXED_REF_ADDRS] = fRef;
    info[a + PREFIX_CONST] = prefixConst;
    info[a + PREFIX_ADDRESSES] = prefixAddresses;
    info[a + PREFIX_OFFSETS] = prefixOffsets;
    info[a + PREFIX_REF_ADDRS] = prefixRefAddrs;
    this.entryEnd = a + stride;
    if (code < maxDenseCode) {
      if (code >= this.dense.length) {
        const bigger = new Int32Array(Math.min(maxDenseCode, Math.max(code + 1, this.dense.length * 2)));
        bigger.set(this.dense);
        this.dense = bigger;
      }
      this.dense[code] = a + 1;
    } else this.sparse.set(code, a);
    return a;
  }

  private growSpecs(): void {
    const size = this.names.length * 2;
    const names = new Uint32Array(size);
    const forms = new Uint32Array(size);
    const implicit = new Float64Array(size);
    names.set(this.names);
    forms.set(this.forms);
    implicit.set(this.implicit);
    this.names = names;
    this.forms = forms;
    this.implicit = implicit;
  }

  private read(file: string, length: number, pos: number): ByteReader {
    return new ByteReader(this.window(this.offset, length), { file, section: '.debug_abbrev', base: this.offset, errorClass: DwarfFormatError }, pos);
  }
}

const variable = -1;
const addressClass = -2;
const offsetClass = -3;
const refAddrClass = -4;

/** Per form below 0x30: its byte size, or a class whose size depends on the unit, or variable. */
const formClass = (() => {
  const t = new Int8Array(0x30).fill(variable);
  const sizes: [number, number][] = [
    [C.DW_FORM_data1, 1], [C.DW_FORM_ref1, 1], [C.DW_FORM_flag, 1], [C.DW_FORM_strx1, 1], [C.DW_FORM_addrx1, 1],
    [C.DW_FORM_data2, 2], [C.DW_FORM_ref2, 2], [C.DW_FORM_strx2, 2], [C.DW_FORM_addrx2, 2],
    [C.DW_FORM_strx3, 3], [C.DW_FORM_addrx3, 3],
    [C.DW_FORM_data4, 4], [C.DW_FORM_ref4, 4], [C.DW_FORM_ref_sup4, 4], [C.DW_FORM_strx4, 4], [C.DW_FORM_addrx4, 4],
    [C.DW_FORM_data8, 8], [C.DW_FORM_ref8, 8], [C.DW_FORM_ref_sig8, 8], [C.DW_FORM_ref_sup8, 8],
    [C.DW_FORM_data16, 16], [C.DW_FORM_flag_present, 0], [C.DW_FORM_implicit_const, 0],
    [C.DW_FORM_addr, addressClass], [C.DW_FORM_ref_addr, refAddrClass],
    [C.DW_FORM_strp, offsetClass], [C.DW_FORM_line_strp, offsetClass], [C.DW_FORM_sec_offset, offsetClass], [C.DW_FORM_strp_sup, offsetClass],
  ];
  for (const [form, size] of sizes) t[form] = size;
  return t;
})();
