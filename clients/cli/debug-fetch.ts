// The options of the commands that find debug info by build-id (`resolve`, `report`): `--build-id` and
// `--offline`, and the debuginfod client the environment asks for (`DEBUGINFOD_URLS`), reporting on stderr.
import { type DebuginfodClient, debuginfodFromEnv } from '../../debuginfo/index.js';
import { type CliIo, UsageError, writeLine } from './command.js';

export const debugFetchOptions = {
  'build-id': { type: 'string' },
  offline: { type: 'boolean' },
} as const;

/** The two options' help, the descriptions starting at `column` as in the command's own usage text. */
export function debugFetchHelp(column: number): string {
  const entry = (flag: string, lines: string[]): string =>
    lines.map((l, i) => (i === 0 ? `  ${flag}`.padEnd(column) : ' '.repeat(column)) + l).join('\n');
  return [
    entry('--build-id HEX', [
      "the vmlinux's GNU build-id (default: the one ending the report's CPU line, or",
      "the running kernel's when the report is of it): its debug file is looked for",
      "under the debug roots' .build-id/, then fetched from the debuginfod servers of",
      'DEBUGINFOD_URLS (cached in DEBUGINFOD_CACHE_PATH, default',
      '~/.cache/debuginfod_client, shared with gdb and elfutils; DEBUGINFOD_TIMEOUT and',
      "DEBUGINFOD_MAXSIZE as in elfutils); module frames' [mod BUILDID] the same way",
    ]),
    entry('--offline', ['never ask a debuginfod server, whatever DEBUGINFOD_URLS says']),
  ].join('\n');
}

/** `--build-id` checked, and the debuginfod client unless `--offline` (or DEBUGINFOD_URLS unset). */
export function debugFetch(values: { 'build-id'?: string; offline?: boolean }, io: CliIo): { buildId?: string; debuginfod?: DebuginfodClient } {
  const buildId = values['build-id'];
  if (buildId !== undefined && !/^(?:[0-9a-f]{2}){4,}$/i.test(buildId)) throw new UsageError(`--build-id wants hex digits (e.g. 40 of them), not '${buildId}'`);
  const debuginfod = values.offline ? undefined : debuginfodFromEnv(process.env, { report: (line) => writeLine(io.stderr, line), progress: io.stderrIsTty === true ? io.stderr : false });
  return { ...(buildId ? { buildId: buildId.toLowerCase() } : {}), ...(debuginfod ? { debuginfod } : {}) };
}
