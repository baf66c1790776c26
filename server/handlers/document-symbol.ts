// textDocument/documentSymbol: a crash report's outline (each report, its header, each stack and its
// frames); a C file's definitions from the index.
import {
  type CancellationToken,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type Range,
  SymbolKind,
} from 'vscode-languageserver';
import { pointToRange, spanToRange, toPosition, uriToPath } from '../convert.js';
import type { ReportDocument } from '../reports/report-document.js';
import { lspSymbolKind } from '../queries/symbol-items.js';
import type { Snapshot } from '../snapshot.js';

function linesRange(first: number, last: number): Range {
  return { start: toPosition(first, 1), end: toPosition(last + 1, 1) };
}

/** Past this many reports in one log, the outline lists the reports without their stacks. */
const maxDetailedReports = 200;

function reportOutline(analysis: ReportDocument): DocumentSymbol[] {
  return analysis.reports.map((report, r) => {
    const sites = r < maxDetailedReports ? analysis.framesOfReport(r) : [];
    const stacks: DocumentSymbol[] = report.stacks.flatMap((stack, s) => {
      const frames = sites.filter((site) => site.stack === s);
      if (frames.length === 0) return [];
      const first = Math.min(...frames.map((f) => f.span.line));
      const last = Math.max(...frames.map((f) => f.span.line));
      return [
        {
          name: `${stack.context} stack`,
          detail: `${frames.length} frames`,
          kind: SymbolKind.Namespace,
          range: linesRange(first, last),
          selectionRange: linesRange(first, first),
          children: frames.map((site) => {
            const frame = stack.frames[site.frame]!;
            return {
              name: frame.symbol ?? `0x${frame.address?.toString(16) ?? '?'}`,
              detail: [frame.module, frame.reliable ? undefined : 'unreliable'].filter(Boolean).join(' '),
              kind: SymbolKind.Function,
              range: spanToRange(site.span),
              selectionRange: spanToRange(site.symbolSpan),
            };
          }),
        },
      ];
    });
    const firstFrameLine = sites.reduce((min, s) => Math.min(min, s.span.line), report.endLine);
    const header: DocumentSymbol = {
      name: 'header',
      detail: [report.release, report.comm && `comm ${report.comm}`, report.taint && `taint ${report.taint}`].filter(Boolean).join(', '),
      kind: SymbolKind.Object,
      range: linesRange(report.startLine, Math.max(report.startLine, firstFrameLine - 1)),
      selectionRange: linesRange(report.startLine, report.startLine),
    };
    return {
      name: report.title || report.headline,
      detail: report.kind,
      kind: SymbolKind.Event,
      range: linesRange(report.startLine, report.endLine),
      selectionRange: linesRange(report.startLine, report.startLine),
      children: [header, ...stacks],
    };
  });
}

export async function handleDocumentSymbol(
  snapshot: Snapshot,
  params: DocumentSymbolParams,
  _token: CancellationToken,
): Promise<DocumentSymbol[] | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) return reportOutline(analysis);
  const file = uriToPath(uri);
  const index = file ? snapshot.workspace.indexFor(file) : undefined;
  if (!file || !index) return null;
  return index
    .fileSymbols(file)
    .filter((d) => d.kind !== 'member' && d.kind !== 'label')
    .map((d) => {
      const selectionRange = pointToRange(d, d.name.length);
      const range = d.endLine && d.endLine > d.line ? linesRange(d.line, d.endLine) : selectionRange;
      return { name: d.name, detail: d.signature ?? d.kind, kind: lspSymbolKind(d.kind), range: { start: { line: range.start.line, character: 0 }, end: range.end }, selectionRange };
    });
}
