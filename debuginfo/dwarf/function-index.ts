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
  // Ranges as parallel number arrays relative to `base` (packed, no object per function): a cached
  // unit keeps hundreds of them, and objects that outlive a young-generation GC are what GC time
  // is spent copying.
  private base: bigint | undefined;
  private starts: number[] = [];
  private ends: number[] = [];
  private dies: number[] = [];
  /** Where the walk stopped (unit-relative reader position and nesting depth); undefined when done. */
  private resume: { pos: number; depth: number } | undefined;

  constructor(unit: DwarfUnit) {
    const root = unit.entryAt(unit.header.firstDieOffset);
    if (root && unit.abbrevs.hasChildren(root.abbrev)) {
      unit.skipAttributes(root.abbrev);
      this.resume = { pos: unit.reader.pos, depth: 1 };
    }
  }

  get size(): number {
    return this.starts.length;
  }

  find(unit: DwarfUnit, address: bigint, scan: ScopeScan, readSibling: (unit: DwarfUnit, abbrev: Abbrev) => number | undefined): FunctionRange | undefined {
    const a = this.base === undefined ? undefined : Number(address - this.base);
    if (!this.resume) return a === undefined ? undefined : this.search(a);
    if (a !== undefined) for (let i = 0; i < this.starts.length; i++) if (a >= this.starts[i]! && a < this.ends[i]!) return this.range(i);
    return this.walk(unit, address, scan, readSibling);
  }

  private range(i: number): FunctionRange {
    return { start: this.base! + BigInt(this.starts[i]!), end: this.base! + BigInt(this.ends[i]!), dieOffset: this.dies[i]! };
  }

  /** Continues the top-level walk until a subprogram covers `address` or the unit ends. */
  private walk(unit: DwarfUnit, address: bigint, scan: ScopeScan, readSibling: (unit: DwarfUnit, abbrev: Abbrev) => number | undefined): FunctionRange | undefined {
    const r = unit.reader;
    let { pos, depth } = this.resume!;
    r.pos = pos;
    let hit: FunctionRange | undefined;
    while (depth > 0 && !hit) {
      const abbrev = unit.nextAbbrev();
      if (abbrev < 0) {
        depth--;
        continue;
      }
      const offset = unit.entryOffset;
      const tag = unit.abbrevs.tag(abbrev);
      if (tag === C.DW_TAG_subprogram && unit.abbrevs.hasPc(abbrev)) {
        scanScope(unit, abbrev, r.pos, scan);
        const after = r.pos;
        for (const range of scopeRanges(unit, scan) ?? []) {
          if (range.end <= range.start || range.start === 0n) continue;
          this.base ??= range.start;
          this.starts.push(Number(range.start - this.base));
          this.ends.push(Number(range.end - this.base));
          this.dies.push(offset);
          if (address >= range.start && address < range.end) hit = { start: range.start, end: range.end, dieOffset: offset };
        }
        r.pos = after;
        unit.skipChildren(abbrev, offset, scan.sibling);
      } else if ((tag === C.DW_TAG_namespace || tag === C.DW_TAG_module) && unit.abbrevs.hasChildren(abbrev)) {
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
      this.sortByStart();
    }
    return hit;
  }

  private sortByStart(): void {
    const order = this.starts.map((_, i) => i).sort((a, b) => this.starts[a]! - this.starts[b]!);
    this.starts = order.map((i) => this.starts[i]!);
    this.ends = order.map((i) => this.ends[i]!);
    this.dies = order.map((i) => this.dies[i]!);
  }

  private search(a: number): FunctionRange | undefined {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= a) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = at; i >= 0 && at - i < 32; i--) if (a < this.ends[i]!) return this.range(i);
    return undefined;
  }
}
