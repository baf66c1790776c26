// cscope's numbered queries over the index, with cscope's output line: `file field2 line text`, where
// field 2 is the enclosing function (0, 3, 9), the callee (2), the symbol (1), `<global>` at file scope and
// for includers (8), `<unknown>` for text, egrep and file hits (4, 6, 7). The text is cscope's compressed
// form (comments dropped, blanks collapsed) except for 4 and 6, which print the raw line as cscope does.
import type { DefKind } from './file-facts.js';
import type { CallSite, KernelIndex } from './kernel-index.js';

export const cscopeQueryNumbers = [0, 1, 2, 3, 4, 6, 7, 8, 9] as const;
export type CscopeQueryNumber = (typeof cscopeQueryNumbers)[number];

export interface CscopeHit {
  file: string;
  /** cscope's second field. */
  function: string;
  line: number;
  column: number;
  text: string;
  /** What the hit is: a definition kind, `call`, `reference` role, `text`, `file`, `include`. */
  kind: DefKind | 'call' | 'member-call' | 'read' | 'write' | 'declaration' | 'text' | 'file' | 'include';
  /** The macro whose expansion makes the definition or call, or the compiler option that inserts the call. */
  via: { macro: string } | { compiler: string } | null;
}

export interface CscopeQueryOptions {
  arch?: string;
}

/** cscope's compressed line: no comments, runs of blanks as one space, trimmed. */
export function compressLine(line: string): string {
  return line
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\*.*$/, '')
    .replace(/(^|[^:])\/\/.*$/, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

export function isCscopeQueryNumber(n: number): n is CscopeQueryNumber {
  return (cscopeQueryNumbers as readonly number[]).includes(n);
}

export function runCscopeQuery(index: KernelIndex, query: CscopeQueryNumber, pattern: string, options: CscopeQueryOptions = {}): CscopeHit[] {
  const text = (file: string, line: number) => compressLine(index.lineText(file, line));
  switch (query) {
    case 0:
      return index.findReferences(pattern).map((r) => ({
        file: r.file, function: r.function ?? '<global>', line: r.line, column: r.column, text: text(r.file, r.line), kind: r.role === 'call' ? 'call' : r.role, via: null,
      }));
    case 1:
      return index.findDefinitions(pattern, { arch: options.arch }).map((d) => ({
        file: d.file, function: d.name, line: d.line, column: d.column, text: text(d.file, d.line), kind: d.kind, via: d.via ? { macro: d.via } : null,
      }));
    case 2:
      return index.findCallees(pattern).map((c) => ({
        file: c.file, function: c.callee, line: c.line, column: c.column, text: text(c.file, c.line), kind: c.member ? 'member-call' : 'call', via: callVia(c),
      }));
    case 3:
      return index.findCallers(pattern).map((c) => ({
        file: c.file, function: c.caller.name, line: c.line, column: c.column, text: text(c.file, c.line), kind: c.member ? 'member-call' : 'call', via: callVia(c),
      }));
    case 4:
      return index.findText({ literal: pattern }).map((h) => ({ file: h.file, function: '<unknown>', line: h.line, column: h.column, text: h.text, kind: 'text', via: null }));
    case 6: {
      const re = egrep(pattern);
      return index.findText({ pattern: re }).map((h) => ({ file: h.file, function: '<unknown>', line: h.line, column: h.column, text: h.text, kind: 'text', via: null }));
    }
    case 7:
      return index.findFiles(egrep(pattern)).map((file) => ({ file, function: '<unknown>', line: 1, column: 1, text: '<unknown>', kind: 'file', via: null }));
    case 8:
      return index.findIncluders(pattern).map((i) => ({ file: i.file, function: '<global>', line: i.line, column: 1, text: text(i.file, i.line), kind: 'include', via: null }));
    case 9:
      return index.findAssignments(pattern).map((r) => ({ file: r.file, function: r.function ?? '<global>', line: r.line, column: r.column, text: text(r.file, r.line), kind: 'write', via: null }));
  }
}

/** An egrep pattern as a JavaScript RegExp; an invalid one matches itself literally, as a string would. */
function egrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

export function renderCscopeLine(hit: CscopeHit): string {
  return `${hit.file} ${hit.function} ${hit.line} ${hit.text}`;
}

export function renderCscopeJson(hit: CscopeHit): string {
  return JSON.stringify({ file: hit.file, line: hit.line, column: hit.column, function: hit.function, text: hit.text, kind: hit.kind, via: hit.via });
}

function callVia(c: CallSite): CscopeHit['via'] {
  if (c.via) return { macro: c.via };
  return c.inserted ? { compiler: '-fstack-protector-strong' } : null;
}
