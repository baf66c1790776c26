// Byte offsets of a structure's members from DWARF (`module.mem[0].base`, `task_struct.comm`), for
// readers of a kernel's memory whose layouts change between releases. Finding a struct by name in a
// vmlinux's 160 MB `.debug_info` would mean walking every unit; instead the caller names a code address
// whose compile unit uses the struct (a function of kernel/module/main.c for `struct module`), found
// through `.debug_aranges`, and only that unit's top-level DIEs are walked. Only references inside that
// unit are followed (GCC's kernel builds keep a unit's types in the unit).
import { DwarfFormatError } from '../errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { AbbrevTable } from './abbrev-table.js';
import { UnitRangeTable, readAranges } from './address-ranges.js';
import type { AttributeValue } from './attribute-value.js';
import * as C from './dwarf-constants.js';
import { DwarfSections } from './dwarf-sections.js';
import { DwarfUnit, readUnitHeader } from './dwarf-unit.js';

// DWARF 5 §7.5.3/§7.5.4 numbers this reader needs beyond dwarf-constants.ts.
const DW_TAG_array_type = 0x01;
const DW_TAG_member = 0x0d;
const DW_TAG_pointer_type = 0x0f;
const DW_TAG_structure_type = 0x13;
const DW_TAG_subrange_type = 0x21;
const DW_TAG_typedef = 0x16;
const DW_TAG_union_type = 0x17;
const DW_TAG_const_type = 0x26;
const DW_TAG_volatile_type = 0x35;
const DW_AT_byte_size = 0x0b;
const DW_AT_upper_bound = 0x2f;
const DW_AT_count = 0x37;
const DW_AT_data_member_location = 0x38;
const DW_AT_declaration = 0x3c;
const DW_AT_type = 0x49;

const qualifierTags = new Set([DW_TAG_typedef, DW_TAG_const_type, DW_TAG_volatile_type]);

/** A member reached by a path: its byte offset from the start of the outer struct and its size. */
export interface MemberPlace {
  offset: number;
  size: number | undefined;
}

export interface StructLayout {
  name: string;
  size: number;
  /**
   * A member by path: `comm`, `core_layout.base`, `mem[4].size`, `arch.orc_unwind_ip`; members of
   * anonymous unions and structs are found by their own names. Undefined when the path does not exist.
   */
  member(path: string): MemberPlace | undefined;
}

interface TypeInfo {
  tag: number;
  name: string | undefined;
  size: number | undefined;
  /** DW_AT_type, for qualifiers, arrays and pointers. */
  type: number | undefined;
  hasChildren: boolean;
}

/**
 * The layout of `struct name` as the compile unit covering `near` (a link-time code address) defines
 * it; undefined when that unit has no complete definition of it. Throws DwarfFormatError on bad DWARF.
 */
export function readStructLayout(elf: ElfFile, name: string, options: { near: bigint }): StructLayout | undefined {
  const sections = new DwarfSections(elf);
  if (!sections.has('.debug_info')) return undefined;
  for (const offset of new UnitRangeTable(readAranges(sections)).find(options.near)) {
    const header = readUnitHeader(sections, offset);
    const abbrevs = new AbbrevTable(sections.file, header.abbrevOffset, sections.size('.debug_abbrev'), (o, n) => sections.range('.debug_abbrev', o, n));
    const unit = new DwarfUnit(sections, header, abbrevs);
    const found = findTopLevelStruct(unit, name);
    if (found !== undefined) return new UnitStructLayout(unit, name, found);
  }
  return undefined;
}

function findTopLevelStruct(unit: DwarfUnit, name: string): number | undefined {
  const root = unit.entryAt(unit.header.firstDieOffset)!;
  unit.attributes(root);
  if (!unit.abbrevs.hasChildren(root.abbrev)) return undefined;
  for (;;) {
    const abbrev = unit.nextAbbrev();
    if (abbrev < 0) return undefined;
    const offset = unit.entryOffset;
    const attrs = unit.attributes({ offset, abbrev, attrsPos: unit.reader.pos });
    if (unit.abbrevs.tag(abbrev) === DW_TAG_structure_type && !attrs.has(DW_AT_declaration) && unit.stringOf(attrs.get(C.DW_AT_name)) === name) return offset;
    unit.skipChildren(abbrev, offset, referenceOf(attrs.get(C.DW_AT_sibling)));
  }
}

function referenceOf(v: AttributeValue | undefined): number | undefined {
  return v?.kind === 'reference' ? v.offset : undefined;
}

function numberOf(v: AttributeValue | undefined): number | undefined {
  return v?.kind === 'constant' ? Number(v.value) : undefined;
}

class UnitStructLayout implements StructLayout {
  readonly name: string;
  readonly size: number;
  private readonly unit: DwarfUnit;
  private readonly root: number;
  private readonly types = new Map<number, TypeInfo>();

  constructor(unit: DwarfUnit, name: string, offset: number) {
    this.unit = unit;
    this.name = name;
    this.root = offset;
    this.size = this.typeAt(offset).size ?? 0;
  }

  member(path: string): MemberPlace | undefined {
    let type = this.root;
    let offset = 0;
    let size: number | undefined = this.size;
    for (const part of path.split('.')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(part);
      if (!m) return undefined;
      const found = this.findMember(this.strip(type), m[1]!, 0);
      if (!found) return undefined;
      offset += found.offset;
      type = found.type;
      size = this.sizeOf(type);
      for (const index of m[2]!.match(/\d+/g) ?? []) {
        const array = this.strip(type);
        const info = this.typeAt(array);
        if (info.tag !== DW_TAG_array_type || info.type === undefined) return undefined;
        const stride = this.sizeOf(info.type);
        if (stride === undefined) return undefined;
        offset += Number(index) * stride;
        type = info.type;
        size = stride;
      }
    }
    return { offset, size };
  }

  /** A member of the struct or union at `type`, looking into anonymous members. */
  private findMember(type: number, name: string, depth: number): { offset: number; type: number } | undefined {
    const info = this.typeAt(type);
    if ((info.tag !== DW_TAG_structure_type && info.tag !== DW_TAG_union_type) || !info.hasChildren || depth > 8) return undefined;
    for (const child of this.children(type)) {
      if (child.tag !== DW_TAG_member || child.type === undefined) continue;
      if (child.name === name) return { offset: child.location, type: child.type };
      if (child.name === undefined) {
        const inner = this.findMember(this.strip(child.type), name, depth + 1);
        if (inner) return { offset: child.location + inner.offset, type: inner.type };
      }
    }
    return undefined;
  }

  private children(offset: number): { tag: number; name: string | undefined; type: number | undefined; location: number }[] {
    const unit = this.unit;
    const entry = unit.entryAt(offset)!;
    unit.attributes(entry);
    const out: { tag: number; name: string | undefined; type: number | undefined; location: number }[] = [];
    for (;;) {
      const abbrev = unit.nextAbbrev();
      if (abbrev < 0) return out;
      const at = unit.entryOffset;
      const attrs = unit.attributes({ offset: at, abbrev, attrsPos: unit.reader.pos });
      out.push({ tag: unit.abbrevs.tag(abbrev), name: unit.stringOf(attrs.get(C.DW_AT_name)), type: this.inUnit(referenceOf(attrs.get(DW_AT_type))), location: numberOf(attrs.get(DW_AT_data_member_location)) ?? 0 });
      unit.skipChildren(abbrev, at, referenceOf(attrs.get(C.DW_AT_sibling)));
    }
  }

  /** Through typedefs and qualifiers. */
  private strip(offset: number): number {
    for (let i = 0; i < 16; i++) {
      const info = this.typeAt(offset);
      if (!qualifierTags.has(info.tag) || info.type === undefined) return offset;
      offset = info.type;
    }
    return offset;
  }

  private sizeOf(offset: number): number | undefined {
    const stripped = this.strip(offset);
    const info = this.typeAt(stripped);
    if (info.tag === DW_TAG_pointer_type) return info.size ?? this.unit.addressSize;
    if (info.tag === DW_TAG_array_type && info.type !== undefined) {
      const count = this.arrayCount(stripped);
      const element = this.sizeOf(info.type);
      return count === undefined || element === undefined ? undefined : count * element;
    }
    return info.size;
  }

  private arrayCount(offset: number): number | undefined {
    const unit = this.unit;
    const entry = unit.entryAt(offset)!;
    unit.attributes(entry);
    if (!unit.abbrevs.hasChildren(entry.abbrev)) return undefined;
    const abbrev = unit.nextAbbrev();
    if (abbrev < 0 || unit.abbrevs.tag(abbrev) !== DW_TAG_subrange_type) return undefined;
    const attrs = unit.attributes({ offset: unit.entryOffset, abbrev, attrsPos: unit.reader.pos });
    const count = numberOf(attrs.get(DW_AT_count));
    if (count !== undefined) return count;
    const upper = numberOf(attrs.get(DW_AT_upper_bound));
    return upper === undefined ? undefined : upper + 1;
  }

  private typeAt(offset: number): TypeInfo {
    let info = this.types.get(offset);
    if (!info) {
      const unit = this.unit;
      const entry = unit.entryAt(offset);
      if (!entry) throw new DwarfFormatError({ file: unit.file, section: '.debug_info', offset, code: 'bad-reference' }, 'type reference to a null entry');
      const attrs = unit.attributes(entry);
      info = {
        tag: unit.abbrevs.tag(entry.abbrev),
        name: unit.stringOf(attrs.get(C.DW_AT_name)),
        size: numberOf(attrs.get(DW_AT_byte_size)),
        type: this.inUnit(referenceOf(attrs.get(DW_AT_type))),
        hasChildren: unit.abbrevs.hasChildren(entry.abbrev),
      };
      this.types.set(offset, info);
    }
    return info;
  }

  private inUnit(offset: number | undefined): number | undefined {
    return offset !== undefined && this.unit.containsOffset(offset) ? offset : undefined;
  }
}
