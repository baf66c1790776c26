// C highlighting with tree-sitter-c's own highlights.scm: tokens rebuild the line exactly and carry the
// capture names a reader expects, on the lab modules' real source.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHighlighter, type HighlightedLine } from '../../clients/report/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const haveLab = (() => {
  try {
    readFileSync(path.join(lab, 'frames.jsonl'));
    return true;
  } catch {
    console.log(`skipping lab-source highlighting: ${lab} is absent`);
    return false;
  }
})();

function kindsOf(line: HighlightedLine): Record<string, string | undefined> {
  return Object.fromEntries(line.filter((t) => t.text.trim()).map((t) => [t.text.trim(), t.kind]));
}

describe('CHighlighter', () => {
  const h = new CHighlighter();

  it('classifies keywords, types, calls, constants, fields, literals and comments', () => {
    const src = 'static int f(struct s *x)\n{\n\treturn g(x->n, FOO, 42, "s"); /* c */\n}\n';
    const [sig, , body] = h.highlightLines(src, 1, 3);
    expect(kindsOf(sig!)).toMatchObject({ static: 'keyword', int: 'type', f: 'function', struct: 'keyword', s: 'type' });
    expect(kindsOf(body!)).toMatchObject({ return: 'keyword', g: 'function', n: 'property', FOO: 'constant', '42': 'number', '"s"': 'string', '/* c */': 'comment' });
  });

  it('returns only the lines asked for, each rebuilt exactly, multi-line comments included', () => {
    const src = '/* one\n * two */\nint x;\n';
    const lines = h.highlightLines(src, 2, 3);
    expect(lines.map((l) => l.map((t) => t.text).join(''))).toEqual([' * two */', 'int x;']);
    expect(lines[0]![0]!.kind).toBe('comment');
  });

  it.skipIf(!haveLab)('rebuilds every line of the lab modules exactly', () => {
    for (const name of ['crash_nullwrite', 'crash_bugon', 'crash_panic']) {
      const src = readFileSync(path.join(lab, 'modules', name, `${name}.c`), 'utf8');
      const n = src.split('\n').length;
      const rebuilt = h.highlightLines(src, 1, n).map((l) => l.map((t) => t.text).join(''));
      expect(rebuilt).toEqual(src.split('\n'));
    }
  });
});
