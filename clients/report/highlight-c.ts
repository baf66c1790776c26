// C syntax highlighting for report excerpts, with tree-sitter-c's own `queries/highlights.scm` run through the
// native binding's Query, so the colours follow the grammar's maintainers rather than a regex of ours.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';

/** A run of text on one line; `kind` is the highlight capture name (`keyword`, `function`, ...) if any. */
export interface HighlightToken {
  text: string;
  kind?: string;
}

export type HighlightedLine = HighlightToken[];

const require = createRequire(import.meta.url);

function readHighlightsQuery(): string {
  const dir = path.dirname(require.resolve('tree-sitter-c/package.json'));
  return readFileSync(path.join(dir, 'queries', 'highlights.scm'), 'utf8');
}

/** One parser and one compiled query, reused for every excerpt of a report. */
export class CHighlighter {
  private readonly parser = new Parser();
  private readonly query: Parser.Query;

  constructor() {
    this.parser.setLanguage(C as unknown as Parser.Language);
    this.query = new Parser.Query(C as unknown as Parser.Language, readHighlightsQuery());
  }

  /**
   * Highlights lines `first..last` (1-based, inclusive) of `source`. The whole file is parsed so a snippet
   * in the middle of a function is read in its real context; the tree is dropped afterwards.
   */
  highlightLines(source: string, first: number, last: number): HighlightedLine[] {
    const lines = source.split('\n');
    const lo = Math.max(1, first);
    const hi = Math.min(lines.length, last);
    if (hi < lo) return [];
    // Kind per character of the requested lines, indexed [line - lo][column].
    const kinds: (string | undefined)[][] = [];
    for (let l = lo; l <= hi; l++) kinds.push(new Array<string | undefined>(lines[l - 1]!.length));
    const tree = this.parser.parse(source);
    const captures = this.query.captures(tree.rootNode, {
      startPosition: { row: lo - 1, column: 0 },
      endPosition: { row: hi, column: 0 },
    });
    // Captures of one node come in pattern order; the query lists `(identifier) @variable` first and the
    // specific rules (constant, function) after it, so the last capture of a node wins, as in Neovim.
    for (const { name, node } of captures) {
      const { startPosition: s, endPosition: e } = node;
      for (let row = Math.max(s.row, lo - 1); row <= Math.min(e.row, hi - 1); row++) {
        const line = kinds[row - (lo - 1)]!;
        const from = row === s.row ? s.column : 0;
        const to = row === e.row ? e.column : line.length;
        for (let c = from; c < Math.min(to, line.length); c++) line[c] = name;
      }
    }
    return kinds.map((lineKinds, i) => tokenize(lines[lo - 1 + i]!, lineKinds));
  }
}

function tokenize(text: string, kinds: (string | undefined)[]): HighlightedLine {
  const tokens: HighlightedLine = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i === text.length || kinds[i] !== kinds[start]) {
      const kind = kinds[start];
      tokens.push(kind === undefined ? { text: text.slice(start, i) } : { text: text.slice(start, i), kind });
      start = i;
    }
  }
  return tokens;
}
