// `.debug_line` line number programs, DWARF 2–5 (§6.2): the header (v5 directory/file entry formats
// with DW_FORM_line_strp, MD5 and friends; v2–4 string tables) and the state machine. A unit's first
// lookups run the program without storing rows and stop at the first row past the address (most
// units of a batch are asked once or twice); a later one builds the row table, kept as compact
// per-sequence arrays. Row addresses are number offsets from the sequence's bigint start,
// since kernel addresses exceed 2^53 but a sequence spans a few megabytes.
import type { ByteReader } from '../byte-reader.js';
import { type AttributeValue, readAttributeValue } from './attribute-value.js';
import * as C from './dwarf-constants.js';
import type { DwarfSections } from './dwarf-sections.js';

export interface LineFile {
  /** The name as stored (possibly relative). */
  name: string;
  /** The directory as stored (possibly relative to comp_dir). */
  dir: string;
}

/**
 * A file or directory name not decoded yet: an inline string, a `.debug_line_str` offset (>= 0) or
 * a `.debug_str` offset stored as -(offset + 1). Kernel units list hundreds of files and a lookup
 * needs one or two, so names are decoded on first use.
 */
type NameRef = string | number;

/** A file (or directory) table as parallel arrays: one object per table, not per entry. */
interface FileTable {
  names: NameRef[];
  /** Directory index of each file (unused for the directory table). */
  dirs: number[];
}

export interface LineRow {
  address: bigint;
  file: string;
  fileIndex: number;
  line: number;
  column: number;
  discriminator: number;
  isStmt: boolean;
}

interface LineSequence {
  start: bigint;
  /** Offset (from start) one past the sequence's last byte (its end_sequence row). */
  endOffset: number;
  /** Index of its first row in the program's row store, and the row count. */
  first: number;
  count: number;
}

// Lookups of a unit answered by a streaming pass before its row table is built: a pass stops halfway
// on average, a table costs a whole pass and more, and most units of a batch are asked once or twice.
const streamedLookups = 2;

// Rows live in one Int32Array, `rowStride` ints each: offset from the sequence start, file, line,
// column, discriminator with is_stmt in the top bit. 20 bytes a row instead of six JS arrays.
const rowStride = 5;
const stmtBit = 0x80000000;

class RowStore {
  data: Int32Array;
  count = 0;

  constructor(capacity: number) {
    this.data = new Int32Array(capacity * rowStride);
  }

  push(offset: number, file: number, line: number, column: number, discriminator: number, isStmt: boolean): void {
    let d = this.data;
    const at = this.count * rowStride;
    if (at + rowStride > d.length) {
      const bigger = new Int32Array(d.length * 2);
      bigger.set(d);
      this.data = d = bigger;
    }
    d[at] = offset;
    d[at + 1] = file;
    d[at + 2] = line;
    d[at + 3] = column;
    d[at + 4] = (discriminator & 0x7fffffff) | (isStmt ? stmtBit : 0);
    this.count++;
  }

  /** Trims the backing store once the program is fully read (copying only when much is unused). */
  seal(): void {
    const used = this.count * rowStride;
    this.data = used * 2 < this.data.length ? this.data.slice(0, used) : this.data.subarray(0, used);
  }
}

export interface LineProgramContext {
  sections: DwarfSections;
  /** The unit's DW_AT_comp_dir (directory 0 before DWARF 5). */
  compDir: string | undefined;
  /** The unit's DW_AT_name (file 0 before DWARF 5 when a producer refers to it). */
  unitName: string | undefined;
  /** Resolves indexed strings (DW_FORM_strx) through the owning unit. */
  resolveString?: (v: AttributeValue) => string | undefined;
  /** Provides the memory the program's bytes are read to, and takes it back once the rows are built. */
  buffer?: (length: number) => Uint8Array;
  release?: (bytes: Uint8Array) => void;
}

/** What the state machine needs from the header. */
interface ProgramShape {
  minInstLength: number;
  maxOps: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  opcodeLengths: number[];
}

/** Receives the rows of a running program; `row` and `endSequence` return true to stop early. */
interface RowSink {
  row(start: bigint, offset: number, file: number, line: number, column: number, discriminator: number, isStmt: boolean): boolean;
  endSequence(start: bigint, endOffset: number): boolean;
}

interface LineSequence {
  start: bigint;
  /** Offset (from start) one past the sequence's last byte (its end_sequence row). */
  endOffset: number;
  /** Index of its first row in the program's row store, and the row count. */
  first: number;
  count: number;
}

export class LineProgram {
  readonly offset: number;
  readonly version: number;
  readonly compDir: string;
  private readonly fileTable: FileTable;
  private readonly dirs: readonly NameRef[];
  private readonly names: (ref: NameRef) => string;
  /** Full paths, joined on first use (hundreds of files per kernel unit, few ever asked for). */
  private readonly paths: (string | undefined)[] = [];
  private readonly shape: ProgramShape;
  /** The reader over the whole program, positioned nowhere in particular; dropped once rows are built. */
  private program: { reader: ByteReader; start: number } | undefined;
  private table: { sequences: LineSequence[]; rows: Int32Array } | undefined;
  private lookups = 0;
  private readonly release: ((bytes: Uint8Array) => void) | undefined;

  constructor(init: {
    offset: number;
    version: number;
    compDir: string;
    files: FileTable;
    dirs: NameRef[];
    names: (ref: NameRef) => string;
    shape: ProgramShape;
    reader: ByteReader;
    programStart: number;
    release: ((bytes: Uint8Array) => void) | undefined;
  }) {
    this.offset = init.offset;
    this.version = init.version;
    this.compDir = init.compDir;
    this.fileTable = init.files;
    this.dirs = init.dirs;
    this.names = init.names;
    this.shape = init.shape;
    this.program = { reader: init.reader, start: init.programStart };
    this.release = init.release;
  }

  /** The program's bytes while it still holds them (until its row table is built). */
  get heldBytes(): Uint8Array | undefined {
    return this.program?.reader.bytes;
  }

  /** A file entry's name and directory as stored. */
  file(index: number): LineFile | undefined {
    const name = this.fileTable.names[index];
    if (name === undefined) return undefined;
    const dir = this.dirs[this.fileTable.dirs[index]!];
    return { name: this.names(name), dir: dir === undefined ? '' : this.names(dir) };
  }

  /** The full path (comp_dir/dir/name) of a `DW_AT_decl_file`/`DW_AT_call_file`/row file index. */
  filePath(index: number): string | undefined {
    const cached = this.paths[index];
    if (cached !== undefined) return cached;
    const f = this.file(index);
    if (!f) return undefined;
    return (this.paths[index] = joinPath(joinPath(this.compDir, f.dir), f.name));
  }

  /** Approximate memory held, for cache accounting. */
  get byteSize(): number {
    return (this.table?.rows.buffer.byteLength ?? 0) + (this.program?.reader.length ?? 0) + this.fileTable.names.length * 16;
  }

  /** The row covering `address`: the last row at or below it in the sequence that contains it. */
  findRow(address: bigint): LineRow | undefined {
    if (!this.table && this.lookups++ < streamedLookups) return this.streamRow(address);
    const { sequences: seqs } = this.rows();
    let lo = 0;
    let hi = seqs.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (seqs[mid]!.start <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = at; i >= 0; i--) {
      const s = seqs[i]!;
      const off = Number(address - s.start);
      if (off >= s.endOffset) continue;
      const row = this.lastAtOrBelow(s, off);
      if (row >= 0) return this.row(s.start, row);
    }
    return undefined;
  }

  /** Every row whose address lies in [start, end), in address order (for source-interleaved disassembly). */
  rowsInRange(start: bigint, end: bigint): LineRow[] {
    const out: LineRow[] = [];
    const { sequences, rows } = this.rows();
    for (const s of sequences) {
      if (s.start >= end || s.start + BigInt(s.endOffset) <= start) continue;
      for (let i = s.first; i < s.first + s.count; i++) {
        const a = s.start + BigInt(rows[i * rowStride]!);
        if (a >= start && a < end) out.push(this.row(s.start, i));
      }
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /**
   * One pass without storing rows: the best row of the first sequence that contains the address.
   * Rows only move forward within a sequence, so the first row past the address settles it: the
   * pass stops there, on average halfway through the unit's big `.text` sequence.
   */
  private streamRow(address: bigint): LineRow | undefined {
    const p = this.program!;
    // A sequence's start is fixed from its first row on: compared once per sequence, not per row.
    let inSequence = false;
    let target = -1;
    // The candidate row of the current sequence, in scalars: this callback runs for every row.
    let has = false;
    let cOffset = 0;
    let cFile = 0;
    let cLine = 0;
    let cColumn = 0;
    let cDiscriminator = 0;
    let cStmt = false;
    let found: LineRow | undefined;
    const makeRow = this.makeRow.bind(this);
    run(p.reader, p.start, this.shape, this.fileTable, {
      row(start, offset, file, line, column, discriminator, isStmt) {
        if (!inSequence) {
          inSequence = true;
          target = address >= start ? Number(address - start) : -1;
        }
        if (target < 0) return false;
        // Rows are in address order within a sequence: keep the last one at or below the target.
        if (offset <= target) {
          has = true;
          cOffset = offset;
          cFile = file;
          cLine = line;
          cColumn = column;
          cDiscriminator = discriminator;
          cStmt = isStmt;
          return false;
        }
        if (!has) return false;
        found = makeRow(start + BigInt(cOffset), cFile, cLine, cColumn, cDiscriminator, cStmt);
        return true;
      },
      endSequence(start, endOffset) {
        const hit = has && address >= start && Number(address - start) < endOffset;
        has = false;
        inSequence = false;
        if (!hit) return false;
        found = makeRow(start + BigInt(cOffset), cFile, cLine, cColumn, cDiscriminator, cStmt);
        return true;
      },
    });
    return found;
  }

  private rows(): { sequences: LineSequence[]; rows: Int32Array } {
    if (this.table) return this.table;
    const p = this.program!;
    const sequences: LineSequence[] = [];
    // GCC's kernel line programs hold ~0.3 rows per byte.
    const store = new RowStore(Math.max(64, Math.ceil((p.reader.length - p.start) / 3)));
    let first = 0;
    run(p.reader, p.start, this.shape, this.fileTable, {
      row(_start, offset, file, line, column, discriminator, isStmt) {
        store.push(offset, file, line, column, discriminator, isStmt);
        return false;
      },
      endSequence(start, endOffset) {
        if (store.count > first) sequences.push({ start, endOffset, first, count: store.count - first });
        first = store.count;
        return false;
      },
    });
    store.seal();
    sequences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.table = { sequences, rows: store.data };
    this.program = undefined;
    this.release?.(p.reader.bytes);
    return this.table;
  }

  private lastAtOrBelow(s: LineSequence, target: number): number {
    const rows = this.table!.rows;
    let lo = s.first;
    let hi = s.first + s.count - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid * rowStride]! <= target) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  }

  private row(start: bigint, i: number): LineRow {
    const d = this.table!.rows;
    const p = i * rowStride;
    return this.makeRow(start + BigInt(d[p]!), d[p + 1]!, d[p + 2]! >>> 0, d[p + 3]! >>> 0, d[p + 4]! & 0x7fffffff, (d[p + 4]! & stmtBit) !== 0);
  }

  private makeRow(address: bigint, fileIndex: number, line: number, column: number, discriminator: number, isStmt: boolean): LineRow {
    return { address, file: this.filePath(fileIndex) ?? '??', fileIndex, line, column, discriminator, isStmt };
  }
}

/** Reads the line program at `offset` of `.debug_line` (one positioned read of that program only). */
export function readLineProgram(ctx: LineProgramContext, offset: number): LineProgram {
  const { sections } = ctx;
  const total = sections.size('.debug_line');
  const head = sections.sliceReader('.debug_line', offset, Math.min(12, Math.max(0, total - offset)));
  let length = head.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = head.u64Number();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) head.fail('bad-unit-length', `reserved length 0x${length.toString(16)}`, 0);
  const start = head.pos;
  if (offset + start + length > total) head.fail('bad-unit-length', `line program length 0x${length.toString(16)} runs past the end of .debug_line`, 0);
  const r = sections.sliceReader('.debug_line', offset, start + length, ctx.buffer);
  r.pos = start;
  return parseLineProgram(r, ctx, offsetSize);
}

/**
 * Parses a line program's header from a reader positioned just after its unit_length; the program
 * itself runs on first lookup.
 */
export function parseLineProgram(r: ByteReader, ctx: LineProgramContext, offsetSize: 4 | 8): LineProgram {
  const version = r.u16();
  if (version < 2 || version > 5) r.fail('bad-version', `unsupported line table version ${version}`, r.pos - 2);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = r.offset(offsetSize);
  const programStart = r.pos + headerLength;
  if (programStart > r.length) r.fail('bad-header-length', `header_length 0x${headerLength.toString(16)} past the end of the program`, r.pos - offsetSize);
  const minInstLength = r.u8();
  const maxOps = version >= 4 ? r.u8() || 1 : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) r.fail('line-range-zero', 'line_range is zero', r.pos - 2);
  const opcodeLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(r.u8());
  const fmt = { version: 5, addressSize, offsetSize };
  const compDir = ctx.compDir ?? '';
  let dirs: NameRef[] = [];
  let files: FileTable = { names: [], dirs: [] };
  if (version >= 5) {
    dirs = readEntryTable(r, fmt, ctx).names;
    files = readEntryTable(r, fmt, ctx);
  } else {
    dirs.push(compDir);
    for (;;) {
      const d = r.cstring();
      if (!d) break;
      dirs.push(d);
    }
    // File 0 before DWARF 5 is not in the table; some producers still mean the unit's primary file.
    files.names.push(ctx.unitName ?? '');
    files.dirs.push(dirs.length);
    for (;;) {
      const name = r.cstring();
      if (!name) break;
      const dir = r.uleb();
      r.uleb();
      r.uleb();
      files.names.push(name);
      files.dirs.push(dir);
    }
  }
  const names = (ref: NameRef): string => {
    if (typeof ref === 'string') return ref;
    return ref >= 0 ? ctx.sections.string('.debug_line_str', ref) : ctx.sections.string('.debug_str', -ref - 1);
  };
  return new LineProgram({
    offset: r.place.base,
    version,
    compDir,
    files,
    dirs,
    names,
    shape: { minInstLength, maxOps, defaultIsStmt, lineBase, lineRange, opcodeBase, opcodeLengths },
    reader: r,
    programStart,
    release: ctx.release,
  });
}

/**
 * The state machine (§6.2.5), with the register updates written out inline: this loop runs for
 * every row of every unit looked up. `files` receives DW_LNE_define_file entries.
 */
function run(r: ByteReader, programStart: number, shape: ProgramShape, files: FileTable, sink: RowSink): void {
  const { minInstLength, maxOps, defaultIsStmt, lineBase, lineRange, opcodeBase, opcodeLengths } = shape;
  r.seek(programStart);
  let start = 0n;
  let seqStarted = false;
  let offsetInSeq = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  let discriminator = 0;
  const end = r.length;
  const bytes = r.bytes;
  // The cursor lives in a local for special opcodes (most of a program) and goes through the reader
  // for the rest.
  let pos = r.pos;
  while (pos < end) {
    const op = bytes[pos++]!;
    if (op >= opcodeBase) {
      const adjusted = op - opcodeBase;
      const adv = (adjusted / lineRange) | 0;
      if (maxOps === 1) offsetInSeq += minInstLength * adv;
      else {
        offsetInSeq += minInstLength * Math.floor((opIndex + adv) / maxOps);
        opIndex = (opIndex + adv) % maxOps;
      }
      line += lineBase + (adjusted % lineRange);
      if (sink.row(start, offsetInSeq, file, line, column, discriminator, isStmt)) return;
      seqStarted = true;
      discriminator = 0;
      continue;
    }
    r.pos = pos;
    switch (op) {
      case 0: {
        const len = r.uleb();
        if (len === 0) break;
        const next = r.pos + len;
        if (next > end) r.fail('truncated', `extended opcode of length ${len} past the end`);
        const sub = r.u8();
        if (sub === C.DW_LNE_end_sequence) {
          if (sink.endSequence(start, offsetInSeq)) return;
          start = 0n;
          offsetInSeq = opIndex = column = discriminator = 0;
          file = line = 1;
          isStmt = defaultIsStmt;
          seqStarted = false;
        } else if (sub === C.DW_LNE_set_address) {
          const addr = r.address(len - 1 === 4 ? 4 : len - 1 === 2 ? 2 : 8);
          if (!seqStarted) {
            start = addr;
            offsetInSeq = 0;
          } else offsetInSeq = Number(addr - start);
          opIndex = 0;
        } else if (sub === C.DW_LNE_define_file) {
          files.names.push(r.cstring());
          files.dirs.push(r.uleb());
        } else if (sub === C.DW_LNE_set_discriminator) {
          discriminator = r.uleb();
        }
        r.seek(next);
        break;
      }
      case C.DW_LNS_copy:
        if (sink.row(start, offsetInSeq, file, line, column, discriminator, isStmt)) return;
        seqStarted = true;
        discriminator = 0;
        break;
      case C.DW_LNS_advance_pc: {
        const adv = r.uleb();
        if (maxOps === 1) offsetInSeq += minInstLength * adv;
        else {
          offsetInSeq += minInstLength * Math.floor((opIndex + adv) / maxOps);
          opIndex = (opIndex + adv) % maxOps;
        }
        break;
      }
      case C.DW_LNS_advance_line:
        line += r.sleb();
        break;
      case C.DW_LNS_set_file:
        file = r.uleb();
        break;
      case C.DW_LNS_set_column:
        column = r.uleb();
        break;
      case C.DW_LNS_negate_stmt:
        isStmt = !isStmt;
        break;
      case C.DW_LNS_set_basic_block:
      case C.DW_LNS_set_prologue_end:
      case C.DW_LNS_set_epilogue_begin:
        break;
      case C.DW_LNS_const_add_pc: {
        const adv = ((255 - opcodeBase) / lineRange) | 0;
        if (maxOps === 1) offsetInSeq += minInstLength * adv;
        else {
          offsetInSeq += minInstLength * Math.floor((opIndex + adv) / maxOps);
          opIndex = (opIndex + adv) % maxOps;
        }
        break;
      }
      case C.DW_LNS_fixed_advance_pc:
        offsetInSeq += r.u16();
        opIndex = 0;
        break;
      case C.DW_LNS_set_isa:
        r.uleb();
        break;
      default:
        for (let i = 0; i < (opcodeLengths[op] ?? 0); i++) r.uleb();
    }
    pos = r.pos;
  }
}

/**
 * A DWARF 5 directory or file entry table (§6.2.4.1). Names stay undecoded (NameRef); the forms GCC
 * and LLVM use are read in place, anything else through the generic attribute reader.
 */
function readEntryTable(r: ByteReader, fmt: { version: number; addressSize: number; offsetSize: 4 | 8 }, ctx: LineProgramContext): FileTable {
  const formatCount = r.u8();
  const types: number[] = [];
  const forms: number[] = [];
  for (let i = 0; i < formatCount; i++) {
    types.push(r.uleb());
    forms.push(r.uleb());
  }
  const count = r.uleb();
  if (count > r.remaining) r.fail('absurd-entry-count', `${count} directory/file entries in ${r.remaining} bytes`);
  const out: FileTable = { names: [], dirs: [] };
  for (let i = 0; i < count; i++) {
    let name: NameRef = '';
    let dir = 0;
    for (let k = 0; k < formatCount; k++) {
      const type = types[k]!;
      const form = forms[k]!;
      if (form === C.DW_FORM_line_strp || form === C.DW_FORM_strp) {
        const off = r.offset(fmt.offsetSize);
        if (type === C.DW_LNCT_path) name = form === C.DW_FORM_line_strp ? off : -off - 1;
      } else if (form === C.DW_FORM_udata && type === C.DW_LNCT_directory_index) {
        dir = r.uleb();
      } else if (form === C.DW_FORM_data16) {
        r.skip(16);
      } else {
        const v = readAttributeValue(r, form, fmt, 0);
        if (type === C.DW_LNCT_path) name = v.kind === 'string' ? v.value : ctx.resolveString?.(v) ?? '';
        else if (type === C.DW_LNCT_directory_index && v.kind === 'constant') dir = Number(v.value);
      }
    }
    out.names.push(name);
    out.dirs.push(dir);
  }
  return out;
}

/** Joins DWARF path pieces: an absolute second part wins, empty parts vanish. */
export function joinPath(dir: string, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  if (!name) return dir;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}
