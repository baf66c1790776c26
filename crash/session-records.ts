// Line parsers for the `crash` commands that are not backtraces: `dis`/`dis -l` (instructions, and the
// `file: line` headers -l puts before each source line's instructions), `ps`/`ps -l` (the task list, `>` marking
// the task active on its CPU), `sym` (address, nm-style type, symbol+offset, module, source line) and `mod`
// (each module's load address and size).
// Offsets in `<func+N>` follow crash's output radix: decimal unless written 0x.
import { normalizeModuleName } from '../debuginfo/index.js';
import type { CrashReport, CrashTask, ModuleLoad, SymbolEntry } from './model.js';
import { parseOffset } from './parse-frame-line.js';

export interface DisInstruction {
  address: bigint;
  symbol: string;
  offset: number;
  text: string;
}

const disInstruction = /^(0x[0-9a-f]{8,16}) <([^>+\s]+)(?:\+(0x[0-9a-f]+|\d+))?>:\s+(.*?)\s*$/;
// `dis -l` source headers start the line (bt -l's are indented under their frame).
const disSource = /^(\/?[^\s:]+\.(?:c|h|S|s|rs)): (\d+)\s*$/;
const psRow = /^\s*(>?)\s*(\d+)\s+(-?\d+)\s+(\d+)\s+([0-9a-f]{8,16})\s+([A-Z]{2})\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(.+?)\s*$/;
const psHeader = /^\s*PID\s+PPID\s+CPU\s+TASK\s+ST\s/;
// `ps -l`: `[last-run timestamp] [ST] PID: n  TASK: addr  CPU: n  COMMAND: "comm"`.
const psLastRun = /^\s*(>?)\s*\[(\d+)\] \[([A-Z]{2})\]\s+PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: (\d+)\s+COMMAND: "(.*)"/;
const modHeader = /^\s*MODULE\s+NAME\s+BASE\s+SIZE\s+OBJECT FILE\s*$/;
// `ffffffffc0209080  crash_bugon  ffffffffc0207000  16384  (not loaded)  [CONFIG_KALLSYMS]`.
const modRow = /^([0-9a-f]{8,16})\s+([A-Za-z0-9_\-]+)\s+([0-9a-f]{8,16})\s+(\d+)\s+(.*?)\s*$/;
const symRow = /^([0-9a-f]{8,16}) \(([A-Za-z?])\) (\S+?)(?:\+(\d+|0x[0-9a-f]+))?(?: \[([A-Za-z0-9_\-]+)\])?(?:\s+(\S+): (\d+))?\s*$/;

export function parseDisInstruction(text: string): DisInstruction | undefined {
  const m = disInstruction.exec(text);
  if (!m) return undefined;
  return { address: BigInt(m[1]), symbol: m[2], offset: m[3] === undefined ? 0 : parseOffset(m[3]), text: m[4] };
}

export function parseDisSource(text: string): { file: string; line: number } | undefined {
  const m = disSource.exec(text);
  return m ? { file: m[1], line: Number(m[2]) } : undefined;
}

export function isPsHeader(text: string): boolean {
  return psHeader.test(text);
}

export function parsePsRow(text: string): CrashTask | undefined {
  let m = psRow.exec(text);
  if (m) {
    const [, active, pid, ppid, cpu, task, state, mem, vsz, rss, comm] = m;
    return { pid: Number(pid), ppid: Number(ppid), cpu: Number(cpu), task: BigInt('0x' + task), state, memPercent: Number(mem), vszKb: Number(vsz), rssKb: Number(rss), comm, active: active === '>' };
  }
  m = psLastRun.exec(text);
  if (m) {
    const [, active, lastRun, state, pid, task, cpu, comm] = m;
    return { pid: Number(pid), cpu: Number(cpu), task: BigInt('0x' + task), state, comm, active: active === '>', lastRun: BigInt(lastRun) };
  }
  return undefined;
}

export function isModHeader(text: string): boolean {
  return modHeader.test(text);
}

/** A row of the `mod` table (call only after its header: the shape alone is not distinctive). */
export function parseModRow(text: string): ModuleLoad | undefined {
  const m = modRow.exec(text);
  if (!m) return undefined;
  const load: ModuleLoad = { name: m[2]!, base: BigInt('0x' + m[3]), size: Number(m[4]) };
  const object = m[5]!;
  // `(not loaded)  [CONFIG_KALLSYMS]` without symbols; else the path `mod -s`/`-S` loaded, relative when it was given so.
  if (object && !object.startsWith('(')) load.object = object.split(/\s{2,}/)[0]!;
  return load;
}

/** Each module's runtime text base as the session's `mod` table gave it, by `normalizeModuleName`; empty without one. */
export function moduleBases(report: CrashReport): Map<string, bigint> {
  return new Map((report.moduleLoads ?? []).map((l) => [normalizeModuleName(l.name), l.base]));
}

export function parseSymRow(text: string): SymbolEntry | undefined {
  const m = symRow.exec(text);
  if (!m) return undefined;
  const [, address, type, symbol, off, module, file, line] = m;
  const entry: SymbolEntry = { address: BigInt('0x' + address), type, symbol, offset: off === undefined ? 0 : parseOffset(off) };
  if (module) entry.module = module;
  if (file) entry.source = { file, line: Number(line) };
  return entry;
}
