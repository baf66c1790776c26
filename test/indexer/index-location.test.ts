// Where an index lives: in the tree when the user owns a writable root, else in the user's cache; an
// existing index wherever it is; and who may write it.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, cacheDbPath, hasIndex, indexDbPath, indexWriteRefusal } from '../../indexer/index.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
let env: NodeJS.ProcessEnv;

function tree(name: string): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'kernel'), { recursive: true });
  writeFileSync(path.join(root, 'kernel/a.c'), 'int foo(int x)\n{\n\treturn x;\n}\n');
  return root;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-location-'));
  env = { XDG_CACHE_HOME: path.join(dir, 'cache'), HOME: path.join(dir, 'home') };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('indexDbPath', () => {
  it('is <root>/.crashnav/index.db for a root the user owns and may write', () => {
    const root = tree('own');
    expect(indexDbPath(root, env)).toBe(path.join(root, '.crashnav/index.db'));
    expect(hasIndex(root, env)).toBe(false);
  });

  it('is in $XDG_CACHE_HOME/crashnav/ under the name and a hash of the path, else ~/.cache', () => {
    const a = cacheDbPath(path.join(dir, 'src/linux'), env);
    expect(a).toMatch(new RegExp(`^${dir}/cache/crashnav/linux-[0-9a-f]{16}/index\\.db$`));
    expect(cacheDbPath(path.join(dir, 'other/linux'), env)).not.toBe(a);
    expect(cacheDbPath(path.join(dir, 'src/linux'), env)).toBe(a);
    // A relative XDG_CACHE_HOME is invalid by the spec: ignored.
    expect(cacheDbPath('/src/linux', { XDG_CACHE_HOME: 'cache', HOME: '/home/u' })).toMatch(/^\/home\/u\/\.cache\/crashnav\/linux-[0-9a-f]{16}\/index\.db$/);
  });

  it.skipIf(!isRoot)("is in the cache for a root another user owns (as root: chown to nobody)", () => {
    const root = tree('theirs');
    chownSync(root, 65534, 65534);
    expect(indexDbPath(root, env)).toBe(cacheDbPath(root, env));
  });

  it.skipIf(isRoot)('is in the cache for a root the user may not write', () => {
    const root = tree('read-only');
    chmodSync(root, 0o555);
    try {
      expect(indexDbPath(root, env)).toBe(cacheDbPath(root, env));
    } finally {
      chmodSync(root, 0o755);
    }
  });

  it('is an existing index wherever it is: the cached one, and the in-tree one first', async () => {
    const root = tree('cached');
    const cached = cacheDbPath(root, env);
    await buildIndex({ root, dbPath: cached, jobs: 1 });
    expect(indexDbPath(root, env)).toBe(cached);
    expect(hasIndex(root, env)).toBe(true);
    await buildIndex({ root, dbPath: path.join(root, '.crashnav/index.db'), jobs: 1 });
    expect(indexDbPath(root, env)).toBe(path.join(root, '.crashnav/index.db'));
  });
});

describe('indexWriteRefusal', () => {
  it("allows a missing index and the user's own", async () => {
    const root = tree('writable');
    const db = path.join(root, '.crashnav/index.db');
    expect(indexWriteRefusal(db)).toBeUndefined();
    await buildIndex({ root, dbPath: db, jobs: 1 });
    expect(indexWriteRefusal(db)).toBeUndefined();
  });

  it.skipIf(!isRoot)("refuses another user's index, and buildIndex leaves it as it is", async () => {
    const root = tree('foreign');
    const db = path.join(root, '.crashnav/index.db');
    await buildIndex({ root, dbPath: db, jobs: 1 });
    chownSync(db, 65534, 65534);
    expect(indexWriteRefusal(db)).toBe('it belongs to user nobody (uid 65534), not to you');
    await expect(buildIndex({ root, dbPath: db, jobs: 1 })).rejects.toThrow(`${db}: it belongs to user nobody (uid 65534), not to you; it is left as it is`);
  });
});
