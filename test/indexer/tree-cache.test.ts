// Incremental re-parsing of edited buffers: the facts extracted from a tree re-parsed from the previous
// one equal those of a fresh parse, for edits at the start, middle and end of a real kernel file.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNativeCParser, extractC } from '../../indexer/index.js';
import { TreeCache, textEdit } from '../../indexer/tree-cache.js';

const kernelFile = path.join(os.homedir(), '.cache/crashnav/linux-source-6.1.187-1/kernel/sched/core.c');
const haveKernel = existsSync(kernelFile);
if (!haveKernel) console.log(`tree-cache: ${kernelFile} missing (scripts/fetch-debian.sh source): kernel-file case skipped`);

function edits(text: string): string[] {
  const mid = text.indexOf('\n}\n', Math.floor(text.length / 2)) + 3;
  return [
    `${text}\nint added_at_end(void) { return end_callee(); }\n`,
    `${text.slice(0, mid)}static struct added_mid { int field_mid; } added_var;\n${text.slice(mid)}`,
    `int added_at_start;\n${text.slice(0, mid)}${text.slice(mid).replace('{', '{ int inner_decl = first_callee();')}`,
    text,
  ];
}

function sameFactsAfterEdits(file: string, text: string): void {
  const parser = createNativeCParser();
  const cache = new TreeCache(parser);
  cache.parse(file, text);
  for (const edited of edits(text)) {
    const incremental = extractC(edited, { path: file, tree: cache.parse(file, edited) });
    expect(incremental).toEqual(extractC(edited, { path: file, parser }));
  }
  cache.clear();
}

describe('TreeCache', () => {
  it('describes a change as one range with rows and columns', () => {
    expect(textEdit('ab\ncd\nef', 'ab\ncXd\nef')).toEqual({
      startIndex: 4, oldEndIndex: 4, newEndIndex: 5,
      startPosition: { row: 1, column: 1 }, oldEndPosition: { row: 1, column: 1 }, newEndPosition: { row: 1, column: 2 },
    });
  });

  it('extracts the same facts from an incremental re-parse as from a fresh parse (small file)', () => {
    sameFactsAfterEdits('a.c', 'struct s { int a; };\nstatic int v;\nint f(void)\n{\n\treturn g();\n}\n\nint h(void)\n{\n\treturn f();\n}\n');
  });

  it.skipIf(!haveKernel)('extracts the same facts from an incremental re-parse as from a fresh parse (kernel/sched/core.c)', () => {
    sameFactsAfterEdits('kernel/sched/core.c', readFileSync(kernelFile, 'utf8'));
  });
});
