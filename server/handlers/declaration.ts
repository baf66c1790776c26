// textDocument/declaration in C: the prototypes (headers) of the function under the cursor, else its definition.
import type { CancellationToken, DeclarationParams, Location } from 'vscode-languageserver';
import { pointToLocation } from '../convert.js';
import { identifierAt } from '../queries/identifier-at.js';
import type { Snapshot } from '../snapshot.js';

export function handleDeclaration(snapshot: Snapshot, params: DeclarationParams, _token: CancellationToken): Location[] | null {
  const document = snapshot.document(params.textDocument.uri);
  if (!document) return null;
  const word = identifierAt(document, params.position);
  if (!word) return null;
  const declarations = snapshot.workspace.declarations(word.name);
  const found = declarations.length > 0 ? declarations : snapshot.workspace.definitions(word.name, snapshot.arch).slice(0, 1);
  return found.length > 0 ? found.map((d) => pointToLocation(d, d.name.length)) : null;
}
