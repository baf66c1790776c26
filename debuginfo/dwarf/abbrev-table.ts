// `.debug_abbrev` tables (DWARF 5 §7.5.3): per code, the tag, the children flag and the attribute
// specifications. Parsed incrementally: a lookup parses entries only as far as the code it needs
// (a unit's root is nearly always code 1, and building the unit range table needs only roots).
import { ByteReader } from '../byte-reader.js';
import { DwarfFormatError } from '../errors.js';
import * as C from './dwarf-constants.js';

const { DW_AT_sibling, DW_FORM_implicit_const } = C;

export interface Abbrev {
  code: number;
  tag: number;
  hasChildren: boolean;
  names: number[];
  forms: number[];
  /** DW_FORM_implicit_const values, indexed like `forms` (0 elsewhere). */
  implicit: number[];
  /** Index of DW_AT_sibling in `names`, or -1. */
  siblingIndex: number;
  /** Has DW_AT_low_pc or DW_AT_ranges: may cover code (declarations and abstract instances do not). */
  hasPc: boolean;
  /**
   * Size of all attribute values when every form has a fixed size: `constBytes` plus so many
   * addresses, offsets and DW_FORM_ref_addr; undefined when a form is variable (LEB128, string, block).
   */
  fixed: FixedSize | undefined;
  /** The fixed size of the attributes before DW_AT_sibling, when they are all fixed (a direct jump to it). */
  siblingPrefix: FixedSize | undefined;
}

export interface FixedSize {
  constBytes: number;
  addresses: number;
  offsets: number;
  refAddrs: number;
}

const maxAttributes = 4096;

/** Reads `length` bytes of `.debug_abbrev` at `offset`. */
export type AbbrevWindow = (offset: number, length: number) => Uint8Array;

export class AbbrevTable {
  private readonly entries = new Map<number, Abbrev>();
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
    // Most tables fit 16 KiB (a vmlinux averages 2.3 KiB); bigger ones grow the window.
    this.reader = this.read(file, Math.min(16384, sectionSize - offset), 0);
  }

  get(code: number): Abbrev | undefined {
    const hit = this.entries.get(code);
    if (hit || this.done) return hit;
    while (!this.done) {
      const entry = this.parseNext();
      if (entry?.code === code) return entry;
    }
    return undefined;
  }

  /** Parses one more entry (undefined at the table's end), growing the window when it runs out. */
  private parseNext(): Abbrev | undefined {
    const start = this.reader.pos;
    try {
      return this.parseEntry();
    } catch (err) {
      const available = this.sectionSize - this.offset;
      if (!(err instanceof DwarfFormatError) || err.code !== 'truncated' || this.reader.length >= available) throw err;
      this.reader = this.read(this.reader.place.file, Math.min(available, this.reader.length * 8), start);
      return this.parseNext();
    }
  }

  private parseEntry(): Abbrev | undefined {
    const r = this.reader;
    const code = r.uleb();
    if (code === 0) {
      this.done = true;
      return undefined;
    }
    const tag = r.uleb();
    const hasChildren = r.u8() !== 0;
    // Specifications go to reused scratch arrays first and are copied out at their exact size:
    // growing fresh arrays here was half of all the bytes a vmlinux batch allocated.
    let n = 0;
    let anyImplicit = false;
    let fConst = 0;
    let fAddr = 0;
    let fOff = 0;
    let fRef = 0;
    let isFixed = true;
    let siblingPrefix: FixedSize | undefined;
    let siblingIndex = -1;
    let hasPc = false;
    for (;;) {
      const name = r.uleb();
      const form = r.uleb();
      if (name === 0 && form === 0) break;
      if (n >= maxAttributes) r.fail('absurd-abbrev', `abbrev ${code} has more than ${maxAttributes} attributes`);
      let implicit = 0;
      if (form === DW_FORM_implicit_const) {
        implicit = r.sleb();
        anyImplicit = true;
      }
      if (name === DW_AT_sibling) {
        siblingIndex = n;
        if (isFixed) siblingPrefix = { constBytes: fConst, addresses: fAddr, offsets: fOff, refAddrs: fRef };
      } else if (name === C.DW_AT_low_pc || name === C.DW_AT_ranges) hasPc = true;
      scratchNames[n] = name;
      scratchForms[n] = form;
      scratchImplicit[n] = implicit;
      n++;
      if (isFixed) {
        const cls = form < formClass.length ? formClass[form]! : variable;
        if (cls >= 0) fConst += cls;
        else if (cls === addressClass) fAddr++;
        else if (cls === offsetClass || form === C.DW_FORM_GNU_ref_alt || form === C.DW_FORM_GNU_strp_alt) fOff++;
        else if (cls === refAddrClass) fRef++;
        else isFixed = false;
      }
    }
    if (this.entries.has(code)) r.fail('duplicate-abbrev', `abbrev code ${code} defined twice`);
    const entry: Abbrev = {
      code,
      tag,
      hasChildren,
      names: scratchNames.slice(0, n),
      forms: scratchForms.slice(0, n),
      implicit: anyImplicit ? scratchImplicit.slice(0, n) : noImplicit,
      siblingIndex,
      hasPc,
      fixed: isFixed ? { constBytes: fConst, addresses: fAddr, offsets: fOff, refAddrs: fRef } : undefined,
      siblingPrefix,
    };
    this.entries.set(code, entry);
    return entry;
  }

  private read(file: string, length: number, pos: number): ByteReader {
    return new ByteReader(this.window(this.offset, length), { file, section: '.debug_abbrev', base: this.offset, errorClass: DwarfFormatError }, pos);
  }
}

const noImplicit: number[] = [];
const scratchNames: number[] = [];
const scratchForms: number[] = [];
const scratchImplicit: number[] = [];
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
