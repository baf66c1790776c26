// An ELF file opened for lazy reading: the header and section table are parsed at open; section bytes,
// symbols and notes are read on first use with positioned reads and cached. 32/64-bit little-endian only.
import { ByteReader, stringAt } from '../byte-reader.js';
import { type ByteSource, fileByteSource, memoryByteSource } from '../byte-source.js';
import { ElfFormatError } from '../errors.js';
import { decompressChdrSection, decompressZdebugSection } from './decompress-section.js';
import { ET_REL, SHF_COMPRESSED, SHN_XINDEX, SHT_NOBITS } from './elf-constants.js';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** sh_addr: the link-time address (0 for every section of a relocatable `.ko`). */
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfOpenOptions {
  /** Name used in error messages and results; defaults to the path. */
  name?: string;
}

// Sections larger than this are not kept after a whole read (callers should read them by slices).
const wholeSectionLimit = 64 * 1024 * 1024;

export class ElfFile {
  readonly name: string;
  readonly path: string | undefined;
  readonly is64: boolean;
  readonly type: number;
  readonly machine: number;
  readonly entry: bigint;
  readonly sections: readonly ElfSection[];
  private readonly source: ByteSource;
  private readonly byName = new Map<string, ElfSection>();
  private readonly dataCache = new Map<number, Uint8Array>();
  private readonly transforms: SectionTransform[] = [];
  private readonly wholeRead = new Map<number, boolean>();

  private constructor(source: ByteSource, name: string, path: string | undefined) {
    this.source = source;
    this.name = name;
    this.path = path;
    const head = source.read(0, 64);
    const place = { file: name, section: '(file)', base: 0, errorClass: ElfFormatError };
    const r = new ByteReader(head, place);
    if (head.length < 16 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
      r.fail('bad-magic', 'not an ELF file (bad magic)', 0);
    }
    const cls = head[4];
    if (cls !== 1 && cls !== 2) r.fail('bad-class', `unknown ELF class ${cls}`, 4);
    if (head[5] === 2) r.fail('big-endian', 'big-endian ELF files are not supported', 5);
    if (head[5] !== 1) r.fail('bad-data-encoding', `unknown ELF data encoding ${head[5]}`, 5);
    this.is64 = cls === 2;
    r.seek(16);
    this.type = r.u16();
    this.machine = r.u16();
    r.u32();
    const word = this.is64 ? 8 : 4;
    this.entry = r.address(word);
    r.offset(word); // e_phoff
    const shoff = r.offset(word);
    r.u32(); // e_flags
    r.u16(); // e_ehsize
    r.u16(); // e_phentsize
    r.u16(); // e_phnum
    const shentsize = r.u16();
    let shnum = r.u16();
    let shstrndx = r.u16();
    const expectEnt = this.is64 ? 64 : 40;
    if (shoff === 0) {
      this.sections = [];
      return;
    }
    if (shentsize !== expectEnt) r.fail('bad-shentsize', `e_shentsize ${shentsize}, expected ${expectEnt}`, this.is64 ? 58 : 46);
    const first = this.readSectionHeaders(shoff, 1, expectEnt)[0]!;
    if (shnum === 0) shnum = first.size; // extended numbering: the count lives in section 0
    if (shstrndx === SHN_XINDEX) shstrndx = first.link;
    if (shnum > 0x100000) r.fail('bad-shnum', `${shnum} sections`, 0);
    const headers = this.readSectionHeaders(shoff, shnum, expectEnt);
    const strtab = headers[shstrndx];
    let names: Uint8Array = new Uint8Array(0);
    if (strtab && strtab.type !== SHT_NOBITS) {
      if (strtab.offset + strtab.size > source.size) {
        throw new ElfFormatError({ file: name, section: '(file)', offset: shoff, code: 'section-past-end' }, 'section name table past the end of the file');
      }
      names = source.read(strtab.offset, strtab.size);
    }
    const sections = headers.map((h) => ({ ...stripName(h), name: stringAt(names, h.nameOffset) ?? '' }));
    for (const s of sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    this.sections = sections;
  }

  static open(path: string, options: ElfOpenOptions = {}): ElfFile {
    const source = fileByteSource(path);
    try {
      return new ElfFile(source, options.name ?? path, path);
    } catch (err) {
      source.close();
      throw err;
    }
  }

  static fromBytes(bytes: Uint8Array, options: ElfOpenOptions & { path?: string } = {}): ElfFile {
    return new ElfFile(memoryByteSource(bytes), options.name ?? options.path ?? '(memory)', options.path);
  }

  close(): void {
    this.source.close();
    this.dataCache.clear();
  }

  get isRelocatable(): boolean {
    return this.type === ET_REL;
  }

  /** The first section with that name. */
  findSection(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /**
   * Registers a rewrite applied to a section's bytes on first read (used for `.ko` relocation of
   * `.rela.debug_*`). Transformed sections are always cached whole.
   */
  addSectionTransform(transform: SectionTransform): void {
    this.transforms.push(transform);
    this.dataCache.clear();
    this.wholeRead.clear();
  }

  /** Whether a section must be read whole (compressed or rewritten) rather than by slices. */
  private needsWholeRead(section: ElfSection): boolean {
    let whole = this.wholeRead.get(section.index);
    if (whole === undefined) {
      whole = (section.flags & SHF_COMPRESSED) !== 0 || section.name.startsWith('.zdebug') || this.transforms.some((t) => t.applies(section));
      this.wholeRead.set(section.index, whole);
    }
    return whole;
  }

  /** A section's contents, decompressed and relocated where that applies. NOBITS gives zeros-free empty bytes. */
  sectionData(section: ElfSection): Uint8Array {
    const cached = this.dataCache.get(section.index);
    if (cached) return cached;
    let data = this.rawSectionBytes(section);
    if (section.flags & SHF_COMPRESSED) data = decompressChdrSection(data, { file: this.name, section: section.name, is64: this.is64 });
    else if (section.name.startsWith('.zdebug')) data = decompressZdebugSection(data, { file: this.name, section: section.name, is64: this.is64 });
    for (const t of this.transforms) if (t.applies(section)) data = t.apply(section, data);
    if (data.length <= wholeSectionLimit || this.needsWholeRead(section)) this.dataCache.set(section.index, data);
    return data;
  }

  /** The uncompressed size of a section (reads the compression header when there is one). */
  sectionDataSize(section: ElfSection): number {
    if (!this.needsWholeRead(section)) return section.type === SHT_NOBITS ? 0 : section.size;
    return this.sectionData(section).length;
  }

  /**
   * `length` bytes at `offset` inside a section's contents, read from the file without loading the
   * whole section when it is stored plainly (a vmlinux `.debug_info` is 160 MB). `buffer`, when
   * given, provides the memory a read from the file goes to (a caller recycling its buffers).
   */
  readSectionRange(section: ElfSection, offset: number, length: number, buffer?: (length: number) => Uint8Array): Uint8Array {
    const total = this.sectionDataSize(section);
    if (offset < 0 || length < 0 || offset + length > total) {
      throw new ElfFormatError({ file: this.name, section: section.name, offset, code: 'past-end' }, `read of ${length} bytes past the end of the section (size 0x${total.toString(16)})`);
    }
    const cached = this.dataCache.get(section.index);
    if (cached || this.needsWholeRead(section)) {
      return (cached ?? this.sectionData(section)).subarray(offset, offset + length);
    }
    if (!buffer) return this.source.read(section.offset + offset, length);
    const target = buffer(length);
    return target.subarray(0, this.source.readInto(section.offset + offset, length, target));
  }

  private rawSectionBytes(section: ElfSection): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(0);
    if (section.offset + section.size > this.source.size) {
      throw new ElfFormatError(
        { file: this.name, section: section.name || `section ${section.index}`, offset: 0, code: 'section-past-end' },
        `section data (0x${section.offset.toString(16)}+0x${section.size.toString(16)}) past the end of the file (0x${this.source.size.toString(16)})`,
      );
    }
    return this.source.read(section.offset, section.size);
  }

  private readSectionHeaders(shoff: number, count: number, entsize: number): RawHeader[] {
    const total = count * entsize;
    if (shoff + total > this.source.size) {
      throw new ElfFormatError({ file: this.name, section: '(file)', offset: shoff, code: 'section-table-past-end' }, `section header table (${count} entries) past the end of the file`);
    }
    const bytes = this.source.read(shoff, total);
    const r = new ByteReader(bytes, { file: this.name, section: '(section headers)', base: shoff, errorClass: ElfFormatError });
    const out: RawHeader[] = [];
    const word = this.is64 ? 8 : 4;
    for (let i = 0; i < count; i++) {
      r.seek(i * entsize);
      const nameOffset = r.u32();
      const type = r.u32();
      const flags = Number(r.address(word));
      const addr = r.address(word);
      const offset = r.offset(word);
      const size = r.offset(word);
      const link = r.u32();
      const info = r.u32();
      const addralign = r.offset(word);
      const entsz = r.offset(word);
      out.push({ index: i, name: '', nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize: entsz });
    }
    return out;
  }
}

/** A rewrite of a section's bytes on first read (relocation of debug sections in ET_REL files). */
export interface SectionTransform {
  applies(section: ElfSection): boolean;
  apply(section: ElfSection, data: Uint8Array): Uint8Array;
}

interface RawHeader extends ElfSection {
  nameOffset: number;
}

function stripName(h: RawHeader): ElfSection {
  const { nameOffset: _unused, ...rest } = h;
  void _unused;
  return rest;
}
