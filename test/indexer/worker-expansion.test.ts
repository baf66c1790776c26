// A large run plans its macro expansions in the parse workers, each on a read-only connection of its own:
// what it stores is what one thread would store, and a rebuild aside still swaps in afterwards (the
// workers' connections are closed before the index leaves WAL mode).
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

/** More files than `workerExpansionFiles`, each invoking a generator macro of a shared header. */
function tree(n: number): string {
  let spec = '=== include/linux/gen.h\n#define MAKE_FN(n) int gen_##n(void) { return helper_##n(); }\n';
  for (let i = 0; i < n; i++) spec += `=== drivers/f${i}.c\n#include <linux/gen.h>\nMAKE_FN(k${i})\nint user${i}(void) { return gen_k${i}(); }\n`;
  return spec;
}

function expandedRows(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT f.path || ':' || d.line || ' ' || n.name || ' via ' || v.name FROM defs d JOIN names n ON n.id = d.name_id
      JOIN files f ON f.id = d.file_id JOIN names v ON v.id = d.via_id WHERE d.flags & 16`).pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

describe('expansion planned in the workers', () => {
  it('stores what one thread stores, and a rebuild aside swaps in after it', async () => {
    const root = writeTree(tree(5200));
    const inWorkers = defaultDbPath(root);
    await buildIndex({ root, dbPath: inWorkers, jobs: 2 });
    const oneThread = path.join(root, 'one-thread.db');
    await buildIndex({ root, dbPath: oneThread, jobs: 1 });

    const rows = expandedRows(inWorkers);
    expect(rows).toHaveLength(5200);
    expect(rows).toContain('drivers/f17.c:2 gen_k17 via MAKE_FN');
    expect(rows).toEqual(expandedRows(oneThread));
    const index = KernelIndex.open(inWorkers);
    expect(index.findCallers('helper_k17').map((c) => [c.caller.name, c.file, c.line])).toEqual([['gen_k17', 'drivers/f17.c', 2]]);
    index.close();

    const db = new Database(inWorkers);
    db.prepare("UPDATE meta SET value = '0/old' WHERE key = 'extractor'").run();
    db.close();
    const rebuilt = await buildIndex({ root, dbPath: inWorkers, jobs: 2 });
    expect(rebuilt).toMatchObject({ parsed: 5201, problems: [] });
    expect(expandedRows(inWorkers)).toEqual(rows);
  }, 120_000);
});
