// The contract between the `crashnav` dispatcher and its subcommands: one file per subcommand in
// `commands/`, each exporting `command`, found by name at run time so subcommands never share a list.
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import { type ParseResult, ResolutionSession, parseCrashReport, readCrashInput, readVmcoreInput, statNamedFile } from '../../crash/index.js';
import { type DebugFile, openDebugFile } from '../../debuginfo/index.js';
import { type Progress, startProgress } from '../report/index.js';
import { isCoreDumpFile } from '../../vmcore/index.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** True when stdout is an interactive terminal. */
  isTty: boolean;
  /** True when stdin is a terminal: nobody is piping a report in, so a command wanting one says so. Absent: false. */
  stdinIsTty?: boolean;
  /** True when stderr is a terminal: where progress lines are drawn. Absent: false. */
  stderrIsTty?: boolean;
}

export interface CliCommand {
  name: string;
  /** One line for `crashnav --help`. */
  summary: string;
  /** The full usage text for `crashnav NAME --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad command-line usage: the dispatcher prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(text + '\n');
}

/**
 * The exit statuses every command shares (0 done, 1 nothing found or an error, 2 bad usage), worded for one
 * command: `found` says what else its status 1 means; `wrongBinary` adds status 3 (`resolve`, `report`).
 */
export function exitStatusHelp(options: { found?: string; wrongBinary?: boolean } = {}): string {
  return [
    'exit status:',
    '  0  done',
    `  1  ${options.found ? `${options.found}, or an error` : 'an error'}, named on one line of stderr (a file that does`,
    '     not exist, is a directory or cannot be read)',
    '  2  bad usage (an unknown option, a missing argument), with this text',
    ...(options.wrongBinary ? ['  3  resolved, but a binary does not match the report (another release, not a vmlinux)'] : []),
  ].join('\n');
}

/**
 * The inputs of a command reading crash text (`resolve`, `explain`, `report`, `group`): the files named,
 * or standard input (`-`) when none is named and something is piped in. With none named and a terminal
 * on stdin, waiting for typed input would look like a hang, so it is bad usage.
 */
export function inputsOrStdin(positionals: string[], io: CliIo): string[] {
  if (positionals.length > 0) return positionals;
  if (io.stdinIsTty) throw new UsageError('name a file holding the crash text (or pipe it in, or give - to read standard input)');
  return ['-'];
}

/** Inputs smaller than this are read and parsed in a fraction of a second: a progress line would only flicker. */
const progressMinBytes = 4 << 20;

export interface CrashInputOptions {
  quiet?: boolean;
  minProgressBytes?: number;
  /** Finds a vmcore's vmlinux (the one the command resolves with); without it, the default debug roots. */
  session?: ResolutionSession;
  /** Where a vmcore's module `.ko` files are looked for. */
  moduleDirs?: string[];
}

/** A memory dump read into the `crash` session it would have given, its warnings on stderr; undefined for text. */
async function readVmcoreDump(file: string, io: CliIo, options: CrashInputOptions, step: ((text: string) => void) | undefined): Promise<{ text: string; parsed: ParseResult } | undefined> {
  const session = options.session ?? new ResolutionSession();
  try {
    const input = await readVmcoreInput(file, session, { cwd: io.cwd, ...(options.moduleDirs ? { moduleDirs: options.moduleDirs } : {}), ...(step ? { onStep: step } : {}) });
    if (!input) return undefined;
    for (const w of input.warnings) writeLine(io.stderr, `${file}: ${w.message}`);
    return { text: input.text, parsed: input.parsed };
  } finally {
    if (!options.session) await session.close();
  }
}

/**
 * Reads and parses one crash input (a path, relative to `io.cwd`, or `-`); a memory dump (ELF core,
 * kdump-compressed, flattened) is read as the `crash` session of `sys`, `bt -a`, `mod` and `log` it gives. A large one (a 50 MB log takes
 * seconds) shows a progress line while it is read and parsed, on stderr when that is a terminal and not
 * under `--json` (`quiet`). An input that cannot be read throws the one line naming it.
 */
export async function parseCrashInput(file: string, io: CliIo, options: CrashInputOptions = {}): Promise<{ text: string; parsed: ParseResult }> {
  const minBytes = options.minProgressBytes ?? progressMinBytes;
  const name = file === '-' ? 'standard input' : file;
  let progress: Progress | undefined;
  const show = (text: string): void => {
    progress ??= startProgress(io.stderr, { enabled: true });
    progress.step(text);
  };
  const enabled = io.stderrIsTty === true && !options.quiet;
  let large = false;
  let size = 0;
  try {
    if (file !== '-' && isCoreDumpFile(path.resolve(io.cwd, file))) {
      const vmcore = await readVmcoreDump(file, io, options, enabled ? show : undefined);
      if (vmcore) return vmcore;
    }
    const text = await readCrashInput(file, io.stdin, {
      cwd: io.cwd,
      onProgress: (bytesRead, totalBytes) => {
        size = bytesRead;
        large ||= Math.max(bytesRead, totalBytes ?? 0) >= minBytes;
        if (enabled && large) show(`reading ${name}: ${megabytes(bytesRead)}${totalBytes === undefined ? '' : `/${megabytes(totalBytes)}`} MB`);
      },
    });
    if (enabled && large) show(`parsing ${name} (${megabytes(size)} MB)`);
    return { text, parsed: parseCrashReport(text, { source: file }) };
  } finally {
    progress?.done();
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** A binary the user named (`-e FILE`), or one line naming it when it cannot be read (missing, a directory). */
export async function openBinary(file: string): Promise<DebugFile> {
  statNamedFile(file);
  return openDebugFile(file);
}
