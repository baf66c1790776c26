// The hot path of a lookup: reading only the PC-range, call-site and sibling attributes of the DIEs
// met while descending towards an address, into one reused record instead of a map per DIE
// (a lookup walks thousands of DIEs; allocating for each doubled the time in GC).
import type { Abbrev } from './abbrev-table.js';
import { readAttributeValue, skipAttributeValue } from './attribute-value.js';
import * as C from './dwarf-constants.js';
import type { DwarfUnit } from './dwarf-unit.js';
import type { AddressRange } from './range-list.js';

const { DW_AT_sibling, DW_AT_low_pc, DW_AT_high_pc, DW_AT_ranges, DW_AT_call_file, DW_AT_call_line, DW_AT_call_column } = C;
const { DW_FORM_addr, DW_FORM_data1, DW_FORM_data2, DW_FORM_data4, DW_FORM_data8, DW_FORM_udata, DW_FORM_implicit_const, DW_FORM_ref4, DW_FORM_sec_offset, DW_FORM_rnglistx } = C;

export interface ScopeScan {
  sibling: number | undefined;
  low: bigint | undefined;
  high: bigint | undefined;
  /** DW_AT_high_pc was a length (DWARF 4+ constant class). */
  highIsLength: boolean;
  rangesOffset: number | undefined;
  rangesIndex: number | undefined;
  callFile: number | undefined;
  callLine: number;
  callColumn: number;
}

export function newScopeScan(): ScopeScan {
  return { sibling: undefined, low: undefined, high: undefined, highIsLength: false, rangesOffset: undefined, rangesIndex: undefined, callFile: undefined, callLine: 0, callColumn: 0 };
}

/** Reads a DIE's scope attributes into `out` (reset first), leaving the reader after the DIE's attributes. */
export function scanScope(unit: DwarfUnit, abbrev: Abbrev, attrsPos: number, out: ScopeScan): ScopeScan {
  out.sibling = out.low = out.high = out.rangesOffset = out.rangesIndex = out.callFile = undefined;
  out.highIsLength = false;
  out.callLine = out.callColumn = 0;
  const r = unit.reader;
  r.pos = attrsPos;
  const t = unit.abbrevs;
  const { names, forms, implicit } = t;
  for (let i = t.first(abbrev), end = t.end(abbrev); i < end; i++) {
    const name = names[i]!;
    const form = forms[i]!;
    switch (name) {
      case DW_AT_sibling:
      case DW_AT_low_pc:
      case DW_AT_high_pc:
      case DW_AT_ranges:
      case DW_AT_call_file:
      case DW_AT_call_line:
      case DW_AT_call_column: {
        const v = readScalar(unit, form, implicit[i]!);
        if (name === DW_AT_sibling) out.sibling = kind === K_REFERENCE ? Number(v) : undefined;
        else if (name === DW_AT_low_pc) out.low = kind === K_ADDRESS ? BigInt(v) : kind === K_ADDRESS_INDEX ? unit.indexedAddress(Number(v)) : undefined;
        else if (name === DW_AT_high_pc) {
          if (kind === K_CONSTANT) {
            out.high = BigInt(v);
            out.highIsLength = true;
          } else out.high = kind === K_ADDRESS ? BigInt(v) : kind === K_ADDRESS_INDEX ? unit.indexedAddress(Number(v)) : undefined;
        } else if (name === DW_AT_ranges) {
          if (kind === K_RNGLIST_INDEX) out.rangesIndex = Number(v);
          else if (kind === K_SECTION_OFFSET || kind === K_CONSTANT) out.rangesOffset = Number(v);
        } else if (kind === K_CONSTANT) {
          const n = Number(v);
          if (name === DW_AT_call_file) out.callFile = n;
          else if (name === DW_AT_call_line) out.callLine = n;
          else out.callColumn = n;
        }
        break;
      }
      default:
        skipAttributeValue(r, form, unit);
    }
  }
  return out;
}

// The class of the value `readScalar` last returned, in a module variable so the hot loop
// allocates nothing.
const K_OTHER = 0;
const K_CONSTANT = 1;
const K_ADDRESS = 2;
const K_ADDRESS_INDEX = 3;
const K_REFERENCE = 4;
const K_SECTION_OFFSET = 5;
const K_RNGLIST_INDEX = 6;
let kind = K_OTHER;

/** The common scalar forms decoded in place; the rest through readAttributeValue. */
function readScalar(unit: DwarfUnit, form: number, implicit: number): number | bigint {
  const r = unit.reader;
  switch (form) {
    case DW_FORM_addr:
      kind = K_ADDRESS;
      return r.address(unit.addressSize);
    case DW_FORM_data1:
      kind = K_CONSTANT;
      return r.u8();
    case DW_FORM_data2:
      kind = K_CONSTANT;
      return r.u16();
    case DW_FORM_data4:
      kind = K_CONSTANT;
      return r.u32();
    case DW_FORM_data8:
      kind = K_CONSTANT;
      return r.u64();
    case DW_FORM_udata:
      kind = K_CONSTANT;
      return r.uleb();
    case DW_FORM_implicit_const:
      kind = K_CONSTANT;
      return implicit;
    case DW_FORM_ref4:
      kind = K_REFERENCE;
      return unit.offset + r.u32();
    case DW_FORM_sec_offset:
      kind = K_SECTION_OFFSET;
      return r.offset(unit.offsetSize);
    case DW_FORM_rnglistx:
      kind = K_RNGLIST_INDEX;
      return r.uleb();
  }
  const v = readAttributeValue(r, form, unit, unit.offset, implicit);
  switch (v.kind) {
    case 'constant':
      kind = K_CONSTANT;
      return v.value;
    case 'address':
      kind = K_ADDRESS;
      return v.value;
    case 'address-index':
      kind = K_ADDRESS_INDEX;
      return v.index;
    case 'reference':
      kind = K_REFERENCE;
      return v.offset;
    case 'section-offset':
      kind = K_SECTION_OFFSET;
      return v.offset;
    case 'rnglist-index':
      kind = K_RNGLIST_INDEX;
      return v.index;
    default:
      kind = K_OTHER;
      return 0;
  }
}

/** The scope's PC ranges; undefined when it has no code. Keeps the reader position. */
export function scopeRanges(unit: DwarfUnit, s: ScopeScan): AddressRange[] | undefined {
  if (s.rangesOffset !== undefined || s.rangesIndex !== undefined) {
    const pos = unit.reader.pos;
    const out = unit.rangeList(s.rangesIndex !== undefined ? { index: s.rangesIndex } : { offset: s.rangesOffset! });
    unit.reader.pos = pos;
    return out;
  }
  if (s.low === undefined) return undefined;
  if (s.high === undefined) return [{ start: s.low, end: s.low + 1n }];
  return [{ start: s.low, end: s.highIsLength ? s.low + s.high : s.high }];
}

/** Whether the scope's code contains `address`, without building ranges in the common low/high case. */
export function scopeContains(unit: DwarfUnit, s: ScopeScan, address: bigint): boolean {
  if (s.rangesOffset === undefined && s.rangesIndex === undefined) {
    if (s.low === undefined || address < s.low) return false;
    const end = s.high === undefined ? s.low + 1n : s.highIsLength ? s.low + s.high : s.high;
    return address < end;
  }
  for (const r of scopeRanges(unit, s) ?? []) if (address >= r.start && address < r.end) return true;
  return false;
}
