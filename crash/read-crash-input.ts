// Reads a report from a path or from standard input (`-`), as text; decoding never fails on bad bytes.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export async function readCrashInput(file: string, stdin: Readable): Promise<string> {
  if (file !== '-') return (await readFile(file)).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
