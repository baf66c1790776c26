// `crashnav disasm`: a function of a vmlinux or `.ko` (or an address range) disassembled as
// `objdump -d -S -l` shows it, with inline chains, source text from a source root and the target
// instruction marked; `.ko` calls show their relocated targets.
import { parseArgs } from 'node:util';
import {
  type DisasmTarget,
  type FileDisassembly,
  type PathSubstitution,
  parseDisasmTarget,
  parseSubstitution,
  renderFileDisassembly,
  renderInstructionText,
} from '../../../debuginfo/index.js';
import { type CliCommand, UsageError, exitStatusHelp, writeLine, openBinary } from '../command.js';

const usage = `usage: crashnav disasm -e FILE [options] SYMBOL[+OFF][/SIZE] | ADDRESS
       crashnav disasm -e FILE [options] --start ADDR --stop ADDR

Disassembles a function of FILE (a vmlinux or a .ko, .ko.xz, .ko.zst; DWARF optional) the way
'objdump -d -S -l' shows it: source lines and inline chains ('file:line (inlined into f)')
above the instructions they produced. SYMBOL+OFF (as a trace prints it, e.g. kfree+0x40/0x200)
or an ADDRESS inside a function marks that instruction with '<--'. In a .ko, the addresses are
section-relative (as objdump's) and calls show their relocated target ('call _printk').

options:
  -e, --exe FILE          the vmlinux or .ko to read
  --root DIR              kernel source tree: print the source text of each line
  --subst-path FROM=TO    rewrite DWARF path prefix FROM to TO (repeatable), like gdb's substitute-path
  --start ADDR --stop ADDR  disassemble [ADDR, ADDR) instead of a function
  -j, --section NAME      --start/--stop are offsets in section NAME (what a .ko needs: all its
                          sections start at 0), as addr2line -j
  -r, --return-address    the target is a return address (a trace frame below the faulting one):
                          mark the call before it
  --intel                 Intel syntax (x86), as 'objdump -M intel'
  --no-reloc              do not apply a .ko's .rela.text (show what plain 'objdump -d' shows)
  --no-source             instructions only, no file:line headers
  --json                  one JSON object: instructions with bytes, text and inline chain

${exitStatusHelp({ found: 'no such symbol or address in FILE' })}`;

function parseAddress(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^(0x)?[0-9a-fA-F]+$/.test(t)) throw new UsageError(`${what}: "${text}" is not a hex address`);
  return BigInt(t.startsWith('0x') ? t : `0x${t}`);
}

function toJson(d: FileDisassembly, withSource: boolean): unknown {
  return {
    file: d.file,
    arch: d.arch,
    section: d.section,
    sectionRelative: d.sectionRelative,
    warnings: d.warnings,
    mark: d.mark === undefined ? null : { address: `0x${d.mark.address.toString(16)}`, label: d.mark.label },
    instructions: d.instructions.map((insn) => ({
      address: `0x${insn.address.toString(16)}`,
      bytes: Buffer.from(insn.bytes).toString('hex'),
      label: d.labelAt(insn.address) ?? null,
      text: renderInstructionText(insn, d.arch),
      mnemonic: insn.mnemonic,
      operands: insn.operands,
      comment: insn.comment ?? null,
      target: insn.target === undefined ? null : `0x${insn.target.toString(16)}`,
      relocations: insn.relocations ?? [],
      frames: withSource
        ? d.locate(insn.address).map((f) => ({ function: f.function ?? null, file: f.file ?? null, line: f.line, inlined: f.inlined }))
        : [],
    })),
  };
}

export const command: CliCommand = {
  name: 'disasm',
  summary: 'disassemble a function with source lines and inline chains (objdump -d -S -l)',
  usage,
  async run(argv, io) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        exe: { type: 'string', short: 'e' },
        root: { type: 'string' },
        'subst-path': { type: 'string', multiple: true },
        start: { type: 'string' },
        stop: { type: 'string' },
        section: { type: 'string', short: 'j' },
        intel: { type: 'boolean' },
        'return-address': { type: 'boolean', short: 'r' },
        'no-reloc': { type: 'boolean' },
        'no-source': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const { values, positionals } = parsed;
    if (values.exe === undefined) throw new UsageError('-e FILE is required');
    let target: DisasmTarget;
    if (values.start !== undefined || values.stop !== undefined) {
      if (values.start === undefined || values.stop === undefined) throw new UsageError('--start and --stop go together');
      if (positionals.length > 0) throw new UsageError('give either a symbol or --start/--stop, not both');
      target = { start: parseAddress(values.start, '--start'), stop: parseAddress(values.stop, '--stop') };
    } else {
      if (values.section !== undefined) throw new UsageError('-j SECTION goes with --start/--stop');
      if (positionals.length !== 1) throw new UsageError('give one SYMBOL[+OFF] or ADDRESS');
      const t = parseDisasmTarget(positionals[0]!);
      if (t === undefined) throw new UsageError(`"${positionals[0]}" is neither SYMBOL[+OFF][/SIZE] nor a 0x address`);
      target = t;
    }
    const substitutions: PathSubstitution[] = [];
    for (const s of values['subst-path'] ?? []) {
      const sub = parseSubstitution(s);
      if (sub === undefined) throw new UsageError(`--subst-path "${s}" is not FROM=TO`);
      substitutions.push(sub);
    }
    // A .ko.xz/.ko.zst/.ko.gz is decompressed in memory.
    const file = await openBinary(values.exe);
    try {
      if (values.section !== undefined && 'start' in target) {
        target = { start: file.sectionAddress(values.section, target.start), stop: file.sectionAddress(values.section, target.stop) };
      }
      const withSource = !values['no-source'];
      const { text, disassembly: d } = await renderFileDisassembly(file, target, {
        syntax: values.intel ? 'intel' : 'att',
        applyRelocations: !values['no-reloc'],
        withSource,
        substitutions,
        returnAddress: values['return-address'] === true,
        ...(values.root !== undefined ? { root: values.root } : {}),
      });
      if (values.json) {
        writeLine(io.stdout, JSON.stringify(toJson(d, withSource), null, 2));
        return 0;
      }
      for (const w of d.warnings) writeLine(io.stderr, `crashnav disasm: warning: ${w.message}`);
      io.stdout.write(text);
      return 0;
    } finally {
      file.close();
    }
  },
};
