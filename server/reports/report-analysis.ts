// A crash-report document parsed once into what the handlers look up by position: each frame's span on its
// line, the lines that carry decodable facts, the foldable blocks. crash/ places all of them (the server
// reads no crash text itself); this only turns its 0-based columns into the server's 1-based spans. Pure and
// structured-cloneable, so a large report can be analyzed in a worker and the result posted back as is.
import { type ColumnSpan, type CrashReport, type FactKind, type ParseProblem, parseCrashReport } from '../../crash/index.js';
import type { LineSpan } from '../convert.js';

export type { FactKind } from '../../crash/index.js';

export interface FrameSite {
  report: number;
  stack: number;
  frame: number;
  /** `do_one_initcall+0x59/0x220 [mod]` as it stands on its line. */
  span: LineSpan;
  /** Just the function name (or the address when the frame has no symbol). */
  symbolSpan: LineSpan;
}

export interface FactSite {
  report: number;
  kind: FactKind;
  span: LineSpan;
  /** The fact as printed (`CS:  0010`, `Oops: 0002 [#1]`). */
  text: string;
  /** What the fact's decoder reads beyond the report: the trap an Oops names, the CS selector. */
  trap?: string;
  value?: string;
}

export type FoldKind = 'report' | 'stack' | 'registers' | 'modules' | 'code';

export interface FoldSite {
  startLine: number;
  endLine: number;
  kind: FoldKind;
}

export interface ReportAnalysis {
  reports: CrashReport[];
  problems: ParseProblem[];
  frames: FrameSite[];
  facts: FactSite[];
  folds: FoldSite[];
}

const lineSpan = (line: number, span: ColumnSpan): LineSpan => ({ line, startColumn: span.start + 1, endColumn: span.end + 1 });

export function analyzeReport(text: string, source: string): ReportAnalysis {
  const { reports, problems } = parseCrashReport(text, { source });
  const frames: FrameSite[] = [];
  const facts: FactSite[] = [];
  const folds: FoldSite[] = [];
  reports.forEach((report, r) => {
    if (report.endLine > report.startLine) folds.push({ startLine: report.startLine, endLine: report.endLine, kind: 'report' });
    report.stacks.forEach((stack, s) => {
      stack.frames.forEach((frame, f) => {
        if (!frame.span) return;
        const { symbolStart, symbolEnd } = frame.span;
        frames.push({ report: r, stack: s, frame: f, span: lineSpan(frame.inputLine, frame.span), symbolSpan: lineSpan(frame.inputLine, { start: symbolStart, end: symbolEnd }) });
      });
      const inputLines = stack.frames.map((f) => f.inputLine);
      if (inputLines.length > 1) folds.push({ startLine: Math.min(...inputLines), endLine: Math.max(...inputLines), kind: 'stack' });
    });
    for (const fact of report.facts ?? []) facts.push({ report: r, kind: fact.kind, span: lineSpan(fact.line, fact), text: fact.text, trap: fact.trap, value: fact.value });
    for (const block of report.blocks ?? []) if (block.endLine > block.startLine) folds.push({ startLine: block.startLine, endLine: block.endLine, kind: block.kind });
  });
  return { reports, problems, frames, facts, folds };
}
