// The hot path of a lookup: reading only the PC-range, call-site and sibling attributes of the DIEs
// met while descending towards an address, into one reused record instead of a map per DIE
// (a lookup walks thousands of DIEs; allocating for each doubled the time in GC).
import type { Abbrev } from './abbrev-table.js';
import { readAttributeValue, skipAttributeValue } from './attribute-value.js';
import * as C from './dwarf-constants.js';
import type { DwarfUnit } from './dwarf-unit.js';
import type { AddressRange } from './range-list.js';

const { DW_AT_sibling, DW_AT_low_pc, DW_AT_high_pc, DW_AT_ranges, DW_AT_call_file, DW_AT_call_line, DW_AT_call_column } = C;

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
  const { names, forms, implicit } = abbrev;
  for (let i = 0; i < names.length; i++) {
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
        const v = readAttributeValue(r, form, unit, unit.offset, implicit[i]);
        if (name === DW_AT_sibling) out.sibling = v.kind === 'reference' ? v.offset : undefined;
        else if (name === DW_AT_low_pc) out.low = v.kind === 'address' ? v.value : v.kind === 'address-index' ? unit.indexedAddress(v.index) : undefined;
        else if (name === DW_AT_high_pc) {
          if (v.kind === 'constant') {
            out.high = BigInt(v.value);
            out.highIsLength = true;
          } else out.high = v.kind === 'address' ? v.value : v.kind === 'address-index' ? unit.indexedAddress(v.index) : undefined;
        } else if (name === DW_AT_ranges) {
          if (v.kind === 'rnglist-index') out.rangesIndex = v.index;
          else if (v.kind === 'section-offset') out.rangesOffset = v.offset;
          else if (v.kind === 'constant') out.rangesOffset = Number(v.value);
        } else if (v.kind === 'constant') {
          const n = Number(v.value);
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
