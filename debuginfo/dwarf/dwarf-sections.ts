// The DWARF sections of one ELF file, read on demand: small ones (.debug_abbrev, .debug_str,
// .debug_rnglists...) whole on first use, the big ones (.debug_info, .debug_line) one unit at a time.
import { ByteReader, stringAt } from '../byte-reader.js';
import { DwarfFormatError } from '../errors.js';
import type { ElfFile, ElfSection } from '../elf/elf-file.js';

export type DwarfSectionName =
  | '.debug_info'
  | '.debug_abbrev'
  | '.debug_line'
  | '.debug_str'
  | '.debug_line_str'
  | '.debug_str_offsets'
  | '.debug_addr'
  | '.debug_aranges'
  | '.debug_ranges'
  | '.debug_rnglists';

export class DwarfSections {
  readonly elf: ElfFile;
  private readonly whole = new Map<DwarfSectionName, Uint8Array>();

  constructor(elf: ElfFile) {
    this.elf = elf;
  }

  get file(): string {
    return this.elf.name;
  }

  /** The section, under its plain or legacy `.zdebug_` name. */
  find(name: DwarfSectionName): ElfSection | undefined {
    return this.elf.findSection(name) ?? this.elf.findSection('.z' + name.slice(1));
  }

  has(name: DwarfSectionName): boolean {
    return this.find(name) !== undefined;
  }

  size(name: DwarfSectionName): number {
    const s = this.find(name);
    return s ? this.elf.sectionDataSize(s) : 0;
  }

  /** A whole (small) section; empty when absent. */
  bytes(name: DwarfSectionName): Uint8Array {
    let b = this.whole.get(name);
    if (!b) {
      const s = this.find(name);
      b = s ? this.elf.sectionData(s) : new Uint8Array(0);
      this.whole.set(name, b);
    }
    return b;
  }

  /** `length` bytes at `offset`, without loading the whole section (into memory from `buffer` when given). */
  range(name: DwarfSectionName, offset: number, length: number, buffer?: (length: number) => Uint8Array): Uint8Array {
    const s = this.find(name);
    if (!s) this.fail(name, offset, 'missing-section', `${name} is missing`);
    const total = this.elf.sectionDataSize(s);
    if (offset < 0 || length < 0 || offset + length > total) {
      this.fail(name, offset, 'past-end', `0x${length.toString(16)} bytes at 0x${offset.toString(16)} run past the end of the section (0x${total.toString(16)})`);
    }
    return this.elf.readSectionRange(s, offset, length, buffer);
  }

  /** A reader over a whole section. */
  reader(name: DwarfSectionName, pos = 0): ByteReader {
    return new ByteReader(this.bytes(name), { file: this.file, section: name, base: 0, errorClass: DwarfFormatError }, pos);
  }

  /** A reader over a slice that reports section offsets in errors. */
  sliceReader(name: DwarfSectionName, offset: number, length: number, buffer?: (length: number) => Uint8Array): ByteReader {
    return new ByteReader(this.range(name, offset, length, buffer), { file: this.file, section: name, base: offset, errorClass: DwarfFormatError });
  }

  string(name: '.debug_str' | '.debug_line_str', offset: number): string {
    const s = stringAt(this.bytes(name), offset);
    if (s === undefined) this.fail(name, offset, 'bad-string-offset', `string offset 0x${offset.toString(16)} outside the section`);
    return s;
  }

  fail(section: string, offset: number, code: string, detail: string): never {
    throw new DwarfFormatError({ file: this.file, section, offset, code }, detail);
  }
}
