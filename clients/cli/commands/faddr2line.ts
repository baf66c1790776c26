// `crashnav faddr2line`: the kernel's scripts/faddr2line question — which source line is
// `func+0x19/0x22` in this vmlinux or module — answered in that script's output format, with a
// size-mismatch warning where the script would refuse.
import { parseArgs } from 'node:util';
import { type Resolution, SourceReader, Symbolizer, parseSubstitution } from '../../../debuginfo/index.js';
import { type CliCommand, type CliIo, UsageError, exitStatusHelp, writeLine, openBinary } from '../command.js';

const usage = `usage: crashnav faddr2line [--json] [--root SRC] [--subst-path FROM=TO]... FILE func+0x19/0x22...

Prints the source line (and inline chain) of each function+offset in FILE (vmlinux or .ko), as the
kernel's scripts/faddr2line does. A length that differs from the function's size in FILE is reported
as a warning on stderr (the report may come from another build), never a refusal.

  --root SRC            print paths inside this source tree when the file exists there
  --subst-path FROM=TO  rewrite a DWARF path prefix (like gdb's set substitute-path); repeatable
  --json                one JSON object per frame spec

${exitStatusHelp({ found: 'a func+offset with no source line in FILE' })}`;

export const command: CliCommand = {
  name: 'faddr2line',
  summary: 'func+0x19/0x22 of a vmlinux/.ko to source lines (scripts/faddr2line format)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, root: { type: 'string' }, 'subst-path': { type: 'string', multiple: true } },
    });
    const [path, ...specs] = parsed.positionals;
    if (!path || specs.length === 0) throw new UsageError('need a FILE and at least one func+offset');
    const substitutions = (parsed.values['subst-path'] ?? []).map((s) => {
      const sub = parseSubstitution(s);
      if (!sub) throw new UsageError(`--subst-path wants FROM=TO, got ${s}`);
      return sub;
    });
    const sources = parsed.values.root !== undefined || substitutions.length > 0 ? new SourceReader({ root: parsed.values.root, substitutions, binaries: [path] }) : undefined;
    const display = (file: string | undefined) => (file === undefined ? '??' : sources?.locate(file) ?? file);
    const symbolizer = new Symbolizer(await openBinary(path));
    let status = 0;
    for (const spec of specs) {
      const r = symbolizer.resolve(spec);
      for (const w of r.warnings) writeLine(io.stderr, `warning: ${spec}: ${w.message}`);
      if (r.frames.length === 0) status = 1;
      if (parsed.values.json) writeLine(io.stdout, renderJson(spec, r, display));
      else io.stdout.write(renderText(spec, r, display));
    }
    return status;
  },
};

function renderText(spec: string, r: Resolution, display: (file: string | undefined) => string): string {
  if (!r.symbol) return `no match for ${spec}\n`;
  let out = `${r.spec.symbol}+0x${r.spec.offset.toString(16)}/0x${r.symbol.size.toString(16)}:\n`;
  r.frames.forEach((f, i) => {
    out += `${i > 0 ? '(inlined by) ' : ''}${f.function ?? '??'} at ${display(f.file)}:${f.line === 0 ? '?' : f.line}\n`;
  });
  return out;
}

function renderJson(spec: string, r: Resolution, display: (file: string | undefined) => string): string {
  return JSON.stringify({
    input: spec,
    address: '0x' + r.address.toString(16),
    source: r.source ?? null,
    symbol: r.symbol ? { name: r.symbol.name, offset: '0x' + r.symbol.offset.toString(16), size: '0x' + r.symbol.size.toString(16), section: r.symbol.section } : null,
    frames: r.frames.map((f) => ({ ...f, path: f.file === undefined ? undefined : display(f.file) })),
    warnings: r.warnings,
  });
}
