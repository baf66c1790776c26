// `crashnav addr2line`: GNU addr2line's options and output (`-f -i -a -j -p -s`), for scripts that
// already parse it, on vmlinux and `.ko` files; addresses from the arguments or, for batches, stdin.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type Symbolization, DebugFile, Symbolizer } from '../../../debuginfo/index.js';
import { type CliCommand, type CliIo, exitStatusHelp, openBinary } from '../command.js';

const usage = `usage: crashnav addr2line [-e FILE] [-f] [-i] [-a] [-p] [-s] [-j SECTION] [--json] [ADDR...]

Translates addresses of FILE (a vmlinux or a module .ko; .ko.xz/.zst/.gz too) into function names
and source lines, printed as GNU addr2line prints them. Reads addresses from stdin, one or more per
line, when none are given.

  -e, --exe FILE        the binary (default a.out)
  -f, --functions       print the function name before each location
  -i, --inlines         also print the callers an address was inlined into
  -a, --addresses       print each address before its answer
  -p, --pretty-print    one line per frame: "func at file:line", "(inlined by) ..."
  -s, --basenames       file names without directories
  -j, --section NAME    addresses are offsets inside section NAME (how .ko addresses are given)
  -C, --demangle        accepted for compatibility (kernel names are not mangled)
      --json            one JSON object per address: frames, symbol, warnings

An address with no answer prints ?? as GNU addr2line does (status 0).

${exitStatusHelp()}`;

interface Addr2lineOptions {
  functions: boolean;
  inlines: boolean;
  addresses: boolean;
  pretty: boolean;
  basenames: boolean;
  json: boolean;
  section: string | undefined;
  addressWidth: number;
}

export const command: CliCommand = {
  name: 'addr2line',
  summary: 'addresses of a vmlinux/.ko to function, file:line and inline chain (GNU addr2line format)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        exe: { type: 'string', short: 'e' },
        functions: { type: 'boolean', short: 'f' },
        inlines: { type: 'boolean', short: 'i' },
        addresses: { type: 'boolean', short: 'a' },
        'pretty-print': { type: 'boolean', short: 'p' },
        basenames: { type: 'boolean', short: 's' },
        section: { type: 'string', short: 'j' },
        demangle: { type: 'boolean', short: 'C' },
        json: { type: 'boolean' },
      },
    });
    const v = parsed.values;
    const file = await openBinary(v.exe ?? 'a.out');
    const symbolizer = new Symbolizer(file);
    const options: Addr2lineOptions = {
      functions: v.functions ?? false,
      inlines: v.inlines ?? false,
      addresses: v.addresses ?? false,
      pretty: v['pretty-print'] ?? false,
      basenames: v.basenames ?? false,
      json: v.json ?? false,
      section: v.section,
      addressWidth: file.elf.is64 ? 16 : 8,
    };
    const answer = (token: string): string => renderAnswer(token, symbolizer, file, options);
    if (parsed.positionals.length > 0) {
      io.stdout.write(parsed.positionals.map(answer).join(''));
      return 0;
    }
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    let pending = '';
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      if (pending) io.stdout.write(pending);
      pending = '';
    };
    for await (const line of lines) {
      for (const token of line.split(/[\s,]+/).filter(Boolean)) pending += answer(token);
      // One write once the input read so far is answered (the lines of one chunk arrive together;
      // setImmediate runs after them): an interactive caller gets each answer, a batch few writes.
      if (pending.length > 16384) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
    flush();
    return 0;
  },
};

function renderAnswer(token: string, symbolizer: Symbolizer, file: DebugFile, o: Addr2lineOptions): string {
  const address = parseAddress(token);
  if (address === undefined) {
    return o.json ? JSON.stringify({ input: token, error: 'not an address' }) + '\n' : (o.functions ? '??\n' : '') + '??:0\n';
  }
  let result: Symbolization;
  try {
    result = o.section === undefined ? symbolizer.symbolize(address, { linkTime: true }) : symbolizer.symbolizeInSection(o.section, address);
  } catch (err) {
    if (o.json) return JSON.stringify({ input: token, error: (err as Error).message }) + '\n';
    throw err;
  }
  if (o.json) return renderJson(token, address, result, file) + '\n';
  const frames = result.frames.length > 0 ? result.frames : [{ function: undefined, file: undefined, line: 0, discriminator: 0 }];
  const shown = o.inlines ? frames : frames.slice(0, 1);
  let out = '';
  const addr = '0x' + address.toString(16).padStart(o.addressWidth, '0');
  if (o.addresses) out += o.pretty ? addr + ': ' : addr + '\n';
  shown.forEach((f, i) => {
    const where = location(f, o.basenames);
    if (o.pretty) {
      const text = o.functions ? `${f.function ?? '??'} at ${where}` : where;
      out += (i > 0 ? ' (inlined by) ' : '') + text + '\n';
    } else {
      if (o.functions) out += (f.function ?? '??') + '\n';
      out += where + '\n';
    }
  });
  return out;
}

/** `file:line`, `file:?` without a line, `??:?` for a known function without lines, `??:0` for nothing (as binutils prints). */
function location(f: { function: string | undefined; file: string | undefined; line: number; discriminator: number }, basenames: boolean): string {
  const { file, line, discriminator } = f;
  if (file === undefined) return f.function === undefined ? '??:0' : '??:?';
  const name = basenames ? file.slice(file.lastIndexOf('/') + 1) : file;
  return `${name}:${line === 0 ? '?' : line}${discriminator ? ` (discriminator ${discriminator})` : ''}`;
}

function renderJson(input: string, address: bigint, r: Symbolization, file: DebugFile): string {
  const sectionOf = file.sectionOf(r.address);
  return JSON.stringify({
    input,
    address: '0x' + address.toString(16),
    section: sectionOf?.section.name,
    sectionOffset: sectionOf ? '0x' + sectionOf.offset.toString(16) : undefined,
    source: r.source ?? null,
    symbol: r.symbol ? { name: r.symbol.name, offset: '0x' + r.symbol.offset.toString(16), size: '0x' + r.symbol.size.toString(16), section: r.symbol.section } : null,
    frames: r.frames,
    warnings: r.warnings,
  });
}

/** GNU addr2line reads addresses as hex with or without `0x`. */
function parseAddress(token: string): bigint | undefined {
  const t = token.replace(/^0[xX]/, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) return undefined;
  return BigInt('0x' + t);
}
