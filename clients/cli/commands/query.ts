// `crashnav query`: cscope's queries answered from the index, in cscope's `-L` line format (so scripts
// written for `cscope -d -L -N` work unchanged), as JSON, or over cscope's `-l` line-oriented protocol.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  type CscopeHit,
  KernelIndex,
  cscopeQueryNumbers,
  indexDbPath,
  isCscopeQueryNumber,
  renderCscopeJson,
  renderCscopeLine,
  runCscopeQuery,
} from '../../../indexer/index.js';
import { type CliCommand, type CliIo, UsageError, exitStatusHelp, writeLine } from '../command.js';

const usage = `usage: crashnav query [--root DIR] [--db FILE] [--arch ARCH] [--json] -L -N PATTERN
       crashnav query [--root DIR] [--db FILE] [--arch ARCH] -l

Answers cscope's queries from the index built by 'crashnav index', one hit a line:
'file field2 line text', where field 2 is what cscope prints for the query.

  -0 SYMBOL   every reference to SYMBOL (field 2: enclosing function or <global>)
  -1 NAME     definitions of NAME, best first: function bodies above prototypes, macros and
              members; strong above __weak; arch/ARCH above other architectures; compiler
              suffixes (.isra.0, .constprop.0, .part.0, .cold) ignored. Macro-made definitions
              (SYSCALL_DEFINE3, TRACE_EVENT, ...) are at the macro's line
  -2 NAME     functions called by NAME (field 2: the callee), calls made through function-like
              macros included
  -3 NAME     functions calling NAME (field 2: the caller), through function-like macros too
  -4 TEXT     lines containing TEXT            -6 REGEX   lines matching an egrep pattern
  -7 REGEX    files whose path matches          -8 FILE    files that #include FILE
  -9 SYMBOL   assignments to SYMBOL
  (cscope's 5, interactive change, is not offered.)

  -L          one query from the command line (cscope compatible; implied)
  -l          line-oriented interactive mode on stdin: '<N><pattern>' per line, answered with
              'cscope: K lines' and the hits after a '>> ' prompt; 'q' quits
  --json      one JSON object a hit: {file,line,column,function,text,kind,via}
  --arch ARCH rank definitions for ARCH (x86, arm64; x86_64, aarch64 accepted)
  --db FILE   the index (default: the one 'crashnav index' builds for DIR, in DIR/.crashnav/
              or in $XDG_CACHE_HOME/crashnav/); another user's index is read as it is
  --root DIR  the source tree (default: the current directory)
  -f FILE, -P DIR, -d   cscope's spellings of --db and --root, and its 'never rebuild' (the
              index is never rebuilt by a query), so Vim can set cscopeprg=crashnav query

No hits is not an error (status 0, as cscope). An index that cannot be opened is one.

${exitStatusHelp()}`;

export const command: CliCommand = {
  name: 'query',
  summary: "cscope's queries (-L -0..-9, -l) over the index, in cscope's output format or JSON",
  usage,
  async run(argv, io) {
    const { numbered, rest } = splitNumbered(argv);
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        // cscope's -P and -f, so Vim's cscopeprg (`-dl -f DB -P DIR`) can run crashnav query directly.
        root: { type: 'string', short: 'P' },
        db: { type: 'string', short: 'f' },
        arch: { type: 'string' },
        json: { type: 'boolean' },
        L: { type: 'boolean', short: 'L' },
        l: { type: 'boolean', short: 'l' },
        d: { type: 'boolean', short: 'd' },
      },
      allowPositionals: true,
    });
    const root = path.resolve(io.cwd, values.root ?? '.');
    const dbPath = values.db ? path.resolve(io.cwd, values.db) : indexDbPath(root);
    if (values.l) {
      if (numbered) throw new UsageError('-l reads its queries from stdin; give no -N PATTERN');
      const index = KernelIndex.open(dbPath, { root: values.root ? root : undefined });
      try {
        await interactive(index, io, values.arch);
      } finally {
        index.close();
      }
      return 0;
    }
    if (!numbered) throw new UsageError(`a query is required: -N PATTERN with N one of ${cscopeQueryNumbers.join(', ')}`);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const index = KernelIndex.open(dbPath, { root: values.root ? root : undefined });
    // `crashnav query ... | head` closes the pipe early: stop writing, as cscope does, without a trace.
    let closed = false;
    io.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed = true;
    });
    try {
      const hits = runCscopeQuery(index, numbered.query, numbered.pattern, { arch: values.arch });
      for (const h of hits) {
        if (closed) break;
        writeLine(io.stdout, values.json ? renderCscopeJson(h) : renderCscopeLine(h));
      }
    } finally {
      index.close();
    }
    return 0;
  },
};

/** `-1 NAME` / `-1NAME`: parseArgs cannot express numbered options, so they are taken out first. */
function splitNumbered(argv: string[]): { numbered?: { query: (typeof cscopeQueryNumbers)[number]; pattern: string }; rest: string[] } {
  const rest: string[] = [];
  let numbered: { query: (typeof cscopeQueryNumbers)[number]; pattern: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^-(\d)(.*)$/.exec(argv[i]!);
    if (!m) {
      rest.push(argv[i]!);
      continue;
    }
    const n = Number(m[1]);
    if (!isCscopeQueryNumber(n)) throw new UsageError(n === 5 ? "query 5 (cscope's interactive change) is not offered" : `no query ${n}`);
    if (numbered) throw new UsageError('one -N PATTERN query at a time');
    const pattern = m[2] !== '' ? m[2]! : argv[++i];
    if (pattern === undefined) throw new UsageError(`-${n} needs a pattern`);
    numbered = { query: n, pattern };
  }
  return { numbered, rest };
}

async function interactive(index: KernelIndex, io: CliIo, arch: string | undefined): Promise<void> {
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  io.stdout.write('>> ');
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === 'q' || line === 'Q') break;
    const m = /^(\d)(.*)$/.exec(line);
    let hits: CscopeHit[] = [];
    if (m && isCscopeQueryNumber(Number(m[1])) && m[2]!.trim() !== '') {
      hits = runCscopeQuery(index, Number(m[1]) as (typeof cscopeQueryNumbers)[number], m[2]!.trim(), { arch });
    } else if (line !== '') {
      writeLine(io.stdout, 'cscope: unknown command or missing pattern');
      io.stdout.write('>> ');
      continue;
    }
    if (line !== '') {
      writeLine(io.stdout, `cscope: ${hits.length} lines`);
      for (const h of hits) writeLine(io.stdout, renderCscopeLine(h));
    }
    io.stdout.write('>> ');
  }
  rl.close();
}
