// Pasted crash text often starts mid-report: a `Call Trace:` block, an `NMI backtrace for cpu N` block, a
// `RIP:`/`pc :`/`PC is at` line with its registers, or a run of frame lines, with no title line above.
// Outside every titled report, each such block becomes a report of kind `fragment`, parsed like any other.
import { parseFrameLine } from './parse-frame-line.js';

const traceStart = /^\s*(?:Call Trace:|Call trace:|Backtrace:|NMI backtrace for cpu \d+|(?:RIP|EIP): (?:[0-9a-f]{4}:)?\S|pc : \S|PC is at \S)/;
/** `NMI backtrace for cpu N` starts a block of its own: the next one ends the previous. */
export const nmiBacktrace = /^\s*NMI backtrace for cpu \d+/;

/** A line that is a stack frame the way traces print them (with an offset, or ARM's `from` form). */
export function isTraceFrameLine(text: string): boolean {
  if (!text.includes('+0x') && !text.includes(') from ') && !/\+\d+\/\d+/.test(text)) return false;
  const drafts = parseFrameLine(text);
  return drafts.length > 0 && drafts.some((d) => d.offset !== undefined || d.address !== undefined);
}

/**
 * Whether line `i` starts a fragment: a trace header, a fault line, or the first of two frame lines
 * (one frame line alone in prose is too weak a sign).
 */
export function startsFragment(text: string, next: () => string | undefined): boolean {
  if (text.length > 4096) return false;
  if (traceStart.test(text)) return true;
  return isTraceFrameLine(text) && isTraceFrameLine(next() ?? '');
}
