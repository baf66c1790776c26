// Relocation entries (`.rela.*`/`.rel.*`) and their application to the debug sections of a relocatable
// `.ko`: without it every DW_AT_low_pc, DW_FORM_strp and stmt_list of a module would read as 0.
// Only ET_REL files are relocated: Debian's vmlinux is linked with --emit-relocs and carries 255 MB of
// `.rela.debug_info` whose targets are already final.
import { ByteReader } from '../byte-reader.js';
import { ElfFormatError } from '../errors.js';
import { EM_386, EM_AARCH64, EM_X86_64, SHT_REL, SHT_RELA } from './elf-constants.js';
import type { ElfFile, ElfSection } from './elf-file.js';
import type { SymbolTable } from './symbol-table.js';

export interface ElfRelocation {
  /** Offset inside the target section. */
  offset: number;
  /** R_X86_64_*, R_AARCH64_*, R_386_* */
  type: number;
  symbolIndex: number;
  /** Explicit addend (RELA) or undefined for REL, where the addend is stored in place. */
  addend: bigint | undefined;
}

/** Parses one SHT_RELA or SHT_REL section. */
export function readRelocations(elf: ElfFile, section: ElfSection): ElfRelocation[] {
  if (section.type !== SHT_RELA && section.type !== SHT_REL) {
    throw new ElfFormatError({ file: elf.name, section: section.name, offset: 0, code: 'not-a-relocation-section' }, `section type ${section.type} is not REL/RELA`);
  }
  const data = elf.sectionData(section);
  const rela = section.type === SHT_RELA;
  const entsize = elf.is64 ? (rela ? 24 : 16) : rela ? 12 : 8;
  const r = new ByteReader(data, { file: elf.name, section: section.name, base: 0, errorClass: ElfFormatError });
  const out: ElfRelocation[] = [];
  const count = Math.floor(data.length / entsize);
  for (let i = 0; i < count; i++) {
    r.pos = i * entsize;
    if (elf.is64) {
      const offset = r.u64Number();
      const info = r.u64();
      out.push({ offset, type: Number(info & 0xffffffffn), symbolIndex: Number(info >> 32n), addend: rela ? BigInt.asIntN(64, r.u64()) : undefined });
    } else {
      const offset = r.u32();
      const info = r.u32();
      out.push({ offset, type: info & 0xff, symbolIndex: info >>> 8, addend: rela ? BigInt(r.i32()) : undefined });
    }
  }
  return out;
}

/** The relocation sections that apply to `target` (sh_info points at it). */
export function findRelocationSections(elf: ElfFile, target: ElfSection): ElfSection[] {
  return elf.sections.filter((s) => (s.type === SHT_RELA || s.type === SHT_REL) && s.info === target.index && s.index !== target.index);
}

interface RelocKind {
  size: 4 | 8;
  pcRelative: boolean;
}

function relocKind(machine: number, type: number): RelocKind | 'none' | undefined {
  if (machine === EM_X86_64) {
    switch (type) {
      case 0: return 'none';
      case 1: return { size: 8, pcRelative: false }; // R_X86_64_64
      case 2: return { size: 4, pcRelative: true }; // R_X86_64_PC32
      case 10: return { size: 4, pcRelative: false }; // R_X86_64_32
      case 11: return { size: 4, pcRelative: false }; // R_X86_64_32S
      case 24: return { size: 8, pcRelative: true }; // R_X86_64_PC64
    }
  } else if (machine === EM_AARCH64) {
    switch (type) {
      case 0: return 'none';
      case 257: return { size: 8, pcRelative: false }; // R_AARCH64_ABS64
      case 258: return { size: 4, pcRelative: false }; // R_AARCH64_ABS32
      case 260: return { size: 8, pcRelative: true }; // R_AARCH64_PREL64
      case 261: return { size: 4, pcRelative: true }; // R_AARCH64_PREL32
    }
  } else if (machine === EM_386) {
    switch (type) {
      case 0: return 'none';
      case 1: return { size: 4, pcRelative: false }; // R_386_32
      case 2: return { size: 4, pcRelative: true }; // R_386_PC32
    }
  }
  return undefined;
}

/**
 * Makes `elf` relocate its non-allocated `.debug_*` sections on first read, with symbol values from
 * `symbols` (whose addresses already carry the synthetic section bases). No-op unless ET_REL.
 */
export function relocateDebugSections(elf: ElfFile, symbols: SymbolTable): void {
  if (!elf.isRelocatable) return;
  elf.addSectionTransform({
    applies: (s) => /^\.z?debug_/.test(s.name) && findRelocationSections(elf, s).length > 0,
    apply: (section, data) => {
      const out = new Uint8Array(data);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      for (const relSection of findRelocationSections(elf, section)) {
        for (const rel of readRelocations(elf, relSection)) {
          const kind = relocKind(elf.machine, rel.type);
          if (kind === 'none') continue;
          const place = { file: elf.name, section: relSection.name, offset: rel.offset, code: 'bad-relocation' };
          if (!kind) throw new ElfFormatError({ ...place, code: 'unknown-relocation' }, `relocation type ${rel.type} for machine ${elf.machine} not supported`);
          if (rel.offset + kind.size > out.length) throw new ElfFormatError(place, `relocation at 0x${rel.offset.toString(16)} past the end of ${section.name}`);
          const s = symbols.addressOf(rel.symbolIndex);
          if (s === undefined) throw new ElfFormatError(place, `relocation names symbol ${rel.symbolIndex}, not in the symbol table`);
          const a = rel.addend ?? (kind.size === 8 ? view.getBigUint64(rel.offset, true) : BigInt(view.getUint32(rel.offset, true)));
          let v = s + a;
          if (kind.pcRelative) v -= BigInt(rel.offset);
          if (kind.size === 8) view.setBigUint64(rel.offset, BigInt.asUintN(64, v), true);
          else view.setUint32(rel.offset, Number(BigInt.asUintN(32, v)), true);
        }
      }
      return out;
    },
  });
}
