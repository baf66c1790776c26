// The input's lines with logger prefixes stripped, kept as offsets into the input: a 100 MB log holds a
// few typed-array entries per line (~23 bytes) instead of an object and a string per line, and a line's
// text is sliced again each time it is read. Lines the clean-up rewrote (control characters, no-break
// spaces, overlong) keep their rewritten text. Problems with a line are reported once, while indexing.
import { stripLinePrefix, type StrippedLine } from './line-prefix.js';
import type { ParseProblem } from './model.js';

const maxLine = 65536;

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

export class LineIndex implements Iterable<StrippedLine> {
  readonly length: number;
  private readonly textStart: Float64Array;
  private readonly textLength: Uint32Array;
  private readonly callerId: Uint16Array;
  private readonly timestamped: Uint8Array;
  private readonly callers: string[] = [];
  /** Text of the lines that are not a plain slice of the input. */
  private readonly rewritten = new Map<number, string>();

  constructor(private readonly text: string, source: string, problems: ParseProblem[]) {
    let count = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
    this.length = count;
    this.textStart = new Float64Array(count);
    this.textLength = new Uint32Array(count);
    this.callerId = new Uint16Array(count);
    this.timestamped = new Uint8Array(count);
    const callerIds = new Map<string, number>();
    for (let start = 0, i = 0; i < count; i++) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      const raw = text.slice(start, end);
      const line = cleanLine(raw, i + 1, source, problems);
      const stripped = stripLinePrefix(line, i + 1);
      // Prefixes come off the front and a CR off the end: the text is then a slice of the raw line.
      const at = raw.length - stripped.text.length - (raw.endsWith('\r') ? 1 : 0);
      if (line === raw && at >= 0 && raw.startsWith(stripped.text, at)) this.textStart[i] = start + at;
      else this.rewritten.set(i, stripped.text);
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
      start = end + 1;
    }
  }

  /** Line `i` (0-based), rebuilt from the index. */
  at(i: number): StrippedLine | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const id = this.callerId[i];
    const text = this.rewritten.get(i) ?? this.text.slice(this.textStart[i], this.textStart[i] + this.textLength[i]);
    return { lineNo: i + 1, text, caller: id ? this.callers[id] : undefined, timestamped: this.timestamped[i] === 1 };
  }

  *[Symbol.iterator](): Iterator<StrippedLine> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}
