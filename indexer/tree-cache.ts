// The syntax trees of the files an editor changes, kept between updates so that re-parsing an edited
// buffer reuses every subtree the edit did not touch (tree-sitter's incremental parse): a keystroke in
// a 300 KB file costs a few milliseconds of parsing instead of a full parse.
import type { CParser, SyntaxEdit, SyntaxPoint, SyntaxTree } from './c-parser.js';
import { maxTreeSitterBytes } from './extract-c.js';

/** How many files' trees are kept (an editor session touches a handful at a time). */
const maxFiles = 8;

export class TreeCache {
  private readonly entries = new Map<string, { text: string; tree: SyntaxTree }>();

  constructor(private readonly parser: CParser) {}

  /**
   * The tree of `text` as the new content of `file`, parsed incrementally from the file's previous tree
   * when there is one; undefined for files the extractor does not give to tree-sitter. The cache owns
   * the tree: it stays valid until the next `parse` of the same file.
   */
  parse(file: string, text: string): SyntaxTree | undefined {
    if (!/\.[ch]$/.test(file) || text.length > maxTreeSitterBytes) {
      this.drop(file);
      return undefined;
    }
    const old = this.entries.get(file);
    let tree: SyntaxTree;
    if (old) {
      if (old.text === text) return old.tree;
      old.tree.edit(textEdit(old.text, text));
      tree = this.parser.parse(text, old.tree);
      old.tree.delete?.();
      this.entries.delete(file);
    } else {
      tree = this.parser.parse(text);
    }
    this.entries.set(file, { text, tree });
    if (this.entries.size > maxFiles) this.drop(this.entries.keys().next().value!);
    return tree;
  }

  clear(): void {
    for (const file of [...this.entries.keys()]) this.drop(file);
  }

  private drop(file: string): void {
    this.entries.get(file)?.tree.delete?.();
    this.entries.delete(file);
  }
}

/** The single replaced range that turns `before` into `after` (common prefix and suffix kept). */
export function textEdit(before: string, after: string): SyntaxEdit {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  };
}

function pointAt(text: string, index: number): SyntaxPoint {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}
