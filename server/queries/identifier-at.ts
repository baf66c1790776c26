// The C identifier under the cursor, read from the editor's text (always current, even mid-edit).
import type { Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LineSpan } from '../convert.js';

const identifier = /[A-Za-z_]\w*/g;
const keywords = new Set(
  'auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while'.split(' '),
);

export interface IdentifierHit {
  name: string;
  span: LineSpan;
}

export function lineText(document: TextDocument, line: number): string {
  return document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

export function identifierAt(document: TextDocument, position: Position): IdentifierHit | undefined {
  const text = lineText(document, position.line);
  for (const m of text.matchAll(identifier)) {
    const start = m.index;
    const end = start + m[0].length;
    if (position.character >= start && position.character <= end) {
      if (keywords.has(m[0]) || /^\d/.test(m[0])) return undefined;
      return { name: m[0], span: { line: position.line + 1, startColumn: start + 1, endColumn: end + 1 } };
    }
  }
  return undefined;
}

export interface Occurrence {
  span: LineSpan;
  /** Followed by an assignment operator or `++`/`--`, or preceded by `++`/`--`. */
  isWrite: boolean;
}

const writeAfter = /^\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)|^\s*(?:\+\+|--)/;
const writeBefore = /(?:\+\+|--)\s*$/;

/** Every whole-word occurrence of `name` in the document. */
export function occurrences(document: TextDocument, name: string): Occurrence[] {
  const out: Occurrence[] = [];
  const pattern = new RegExp(`(?<![\\w$])${name.replace(/[$]/g, '\\$')}(?![\\w$])`, 'g');
  document
    .getText()
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(pattern)) {
        const end = m.index + name.length;
        out.push({
          span: { line: i + 1, startColumn: m.index + 1, endColumn: end + 1 },
          isWrite: writeAfter.test(text.slice(end)) || writeBefore.test(text.slice(0, m.index)),
        });
      }
    });
  return out;
}
