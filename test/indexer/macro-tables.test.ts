// A generated register header's macros are stored by name hash, not as rows: every query still finds
// them as definitions of the right name, and never a macro that only shares the hash.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath } from '../../indexer/index.js';
import { nameHash } from '../../indexer/name-hash.js';
import { macroTableMin } from '../../indexer/packed-facts.js';
import { writeTree } from './tree-fixture.js';

/** A register header of `count` macros `mmREG_<i>`, after `skip` lines of other text. */
function registerHeader(count: number, skip = 0): string {
  const lines = Array.from({ length: skip }, () => '/* pad */');
  lines.push('#ifndef _REGS_H_', '#define _REGS_H_', '// The first register.');
  for (let i = 0; i < count; i++) lines.push(`#define mmREG_${i}\t0x${i.toString(16)}`);
  lines.push('#define CUR_TASK get_current()', '#endif');
  return lines.join('\n') + '\n';
}

/** A name that is not `mmREG_<i>` but has the hash of one of them. */
function collidingName(count: number): { name: string; twin: string } {
  const regs = new Map<number, string>();
  for (let i = 0; i < count; i++) regs.set(nameHash(`mmREG_${i}`), `mmREG_${i}`);
  for (let i = 0; ; i++) {
    const twin = regs.get(nameHash(`other_${i}`));
    if (twin) return { name: `other_${i}`, twin };
  }
}

describe('macro tables', () => {
  const count = macroTableMin + 50_000;
  const first = 4;

  it('finds a register macro by its name, with its line, column and comment, and only by its name', async () => {
    const root = writeTree(`=== drv/regs.h\n${registerHeader(count)}=== drv/use.c\n#include "regs.h"\nint use(void) { return mmREG_7 + CUR_TASK; }\n`);
    await buildIndex({ root, dbPath: defaultDbPath(root), jobs: 1 });
    const index = KernelIndex.open(defaultDbPath(root));
    // Stored as a table entry, not as an interned name and a row.
    expect(index.store.nameId('mmREG_7')).toBeUndefined();
    expect(index.store.nameId('CUR_TASK')).toBeDefined();
    expect(index.findDefinitions('mmREG_0')).toEqual([expect.objectContaining({ name: 'mmREG_0', kind: 'macro', file: 'drv/regs.h', line: first, column: 9, endLine: first, docLine: first - 1 })]);
    expect(index.findDefinitions(`mmREG_${count - 1}`)[0]).toMatchObject({ line: first + count - 1 });
    expect(index.docComment(index.findDefinitions('mmREG_0')[0]!)).toBe('The first register.');
    const { name, twin } = collidingName(count);
    expect(index.store.macroTableEntries(name)).toHaveLength(1);
    expect(index.findDefinitions(name)).toEqual([]);
    expect(index.findDefinitions(twin)).toHaveLength(1);
    expect(index.searchSymbols('mmREG_7', { limit: 1 })).toEqual([expect.objectContaining({ name: 'mmREG_7', file: 'drv/regs.h' })]);
    const inFile = index.definitionsInFile('drv/regs.h');
    expect(inFile.map((d) => d.name).slice(0, 3)).toEqual(['_REGS_H_', 'mmREG_0', 'mmREG_1']);
    expect(inFile).toHaveLength(count + 2);
    expect(index.findReferences('mmREG_7').map((r) => [r.file, r.line, r.role])).toEqual([
      ['drv/regs.h', first + 7, 'declaration'],
      ['drv/use.c', 2, 'read'],
    ]);
    index.close();
  });

  it('follows the header through edits and deletion, and a stale entry is not believed', async () => {
    const root = writeTree(`=== regs.h\n${registerHeader(count)}`);
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    writeFileSync(path.join(root, 'regs.h'), registerHeader(count, 10));
    let index = KernelIndex.open(dbPath);
    // The file moved under the index: the entry's offset no longer holds the name.
    expect(index.findDefinitions('mmREG_5')).toEqual([]);
    index.close();
    await buildIndex({ root, dbPath, jobs: 1 });
    index = KernelIndex.open(dbPath);
    expect(index.findDefinitions('mmREG_5').map((d) => d.line)).toEqual([first + 10 + 5]);
    index.close();
    rmSync(path.join(root, 'regs.h'));
    await buildIndex({ root, dbPath, jobs: 1 });
    index = KernelIndex.open(dbPath);
    expect(index.findDefinitions('mmREG_5')).toEqual([]);
    expect(index.store.db.prepare('SELECT count(*) FROM macro_tables').pluck().get()).toBe(0);
    index.close();
  });

  it('keeps rows for a header that is not one byte a character, and for one edited in memory', async () => {
    const header = registerHeader(macroTableMin).replace('// The first register.', '// The first register, by Jörg.');
    const root = writeTree(`=== regs.h\n${header}`);
    const dbPath = defaultDbPath(root);
    await buildIndex({ root, dbPath, jobs: 1 });
    const index = KernelIndex.open(dbPath, { writable: true });
    expect(index.store.nameId('mmREG_5')).toBeDefined();
    expect(index.findDefinitions('mmREG_5').map((d) => d.line)).toEqual([first + 5]);
    index.updateFileText('regs.h', registerHeader(macroTableMin, 2));
    expect(index.findDefinitions('mmREG_5').map((d) => d.line)).toEqual([first + 2 + 5]);
    index.close();
  });
});
