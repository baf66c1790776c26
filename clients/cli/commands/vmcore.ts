// `crashnav vmcore SUBCOMMAND VMCORE`: what a kernel memory dump holds, read without the `crash` utility.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ResolutionSession, statNamedFile, unwindVmcore } from '../../../crash/index.js';
import { type CoreDump, type KernelLog, openCoreDump, renderBacktraces, openKernelMemory, readKernelLog, renderCallerId, renderConsoleLog, renderMakedumpfileDmesg } from '../../../vmcore/index.js';
import { startProgress } from '../../report/index.js';
import { type CliCommand, type CliIo, UsageError, exitStatusHelp, writeLine } from '../command.js';
import { debugFetch, debugFetchOptions } from '../debug-fetch.js';

const usage = `usage: crashnav vmcore dmesg [--console | --json] VMCORE
       crashnav vmcore bt [-a] [--vmlinux FILE] [--debug-root DIR] [--modules DIR] [--offline] VMCORE

Reads a kernel memory dump (an ELF core from kdump's /proc/vmcore or 'qemu dump-guest-memory', a
kdump-compressed file from makedumpfile -c/-l/-p/-z or qemu -z/-l/-s, makedumpfile's flattened -F
stream; pages excluded with -d are fine as long as the log's are kept) of an x86-64 or arm64 kernel.

  dmesg     the kernel log, from the lockless printk ring buffer (5.10+) or log_buf (3.5-5.9),
            printed byte for byte as 'makedumpfile --dump-dmesg VMCORE FILE' writes FILE
            (makedumpfile 1.7.2: no caller ids, non-printable bytes as \\xNN)

  bt        the panicking CPU's backtrace (every CPU's with -a) as crash's bt prints it: the
            registers each CPU was stopped with, unwound through the kernel's ORC tables (x86-64)
            or frame records (arm64) across IRQ and exception frames; module frames named from
            their .ko under --modules. The
            vmlinux is found by the dump's VMCOREINFO build-id and release under the debug roots
            (default /usr/lib/debug), else fetched from DEBUGINFOD_URLS (not with --offline).
            crashnav resolve VMCORE resolves these frames to source lines.

dmesg options:
  --console   print the log as the kernel's console does instead: the timestamp on every line of
              a record and the caller id ('[    1.234567][  T123] text'), for crashnav resolve
  --json      one JSON object: the records (seq and ts_nsec as decimal strings, level, facility,
              caller, text) and the warnings (records left out, e.g. one being written at the
              crash; without --json they go to stderr)

${exitStatusHelp()}`;

function openDump(file: string, io: CliIo): CoreDump {
  statNamedFile(file, io.cwd);
  return openCoreDump(path.resolve(io.cwd, file));
}

function toJson(log: KernelLog): unknown {
  return {
    source: log.source,
    warnings: log.warnings,
    records: log.records.map((r) => ({
      // Decimal strings: 64-bit counters pass 2^53 (ts_nsec after 104 days of uptime).
      seq: r.seq === undefined ? null : r.seq.toString(),
      ts_nsec: r.tsNsec.toString(),
      level: r.level,
      facility: r.facility,
      caller: r.callerId === undefined ? null : renderCallerId(r.callerId),
      text: Buffer.from(r.text).toString('utf8'),
    })),
  };
}

async function dmesg(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { console: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('name one VMCORE');
  if (values.console && values.json) throw new UsageError('--console and --json are alternatives');
  const file = positionals[0]!;
  const dump = openDump(file, io);
  let log: KernelLog;
  try {
    log = readKernelLog(openKernelMemory(dump));
  } finally {
    dump.close();
  }
  if (!values.json) for (const warning of log.warnings) writeLine(io.stderr, `crashnav vmcore: ${file}: warning: ${warning}`);
  if (values.json) writeLine(io.stdout, JSON.stringify(toJson(log), null, 2));
  else if (values.console) io.stdout.write(renderConsoleLog(log.records, { callerIds: true }));
  else io.stdout.write(renderMakedumpfileDmesg(log.records));
  return 0;
}

async function bt(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', short: 'a' },
      vmlinux: { type: 'string' },
      'debug-root': { type: 'string', multiple: true },
      modules: { type: 'string', multiple: true },
      ...debugFetchOptions,
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one VMCORE');
  const file = positionals[0]!;
  const resolvePath = (p: string) => path.resolve(io.cwd, p);
  const vmlinux = values.vmlinux === undefined ? undefined : resolvePath(values.vmlinux);
  const moduleDirs = (values.modules ?? []).map(resolvePath);
  const dump = openDump(file, io);
  const progress = startProgress(io.stderr, { enabled: io.stderrIsTty === true });
  const session = new ResolutionSession({
    ...(vmlinux ? { vmlinux } : {}),
    ...(values['debug-root'] ? { debugRoots: values['debug-root'].map(resolvePath) } : {}),
    moduleDirs,
    ...debugFetch(values, io),
  });
  try {
    const { backtraces, warnings } = await unwindVmcore(file, openKernelMemory(dump), session, { moduleDirs, onStep: (step) => progress.step(step) });
    for (const w of warnings) if (w.code !== 'vmlinux-not-found') writeLine(io.stderr, `crashnav vmcore: ${file}: ${w.message}`);
    progress.done();
    if (backtraces instanceof Error) throw backtraces;
    io.stdout.write(renderBacktraces(backtraces, { all: values.all === true }));
    return 0;
  } finally {
    progress.done();
    dump.close();
    await session.close();
  }
}

const subcommands: Record<string, (argv: string[], io: CliIo) => Promise<number>> = { dmesg, bt };

export const command: CliCommand = {
  name: 'vmcore',
  summary: "read a kernel memory dump without crash(8): its log (as makedumpfile --dump-dmesg) and CPUs' backtraces",
  usage,
  async run(argv, io) {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError(`name a subcommand: ${Object.keys(subcommands).join(', ')}`);
    const run = subcommands[name];
    if (run === undefined) throw new UsageError(`unknown subcommand '${name}'`);
    return run(rest, io);
  },
};
