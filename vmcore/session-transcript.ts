// A dump as the session a kernel engineer would have had with `crash vmlinux vmcore`: `sys`, `bt -a`, `mod`
// and `log`, each under its `crash> ` prompt. crash/ already reads such sessions (the log's oops, each
// CPU's backtrace, the module table that places module frames), so a vmcore becomes one more report text,
// and an editor shows it as one.
import type { KernelBacktraces } from './backtrace.js';
import { VmcoreError } from './errors.js';
import type { CoreDump } from './core-dump.js';
import { renderConsoleLog } from './dmesg.js';
import type { KernelMemory } from './kernel-memory.js';
import type { KernelLog } from './log-record.js';
import { renderBacktraces } from './render-bt.js';

export interface VmcoreSession {
  dump: CoreDump;
  memory: KernelMemory;
  /** The log, or why it could not be read. */
  log: KernelLog | Error;
  /** The backtraces, or why there are none (no vmlinux, another architecture). */
  backtraces: KernelBacktraces | Error;
  /** The vmlinux the backtraces were unwound with, as it is shown. */
  vmlinux: string | undefined;
}

const machines: Record<number, string> = { 62: 'x86_64', 183: 'arm64' };

export function renderVmcoreSession(session: VmcoreSession): string {
  const { dump, log, backtraces } = session;
  const uts = readUtsname(session.memory);
  const panicking = backtraces instanceof Error ? undefined : backtraces.cpus.find((c) => c.panicking);
  const panic = log instanceof Error ? undefined : panicMessage(log);
  const sys: [string, string | undefined][] = [
    ['KERNEL', session.vmlinux ?? '(none: backtraces need the vmlinux)'],
    ['DUMPFILE', dump.file],
    ['CPUS', String(dump.notes.filter((n) => n.name === 'CORE' && n.type === 1).length)],
    ['NODENAME', uts?.nodename],
    ['RELEASE', session.memory.info.osrelease ?? uts?.release],
    ['VERSION', uts?.version],
    ['BUILD-ID', session.memory.info.buildId],
    ['MACHINE', machines[dump.machine] ?? `ELF machine ${dump.machine}`],
    ['PANIC', panic && `"${panic}"`],
    ['PID', panicking?.task && String(panicking.task.pid)],
    ['COMMAND', panicking?.task && `"${panicking.task.comm}"`],
    ['TASK', panicking?.task && panicking.task.address.toString(16)],
    ['CPU', panicking && String(panicking.cpu)],
  ];
  const out: string[] = ['crash> sys'];
  for (const [key, value] of sys) if (value !== undefined) out.push(`${key.padStart(12)}: ${value}`);
  out.push('', 'crash> bt -a');
  if (backtraces instanceof Error) out.push(`bt: ${backtraces.message}`);
  else {
    // The panicking CPU first: it is the report a reader (and `report --nth 1`) wants.
    const cpus = [...backtraces.cpus].sort((a, b) => Number(b.panicking) - Number(a.panicking));
    out.push(renderBacktraces({ ...backtraces, cpus }, { all: true }).trimEnd());
  }
  if (!(backtraces instanceof Error) && backtraces.modules.length > 0) {
    out.push('', 'crash> mod');
    const width = Math.max(4, ...backtraces.modules.map((m) => m.name.length));
    out.push(`     MODULE       ${'NAME'.padEnd(width)}        BASE         SIZE  OBJECT FILE`);
    for (const m of backtraces.modules) {
      out.push(`${hex16(m.address)}  ${m.name.padEnd(width)}  ${hex16(m.text.base)}  ${String(m.text.size).padStart(5)}  (not loaded)`);
    }
  }
  out.push('', 'crash> log');
  if (log instanceof Error) out.push(`log: ${log.message}`);
  else {
    for (const w of log.warnings) out.push(`WARNING: ${w}`);
    out.push(renderConsoleLog(log.records).trimEnd());
  }
  return out.join('\n') + '\n';
}

/** The line `crash`'s `sys` shows as PANIC: what the kernel said when it went down, the oops before the panic it led to. */
const panicLines = [/^SysRq : Trigger a crash/, /^Oops: /, /^kernel BUG at /, /^BUG: /, /^Kernel panic - not syncing: /];

function panicMessage(log: KernelLog): string | undefined {
  const texts = log.records.map((r) => Buffer.from(r.text).toString('utf8').split('\n')[0]!);
  for (const pattern of panicLines) {
    const found = texts.find((t) => pattern.test(t));
    if (found) return found;
  }
  return undefined;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

/** `init_uts_ns.name`: six 65-byte strings (sysname, nodename, release, version, machine, domainname). */
function readUtsname(memory: KernelMemory): { nodename: string; release: string; version: string } | undefined {
  const ns = memory.info.symbol('init_uts_ns');
  const nameAt = memory.info.offset('uts_namespace.name');
  if (ns === undefined || nameAt === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = memory.read(ns + BigInt(nameAt), 65 * 4);
  } catch (err) {
    if (err instanceof VmcoreError) return undefined;
    throw err;
  }
  const field = (i: number) => {
    const f = bytes.subarray(65 * i, 65 * (i + 1));
    const end = f.indexOf(0);
    return Buffer.from(f.subarray(0, end < 0 ? 65 : end)).toString('latin1');
  };
  return { nodename: field(1), release: field(2), version: field(3) };
}
