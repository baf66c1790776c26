// One file from bytes to facts, the unit of work a parse worker runs: read, hash, reject binary, decode,
// dispatch to the C extractor or the assembly scanner, and hash the names the file mentions (the
// reference blob the store keeps per file, so the single writer never interns them).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { CParser, SyntaxTree } from './c-parser.js';
import { extractC } from './extract-c.js';
import type { FileFacts } from './file-facts.js';
import { type PackedFacts, packFacts } from './packed-facts.js';
import { scanAsm } from './scan-asm.js';

export type ParseOutcome =
  /** `refs`: `referenceHashes` of the names the file mentions. */
  | { status: 'parsed'; facts: PackedFacts; refs: Uint32Array; hash: string; size: number }
  | { status: 'unchanged'; hash: string; size: number }
  | { status: 'skipped'; problem: string };

/** Larger files are data, not source (the biggest kernel header is ~24 MB). */
export const maxFileBytes = 64 * 1024 * 1024;

/**
 * A file this large (the ten largest register headers) is ~200 MB in its worker while lexed. One at a time
 * is in the workers (the next is set aside, and the files after it go ahead, until the first is parsed;
 * held until it was written, the writer waited for each one's parse in turn), and its worker collects
 * its garbage right after it.
 */
export const hugeFileBytes = 8 * 1024 * 1024;

/**
 * A file's reference blob: the sorted, distinct hashes of the names it mentions (`nameHash`). A query
 * hashes the name it looks for and re-lexes the files whose blob holds that hash: a collision costs one
 * file read, never a wrong answer.
 */
export function referenceHashes(hashes: readonly number[]): Uint32Array {
  const all = Uint32Array.from(hashes);
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i]!;
  return all.slice(0, n);
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Decodes source text; bytes that are not UTF-8 (Latin-1 author names) keep their line structure. */
export function decodeSource(bytes: Buffer): { text: string; utf8: boolean } {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return { text, utf8: true };
  return { text: bytes.toString('latin1'), utf8: false };
}

export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** `tree`: this text's syntax tree when the caller already has one (an incremental re-parse). */
export function parseSourceText(relPath: string, text: string, parser: CParser | undefined, tree?: SyntaxTree): FileFacts {
  return relPath.endsWith('.S') ? scanAsm(text, relPath) : extractC(text, { path: relPath, parser, tree });
}

/**
 * One read buffer per thread for ordinary files: a fresh buffer a file (readFileSync) cost a parse worker
 * ~2% of its time in allocation. The bytes are consumed (hashed, decoded) before the next read. Files
 * larger than the kept buffer get one of their own, so a 24 MB register header is not held all run.
 */
const keptBufferBytes = 4 * 1024 * 1024;
let readBuffer = Buffer.allocUnsafe(256 * 1024);

/** The file's bytes (a view of a reused or one-off buffer), or its size when it is too large to read. */
function readWhole(file: string): Buffer | number {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxFileBytes) return size;
    let buf = readBuffer;
    if (buf.length < size + 1) {
      buf = Buffer.allocUnsafe(size < keptBufferBytes ? Math.min(keptBufferBytes, Math.max(size + 1, buf.length * 2)) : size + 1);
      if (buf.length <= keptBufferBytes) readBuffer = buf;
    }
    let n = 0;
    // Read to end of file, not to the stat'ed size: a file growing under us is read as it is now.
    for (;;) {
      if (n === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, n);
        buf = grown;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function parseFileAt(root: string, relPath: string, knownHash: string | undefined, parser: CParser | undefined): ParseOutcome {
  let bytes: Buffer | number;
  try {
    bytes = readWhole(path.join(root, relPath));
  } catch (err) {
    return { status: 'skipped', problem: `${relPath}: unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  if (typeof bytes === 'number' || bytes.length > maxFileBytes) {
    return { status: 'skipped', problem: `${relPath}: ${typeof bytes === 'number' ? bytes : bytes.length} bytes, larger than ${maxFileBytes}` };
  }
  if (looksBinary(bytes)) return { status: 'skipped', problem: `${relPath}: binary content (NUL bytes), not source` };
  const hash = hashBytes(bytes);
  if (hash === knownHash) return { status: 'unchanged', hash, size: bytes.length };
  const size = bytes.length;
  const { text, utf8 } = decodeSource(bytes);
  const facts = parseSourceText(relPath, text, parser);
  if (!utf8) facts.problems.push(`${relPath}: not valid UTF-8, read as Latin-1`);
  // One character a byte (ASCII, or read as Latin-1): a name's index is its offset in the file.
  const sameOffsets = text.length === size ? text : undefined;
  return { status: 'parsed', facts: packFacts(facts, sameOffsets), refs: referenceHashes(facts.nameHashes), hash, size };
}
