// One file from bytes to facts, the unit of work a parse worker runs: read, hash, reject binary, decode,
// and dispatch to the C extractor or the assembly scanner.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CParser, SyntaxTree } from './c-parser.js';
import { extractC } from './extract-c.js';
import type { FileFacts } from './file-facts.js';
import { scanAsm } from './scan-asm.js';

export type ParseOutcome =
  | { status: 'parsed'; facts: FileFacts; hash: string; size: number }
  | { status: 'unchanged'; hash: string; size: number }
  | { status: 'skipped'; problem: string };

/** Larger files are data, not source (the biggest kernel header is ~15 MB). */
export const maxFileBytes = 64 * 1024 * 1024;

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

export function parseFileAt(root: string, relPath: string, knownHash: string | undefined, parser: CParser | undefined): ParseOutcome {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, relPath));
  } catch (err) {
    return { status: 'skipped', problem: `${relPath}: unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  if (bytes.length > maxFileBytes) return { status: 'skipped', problem: `${relPath}: ${bytes.length} bytes, larger than ${maxFileBytes}` };
  if (looksBinary(bytes)) return { status: 'skipped', problem: `${relPath}: binary content (NUL bytes), not source` };
  const hash = hashBytes(bytes);
  if (hash === knownHash) return { status: 'unchanged', hash, size: bytes.length };
  const { text, utf8 } = decodeSource(bytes);
  const facts = parseSourceText(relPath, text, parser);
  if (!utf8) facts.problems.push(`${relPath}: not valid UTF-8, read as Latin-1`);
  return { status: 'parsed', facts, hash, size: bytes.length };
}
