// Pasted crash text often starts mid-report: a `Call Trace:` block, an `NMI backtrace for cpu N` block, a
// `RIP:`/`NIP`/`pc :`/`PC is at` line with its registers, or a run of frame lines, with no title line above.
// Outside every titled report, each such block becomes a report of kind `fragment`, parsed like any other.
import { parseFrameLine } from './parse-frame-line.js';

const traceStart = /^\s*(?:Call Trace:|Call trace:|Backtrace:|NMI backtrace for cpu \d+|(?:RIP|EIP): (?:[0-9a-f]{4}:)?\S|IP: \[<|NIP[: ]|pc : \S|PC is at \S|epc : |Krnl PSW : )/;
/** `NMI backtrace for cpu N` starts a block of its own: the next one ends the previous. */
export const nmiBacktrace = /^\s*NMI backtrace for cpu \d+/;

/** The first half of an ARM trace line that mail wrapped after `(callee)` or `from [<addr>]`. */
export const armWrapped = /^\s*\[<[0-9a-f]+>\] \([^()]+\)(?: from \[<[0-9a-f]+>\])?\s*$/;

/** A line that is a stack frame the way traces print them (with an offset, or ARM's `from` form). */
export function isTraceFrameLine(text: string): boolean {
  if (armWrapped.test(text)) return true;
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
