// Re-indexing: only changed, added and deleted files are touched; an edited buffer is visible at once;
// a run killed mid-way leaves a consistent database that the next run completes.
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function manyFiles(n: number): string {
  let spec = '';
  for (let i = 0; i < n; i++) {
    spec += `=== drivers/d${i % 20}/f${i}.c\n#include <linux/x.h>\n`;
    for (let j = 0; j < 40; j++) spec += `static int f${i}_${j}(int a)\n{\n\treturn helper_${j}(a) + f${i}_${Math.max(0, j - 1)}(a);\n}\n`;
    spec += `int f${i}(void) { return f${i}_39(1); }\n`;
  }
  return spec;
}

function tableCounts(dbPath: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true });
  const out: Record<string, number> = {};
  for (const t of ['files', 'defs', 'calls', 'names', 'includes']) out[t] = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  db.close();
  return out;
}

describe('incremental indexing', () => {
  it('parses only changed, added and deleted files; a touched but identical file is not re-parsed', async () => {
    const root = writeTree(manyFiles(30));
    const dbPath = defaultDbPath(root);
    const first = await buildIndex({ root, dbPath, jobs: 2 });
    expect(first).toMatchObject({ files: 30, parsed: 30, skipped: 0 });
    const again = await buildIndex({ root, dbPath, jobs: 2 });
    expect(again).toMatchObject({ parsed: 0, unchanged: 30, deleted: 0 });

    appendFileSync(path.join(root, 'drivers/d1/f1.c'), 'int brand_new(void) { return f1(); }\n');
    writeFileSync(path.join(root, 'drivers/added.c'), 'int added_fn(void) { return brand_new(); }\n');
    rmSync(path.join(root, 'drivers/d2/f2.c'));
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, 'drivers/d3/f3.c'), later, later);
    const third = await buildIndex({ root, dbPath, jobs: 2 });
    expect(third).toMatchObject({ files: 30, parsed: 2, deleted: 1, unchanged: 28 });

    const index = KernelIndex.open(dbPath);
    expect(index.findDefinitions('brand_new')[0]).toMatchObject({ file: 'drivers/d1/f1.c', kind: 'function' });
    expect(index.findCallers('brand_new').map((c) => c.caller.name)).toEqual(['added_fn']);
    expect(index.findDefinitions('f2')).toEqual([]);
    expect(index.findReferences('f2_3')).toEqual([]);
    index.close();
  });

  it('re-indexes an edited buffer from memory, visible to the next query', async () => {
    const root = writeTree('=== a.c\nint old_name(void) { return 0; }\n');
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const index = KernelIndex.open(dbPath, { writable: true });
    const t0 = performance.now();
    index.updateFileText('a.c', 'int new_name(void) { return callee(); }\n');
    const ms = performance.now() - t0;
    expect(index.findDefinitions('old_name')).toEqual([]);
    expect(index.findCallers('callee').map((c) => c.caller.name)).toEqual(['new_name']);
    expect(ms).toBeLessThan(2000);
    index.close();
    // The next disk run sees the file differs from the buffer it indexed and re-reads it.
    expect(await buildIndex({ root, dbPath, jobs: 1 })).toMatchObject({ parsed: 1 });
  });

  it('opens a buffer without indexing it, and indexes its edits from the tree made at opening', async () => {
    const root = writeTree('=== a.c\nint old_name(void) { return 0; }\n');
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const index = KernelIndex.open(dbPath, { writable: true });
    const opened = 'int old_name(void) { return 0; }\nint opened_only(void) { return 1; }\n';
    index.openFileText('a.c', opened);
    expect(index.findDefinitions('opened_only')).toEqual([]);
    index.updateFileText('a.c', `${opened}int edited(void) { return opened_only(); }\n`);
    expect(index.findCallers('opened_only').map((c) => [c.caller.name, c.line])).toEqual([['edited', 3]]);
    expect(index.findDefinitions('opened_only').map((d) => d.line)).toEqual([2]);
    index.close();
  });

  it('survives being killed mid-run: the database stays consistent and the next run resumes', async () => {
    const root = writeTree(manyFiles(600));
    const dbPath = defaultDbPath(root);
    const script = `const { main } = await import(${JSON.stringify(path.join(repoRoot, 'clients/cli/main.ts'))});
process.exitCode = await main(['index', '--root', ${JSON.stringify(root)}, '--jobs', '2', '--quiet']);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: 'ignore' });
    const started = Date.now();
    let committed = 0;
    while (Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        committed = tableCounts(dbPath).files;
      } catch {
        committed = 0;
      }
      if (committed > 0) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committed).toBeGreaterThan(0);

    const db = new Database(dbPath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every committed file has all of its rows: 41 functions each.
    const partial = db.prepare('SELECT f.path, count(d.id) AS n FROM files f LEFT JOIN defs d ON d.file_id = f.id GROUP BY f.id HAVING n <> 41').all();
    expect(partial).toEqual([]);
    const killedAt = db.prepare('SELECT count(*) FROM files').pluck().get() as number;
    db.close();
    expect(killedAt).toBeLessThan(600);

    const resumed = await buildIndex({ root, dbPath, jobs: 2 });
    expect(resumed.parsed).toBe(600 - killedAt);
    expect(resumed.unchanged).toBe(killedAt);
    const fresh = path.join(root, 'fresh.db');
    await buildIndex({ root, dbPath: fresh, jobs: 2 });
    expect(tableCounts(dbPath)).toEqual(tableCounts(fresh));
  });
});
