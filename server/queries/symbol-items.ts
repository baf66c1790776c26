// Index records as LSP items: symbol kinds, call hierarchy items, and paths shown relative to their root.
import path from 'node:path';
import { type CallHierarchyItem, SymbolKind as LspSymbolKind } from 'vscode-languageserver';
import { pointToRange, pathToUri, type SourcePoint } from '../convert.js';
import type { SymbolDef, SymbolKind } from '../workspace/ports.js';
import type { Workspace } from '../workspace/workspace.js';

const kinds: Record<SymbolKind, LspSymbolKind> = {
  function: LspSymbolKind.Function,
  prototype: LspSymbolKind.Function,
  macro: LspSymbolKind.Constant,
  'function-macro': LspSymbolKind.Function,
  struct: LspSymbolKind.Struct,
  union: LspSymbolKind.Struct,
  enum: LspSymbolKind.Enum,
  typedef: LspSymbolKind.TypeParameter,
  enumerator: LspSymbolKind.EnumMember,
  variable: LspSymbolKind.Variable,
  member: LspSymbolKind.Field,
  label: LspSymbolKind.Key,
  other: LspSymbolKind.Variable,
};

export function lspSymbolKind(kind: SymbolKind): LspSymbolKind {
  return kinds[kind];
}

/** `init/main.c` for a file under a source root, else the absolute path. */
export function displayPath(workspace: Workspace, file: string): string {
  const root = workspace.sources.rootOf(file);
  return root ? path.relative(root, file) : file;
}

export interface CallItemData {
  name: string;
}

/** A call hierarchy item for a function, at its definition (or wherever it was seen when it has none). */
export function callItem(workspace: Workspace, name: string, def: SymbolDef | SourcePoint): CallHierarchyItem {
  const range = pointToRange(def, name.length);
  const kind = 'kind' in def ? lspSymbolKind(def.kind) : LspSymbolKind.Function;
  const data: CallItemData = { name };
  return {
    name,
    kind,
    detail: `${displayPath(workspace, def.file)}:${def.line}`,
    uri: pathToUri(def.file),
    range,
    selectionRange: range,
    data,
  };
}
