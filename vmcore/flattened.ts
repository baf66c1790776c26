// makedumpfile's flattened format (`makedumpfile -F`, and qemu 7.2's `dump-guest-memory -z/-l/-s`, which
// always write it so a pipe can take the dump): a 4096-byte header starting "makedumpfile", then records
// {int64 BE offset, int64 BE size, data} that each say "these bytes go at this offset of the real dump",
// ended by offset = size = -1. The records are seen as a ByteSource of the dump they rebuild, so the
// kdump-compressed and ELF readers read it unchanged.
//
// At open only the record headers are read (one positioned read each, the data skipped) to build a table
// of pieces: output range → file position. A later record overwrites an earlier one where they overlap
// (a writer may rewrite its header at the end), so the table keeps only what the last writer left.
// Output bytes no record wrote read as zeros, as in the sparse file `makedumpfile -R` would make.
import type { ByteSource } from '../debuginfo/index.js';
import { VmcoreError } from './errors.js';

export const FLATTENED_SIGNATURE = 'makedumpfile';
const FLATTENED_HEADER_SIZE = 4096;
const RECORD_HEADER_SIZE = 16;

interface Piece {
  start: number;
  end: number;
  /** File position of the byte at `start`. */
  at: number;
}

/** The dump a flattened file rebuilds; throws VmcoreError for a bad header or record. */
export function flattenedByteSource(file: string, source: ByteSource): ByteSource {
  const header = source.read(0, 32);
  if (String.fromCharCode(...header.subarray(0, FLATTENED_SIGNATURE.length)) !== FLATTENED_SIGNATURE) {
    throw new VmcoreError(file, 'not-a-vmcore', 'no "makedumpfile" signature');
  }
  if (source.size < FLATTENED_HEADER_SIZE) throw new VmcoreError(file, 'truncated', `flattened header cut at ${source.size} bytes`);
  const h = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const type = h.getBigInt64(16, false);
  if (type !== 1n) throw new VmcoreError(file, 'unsupported', `flattened header type ${type}`);

  const pieces = readPieces(file, source);
  const size = pieces.length === 0 ? 0 : pieces[pieces.length - 1]!.end;
  const readInto = (offset: number, length: number, target: Uint8Array): number => {
    const n = Math.max(0, Math.min(length, size - offset, target.length));
    target.fill(0, 0, n);
    for (let i = firstEndingAfter(pieces, offset); i < pieces.length && pieces[i]!.start < offset + n; i++) {
      const p = pieces[i]!;
      const from = Math.max(offset, p.start);
      const to = Math.min(offset + n, p.end);
      const got = source.readInto(p.at + (from - p.start), to - from, target.subarray(from - offset));
      if (got < to - from) throw new VmcoreError(file, 'truncated', `record data at 0x${p.at.toString(16)} past the end of the file`);
    }
    return n;
  };
  return {
    size,
    read(offset, length) {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return out.subarray(0, readInto(offset, out.length, out));
    },
    readInto,
    close: () => source.close(),
  };
}

function readPieces(file: string, source: ByteSource): Piece[] {
  const pieces: Piece[] = [];
  const head = new Uint8Array(RECORD_HEADER_SIZE);
  const view = new DataView(head.buffer);
  let pos = FLATTENED_HEADER_SIZE;
  for (;;) {
    // A stream cut short (a pipe that broke) keeps the records it has.
    if (source.readInto(pos, RECORD_HEADER_SIZE, head) < RECORD_HEADER_SIZE) break;
    const offset = view.getBigInt64(0, false);
    const length = view.getBigInt64(8, false);
    if (offset === -1n && length === -1n) break;
    if (offset < 0n || length < 0n || offset + length > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new VmcoreError(file, 'bad-header', `flattened record at 0x${pos.toString(16)}: offset ${offset}, size ${length}`);
    }
    const at = pos + RECORD_HEADER_SIZE;
    const end = at + Number(length);
    if (end > source.size) break;
    if (length > 0n) {
      pieces.push({ start: Number(offset), end: Number(offset) + Number(length), at });
    }
    pos = end;
  }
  // Writers seek back and forth (descriptors, then the pages they describe), rarely over the same bytes.
  const sorted = [...pieces].sort((a, b) => a.start - b.start);
  return sorted.some((p, i) => i > 0 && p.start < sorted[i - 1]!.end) ? laterWins(pieces) : sorted;
}

/** Non-overlapping pieces sorted by start, each output byte from the last record that wrote it. */
function laterWins(records: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const r of records) {
    const i = firstEndingAfter(out, r.start);
    let j = i;
    const kept: Piece[] = [];
    for (; j < out.length && out[j]!.start < r.end; j++) {
      const p = out[j]!;
      if (p.start < r.start) kept.push({ start: p.start, end: r.start, at: p.at });
      if (p.end > r.end) kept.push({ start: r.end, end: p.end, at: p.at + (r.end - p.start) });
    }
    kept.splice(kept.length && kept[0]!.start < r.start ? 1 : 0, 0, r);
    out.splice(i, j - i, ...kept);
  }
  return out;
}

/** Index of the first piece whose end is past `offset`. */
function firstEndingAfter(pieces: Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pieces[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
