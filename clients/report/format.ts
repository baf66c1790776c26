// Formatting shared by the three renderers, so a location or a frame reads the same in HTML, Markdown and text.
import type { HighlightedLine } from './highlight-c.js';
import path from 'node:path';
import type { DisasmView, ViewLocation } from './report-view.js';

/** `file:line[:column]`. */
export function formatPlace(loc: ViewLocation): string {
  return `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ''}`;
}

/** `function at file:line`, and `(inlined)` for an inline level. */
export function formatLocation(loc: ViewLocation): string {
  const fn = loc.function ? `${loc.function} at ` : '';
  return `${fn}${formatPlace(loc)}${loc.inlined ? ' (inlined)' : ''}`;
}

export function lineText(line: HighlightedLine): string {
  return line.map((t) => t.text).join('');
}

/** Expands tabs to the kernel's 8 columns, so excerpts line up in a monospace block. */
export function expandTabs(text: string, width = 8): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\t') out += ' '.repeat(width - (out.length % width));
    else out += ch;
  }
  return out;
}

/** What the marked instruction of a disassembly is, for the summary line that quotes it. */
export function markedLabel(dis: DisasmView): string {
  return dis.faulting ? `faulting instruction (${dis.function})` : `call in ${dis.function}`;
}

/** An inline chain on one line, innermost first: `stats_add (x.c:22) ← stats_record (x.c:28) ← f (x.c:50)`. */
export function formatChain(chain: ViewLocation[]): string {
  return chain.map((l) => `${l.function ?? '??'} (${path.basename(l.file)}:${l.line})`).join(' ← ');
}
