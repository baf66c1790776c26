// A fast C tokenizer for kernel sources: one pass over the text into parallel typed arrays, with
// preprocessor directives, comments and string literals recognised, so the extractor and the reference
// scan never re-read characters and never build a token object per occurrence.

export const enum Tok {
  Ident = 1,
  Punct = 2,
  Number = 3,
  String = 4,
  Char = 5,
  /** `#` opening a directive; the directive's tokens follow until `PpEnd`. */
  PpBegin = 6,
  PpEnd = 7,
}

export interface CTokens {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  line: Int32Array;
  /** 1-based line of every comment that ends a block, for doc comments: commentEnd line → start line. */
  commentStartByEndLine: Map<number, number>;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/**
 * Length of the punctuator at `i` whose first character is `c`: the multi-character ones the extractor
 * distinguishes (`->`, `++`, `==`, `<<=`, `##`, ...), else 1. Char codes, not slices: this runs for every
 * punctuation character of the tree.
 */
function punctLength(text: string, i: number, c: number): number {
  const d = text.charCodeAt(i + 1);
  switch (c) {
    case 45: // -
      return d === 62 || d === 45 || d === 61 ? 2 : 1;
    case 43: // +
    case 38: // &
    case 124: // |
      return d === c || d === 61 ? 2 : 1;
    case 60: // <
    case 62: // >
      if (d === c) return text.charCodeAt(i + 2) === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 61: // =
    case 33: // !
    case 42: // *
    case 47: // /
    case 37: // %
    case 94: // ^
      return d === 61 ? 2 : 1;
    case 35: // #
      return d === 35 ? 2 : 1;
    default:
      return 1;
  }
}

export function lexC(text: string): CTokens {
  const n = text.length;
  // Kernel C runs 4–6 bytes a token, generated register headers ~25: start low and double, since the
  // arrays of a 24 MB header sized for the densest case were 80 MB, 85% of it never used.
  let cap = Math.max(1024, n >> 3);
  let kind = new Uint8Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let lineArr = new Int32Array(cap);
  let count = 0;
  const commentStartByEndLine = new Map<number, number>();

  const push = (k: number, s: number, e: number, l: number): void => {
    if (count === cap) {
      cap *= 2;
      const k2 = new Uint8Array(cap); k2.set(kind); kind = k2;
      const s2 = new Int32Array(cap); s2.set(start); start = s2;
      const e2 = new Int32Array(cap); e2.set(end); end = e2;
      const l2 = new Int32Array(cap); l2.set(lineArr); lineArr = l2;
    }
    kind[count] = k; start[count] = s; end[count] = e; lineArr[count] = l;
    count++;
  };

  let i = 0;
  let line = 1;
  let atLineStart = true;
  let inPp = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (inPp) { push(Tok.PpEnd, i, i, line); inPp = false; }
      line++; i++; atLineStart = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) { i++; continue; }
    if (c === 92 && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
      // A line continuation keeps a directive going.
      i += text.charCodeAt(i + 1) === 13 ? 3 : 2;
      line++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const startLine = line;
      let j = i + 2;
      while (j < n && !(text.charCodeAt(j) === 42 && text.charCodeAt(j + 1) === 47)) {
        if (text.charCodeAt(j) === 10) line++;
        j++;
      }
      i = Math.min(n, j + 2);
      commentStartByEndLine.set(line, startLine);
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      let j = i + 2;
      while (j < n && text.charCodeAt(j) !== 10) j++;
      const prev = commentStartByEndLine.get(line - 1);
      commentStartByEndLine.set(line, prev !== undefined && !inPp ? prev : line);
      i = j;
      continue;
    }
    if (c === 35 && atLineStart && !inPp) {
      push(Tok.PpBegin, i, i + 1, line);
      inPp = true;
      atLineStart = false;
      i++;
      continue;
    }
    atLineStart = false;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      // String literal prefixes (L"", u8"") stay part of the string.
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && /^(L|u|U|u8)$/.test(text.slice(i, j))) {
        i = j;
        continue;
      }
      push(Tok.Ident, i, j, line);
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isIdentPart(d) || d === 46) j++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(text[j - 1]!)) j++;
        else break;
      }
      push(Tok.Number, i, j, line);
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      let j = i + 1;
      const startLine = line;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) { if (text.charCodeAt(j + 1) === 10) line++; j += 2; continue; }
        if (d === c) { j++; break; }
        if (d === 10) break; // unterminated: stop at the line end, as compilers do
        j++;
      }
      if (inPp && c === 39 && j < n && text.charCodeAt(j - 1) !== 39) {
        // An apostrophe in #error/#warning text is not a character literal.
        i++;
        continue;
      }
      push(c === 34 ? Tok.String : Tok.Char, i, j, startLine);
      i = j;
      continue;
    }
    if (c === 46 && text.charCodeAt(i + 1) === 46 && text.charCodeAt(i + 2) === 46) {
      push(Tok.Punct, i, i + 3, line);
      i += 3;
      continue;
    }
    const len = punctLength(text, i, c);
    push(Tok.Punct, i, i + len, line);
    i += len;
  }
  if (inPp) push(Tok.PpEnd, n, n, line);
  return { count, kind, start, end, line: lineArr, commentStartByEndLine };
}

/** Token `t` is the punctuator `p` (compared in place: no string is made). */
export function isPunct(text: string, toks: CTokens, t: number, p: string): boolean {
  return t >= 0 && toks.kind[t] === Tok.Punct && toks.end[t]! - toks.start[t]! === p.length && text.startsWith(p, toks.start[t]!);
}

/** The text of token `t`. */
export function tokText(text: string, toks: CTokens, t: number): string {
  return text.slice(toks.start[t]!, toks.end[t]!);
}
