// Non-contiguous PC ranges: `.debug_ranges` (DWARF 2–4, address pairs with base-address selection)
// and `.debug_rnglists` (DWARF 5 §2.17.3, DW_RLE_* entries, possibly reached through rnglistx).
import * as C from './dwarf-constants.js';
import type { DwarfUnit } from './dwarf-unit.js';

export interface AddressRange {
  start: bigint;
  /** One past the last byte. */
  end: bigint;
}

const maxEntries = 1 << 20;

export function readRangeList(unit: DwarfUnit, where: { offset: number } | { index: number }): AddressRange[] {
  if (unit.version < 5) return readDebugRanges(unit, 'offset' in where ? where.offset : 0);
  let offset: number;
  if ('index' in where) {
    const r = unit.sections.reader('.debug_rnglists');
    r.seek(unit.rnglistsBase + where.index * unit.offsetSize);
    offset = unit.rnglistsBase + r.offset(unit.offsetSize);
  } else offset = where.offset;
  return readRnglists(unit, offset);
}

function readDebugRanges(unit: DwarfUnit, offset: number): AddressRange[] {
  const r = unit.sections.reader('.debug_ranges');
  r.seek(offset);
  const size = unit.addressSize;
  const maxAddress = size === 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
  let base = unit.baseAddress;
  const out: AddressRange[] = [];
  for (let n = 0; n < maxEntries; n++) {
    const start = r.address(size);
    const end = r.address(size);
    if (start === 0n && end === 0n) return out;
    if (start === maxAddress) {
      base = end;
      continue;
    }
    if (start !== end) out.push({ start: base + start, end: base + end });
  }
  return r.fail('absurd-range-list', `more than ${maxEntries} range entries`);
}

function readRnglists(unit: DwarfUnit, offset: number): AddressRange[] {
  const r = unit.sections.reader('.debug_rnglists');
  r.seek(offset);
  const size = unit.addressSize;
  let base = unit.baseAddress;
  const out: AddressRange[] = [];
  const push = (start: bigint, end: bigint) => {
    if (end > start) out.push({ start, end });
  };
  for (let n = 0; n < maxEntries; n++) {
    const kind = r.u8();
    switch (kind) {
      case C.DW_RLE_end_of_list:
        return out;
      case C.DW_RLE_base_addressx:
        base = unit.indexedAddress(r.uleb());
        break;
      case C.DW_RLE_startx_endx: {
        const s = unit.indexedAddress(r.uleb());
        push(s, unit.indexedAddress(r.uleb()));
        break;
      }
      case C.DW_RLE_startx_length: {
        const s = unit.indexedAddress(r.uleb());
        push(s, s + r.ulebBig());
        break;
      }
      case C.DW_RLE_offset_pair: {
        const s = r.ulebBig();
        const e = r.ulebBig();
        push(base + s, base + e);
        break;
      }
      case C.DW_RLE_base_address:
        base = r.address(size);
        break;
      case C.DW_RLE_start_end: {
        const s = r.address(size);
        push(s, r.address(size));
        break;
      }
      case C.DW_RLE_start_length: {
        const s = r.address(size);
        push(s, s + r.ulebBig());
        break;
      }
      default:
        r.fail('unknown-rle', `unknown range list entry kind 0x${kind.toString(16)}`, r.pos - 1);
    }
  }
  return r.fail('absurd-range-list', `more than ${maxEntries} range entries`);
}
