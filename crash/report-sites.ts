// Where a parsed report's parts stand in the user's file, so editors never parse crash text: each frame's
// columns on its line, the decodable facts (Oops code, #PF error code, the kernel's CS, taint, ESR, the
// headline) and the register/module/Code blocks. Columns count from the start of the input line, logger
// prefixes included (see `ColumnSpan` in model.ts).
import { findFactSites, isModuleListContinuation, isRegisterLine, isUserModeRip } from './header-facts.js';
import type { StrippedLine } from './line-prefix.js';
import type { CrashFrame, CrashReport, FactSite, FrameSpan, TextBlock } from './model.js';

interface Lines {
  at(i: number): StrippedLine | undefined;
}

const frameTail = /^(?:\+(?:0x)?[0-9a-fA-F]+(?:\/(?:0x)?[0-9a-fA-F]+)?)?(?:\s+\[[\w-]+(?:\s+[0-9a-f]+)?\])?/;

function offsetOf(tail: string): number | undefined {
  const m = /^\+(0x[0-9a-fA-F]+|\d+)/.exec(tail);
  if (!m) return undefined;
  return m[1].startsWith('0x') ? Number.parseInt(m[1].slice(2), 16) : Number(m[1]);
}

/** The frame's name (its address when it has none) on `text` at or after `from`, with its `+off/size [mod]`. */
function frameSpanIn(text: string, frame: CrashFrame, from: number): FrameSpan | undefined {
  const needle = frame.symbol ?? frame.address?.toString(16);
  if (needle === undefined) return undefined;
  const wordBefore = frame.symbol ? /[\w.$]/ : /[0-9a-fA-F]/;
  for (let at = text.indexOf(needle, from); at >= 0; at = text.indexOf(needle, at + 1)) {
    const before = at === 0 ? ' ' : text[at - 1]!;
    const after = text[at + needle.length] ?? ' ';
    if (wordBefore.test(before) || /[\w$]/.test(after)) continue;
    const symbolEnd = at + needle.length;
    const tail = frame.symbol ? (frameTail.exec(text.slice(symbolEnd))?.[0] ?? '') : '';
    // `(foo) from [<..>] (foo+0x30/0x40)`: the occurrence whose offset is the frame's.
    if (frame.symbol && frame.offset !== undefined && offsetOf(tail) !== frame.offset) continue;
    return { start: at, end: symbolEnd + tail.length, symbolStart: at, symbolEnd };
  }
  return undefined;
}

function shift<T extends { start: number; end: number }>(span: T, by: number): T {
  const out = { ...span, start: span.start + by, end: span.end + by };
  if ('symbolStart' in out) Object.assign(out, { symbolStart: (out as unknown as FrameSpan).symbolStart + by, symbolEnd: (out as unknown as FrameSpan).symbolEnd + by });
  return out;
}

/** Sets `span` on every frame whose line still holds it, frames of one line searched left to right. */
export function placeFrames(report: CrashReport, lines: Lines): void {
  let lastLine = 0;
  let from = 0;
  for (const stack of report.stacks) {
    for (const frame of stack.frames) {
      const line = lines.at(frame.inputLine - 1);
      if (!line || line.column === undefined) continue;
      if (frame.inputLine !== lastLine) from = 0;
      const span = frameSpanIn(line.text, frame, from);
      if (!span) continue;
      frame.span = shift(span, line.column);
      lastLine = frame.inputLine;
      // The next frame of an ARM line is the `from` half, after this one.
      from = span.end;
    }
  }
}

/** The facts and blocks of a report, from the lines of its reporting task or CPU. */
export function placeFactsAndBlocks(report: CrashReport, lines: Lines): void {
  const facts: FactSite[] = [];
  const blocks: TextBlock[] = [];
  const head = lines.at(report.startLine - 1);
  let open: TextBlock | undefined;
  let kernelContext = true;
  let inModules = false;
  for (let i = report.startLine - 1; i < report.endLine; i++) {
    const line = lines.at(i);
    if (!line || line.caller !== head?.caller) continue;
    const text = line.text;
    const trimmed = text.trim();
    if (isUserModeRip(trimmed)) kernelContext = false;
    if (line.column !== undefined) {
      for (const f of findFactSites(text, kernelContext)) {
        // A user-space selector (RPL 3, crash's user register block) is never the report's CS.
        if (f.kind === 'cs' && (Number.parseInt(f.value!, 16) & 3) === 3) continue;
        facts.push({ ...shift(f, line.column), line: line.lineNo });
      }
    }
    const modules: boolean = trimmed.startsWith('Modules linked in:') || (inModules && isModuleListContinuation(text));
    inModules = modules;
    const kind = modules ? 'modules' : trimmed.startsWith('Code: ') ? 'code' : isRegisterLine(trimmed) ? 'registers' : undefined;
    if (open && open.kind === kind && open.endLine === line.lineNo - 1) open.endLine = line.lineNo;
    else if (kind) blocks.push((open = { kind, startLine: line.lineNo, endLine: line.lineNo }));
    else open = undefined;
  }
  if (head && head.column !== undefined) {
    const at = Math.max(0, head.text.indexOf(report.headline.slice(0, 20)));
    facts.push({ kind: 'headline', line: head.lineNo, start: head.column + at, end: head.column + head.text.length, text: head.text.slice(at) });
  }
  report.facts = facts;
  report.blocks = blocks;
  // An old-style RIP line names no selector: the kernel's register dump then gives the report's CS.
  const cs = facts.find((f) => f.kind === 'cs')?.value;
  if (cs !== undefined) report.header.cs ??= cs;
}
