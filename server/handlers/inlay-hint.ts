// textDocument/inlayHint on crash reports: ` file.c:123` after each frame in the visible range.
import { type CancellationToken, type InlayHint, InlayHintKind, type InlayHintParams } from 'vscode-languageserver';
import { toPosition } from '../convert.js';
import { checkpoint } from '../queries/cancellation.js';
import { frameOf } from '../queries/report-position.js';
import { displayPath } from '../queries/symbol-items.js';
import type { Snapshot } from '../snapshot.js';

export async function handleInlayHint(snapshot: Snapshot, params: InlayHintParams, token: CancellationToken): Promise<InlayHint[] | null> {
  const analysis = await snapshot.reports.get(params.textDocument.uri);
  if (!analysis) return null;
  const first = params.range.start.line + 1;
  const last = params.range.end.line + 1;
  const hints: InlayHint[] = [];
  for (const site of analysis.frames) {
    if (site.span.line < first || site.span.line > last) continue;
    await checkpoint(token);
    const hit = frameOf(analysis, site);
    const resolved = await snapshot.workspace.resolveFrame(hit.report, hit.frame);
    const where = resolved.locations[0] ?? resolved.definition;
    if (!where) continue;
    const label = `${displayPath(snapshot.workspace, where.file)}:${where.line}`;
    hints.push({
      position: toPosition(site.span.line, site.span.endColumn),
      label: resolved.locations.length > 1 ? `${label} (+${resolved.locations.length - 1} inlined)` : label,
      kind: InlayHintKind.Parameter,
      paddingLeft: true,
      tooltip: resolved.locations.length > 0 ? 'line from debug info' : 'definition (no line information)',
    });
  }
  return hints;
}
