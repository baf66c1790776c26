// Small source trees for indexer tests, written by the tests: one string holding several files, each
// introduced by a `=== path` line.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function writeTree(spec: string, dir = mkdtempSync(path.join(tmpdir(), 'crashnav-idx-'))): string {
  const parts = spec.split(/^=== (.+)\n/m);
  for (let i = 1; i < parts.length; i += 2) {
    const file = path.join(dir, parts[i]!.trim());
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, parts[i + 1]!);
  }
  return dir;
}
