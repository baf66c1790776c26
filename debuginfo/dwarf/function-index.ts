// address → the subprogram DIE of one unit. The unit's top level is walked only as far as needed:
// a lookup stops at the first subprogram whose ranges contain the address and remembers where it
// stopped; the next lookup resumes there (most units in a batch are asked once, and on average the
// walk then covers half of them). Once the walk reaches the end, lookups are a binary search.
import type { ScopeScan } from './scope-scan.js';
import { scanScope, scopeRanges } from './scope-scan.js';
import * as C from './dwarf-constants.js';
import type { DwarfUnit } from './dwarf-unit.js';
import type { Abbrev } from './abbrev-table.js';

export interface FunctionRange {
  start: bigint;
  end: bigint;
  dieOffset: number;
}

export class FunctionIndex {
  private readonly ranges: FunctionRange[] = [];
  /** Where the walk stopped (unit-relative reader position and nesting depth); undefined when done. */
  private resume: { pos: number; depth: number } | undefined;

  constructor(unit: DwarfUnit) {
    const root = unit.entryAt(unit.header.firstDieOffset);
    if (root?.abbrev.hasChildren) {
      unit.skipAttributes(root.abbrev);
      this.resume = { pos: unit.reader.pos, depth: 1 };
    }
  }

  get size(): number {
    return this.ranges.length;
  }

  find(unit: DwarfUnit, address: bigint, scan: ScopeScan, readSibling: (unit: DwarfUnit, abbrev: Abbrev) => number | undefined): FunctionRange | undefined {
    if (!this.resume) return search(this.ranges, address);
    for (const r of this.ranges) if (address >= r.start && address < r.end) return r;
    return this.walk(unit, address, scan, readSibling);
  }

  /** Continues the top-level walk until a subprogram covers `address` or the unit ends. */
  private walk(unit: DwarfUnit, address: bigint, scan: ScopeScan, readSibling: (unit: DwarfUnit, abbrev: Abbrev) => number | undefined): FunctionRange | undefined {
    const r = unit.reader;
    let { pos, depth } = this.resume!;
    r.pos = pos;
    let hit: FunctionRange | undefined;
    while (depth > 0 && !hit) {
      const abbrev = unit.nextAbbrev();
      if (!abbrev) {
        depth--;
        continue;
      }
      const offset = unit.entryOffset;
      const tag = abbrev.tag;
      if (tag === C.DW_TAG_subprogram && abbrev.hasPc) {
        scanScope(unit, abbrev, r.pos, scan);
        const after = r.pos;
        for (const range of scopeRanges(unit, scan) ?? []) {
          if (range.end <= range.start || range.start === 0n) continue;
          const f = { start: range.start, end: range.end, dieOffset: offset };
          this.ranges.push(f);
          if (address >= f.start && address < f.end) hit = f;
        }
        r.pos = after;
        unit.skipChildren(abbrev, offset, scan.sibling);
      } else if ((tag === C.DW_TAG_namespace || tag === C.DW_TAG_module) && abbrev.hasChildren) {
        unit.skipAttributes(abbrev);
        depth++;
      } else {
        unit.skipChildren(abbrev, offset, readSibling(unit, abbrev));
      }
      pos = r.pos;
    }
    if (depth > 0) this.resume = { pos, depth };
    else {
      this.resume = undefined;
      this.ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    }
    return hit;
  }
}

function search(fns: FunctionRange[], address: bigint): FunctionRange | undefined {
  let lo = 0;
  let hi = fns.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fns[mid]!.start <= address) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = at; i >= 0 && at - i < 32; i--) if (address < fns[i]!.end) return fns[i];
  return undefined;
}
