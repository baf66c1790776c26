// One binary with everything the symbolizer reads from it: the ELF, its section layout (synthetic
// bases for a `.ko`), its symbol table and its DWARF — each built on first use. Relocation of a
// module's debug sections is wired here, so every reader above sees final addresses.
import { DwarfInfo } from './dwarf/dwarf-info.js';
import { ElfFile, type ElfOpenOptions, type ElfSection } from './elf/elf-file.js';
import { relocateDebugSections } from './elf/relocations.js';
import { type SectionAddress, SectionLayout } from './elf/section-layout.js';
import { type SymbolTable, readSymbolTable } from './elf/symbol-table.js';
import { ElfFormatError } from './errors.js';

export class DebugFile {
  readonly elf: ElfFile;
  readonly layout: SectionLayout;
  private symbolTable: SymbolTable | undefined;
  private dwarfInfo: DwarfInfo | null | undefined;

  constructor(elf: ElfFile) {
    this.elf = elf;
    this.layout = new SectionLayout(elf);
  }

  static open(path: string, options: ElfOpenOptions = {}): DebugFile {
    return new DebugFile(ElfFile.open(path, options));
  }

  static fromBytes(bytes: Uint8Array, options: ElfOpenOptions & { path?: string } = {}): DebugFile {
    return new DebugFile(ElfFile.fromBytes(bytes, options));
  }

  get name(): string {
    return this.elf.name;
  }

  close(): void {
    this.elf.close();
  }

  get symbols(): SymbolTable {
    if (!this.symbolTable) {
      this.symbolTable = readSymbolTable(this.elf, this.layout);
      relocateDebugSections(this.elf, this.symbolTable);
    }
    return this.symbolTable;
  }

  /** The DWARF reader, or undefined when the file has no `.debug_info`. */
  get dwarf(): DwarfInfo | undefined {
    if (this.dwarfInfo === undefined) {
      if (this.elf.isRelocatable) void this.symbols; // relocation needs the symbols first
      this.dwarfInfo = DwarfInfo.present(this.elf) ? new DwarfInfo(this.elf) : null;
    }
    return this.dwarfInfo ?? undefined;
  }

  /**
   * The address of `offset` inside a named section: sh_addr + offset in a vmlinux, the synthetic
   * base + offset in a `.ko` (what `addr2line -j .init.text 0x11` means).
   */
  sectionAddress(sectionName: string, offset: bigint): bigint {
    const section = this.elf.findSection(sectionName);
    const base = section ? this.layout.baseOf(section.index) : undefined;
    if (!section || base === undefined) {
      throw new ElfFormatError({ file: this.name, section: sectionName, offset: 0, code: 'no-such-section' }, `no allocated section ${sectionName}`);
    }
    return base + offset;
  }

  /** The section and offset of an address in this file's layout. */
  sectionOf(address: bigint): SectionAddress | undefined {
    return this.layout.findSectionAddress(address);
  }

  /** A function's bytes, for disassembly: `length` bytes at `address` of the file's layout. */
  readCode(address: bigint, length: number): Uint8Array {
    const where = this.sectionOf(address);
    if (!where) throw new ElfFormatError({ file: this.name, section: '(layout)', offset: 0, code: 'unmapped-address' }, `address 0x${address.toString(16)} is in no section`);
    const s: ElfSection = where.section;
    const off = Number(where.offset);
    return this.elf.sectionData(s).subarray(off, Math.min(off + length, s.size));
  }
}
