// A crash-report document parsed once into what the handlers look up by position: each frame's span on its
// line, the lines that carry decodable facts, the foldable blocks. Pure and structured-cloneable, so a large
// report can be analyzed in a worker and the result posted back as is.
import { type CrashFrame, type CrashReport, type ParseProblem, parseCrashReport } from '../../crash/index.js';
import type { LineSpan } from '../convert.js';

export interface FrameSite {
  report: number;
  stack: number;
  frame: number;
  /** `do_one_initcall+0x59/0x220 [mod]` as it stands on its line. */
  span: LineSpan;
  /** Just the function name (or the address when the frame has no symbol). */
  symbolSpan: LineSpan;
}

export type FactKind = 'oops' | 'page-fault' | 'cs' | 'taint' | 'esr' | 'headline';

export interface FactSite {
  report: number;
  kind: FactKind;
  span: LineSpan;
  /** The matched text (`CS:  0010`, `Oops: 0002 [#1]`), which some decoders read. */
  text: string;
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

const factPatterns: { kind: FactKind; pattern: RegExp }[] = [
  { kind: 'oops', pattern: /\b(?:Oops|Internal error: Oops[^:]*|general protection fault[^:]*|invalid opcode|divide error): (?:0x)?[0-9a-f]+ \[#\d+\]/ },
  { kind: 'page-fault', pattern: /#PF: error_code\(0x[0-9a-f]+\)(?: - [^\n]*)?/ },
  { kind: 'cs', pattern: /\bCS: +[0-9a-f]{4}\b/ },
  { kind: 'taint', pattern: /\bTainted: [A-Z ]*[A-Z]|\bNot tainted\b/ },
  { kind: 'esr', pattern: /\bESR = 0x[0-9a-f]+|\bInternal error: [^:]+: (?:0x)?[0-9a-f]{8}\b/ },
];

const registerLine = /^\s*(?:\[[^\]]*\]\s*)*(?:R[A-Z0-9]{1,3}|E[A-Z]{2}|FS|CS|CR\d|DR\d|[xX]\d{1,2}|pc|sp|lr|pstate|ORIG_RAX|PKRU): /;
const modulesLine = /Modules linked in:/;
const codeLine = /\bCode: /;
// Words separated by mandatory blanks, so the regex cannot backtrack exponentially on a long line.
const moduleContinuation = /^\s*(?:\[[^\]]*\]\s*)*[\w-]+(?:\([A-Z+-]+\))?(?:\s+[\w-]+(?:\([A-Z+-]+\))?)*\s*$/;

/** The span of `symbol(+off(/size)?)?( [module])?` on `line`, starting the search at the symbol's column. */
function frameSpans(line: string, lineNo: number, frame: CrashFrame): { span: LineSpan; symbolSpan: LineSpan } | undefined {
  const needle = frame.symbol ?? (frame.address !== undefined ? frame.address.toString(16) : undefined);
  if (needle === undefined) return undefined;
  let at = -1;
  for (let from = 0; (at = line.indexOf(needle, from)) >= 0; from = at + 1) {
    const before = at === 0 ? ' ' : line[at - 1]!;
    const after = line[at + needle.length] ?? ' ';
    if (!/[\w.$]/.test(before) && !/[\w$]/.test(after)) break;
  }
  if (at < 0) return undefined;
  const tail = /^(?:\+(?:0x)?[0-9a-f]+(?:\/(?:0x)?[0-9a-f]+)?)?(?:\s+\[[\w-]+(?:\s+[0-9a-f]+)?\])?/.exec(line.slice(at + needle.length));
  const end = at + needle.length + (tail?.[0].length ?? 0);
  return {
    span: { line: lineNo, startColumn: at + 1, endColumn: end + 1 },
    symbolSpan: { line: lineNo, startColumn: at + 1, endColumn: at + needle.length + 1 },
  };
}

function findFacts(lines: string[], reportIndex: number, report: CrashReport): FactSite[] {
  const facts: FactSite[] = [];
  const last = Math.min(report.endLine, lines.length);
  for (let lineNo = report.startLine; lineNo <= last; lineNo++) {
    const line = lines[lineNo - 1]!;
    for (const { kind, pattern } of factPatterns) {
      const m = pattern.exec(line);
      if (m) facts.push({ report: reportIndex, kind, text: m[0], span: { line: lineNo, startColumn: m.index + 1, endColumn: m.index + m[0].length + 1 } });
    }
  }
  const headline = lines[report.startLine - 1];
  if (headline !== undefined) {
    const start = headline.indexOf(report.headline.slice(0, 20));
    const from = start >= 0 ? start : 0;
    facts.push({ report: reportIndex, kind: 'headline', text: headline.slice(from), span: { line: report.startLine, startColumn: from + 1, endColumn: headline.length + 1 } });
  }
  return facts;
}

/** Runs of consecutive lines matching `test` within the report, as folds of at least two lines. */
function foldRuns(lines: string[], report: CrashReport, test: (line: string) => boolean, kind: FoldKind): FoldSite[] {
  const folds: FoldSite[] = [];
  let start = 0;
  const last = Math.min(report.endLine, lines.length);
  for (let lineNo = report.startLine; lineNo <= last + 1; lineNo++) {
    const hit = lineNo <= last && test(lines[lineNo - 1]!);
    if (hit && start === 0) start = lineNo;
    if (!hit && start !== 0) {
      if (lineNo - 1 > start) folds.push({ startLine: start, endLine: lineNo - 1, kind });
      start = 0;
    }
  }
  return folds;
}

/** `Modules linked in:` and its continuation lines (bare module names, possibly with `(OE)` flags). */
function moduleFolds(lines: string[], report: CrashReport): FoldSite[] {
  const folds: FoldSite[] = [];
  const last = Math.min(report.endLine, lines.length);
  for (let lineNo = report.startLine; lineNo <= last; lineNo++) {
    if (!modulesLine.test(lines[lineNo - 1]!)) continue;
    let end = lineNo;
    while (end < last && moduleContinuation.test(lines[end]!)) end++;
    if (end > lineNo) folds.push({ startLine: lineNo, endLine: end, kind: 'modules' });
    lineNo = end;
  }
  return folds;
}

export function analyzeReport(text: string, source: string): ReportAnalysis {
  const { reports, problems } = parseCrashReport(text, { source });
  const lines = text.split('\n');
  const frames: FrameSite[] = [];
  const facts: FactSite[] = [];
  const folds: FoldSite[] = [];
  reports.forEach((report, r) => {
    if (report.endLine > report.startLine) folds.push({ startLine: report.startLine, endLine: report.endLine, kind: 'report' });
    report.stacks.forEach((stack, s) => {
      stack.frames.forEach((frame, f) => {
        const line = lines[frame.inputLine - 1];
        const spans = line === undefined ? undefined : frameSpans(line, frame.inputLine, frame);
        if (spans) frames.push({ report: r, stack: s, frame: f, ...spans });
      });
      const inputLines = stack.frames.map((f) => f.inputLine);
      if (inputLines.length > 1) {
        folds.push({ startLine: Math.min(...inputLines), endLine: Math.max(...inputLines), kind: 'stack' });
      }
    });
    facts.push(...findFacts(lines, r, report));
    folds.push(...foldRuns(lines, report, (l) => registerLine.test(l), 'registers'));
    folds.push(...moduleFolds(lines, report));
    folds.push(...foldRuns(lines, report, (l) => codeLine.test(l), 'code'));
  });
  return { reports, problems, frames, facts, folds };
}
