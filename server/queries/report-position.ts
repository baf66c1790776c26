// What is under the cursor in a crash-report document: a frame, a decodable fact, or nothing.
import type { Position } from 'vscode-languageserver';
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import { containsPosition, fromPosition } from '../convert.js';
import type { FactSite, FrameSite, ReportAnalysis } from '../reports/report-analysis.js';

export interface FrameHit {
  site: FrameSite;
  report: CrashReport;
  frame: CrashFrame;
}

export function frameOf(analysis: ReportAnalysis, site: FrameSite): FrameHit {
  const report = analysis.reports[site.report]!;
  return { site, report, frame: report.stacks[site.stack]!.frames[site.frame]! };
}

/** The frame whose `func+off/size [mod]` text is under the cursor (anywhere on its line as a fallback). */
export function findFrameAt(analysis: ReportAnalysis, position: Position): FrameHit | undefined {
  const exact = analysis.frames.find((s) => containsPosition(s.span, position));
  if (exact) return frameOf(analysis, exact);
  const { line } = fromPosition(position);
  const onLine = analysis.frames.find((s) => s.span.line === line);
  return onLine ? frameOf(analysis, onLine) : undefined;
}

export function findFactAt(analysis: ReportAnalysis, position: Position): FactSite | undefined {
  return analysis.facts.find((f) => containsPosition(f.span, position));
}

/** The guilty frame of the report whose headline (`BUG:`, `Oops:`, `Kernel panic`) line holds the cursor. */
export function guiltyFrameAt(analysis: ReportAnalysis, position: Position): FrameHit | undefined {
  const { line } = fromPosition(position);
  const fact = analysis.facts.find((f) => f.span.line === line && (f.kind === 'headline' || f.kind === 'oops'));
  if (!fact) return undefined;
  const report = analysis.reports[fact.report]!;
  if (!report.guilty) return undefined;
  const site = analysis.frames.find((s) => s.report === fact.report && s.stack === report.guilty!.stack && s.frame === report.guilty!.frame);
  return site ? frameOf(analysis, site) : undefined;
}
