// textDocument/documentHighlight: in C, the identifier's occurrences in this buffer (assignments marked as
// writes); in a crash report, every frame of the same function.
import { type CancellationToken, type DocumentHighlight, DocumentHighlightKind, type DocumentHighlightParams } from 'vscode-languageserver';
import { baseFunctionName } from '../../crash/index.js';
import { spanToRange } from '../convert.js';
import { identifierAt, occurrences } from '../queries/identifier-at.js';
import { findFrameAt, frameOf } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';

export async function handleDocumentHighlight(
  snapshot: Snapshot,
  params: DocumentHighlightParams,
  _token: CancellationToken,
): Promise<DocumentHighlight[] | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) {
    const symbol = findFrameAt(analysis, params.position)?.frame.symbol;
    if (!symbol) return null;
    const name = baseFunctionName(symbol);
    return analysis.frames
      .filter((site) => {
        const other = frameOf(analysis, site).frame.symbol;
        return other !== undefined && baseFunctionName(other) === name;
      })
      .map((site) => ({ range: spanToRange(site.symbolSpan), kind: DocumentHighlightKind.Text }));
  }
  const document = snapshot.document(uri);
  const word = document ? identifierAt(document, params.position) : undefined;
  if (!document || !word) return null;
  return occurrences(document, word.name).map((o) => ({
    range: spanToRange(o.span),
    kind: o.isWrite ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}
