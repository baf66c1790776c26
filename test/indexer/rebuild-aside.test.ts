// A new extractor version rebuilds the index aside: the live index keeps answering during the rebuild,
// the complete new one replaces it, and a rebuild cut short leaves the old index whole and resumes.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath, extractorVersion } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

function tree(n: number): string {
  let spec = '=== lib/core.c\nint core_fn(int a) { return a; }\n';
  for (let i = 0; i < n; i++) spec += `=== drivers/f${i}.c\nint f${i}(int a) { return core_fn(a) + ${i}; }\n`;
  return spec;
}

function stampAsOld(dbPath: string): string {
  const db = new Database(dbPath);
  const stamp = db.prepare("SELECT value FROM meta WHERE key = 'extractor'").pluck().get() as string;
  db.prepare("UPDATE meta SET value = ? WHERE key = 'extractor'").run(`0/${stamp.split('/').slice(1).join('/')}`);
  db.close();
  return stamp;
}

function answers(dbPath: string): { core: string | undefined; callers: number; stamp: unknown } {
  const index = KernelIndex.open(dbPath);
  try {
    return {
      core: index.findDefinitions('core_fn')[0]?.file,
      callers: index.findCallers('core_fn').length,
      stamp: index.store.getMeta('extractor'),
    };
  } finally {
    index.close();
  }
}

describe('rebuild after an extractor change', () => {
  it('keeps answering from the old index during the rebuild and swaps in the new one', async () => {
    const root = writeTree(tree(600));
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const stamp = stampAsOld(dbPath);
    expect(stamp.startsWith(`${extractorVersion}/`)).toBe(true);

    const held = KernelIndex.open(dbPath);
    const during: Array<ReturnType<typeof answers> & { done: number; total: number }> = [];
    const summary = await buildIndex({ root, dbPath, jobs: 1, onProgress: (p) => during.push({ ...answers(dbPath), done: p.done, total: p.total }) });
    expect(summary).toMatchObject({ files: 601, parsed: 601 });
    const mid = during.filter((d) => d.done < d.total);
    expect(mid.length).toBeGreaterThan(0);
    for (const d of mid) expect(d).toMatchObject({ core: 'lib/core.c', callers: 600, stamp: `0/${stamp.split('/').slice(1).join('/')}` });

    expect(answers(dbPath)).toEqual({ core: 'lib/core.c', callers: 600, stamp });
    expect(existsSync(`${dbPath}.rebuild`)).toBe(false);
    // A reader open across the swap keeps its (old) file until it reopens.
    expect(held.findCallers('core_fn')).toHaveLength(600);
    expect(held.store.getMeta('extractor')).not.toBe(stamp);
    held.close();
    const again = await buildIndex({ root, dbPath, jobs: 1 });
    expect(again).toMatchObject({ parsed: 0, unchanged: 601 });
  });

  it('leaves the old index whole when the rebuild is cut short, and the next run resumes it', async () => {
    const root = writeTree(tree(600));
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const stamp = stampAsOld(dbPath);
    writeFileSync(path.join(root, 'drivers/added.c'), 'int added(void) { return core_fn(1); }\n');

    const abort = new AbortController();
    const cut = await buildIndex({ root, dbPath, jobs: 1, signal: abort.signal, onProgress: () => abort.abort() });
    expect(cut.parsed).toBeLessThan(602);
    expect(answers(dbPath)).toMatchObject({ core: 'lib/core.c', callers: 600 });
    expect(existsSync(`${dbPath}.rebuild`)).toBe(true);

    const resumed = await buildIndex({ root, dbPath, jobs: 1 });
    expect(resumed.unchanged).toBeGreaterThan(0);
    expect(resumed.parsed + resumed.unchanged).toBe(602);
    expect(answers(dbPath)).toEqual({ core: 'lib/core.c', callers: 601, stamp });
    expect(existsSync(`${dbPath}.rebuild`)).toBe(false);
  });
});
