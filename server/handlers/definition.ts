// textDocument/definition: on a crash frame, the source line it stopped at (DWARF, else the function's
// definition); on the headline, the guilty frame's line; in C, the best-ranked definition or the #include target.
import type { CancellationToken, DefinitionParams, Location, LocationLink } from 'vscode-languageserver';
import { baseFunctionName } from '../../crash/index.js';
import { pointToLink, pointToLocation, type SourcePoint, uriToPath } from '../convert.js';
import { identifierAt } from '../queries/identifier-at.js';
import { type FrameHit, findFrameAt, guiltyFrameAt } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';
import type { SymbolDef } from '../workspace/ports.js';

type DefinitionResult = Location[] | LocationLink[];

/** Where a frame points: its innermost resolved line, else the function's definition. */
export async function frameTarget(snapshot: Snapshot, hit: FrameHit): Promise<SourcePoint | undefined> {
  const resolved = await snapshot.workspace.resolveFrame(hit.report, hit.frame);
  const innermost = resolved.locations[0];
  if (innermost) return innermost;
  if (resolved.definition) return resolved.definition;
  if (!hit.frame.symbol) return undefined;
  return snapshot.workspace.definitions(baseFunctionName(hit.frame.symbol), snapshot.arch)[0];
}

/** A definition's name is selected; a crash line is a point at its start. */
function answer(snapshot: Snapshot, origin: FrameHit['site']['span'], target: SourcePoint | SymbolDef): DefinitionResult {
  const length = 'name' in target ? target.name.length : 0;
  return snapshot.client.definitionLinks ? [pointToLink(origin, target, length)] : [pointToLocation(target, length)];
}

export async function handleDefinition(
  snapshot: Snapshot,
  params: DefinitionParams,
  _token: CancellationToken,
): Promise<DefinitionResult | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) {
    const hit = findFrameAt(analysis, params.position) ?? guiltyFrameAt(analysis, params.position);
    if (!hit) return null;
    const target = await frameTarget(snapshot, hit);
    return target ? answer(snapshot, hit.site.symbolSpan, target) : null;
  }
  const document = snapshot.document(uri);
  const file = uriToPath(uri);
  if (!document) return null;
  if (file) {
    const include = snapshot.workspace
      .indexFor(file)
      ?.includes(file)
      .find((i) => i.line === params.position.line + 1 && i.target !== undefined);
    if (include?.target) return [pointToLocation({ file: include.target, line: 1 })];
  }
  const word = identifierAt(document, params.position);
  if (!word) return null;
  const best = snapshot.workspace.definitions(word.name, snapshot.arch)[0];
  return best ? answer(snapshot, word.span, best) : null;
}
