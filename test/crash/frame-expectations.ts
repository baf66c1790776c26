// The one helper of the crash-text dialect, fragment and ARM32 tables: parse a text, and list its frames by
// what resolution needs of them (symbol, offset, size, module, reliability, address), stack by stack.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CrashFrame, parseCrashReport } from '../../crash/index.js';

export interface FrameFacts {
  symbol?: string;
  offset?: number;
  size?: number;
  module?: string;
  reliable: boolean;
  address?: string;
}

export const facts = (f: CrashFrame): FrameFacts => ({
  symbol: f.symbol,
  offset: f.offset,
  size: f.size,
  module: f.module,
  reliable: f.reliable,
  address: f.address?.toString(16),
});

/** Every frame of every report of `text`, in order. */
export function framesOf(text: string): FrameFacts[] {
  return parseCrashReport(text, { source: 'test' }).reports.flatMap((r) => r.stacks.flatMap((s) => s.frames.map(facts)));
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A lab oops of examples/oopses (in the repo), as the kernel's console printed it. */
export const labLog = (name: string): string => readFileSync(path.join(repoRoot, 'examples/oopses', name), 'utf8');

/** The kernel-timestamped lines of a console log: seconds since boot and the message, prefix off. */
export function kernelLines(log: string): { seconds: number; message: string }[] {
  const out: { seconds: number; message: string }[] = [];
  for (const line of log.split('\n')) {
    const m = /^\[ *(\d+\.\d+)\] ?(.*)$/.exec(line.replace(/\r$/, ''));
    if (m) out.push({ seconds: Number(m[1]), message: m[2] });
  }
  return out;
}
