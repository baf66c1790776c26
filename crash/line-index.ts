// The input's lines with logger prefixes stripped, kept as offsets into the input: a 100 MB log holds a
// few typed-array entries per line (~27 bytes) instead of an object and a string per line, and a line's
// text is sliced again each time it is read. Lines the clean-up rewrote (control characters, no-break
// spaces, overlong, journal records) keep their rewritten text. Problems with a line are reported once,
// while indexing. A block pasted with uniform indentation (a bug tracker's code block) loses it here.
import { stripLinePrefix, type StrippedLine } from './line-prefix.js';
import type { ParseProblem } from './model.js';
import { parseFrameLine } from './parse-frame-line.js';

const maxLine = 65536;
const noColumn = 0xffffffff;

/** Escape sequences, stray control characters and no-break spaces out; overlong lines cut. */
function cleanLine(raw: string, lineNo: number, source: string, problems: ParseProblem[]): string {
  let line = raw;
  if (line.length > maxLine) {
    problems.push({ source, line: lineNo, code: 'overlong-line', message: `line of ${line.length} characters cut to ${maxLine}` });
    line = line.slice(0, maxLine);
  }
  // Console logs keep escape sequences and stray NULs; they never carry report content.
  if (/[\x00-\x08\x0e-\x1f]/.test(line)) line = line.replace(/\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0e-\x1f]/g, '');
  // Mail archives turn indentation into no-break spaces.
  if (line.includes('\u00a0')) line = line.replace(/\u00a0/g, ' ');
  return line;
}

const indentOf = (line: string): number => /^[ \t\u00a0]*/.exec(line)![0].length;

/**
 * How much indentation each line loses: runs of indented lines opening a block (blank lines inside them allowed) share the
 * run's smallest indentation when it is a tab or two or more blanks and some line at that depth is not a frame line. Frame
 * blocks indented on their own (lockdep's chains) keep it: there the least indented lines are all frames.
 */
function uniformIndents(text: string, starts: Float64Array, count: number): Uint16Array {
  const strip = new Uint16Array(count);
  const lineAt = (i: number): string => {
    const end = i + 1 < count ? starts[i + 1] - 1 : text.length;
    return text.slice(starts[i], Math.min(end, starts[i] + 4096)).replace(/\r+$/, '');
  };
  let runStart = -1;
  let min = Infinity;
  let nonBlank = 0;
  let tabbed = false;
  // A pasted block starts the input or follows a blank line or a code fence; an indented block right under
  // a line of text (crash's register block under its frame) belongs to that line.
  let opens = true;
  const close = (end: number): void => {
    if (runStart < 0 || nonBlank < 2 || !(min >= 2 || tabbed) || min > 0xffff) return;
    let prose = false;
    for (let i = runStart; i < end && !prose; i++) {
      const line = lineAt(i);
      if (line.trim() !== '' && indentOf(line) === min && parseFrameLine(line.slice(min)).length === 0) prose = true;
    }
    if (prose) for (let i = runStart; i < end; i++) strip[i] = Math.min(min, indentOf(lineAt(i)));
  };
  for (let i = 0; i < count; i++) {
    const c = text.charCodeAt(starts[i]);
    // Most lines start with a visible character: only indented and blank lines need reading.
    if (c !== 32 && c !== 9 && c !== 0xa0 && c !== 13 && c !== 10 && !Number.isNaN(c)) {
      close(i);
      runStart = -1;
      opens = /^(?:```|~~~)/.test(lineAt(i));
      continue;
    }
    const line = lineAt(i);
    if (line.trim() === '') {
      if (runStart < 0) opens = true;
      continue;
    }
    if (runStart < 0 && !opens) continue;
    if (runStart < 0) {
      runStart = i;
      min = Infinity;
      nonBlank = 0;
    }
    const indent = indentOf(line);
    if (indent < min) tabbed = line.charCodeAt(0) === 9;
    min = Math.min(min, indent);
    nonBlank++;
  }
  close(count);
  return strip;
}

export class LineIndex implements Iterable<StrippedLine> {
  readonly length: number;
  private readonly lineStart: Float64Array;
  private readonly textColumn: Uint32Array;
  private readonly textLength: Uint32Array;
  private readonly callerId: Uint16Array;
  private readonly timestamped: Uint8Array;
  private readonly callers: string[] = [];
  /** Text of the lines that are not a plain slice of the input, and their column when known. */
  private readonly rewritten = new Map<number, { text: string; column?: number }>();

  constructor(private readonly text: string, source: string, problems: ParseProblem[]) {
    let count = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
    this.length = count;
    this.lineStart = new Float64Array(count);
    for (let i = 1, at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1), i++) this.lineStart[i] = at + 1;
    this.textColumn = new Uint32Array(count);
    this.textLength = new Uint32Array(count);
    this.callerId = new Uint16Array(count);
    this.timestamped = new Uint8Array(count);
    const indents = uniformIndents(text, this.lineStart, count);
    const callerIds = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const start = this.lineStart[i];
      const end = i + 1 < count ? this.lineStart[i + 1] - 1 : text.length;
      const raw = text.slice(start, end);
      const line = cleanLine(raw, i + 1, source, problems);
      const stripped = stripLinePrefix(indents[i] ? line.slice(indents[i]) : line, i + 1);
      const column = stripped.column === undefined ? undefined : stripped.column + indents[i];
      if (line === raw && column !== undefined && raw.startsWith(stripped.text, column)) this.textColumn[i] = column;
      else {
        // No-break spaces replaced one for one keep their columns; other rewrites lose them.
        const sameColumns = column !== undefined && line.length === raw.length;
        this.rewritten.set(i, { text: stripped.text, column: sameColumns ? column : undefined });
        this.textColumn[i] = noColumn;
      }
      this.textLength[i] = stripped.text.length;
      if (stripped.caller !== undefined) {
        let id = callerIds.get(stripped.caller);
        if (id === undefined && callerIds.size < 0xffff) {
          id = callerIds.size + 1;
          callerIds.set(stripped.caller, id);
          this.callers[id] = stripped.caller;
        }
        this.callerId[i] = id ?? 0;
      }
      this.timestamped[i] = stripped.timestamped ? 1 : 0;
    }
  }

  /** Line `i` (0-based), rebuilt from the index; `column` is where its text starts on the input line. */
  at(i: number): StrippedLine | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const id = this.callerId[i];
    const column = this.textColumn[i];
    const rewritten = column === noColumn ? this.rewritten.get(i) : undefined;
    const text = rewritten ? rewritten.text : this.text.slice(this.lineStart[i] + column, this.lineStart[i] + column + this.textLength[i]);
    return {
      lineNo: i + 1,
      text,
      caller: id ? this.callers[id] : undefined,
      timestamped: this.timestamped[i] === 1,
      column: rewritten ? rewritten.column : column,
    };
  }

  *[Symbol.iterator](): Iterator<StrippedLine> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}
