// `crashnav resolve`: every frame of every report to its source line and inline chain (DWARF from the
// vmlinux and module .ko files when given or found; the source index's definition otherwise).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ResolutionSession, isWrongBinaryWarning, renderResolvedText, resolvedReportToJson } from '../../../crash/index.js';
import { normalizeModuleName, parseSubstitution } from '../../../debuginfo/index.js';
import { KernelIndex, indexDbPath } from '../../../indexer/index.js';
import { type CliCommand, UsageError, exitStatusHelp, inputsOrStdin, parseCrashInput, writeLine } from '../command.js';
import { debugFetch, debugFetchHelp, debugFetchOptions } from '../debug-fetch.js';

const usage = `usage: crashnav resolve [--root SRC] [--db FILE] [--vmlinux FILE] [--modules DIR] [--debug-root DIR]
                        [--build-id HEX] [--offline] [--subst-path FROM=TO] [--allow-path DIR]
                        [--json] REPORT...

Resolves each frame of each crash report in REPORT (a file, or - for standard input) to its source:
a vmcore (ELF, kdump-compressed, flattened) is read as the crash session of sys, bt -a, mod and log it
would give, its vmlinux found by its VMCOREINFO release and build-id.
with debug info, the file:line and the chain of inlined functions from DWARF (the faulting
instruction at its address, return addresses at address - 1, module frames in the module's .ko,
raw addresses less the KASLR slide); without it, the function's definition from the source index.

  --root SRC            kernel source tree: file names are printed relative to it; its index
                        (SRC/.crashnav/index.db) gives definitions and callers
  --db FILE             the index database (default SRC/.crashnav/index.db)
  --vmlinux FILE        vmlinux with DWARF (default: found by the report's release under the debug roots)
  --modules DIR         where module .ko files are searched, recursively (repeatable)
  --debug-root DIR      a debug root like /usr/lib/debug, or an unpacked -dbg package (repeatable)
${debugFetchHelp(24)}
  --subst-path FROM=TO  rewrite DWARF paths starting with FROM (repeatable)
  --allow-path DIR      source files under DIR may be read too (repeatable); otherwise only files under
                        --root, --modules, the substitutions' targets and the binaries' own directories
                        are read, whatever path a binary names
  --json                one JSON object per input file and line

With no REPORT and standard input not a terminal, reads standard input.

${exitStatusHelp({ found: 'no crash report found in an input', wrongBinary: true })}`;

/** Names of the modules under the user's `--modules` directories (tried for frames printed without a module). */
function modulesUnder(dirs: string[]): string[] {
  const names: string[] = [];
  for (const dir of dirs) {
    try {
      for (const e of readdirSync(dir, { recursive: true, encoding: 'utf8' })) if (/\.ko(?:\.(?:xz|zst|gz))?$/.test(e)) names.push(normalizeModuleName(e));
    } catch {
      // An unreadable directory only means fewer candidates.
    }
  }
  return names.length <= 64 ? names : [];
}

export const command: CliCommand = {
  name: 'resolve',
  summary: 'resolve every frame of a crash report to file:line and inline chain (DWARF, else the index)',
  usage,
  async run(argv, io) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        db: { type: 'string' },
        vmlinux: { type: 'string' },
        modules: { type: 'string', multiple: true },
        'debug-root': { type: 'string', multiple: true },
        'subst-path': { type: 'string', multiple: true },
        'allow-path': { type: 'string', multiple: true },
        json: { type: 'boolean' },
        ...debugFetchOptions,
      },
    });
    const v = parsed.values;
    const inputs = inputsOrStdin(parsed.positionals, io);
    const substitutions = (v['subst-path'] ?? []).map((s) => {
      const sub = parseSubstitution(s);
      if (!sub) throw new UsageError(`--subst-path needs FROM=TO, got '${s}'`);
      return { from: sub.from, to: path.resolve(io.cwd, sub.to) };
    });
    const root = v.root === undefined ? undefined : path.resolve(io.cwd, v.root);
    const dbPath = v.db ? path.resolve(io.cwd, v.db) : root ? indexDbPath(root) : undefined;
    const index = dbPath && existsSync(dbPath) ? KernelIndex.open(dbPath, { root }) : undefined;
    if (v.db && !index) writeLine(io.stderr, `crashnav resolve: no index at ${dbPath}`);
    const vmlinux = v.vmlinux === undefined ? undefined : path.resolve(io.cwd, v.vmlinux);
    if (vmlinux && !existsSync(vmlinux)) throw new UsageError(`--vmlinux ${v.vmlinux}: no such file`);
    const moduleDirs = (v.modules ?? []).map((d) => path.resolve(io.cwd, d));
    const session = new ResolutionSession({
      ...(vmlinux ? { vmlinux } : {}),
      ...(v['debug-root'] ? { debugRoots: v['debug-root'].map((d) => path.resolve(io.cwd, d)) } : {}),
      moduleDirs,
      sourceRoots: root ? [root] : [],
      substitutions,
      allowPaths: (v['allow-path'] ?? []).map((d) => path.resolve(io.cwd, d)),
      ...(index ? { index } : {}),
      searchModules: modulesUnder(moduleDirs),
      ...debugFetch(v, io),
    });
    let status = 0;
    try {
      for (const file of inputs) {
        const { text, parsed: { reports, problems } } = await parseCrashInput(file, io, { quiet: v.json === true, session, moduleDirs });
        for (const p of problems.filter((p) => p.code !== 'no-frames')) writeLine(io.stderr, `${file}:${p.line}: ${p.message}`);
        if (reports.length === 0) {
          writeLine(io.stderr, `${file}: no crash report found`);
          status = Math.max(status, 1);
        }
        const inputLines = text.split('\n').map((l) => l.replace(/\r$/, ''));
        const json: Record<string, unknown>[] = [];
        for (const report of reports) {
          const resolved = await session.resolve(report);
          const wrong = resolved.warnings.filter(isWrongBinaryWarning);
          if (wrong.length > 0) {
            // The messages say `WRONG BINARY?` themselves; the line says it once, without the doubt.
            writeLine(io.stderr, `${file}:${report.startLine}: WRONG BINARY: ${wrong.map((w) => w.message.replace(/^WRONG BINARY\? /, '')).join('; ')}`);
            status = 3;
          }
          if (v.json) json.push(resolvedReportToJson(resolved));
          else writeLine(io.stdout, renderResolvedText(resolved, inputLines) + '\n');
        }
        if (v.json) writeLine(io.stdout, JSON.stringify({ file, reports: json }));
      }
    } finally {
      index?.close();
      await session.close();
    }
    return status;
  },
};
