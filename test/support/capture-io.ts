// In-process CLI runs for tests: a CliIo whose stdin holds the given text (empty by default) and whose
// output is captured.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../clients/cli/command.js';
import { main } from '../../clients/cli/main.js';

export interface CapturedIo {
  io: CliIo;
  out: () => string;
  err: () => string;
}

export interface CaptureOptions {
  stdin?: string;
  cwd?: string;
  /** Pretend stdin is a terminal (nothing piped in). */
  stdinIsTty?: boolean;
  /** Pretend stderr is a terminal (progress lines are drawn). */
  stderrIsTty?: boolean;
}

export function captureIo(options: CaptureOptions = {}): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    cwd: options.cwd ?? process.cwd(),
    isTty: false,
    stdinIsTty: options.stdinIsTty ?? false,
    stderrIsTty: options.stderrIsTty ?? false,
  };
  return { io, out: () => out, err: () => err };
}

/** Runs `crashnav ARGV` in-process and returns its exit code and output. */
export async function runCli(argv: string[], options: CaptureOptions = {}): Promise<{ code: number; out: string; err: string }> {
  const t = captureIo(options);
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
}
