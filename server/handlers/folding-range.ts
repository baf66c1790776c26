// textDocument/foldingRange on crash reports: each report, register dumps, stacks, module lists, Code: lines.
import { type CancellationToken, type FoldingRange, FoldingRangeKind, type FoldingRangeParams } from 'vscode-languageserver';
import type { Snapshot } from '../snapshot.js';

export async function handleFoldingRange(snapshot: Snapshot, params: FoldingRangeParams, _token: CancellationToken): Promise<FoldingRange[] | null> {
  const analysis = await snapshot.reports.get(params.textDocument.uri);
  if (!analysis) return null;
  return analysis.folds.map((f) => ({
    startLine: f.startLine - 1,
    endLine: f.endLine - 1,
    kind: f.kind === 'report' ? FoldingRangeKind.Region : undefined,
    collapsedText: f.kind,
  }));
}
