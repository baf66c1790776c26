// Entry point for crash text of any kind: detects crash utility sessions and console logs (both may be in
// one file), finds every report, names it and picks its guilty frame. Never throws on bad input: what
// could not be read becomes a problem with the source and line.
import { assignTitle } from './assign-title.js';
import { findGuiltyFrame } from './guilty-frame.js';
import { LineIndex } from './line-index.js';
import type { CrashReport, ParseProblem, ParseResult } from './model.js';
import { parseConsole } from './parse-console.js';
import { isCrashSession, parseCrashSession } from './parse-crash-session.js';
import { placeFactsAndBlocks, placeFrames } from './report-sites.js';

export interface ParseOptions {
  /** Names the input in problems (a path, or `-` for standard input). */
  source: string;
}

function looksBinary(text: string): boolean {
  const sample = text.slice(0, 65536);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    // C0 controls (but tab, newlines and escape), C1 controls and the replacement character of bad UTF-8.
    if ((c < 9 || (c > 13 && c < 32) || (c >= 0x7f && c < 0xa0) || c === 0xfffd) && c !== 27) control++;
  }
  return sample.length > 0 && control / sample.length > 0.1;
}

/** The text with every line that carries no log timestamp blanked, so line numbers stay those of the input. */
function timestampedOnly(text: string, lines: LineIndex): string {
  return text
    .split('\n')
    .map((raw, i) => (lines.at(i)?.timestamped ? raw : ''))
    .join('\n');
}

export function parseCrashReport(text: string, options: ParseOptions): ParseResult {
  const problems: ParseProblem[] = [];
  const { source } = options;
  if (text.trim() === '') {
    problems.push({ source, line: 0, code: 'empty', message: 'the input is empty' });
    return { reports: [], problems };
  }
  if (looksBinary(text)) problems.push({ source, line: 0, code: 'binary', message: 'the input looks binary; only its text lines were read' });
  const lines = new LineIndex(text, source, problems);
  const reports: CrashReport[] = [];
  const session = isCrashSession(lines);
  if (session) reports.push(...parseCrashSession(lines, source, problems));
  // In a crash session the kernel's own reports come from `log`, timestamped; crash's own untimestamped talk
  // ("WARNING: active task ... not found in PID hash") would otherwise open a report that swallows the oops.
  // The console parser sees the timestamped lines only, at their own line numbers.
  const consoleLines = session ? new LineIndex(timestampedOnly(text, lines), source, []) : lines;
  const consoleReports = parseConsole(consoleLines, source, problems);
  for (const report of consoleReports) assignTitle(report);
  reports.push(...consoleReports);
  reports.sort((a, b) => a.startLine - b.startLine);
  for (const report of reports) {
    placeFrames(report, lines);
    placeFactsAndBlocks(report, lines);
    report.guilty = findGuiltyFrame(report);
    if (report.stacks.every((s) => s.frames.length === 0)) {
      problems.push({ source, line: report.startLine, code: 'no-frames', message: `report "${report.title}" has no stack frames` });
    }
  }
  return { reports, problems };
}
