// `crashnav report`: the annotated crash report (HTML, Markdown or 80-column text) of a crash text, with
// each frame resolved to source through the debug info and the index that are at hand.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDebugRoots, parseSubstitution } from '../../../debuginfo/index.js';
import { generateReport, renderReport, reportFormats, startProgress, type ReportFormat } from '../../report/index.js';
import { readCrashInput } from '../../../crash/index.js';
import { isCoreDumpFile } from '../../../vmcore/index.js';
import { type CliCommand, UsageError, exitStatusHelp, inputsOrStdin, writeLine } from '../command.js';
import { debugFetch, debugFetchHelp, debugFetchOptions } from '../debug-fetch.js';

const usage = `usage: crashnav report [options] REPORT|-

Writes an annotated report of the crash in REPORT (a console oops, dmesg, a crash utility session, a
syzbot report, a vmcore; - reads standard input): the summary and decoded facts, the guilty frame and why, every
stack with each frame's file:line and inline chain, source around the crash line, the guilty function's
disassembly with the faulting instruction and its registers, and the decoded Code: bytes.

options:
  --root SRC         kernel (or module) source tree: excerpts, definitions, callers, relative paths
  --subst-path FROM=TO
                     read DWARF paths starting with FROM under TO instead (repeatable), e.g. for
                     out-of-tree module sources beside a kernel --root
  --allow-path DIR   source files under DIR may be read too (repeatable); otherwise only files under
                     --root, --modules, the substitutions' targets and the binaries' own directories
                     are read, whatever path a binary names
  --vmlinux FILE     vmlinux with DWARF (e.g. /usr/lib/debug/boot/vmlinux-$(uname -r))
  --modules DIR      directory searched for module .ko files (repeatable)
  --debug-root DIR   where debug packages install their files (repeatable; default /usr/lib/debug):
                     without --vmlinux, boot/vmlinux-RELEASE of the report's release is used from
                     there, and lib/modules/RELEASE is searched for modules after --modules
${debugFetchHelp(21)}
  --db FILE          index database of --root (default: the one crashnav index made for it, if any)
  --format FMT       html, md or text (default: from -o's extension, else text)
  --link TEMPLATE    link URL template, e.g.
                     'https://elixir.bootlin.com/linux/v{version}/source/{path}#L{line}'
                     (default: file:// links to the files on this machine)
  --nth N            which report of a log holding several (default 1, the first)
  -o, --output FILE  write the report to FILE instead of standard output

With no REPORT and standard input not a terminal, reads standard input. A binary that is not the
one that crashed (another release or build, not a vmlinux, a module's vermagic) opens the report
with that warning.

${exitStatusHelp({ found: 'no crash report found', wrongBinary: true })}`;

function formatOf(value: string | undefined, output: string | undefined): ReportFormat {
  if (value !== undefined) {
    const f = value === 'markdown' ? 'md' : value === 'txt' ? 'text' : value;
    if (!(reportFormats as readonly string[]).includes(f)) throw new UsageError(`unknown format '${value}' (html, md, text)`);
    return f as ReportFormat;
  }
  const ext = output ? path.extname(output).toLowerCase() : '';
  return ext === '.html' || ext === '.htm' ? 'html' : ext === '.md' || ext === '.markdown' ? 'md' : 'text';
}

export const command: CliCommand = {
  name: 'report',
  summary: 'annotated crash report (HTML, Markdown, text) with source, disassembly and registers',
  usage,
  async run(argv, io) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        'subst-path': { type: 'string', multiple: true },
        'allow-path': { type: 'string', multiple: true },
        vmlinux: { type: 'string' },
        modules: { type: 'string', multiple: true },
        'debug-root': { type: 'string', multiple: true },
        db: { type: 'string' },
        format: { type: 'string' },
        link: { type: 'string' },
        nth: { type: 'string' },
        output: { type: 'string', short: 'o' },
        ...debugFetchOptions,
      },
    });
    const { values, positionals } = parsed;
    const inputs = inputsOrStdin(positionals, io);
    if (inputs.length !== 1) throw new UsageError('expected one REPORT (a file, or - for standard input)');
    const format = formatOf(values.format, values.output);
    const nth = values.nth === undefined ? 1 : Number(values.nth);
    if (!Number.isInteger(nth) || nth < 1) throw new UsageError(`--nth wants a positive number, not '${values.nth}'`);
    const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(io.cwd, p));

    const dump = inputs[0] !== '-' && isCoreDumpFile(path.resolve(io.cwd, inputs[0]!)) ? path.resolve(io.cwd, inputs[0]!) : undefined;
    const input = { text: dump ? '' : await readCrashInput(inputs[0]!, io.stdin, { cwd: io.cwd }), source: inputs[0] === '-' ? '<stdin>' : inputs[0]! };
    const progress = startProgress(io.stderr, { enabled: io.stderrIsTty === true });
    let result;
    try {
      result = await generateReport({
        text: input.text,
        ...(dump ? { vmcore: dump } : {}),
        source: input.source,
        root: abs(values.root),
        substitutions: (values['subst-path'] ?? []).map((text) => {
          const sub = parseSubstitution(text);
          if (!sub) throw new UsageError(`--subst-path wants FROM=TO, not '${text}'`);
          return { from: sub.from, to: path.resolve(io.cwd, sub.to) };
        }),
        allowPaths: (values['allow-path'] ?? []).map((d) => path.resolve(io.cwd, d)),
        vmlinux: abs(values.vmlinux),
        modules: (values.modules ?? []).map((m) => path.resolve(io.cwd, m)),
        debugRoots: values['debug-root'] ? values['debug-root'].map((d) => path.resolve(io.cwd, d)) : defaultDebugRoots,
        db: abs(values.db),
        link: values.link,
        progress,
        ...debugFetch(values, io),
      });
    } finally {
      progress.done();
    }
    for (const p of result.problems) writeLine(io.stderr, `crashnav report: ${p}`);
    if (result.views.length === 0) {
      writeLine(io.stderr, `crashnav report: no crash report found in ${input.source}`);
      return 1;
    }
    if (nth > result.views.length) throw new UsageError(`--nth ${nth}: ${input.source} holds ${result.views.length} crash report(s)`);
    const view = result.views[nth - 1]!;
    if (result.views.length > 1) {
      view.notices.push(`${input.source} holds ${result.views.length} crash reports; this is number ${nth} (choose with --nth N).`);
    }
    const out = renderReport(view, format);
    if (values.output) {
      await writeFile(path.resolve(io.cwd, values.output), out);
      writeLine(io.stderr, `crashnav report: wrote ${values.output}`);
    } else {
      io.stdout.write(out);
    }
    if (view.wrongBinary.length > 0) {
      writeLine(io.stderr, `crashnav report: WRONG BINARY: ${view.wrongBinary.join('; ')}`);
      return 3;
    }
    return 0;
  },
};
