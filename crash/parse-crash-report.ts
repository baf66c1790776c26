// Entry point for crash text of any kind: detects crash utility sessions and console logs (both may be in
// one file), finds every report, names it and picks its guilty frame. Never throws on bad input: what
// could not be read becomes a problem with the source and line.
import { assignTitle } from './assign-title.js';
import { findGuiltyFrame } from './guilty-frame.js';
import { stripLinePrefix } from './line-prefix.js';
import type { CrashReport, ParseProblem, ParseResult } from './model.js';
import { type ConsoleLine, parseConsole } from './parse-console.js';
import { isCrashSession, parseCrashSession } from './parse-crash-session.js';

export interface ParseOptions {
  /** Names the input in problems (a path, or `-` for standard input). */
  source: string;
}

const maxLine = 65536;

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

export function parseCrashReport(text: string, options: ParseOptions): ParseResult {
  const problems: ParseProblem[] = [];
  const { source } = options;
  if (text.trim() === '') {
    problems.push({ source, line: 0, code: 'empty', message: 'the input is empty' });
    return { reports: [], problems };
  }
  if (looksBinary(text)) problems.push({ source, line: 0, code: 'binary', message: 'the input looks binary; only its text lines were read' });
  const lines: ConsoleLine[] = [];
  // Sliced line by line rather than split: a 100 MB log never holds the raw and the stripped lines at once.
  for (let start = 0, i = 0; start <= text.length; i++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.length > maxLine) {
      problems.push({ source, line: i + 1, code: 'overlong-line', message: `line of ${line.length} characters cut to ${maxLine}` });
      line = line.slice(0, maxLine);
    }
    // Console logs keep escape sequences and stray NULs; they never carry report content.
    if (/[\x00-\x08\x0e-\x1f]/.test(line)) line = line.replace(/\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0e-\x1f]/g, '');
    // Mail archives turn indentation into no-break spaces.
    if (line.includes('\u00a0')) line = line.replace(/\u00a0/g, ' ');
    lines.push(stripLinePrefix(line, i + 1));
  }
  const reports: CrashReport[] = [];
  if (isCrashSession(lines)) reports.push(...parseCrashSession(lines, source, problems));
  const consoleReports = parseConsole(lines, source, problems);
  for (const report of consoleReports) assignTitle(report);
  reports.push(...consoleReports);
  reports.sort((a, b) => a.startLine - b.startLine);
  for (const report of reports) {
    report.guilty = findGuiltyFrame(report);
    if (report.stacks.every((s) => s.frames.length === 0)) {
      problems.push({ source, line: report.startLine, code: 'no-frames', message: `report "${report.title}" has no stack frames` });
    }
  }
  return { reports, problems };
}
