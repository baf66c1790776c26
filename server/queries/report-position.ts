// What is under the cursor in a crash-report document: a frame, a decodable fact, or nothing.
import type { Position } from 'vscode-languageserver';
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import { containsPosition, fromPosition } from '../convert.js';
import type { FactSite, FrameSite } from '../reports/report-analysis.js';
import type { ReportDocument } from '../reports/report-document.js';

export interface FrameHit {
  site: FrameSite;
  report: CrashReport;
  frame: CrashFrame;
}

export function frameOf(analysis: ReportDocument, site: FrameSite): FrameHit {
  const report = analysis.reports[site.report]!;
  return { site, report, frame: report.stacks[site.stack]!.frames[site.frame]! };
}

/** The frame whose `func+off/size [mod]` text is under the cursor (anywhere on its line as a fallback). */
export function findFrameAt(analysis: ReportDocument, position: Position): FrameHit | undefined {
  const onLine = analysis.framesOnLine(fromPosition(position).line);
  const site = onLine.find((s) => containsPosition(s.span, position)) ?? onLine[0];
  return site ? frameOf(analysis, site) : undefined;
}

export function findFactAt(analysis: ReportDocument, position: Position): FactSite | undefined {
  return analysis.facts.find((f) => containsPosition(f.span, position));
}

/** The guilty frame of the report whose headline (`BUG:`, `Oops:`, `Kernel panic`) line holds the cursor. */
export function guiltyFrameAt(analysis: ReportDocument, position: Position): FrameHit | undefined {
  const { line } = fromPosition(position);
  const fact = analysis.facts.find((f) => f.span.line === line && (f.kind === 'headline' || f.kind === 'oops'));
  const site = fact ? analysis.guiltySite(fact.report) : undefined;
  return site ? frameOf(analysis, site) : undefined;
}
