// `.debug_abbrev` tables (DWARF 5 §7.5.3): per code, the tag, the children flag and the attribute
// specifications. Parsed incrementally: a lookup parses entries only as far as the code it needs
// (a unit's root is nearly always code 1, and building the unit range table needs only roots).
import { ByteReader } from '../byte-reader.js';
import { DwarfFormatError } from '../errors.js';
import { DW_FORM_implicit_const } from './dwarf-constants.js';

export interface Abbrev {
  code: number;
  tag: number;
  hasChildren: boolean;
  names: number[];
  forms: number[];
  /** DW_FORM_implicit_const values, indexed like `forms` (0 elsewhere). */
  implicit: number[];
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
    this.reader = this.read(file, Math.min(2048, sectionSize - offset), 0);
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
    const names: number[] = [];
    const forms: number[] = [];
    const implicit: number[] = [];
    for (;;) {
      const name = r.uleb();
      const form = r.uleb();
      if (name === 0 && form === 0) break;
      implicit.push(form === DW_FORM_implicit_const ? r.sleb() : 0);
      names.push(name);
      forms.push(form);
      if (names.length > maxAttributes) r.fail('absurd-abbrev', `abbrev ${code} has more than ${maxAttributes} attributes`);
    }
    if (this.entries.has(code)) r.fail('duplicate-abbrev', `abbrev code ${code} defined twice`);
    const entry = { code, tag, hasChildren, names, forms, implicit };
    this.entries.set(code, entry);
    return entry;
  }

  private read(file: string, length: number, pos: number): ByteReader {
    return new ByteReader(this.window(this.offset, length), { file, section: '.debug_abbrev', base: this.offset, errorClass: DwarfFormatError }, pos);
  }
}
