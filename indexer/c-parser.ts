// tree-sitter for C behind one interface, two backends: the native Node binding (fast; the CLI and the
// server) and web-tree-sitter with the grammar's own wasm (where no native prebuild loads). The extractor
// only sees `CParser`, `SyntaxTree` and `SyntaxCursor`, the subset both backends share.
import { createRequire } from 'node:module';

export interface SyntaxPoint {
  row: number;
  column: number;
}

/** A walk over a tree; indices are UTF-16 code units of the parsed string. */
export interface SyntaxCursor {
  nodeType: string;
  nodeIsNamed: boolean;
  /** The field the current node fills in its parent (`declarator`, `type`, ...), when one. */
  currentFieldName: string | null | undefined;
  startIndex: number;
  endIndex: number;
  startPosition: SyntaxPoint;
  endPosition: SyntaxPoint;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

/** A text change, as tree-sitter's `Tree.edit` takes it (indices and columns in UTF-16 code units). */
export interface SyntaxEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: SyntaxPoint;
  oldEndPosition: SyntaxPoint;
  newEndPosition: SyntaxPoint;
}

export interface SyntaxTree {
  walk(): SyntaxCursor;
  edit(edit: SyntaxEdit): void;
  delete?(): void;
}

export interface CParser {
  readonly backend: 'native' | 'wasm';
  /** The grammar version, recorded in the index so a grammar change forces a re-index. */
  readonly grammar: string;
  /** `previous`: the tree of the text before an edit, already `edit()`ed, so unchanged subtrees are reused. */
  parse(text: string, previous?: SyntaxTree): SyntaxTree;
}

const require = createRequire(import.meta.url);

function grammarVersion(): string {
  const pkg = require('tree-sitter-c/package.json') as { version: string };
  return `tree-sitter-c@${pkg.version}`;
}

interface NativeParser {
  setLanguage(lang: unknown): void;
  parse(input: string | ((index: number) => string | null), old?: unknown, options?: { bufferSize?: number }): SyntaxTree;
}

export function createNativeCParser(): CParser {
  const Parser = require('tree-sitter') as new () => NativeParser;
  const language = require('tree-sitter-c') as unknown;
  const parser = new Parser();
  parser.setLanguage(language);
  const grammar = grammarVersion();
  return {
    backend: 'native',
    grammar,
    // The binding copies the input through a zero-filled buffer it allocates per parse, chunk by chunk
    // (linear: it keeps the rest of the string between chunks). A buffer the size of the text made 100 MB
    // of register headers parse 8% slower than 64 KB chunks; ordinary files fit in one chunk either way.
    parse: (text, previous) => parser.parse(text, previous ?? null, { bufferSize: Math.min(64 * 1024, text.length * 2 + 16) }),
  };
}

interface WasmParser {
  setLanguage(lang: unknown): void;
  parse(text: string, previous?: SyntaxTree | null): (SyntaxTree & { delete(): void }) | null;
}

export async function createWasmCParser(): Promise<CParser> {
  const mod = (await import('web-tree-sitter')) as unknown as {
    Parser: { init(): Promise<void>; new (): WasmParser };
    Language: { load(path: string): Promise<unknown> };
  };
  await mod.Parser.init();
  const language = await mod.Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
  const parser = new mod.Parser();
  parser.setLanguage(language);
  const grammar = grammarVersion();
  return {
    backend: 'wasm',
    grammar,
    parse(text, previous) {
      const tree = parser.parse(text, previous ?? null);
      if (!tree) throw new Error('web-tree-sitter returned no tree');
      return tree;
    },
  };
}

/** The native backend when it loads, else the wasm one; `prefer: 'wasm'` forces the fallback. */
export async function loadCParser(options: { prefer?: 'native' | 'wasm' } = {}): Promise<CParser> {
  if (options.prefer !== 'wasm') {
    try {
      return createNativeCParser();
    } catch {
      // No prebuild for this platform or ABI: fall through to wasm.
    }
  }
  return createWasmCParser();
}
