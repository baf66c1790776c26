// The contract between the `crashnav` dispatcher and its subcommands: one file per subcommand in
// `commands/`, each exporting `command`, found by name at run time so subcommands never share a list.
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** True when stdout is an interactive terminal (progress bars, colour). */
  isTty: boolean;
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
