// References are found through each file's sorted 32-bit name hashes (computed in the parse workers,
// never interned by the writer): a name that is only read anywhere is found, and a file that merely
// shares the name's hash is read and dropped, never reported.
import { describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath } from '../../indexer/index.js';
import { nameHash } from '../../indexer/name-hash.js';
import { referenceHashes } from '../../indexer/parse-file.js';
import { writeTree } from './tree-fixture.js';

/** Two distinct identifiers with the same hash, found by a birthday search. */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const name = `sym_${i.toString(36)}`;
    const h = nameHash(name);
    const other = seen.get(h);
    if (other !== undefined) return [other, name];
    seen.set(h, name);
  }
}

describe('per-file reference hashes', () => {
  it('are sorted and distinct', () => {
    const hashes = referenceHashes(['b', 'a', 'b', 'c', 'a'].map(nameHash));
    expect(hashes).toHaveLength(3);
    expect([...hashes]).toEqual([...hashes].sort((x, y) => x - y));
    expect([...hashes].sort()).toEqual(['a', 'b', 'c'].map(nameHash).sort());
  });

  it('find a name no file defines or calls, and drop files that only share its hash', async () => {
    const [name, twin] = collidingPair();
    expect(name).not.toBe(twin);
    const root = writeTree(`=== a.c
int reader(void) { return ${name} + 1; }
=== b.c
int other(void) { return ${twin}; }
=== c.c
int unrelated(void) { return 0; }
`);
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const index = KernelIndex.open(dbPath);
    try {
      expect(index.store.filesMentioning(name).sort()).toEqual(['a.c', 'b.c']);
      expect(index.findReferences(name).map((r) => `${r.file}:${r.line}:${r.function}:${r.role}`)).toEqual(['a.c:1:reader:read']);
      expect(index.findReferences(twin).map((r) => r.file)).toEqual(['b.c']);
    } finally {
      index.close();
    }
  });
});
