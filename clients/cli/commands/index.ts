// `crashnav index`: builds or refreshes the source index of a kernel tree (only changed files are parsed).
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readCrashInput } from '../../../crash/index.js';
import { type IndexProgress, buildIndex, indexDbPath, indexWriteRefusal } from '../../../indexer/index.js';
import { type CliCommand, UsageError, exitStatusHelp, writeLine } from '../command.js';

const usage = `usage: crashnav index [--root DIR] [--db FILE] [--arch ARCH] [--jobs N] [--first FILELIST] [--quiet] [--verbose]

Indexes every .c, .h and .S file under DIR (default: the current directory), skipping .git and what
.gitignore/.crashnavignore files exclude, into FILE (default DIR/.crashnav/index.db when you own DIR
and may write it, else $XDG_CACHE_HOME/crashnav/NAME-HASH/index.db; an index already at either place
is the one updated). Another user's index is never written: give --db FILE for one of your own. A second run
parses only files whose size, mtime and content changed, and drops deleted ones; a run killed at any
point leaves a consistent index that the next run completes.

  --arch ARCH       the architecture definitions are ranked for (x86, arm64, ...; x86_64 and aarch64
                    accepted); default: the one recorded in the index, else this machine's
  --jobs N          parse workers (default: one per core)
  --first FILELIST  index the files listed in FILELIST (one path relative to DIR per line) first and
                    commit them, so they are queryable before the rest of the tree (- reads the
                    list from standard input)
  --quiet           no progress and no summary
  --verbose         list every skipped file and warning

A DIR that does not exist or is not a directory is an error: nothing is indexed.

${exitStatusHelp()}`;

export const command: CliCommand = {
  name: 'index',
  summary: 'build or refresh the source index of a kernel tree (tree-sitter, SQLite)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        db: { type: 'string' },
        arch: { type: 'string' },
        jobs: { type: 'string' },
        first: { type: 'string' },
        quiet: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const rootArg = values.root ?? positionals[0] ?? '.';
    const root = path.resolve(io.cwd, rootArg);
    checkRoot(root, rootArg);
    const dbPath = values.db ? path.resolve(io.cwd, values.db) : indexDbPath(root);
    const refusal = indexWriteRefusal(dbPath);
    if (refusal) {
      throw new Error(`${dbPath}: ${refusal}, so it is left as it is (queries still read it); give --db FILE to build an index of your own`);
    }
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new UsageError(`--jobs wants a positive integer, not '${values.jobs}'`);
    let first: string[] | undefined;
    if (values.first) {
      // Read as a crash input is, for the same one-line error when it cannot be (and - for stdin).
      first = (await readCrashInput(values.first, io.stdin, { cwd: io.cwd }))
        .split('\n')
        .map((l) => l.trim().replace(/^\.\//, ''))
        .filter((l) => l !== '' && !l.startsWith('#'));
    }
    const showProgress = io.stderrIsTty === true && !values.quiet;
    const summary = await buildIndex({
      root,
      dbPath,
      arch: values.arch,
      jobs,
      first,
      blockingWalk: true,
      onProgress: showProgress ? (p) => io.stderr.write(`\r${renderProgress(p)}`) : undefined,
      onFirstCommitted: first && !values.quiet ? () => writeLine(io.stderr, `${showProgress ? '\n' : ''}crashnav index: the ${first!.length} --first files are indexed and queryable`) : undefined,
    });
    if (showProgress) io.stderr.write('\n');
    if (!values.quiet) {
      const secs = (summary.elapsedMs / 1000).toFixed(1);
      writeLine(io.stdout, `${summary.files} files: ${summary.parsed} parsed, ${summary.unchanged} unchanged, ${summary.deleted} removed, ${summary.skipped} skipped, ${summary.problems.length} warnings in ${secs} s -> ${dbPath}`);
      const shown = values.verbose ? summary.problems : summary.problems.filter((p) => !p.endsWith('read as Latin-1')).slice(0, 20);
      for (const p of shown) writeLine(io.stderr, `warning: ${p}`);
      if (shown.length < summary.problems.length) writeLine(io.stderr, `(${summary.problems.length - shown.length} more warnings; --verbose lists them)`);
    }
    return 0;
  },
};

/** An index of a missing directory or of a file would be an empty index that looks like success. */
function checkRoot(root: string, shown: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${shown}: ${code === 'ENOENT' ? 'no such directory' : `cannot be read (${code})`}`);
  }
  if (!isDirectory) throw new Error(`${shown}: not a directory`);
}

function renderProgress(p: IndexProgress): string {
  const width = 30;
  const frac = p.total === 0 ? 1 : p.done / p.total;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const secs = p.elapsedMs / 1000;
  const mbps = secs > 0 ? p.bytes / 1e6 / secs : 0;
  const eta = mbps > 0 ? (p.totalBytes - p.bytes) / 1e6 / mbps : 0;
  return `[${bar}] ${p.done}/${p.total} files  ${mbps.toFixed(1)} MB/s  ETA ${Math.ceil(eta)} s `;
}
