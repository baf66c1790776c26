// `crashnav decode-code`: the kernel's scripts/decodecode without an assembler: disassembles an oops
// `Code:` line (given as an argument, or found in a report on stdin) and marks the faulting instruction.
import { parseArgs } from 'node:util';
import { type CrashReport, parseCrashReport, readCrashInput } from '../../../crash/index.js';
import {
  type DecodedCode,
  type DecodedCodeListing,
  type DisasmArch,
  type DisasmInstruction,
  decodeCode,
  parseCodeLine,
  renderDecodedCode,
  renderInstructionText,
} from '../../../debuginfo/index.js';
import { type CliCommand, UsageError, exitStatusHelp, writeLine } from '../command.js';

const usage = `usage: crashnav decode-code [options] ['Code: ...']

Disassembles the "Code:" line of an oops as the kernel's scripts/decodecode does: all the bytes
from the first one, with the instruction holding the faulting byte (<xx> on x86, (xxxxxxxx) on
arm64) marked '<-- trapping instruction', then the code starting at the faulting instruction.
The dump starts at an arbitrary byte; when that decode does not land on the faulting byte, the
fewest leading bytes to skip so that it does are found and that decode is shown too.
Without an argument, reads a report (or just the line) from stdin and uses its first Code: line.

options:
  --arch x86_64|arm64   default: x86_64 for byte dumps, arm64 for word dumps
  --pc ADDR             the faulting address (RIP:/pc :), to print absolute addresses
  --intel               Intel syntax (x86)
  --json                the decodes as JSON

${exitStatusHelp({ found: 'no Code: line that can be decoded (missing, <unavailable>, 32-bit ARM)' })}`;

function insnJson(insn: DisasmInstruction, arch: DisasmArch): unknown {
  return {
    address: `0x${insn.address.toString(16)}`,
    bytes: Buffer.from(insn.bytes).toString('hex'),
    text: renderInstructionText(insn, arch),
    invalid: insn.invalid === true,
  };
}

function listingJson(listing: DecodedCodeListing, arch: DisasmArch): unknown {
  return {
    skipped: listing.skipped,
    faultIndex: listing.faultIndex ?? null,
    alignedOnMarker: listing.alignedOnMarker,
    instructions: listing.instructions.map((i) => insnJson(i, arch)),
  };
}

function toJson(d: DecodedCode): unknown {
  return {
    arch: d.arch,
    start: `0x${d.start.toString(16)}`,
    markerOffset: d.markerOffset ?? null,
    all: listingJson(d.all, d.arch),
    bestGuess: d.bestGuess ? listingJson(d.bestGuess, d.arch) : null,
    fromMarker: d.fromMarker ? d.fromMarker.map((i) => insnJson(i, d.arch)) : null,
  };
}

/** The faulting frame (`RIP: 0010:func+0x11/0x1000 [module]`, arm64 `pc : func+0x...`) of the report in the text, if any. */
function faultingFrame(report: CrashReport | undefined): { spec: string; module: string | undefined } | undefined {
  const f = report?.stacks.flatMap((s) => s.frames).find((x) => x.isFault && x.symbol && x.offset !== undefined && x.size !== undefined);
  return f ? { spec: `${f.symbol}+0x${f.offset!.toString(16)}/0x${f.size!.toString(16)}`, module: f.module } : undefined;
}

export const command: CliCommand = {
  name: 'decode-code',
  summary: "disassemble an oops 'Code:' line and mark the faulting instruction (scripts/decodecode)",
  usage,
  async run(argv, io) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        pc: { type: 'string' },
        intel: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const { values, positionals } = parsed;
    const arch = values.arch;
    if (arch !== undefined && arch !== 'x86_64' && arch !== 'arm64') throw new UsageError(`--arch must be x86_64 or arm64, not "${arch}"`);
    let pc: bigint | undefined;
    if (values.pc !== undefined) {
      if (!/^(0x)?[0-9a-fA-F]+$/.test(values.pc)) throw new UsageError(`--pc "${values.pc}" is not a hex address`);
      pc = BigInt(values.pc.startsWith('0x') ? values.pc : `0x${values.pc}`);
    }
    const text = positionals.length > 0 ? positionals.join(' ') : await readCrashInput('-', io.stdin);
    // An argument may omit the "Code:" prefix: treat bare hex as the dump itself.
    const report = parseCrashReport(text, { source: 'decode-code' }).reports[0];
    const parse = parseCodeLine(text.includes('Code:') ? text : `Code: ${text}`);
    if (parse.value === undefined) {
      for (const p of parse.problems) writeLine(io.stderr, `crashnav decode-code: ${p.message}`);
      const frame = faultingFrame(report);
      if (parse.unavailableAt !== undefined && frame !== undefined) {
        const file = frame.module === undefined ? 'vmlinux' : `${frame.module}.ko`;
        writeLine(io.stderr, `crashnav decode-code: for this oops: crashnav disasm -e ${file} ${frame.spec}`);
      }
      return 1;
    }
    for (const p of parse.problems) writeLine(io.stderr, `crashnav decode-code: warning: ${p.message}`);
    // 32-bit ARM prints its Code: words like arm64's: decoding them as AArch64 would be silently wrong.
    if (arch === undefined && (parse.value.unitSize === 2 || report?.arch === 'arm')) {
      writeLine(io.stderr, 'crashnav decode-code: this is a 32-bit ARM/Thumb oops; only x86_64 and arm64 code is decoded (--arch forces one)');
      return 1;
    }
    const decoded = await decodeCode(parse.value, {
      ...(arch !== undefined ? { arch } : {}),
      ...(pc !== undefined ? { pc } : {}),
      syntax: values.intel ? 'intel' : 'att',
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(toJson(decoded), null, 2));
    else io.stdout.write(renderDecodedCode(decoded));
    return 0;
  },
};
