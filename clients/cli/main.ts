// `crashnav SUBCOMMAND ...`: finds `commands/SUBCOMMAND` and runs it; `--help` lists every subcommand found.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliCommand, type CliIo, UsageError, writeLine } from './command.js';

const commandsDir = new URL('./commands/', import.meta.url);
// Under the test runner this module is TypeScript source; once built it is JavaScript.
const moduleExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const validName = /^[a-z][a-z0-9-]*$/;

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    isTty: Boolean(process.stdout.isTTY),
    stdinIsTty: Boolean(process.stdin.isTTY),
    stderrIsTty: Boolean(process.stderr.isTTY),
  };
}

async function listCommands(): Promise<CliCommand[]> {
  const files = await readdir(fileURLToPath(commandsDir));
  const names = files
    .filter((f) => f.endsWith(moduleExt) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .map((f) => f.slice(0, -moduleExt.length))
    .filter((n) => validName.test(n))
    .sort();
  const commands: CliCommand[] = [];
  for (const name of names) {
    const found = await findCommand(name);
    if (found) commands.push(found);
  }
  return commands;
}

export async function findCommand(name: string): Promise<CliCommand | undefined> {
  if (!validName.test(name)) return undefined;
  const url = new URL(name + moduleExt, commandsDir);
  let mod: { command?: CliCommand };
  try {
    mod = (await import(url.href)) as { command?: CliCommand };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(name)) return undefined;
    throw err;
  }
  return mod.command;
}

/**
 * The version in crashnav's package.json, found by walking up from this file (`from`): it is two
 * directories up in the source tree and three in the build (dist/clients/cli/main.js, which
 * bin/crashnav.js runs), wherever the package was installed.
 */
export async function readVersion(from: string = import.meta.url): Promise<string> {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'crashnav' && pkg.version) return pkg.version;
    } catch {
      // No package.json at this level: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

async function renderHelp(): Promise<string> {
  const commands = await listCommands();
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'usage: crashnav <command> [options]',
    '       crashnav --version',
    '',
    'From a Linux kernel crash to the line of source that caused it.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'crashnav <command> --help' for a command's options and exit statuses. Commands that read a",
    'crash report read standard input when none is named and one is piped in.',
  ].join('\n');
}

/** node:util parseArgs rejects unknown options and bad values with these codes: bad usage, not a failure. */
function isParseArgsError(err: unknown): err is Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, await renderHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    writeLine(io.stdout, `crashnav ${await readVersion()}`);
    return 0;
  }
  const command = await findCommand(name);
  if (!command) {
    writeLine(io.stderr, `crashnav: unknown command '${name}'\n\n${await renderHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      writeLine(io.stderr, `crashnav ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    writeLine(io.stderr, `crashnav ${name}: ${message}`);
    return 1;
  }
}
