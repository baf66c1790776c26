// address → unit offset: `.debug_aranges` (§6.1.2) when present, completed by the units' own
// DW_AT_ranges/low_pc for units the aranges leave out. Kept as one sorted table.
import type { ByteReader } from '../byte-reader.js';
import type { DwarfSections } from './dwarf-sections.js';

export interface UnitRange {
  start: bigint;
  end: bigint;
  unitOffset: number;
}

export class UnitRangeTable {
  private readonly ranges: UnitRange[];

  constructor(ranges: UnitRange[]) {
    this.ranges = ranges.filter((r) => r.end > r.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Unit offsets whose ranges contain `address` (usually one; overlapping ranges come from discarded code). */
  find(address: bigint): number[] {
    const rs = this.ranges;
    let lo = 0;
    let hi = rs.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rs[mid]!.start <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const out: number[] = [];
    // Ranges are short and rarely nested; a bounded look-back finds the enclosing ones.
    for (let i = at; i >= 0 && at - i < 64; i--) {
      const r = rs[i]!;
      if (address < r.end && !out.includes(r.unitOffset)) out.push(r.unitOffset);
    }
    return out;
  }

  unitOffsets(): Set<number> {
    return new Set(this.ranges.map((r) => r.unitOffset));
  }
}

/** Parses every set of `.debug_aranges`. */
export function readAranges(sections: DwarfSections): UnitRange[] {
  const out: UnitRange[] = [];
  if (!sections.has('.debug_aranges')) return out;
  const r = sections.reader('.debug_aranges');
  while (r.remaining > 0) {
    const setStart = r.pos;
    let length = r.u32();
    let offsetSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = r.u64Number();
      offsetSize = 8;
    }
    const end = r.pos + length;
    if (end > r.length) r.fail('bad-unit-length', `aranges set length 0x${length.toString(16)} runs past the end`, setStart);
    readArangeSet(r, offsetSize, end, setStart, out);
    r.seek(end);
  }
  return out;
}

function readArangeSet(r: ByteReader, offsetSize: 4 | 8, end: number, setStart: number, out: UnitRange[]): void {
  const version = r.u16();
  if (version !== 2) r.fail('bad-version', `aranges version ${version}`, r.pos - 2);
  const unitOffset = r.offset(offsetSize);
  const addressSize = r.u8();
  const segmentSize = r.u8();
  if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) r.fail('bad-address-size', `address size ${addressSize}`, r.pos - 2);
  const tuple = 2 * addressSize + segmentSize;
  // Tuples start at a multiple of the tuple size from the set's start.
  const rel = r.pos - setStart;
  r.pos = setStart + Math.ceil(rel / tuple) * tuple;
  while (r.pos + tuple <= end) {
    r.skip(segmentSize);
    const start = r.address(addressSize);
    const length = r.address(addressSize);
    if (start === 0n && length === 0n) break;
    out.push({ start, end: start + length, unitOffset });
  }
}
