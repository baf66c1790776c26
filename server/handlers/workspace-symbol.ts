// workspace/symbol: fuzzy, ranked search over every source root's index.
import type { CancellationToken, SymbolInformation, WorkspaceSymbolParams } from 'vscode-languageserver';
import { pointToLocation } from '../convert.js';
import { displayPath, lspSymbolKind } from '../queries/symbol-items.js';
import type { Snapshot } from '../snapshot.js';

const limit = 200;

export function handleWorkspaceSymbol(snapshot: Snapshot, params: WorkspaceSymbolParams, _token: CancellationToken): SymbolInformation[] | null {
  if (params.query.trim() === '') return [];
  return snapshot.workspace.searchSymbols(params.query.trim(), limit).map((d) => ({
    name: d.name,
    kind: lspSymbolKind(d.kind),
    location: pointToLocation(d, d.name.length),
    containerName: displayPath(snapshot.workspace, d.file),
  }));
}
