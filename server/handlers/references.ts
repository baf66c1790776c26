// textDocument/references: on a crash frame, the calls of that function (its callers); in C, every reference
// to the identifier (definitions and declarations only when the client asks to include them).
import type { CancellationToken, Location, ReferenceParams } from 'vscode-languageserver';
import { baseFunctionName } from '../../crash/index.js';
import { pointToLocation } from '../convert.js';
import { checkpoint } from '../queries/cancellation.js';
import { identifierAt } from '../queries/identifier-at.js';
import { findFrameAt } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';

export async function handleReferences(snapshot: Snapshot, params: ReferenceParams, token: CancellationToken): Promise<Location[] | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) {
    const symbol = findFrameAt(analysis, params.position)?.frame.symbol;
    if (!symbol) return null;
    const name = baseFunctionName(symbol);
    const calls = snapshot.workspace.callers(name);
    await checkpoint(token);
    const locations = calls.map((c) => pointToLocation(c, name.length));
    if (params.context.includeDeclaration) {
      const def = snapshot.workspace.definitions(name, snapshot.arch)[0];
      if (def) locations.unshift(pointToLocation(def, name.length));
    }
    return locations;
  }
  const document = snapshot.document(uri);
  if (!document) return null;
  const word = identifierAt(document, params.position);
  if (!word) return null;
  const refs = snapshot.workspace.references(word.name);
  await checkpoint(token);
  return refs
    .filter((r) => params.context.includeDeclaration || (r.role !== 'definition' && r.role !== 'declaration'))
    .map((r) => pointToLocation(r, word.name.length));
}
