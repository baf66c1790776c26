// Parsing `objdump -d -w` output and scoring a crashnav listing against it, instruction by instruction.
// Shared by the acceptance bench and the sampled test in test/debuginfo/disasm/.
import type { DisasmArch, DisasmInstruction } from '../../debuginfo/index.js';

export interface ObjdumpLine {
  address: bigint;
  length: number;
  text: string;
}

export interface MismatchClass {
  count: number;
  examples: string[];
}

export interface AgreementCounts {
  functions: number;
  instructions: number;
  sameBoundary: number;
  sameExact: number;
  sameWithoutNames: number;
  sameNormalised: number;
  mismatches: Map<string, MismatchClass>;
}

export function emptyCounts(): AgreementCounts {
  return { functions: 0, instructions: 0, sameBoundary: 0, sameExact: 0, sameWithoutNames: 0, sameNormalised: 0, mismatches: new Map() };
}

const lineRe = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/;

/** The instruction lines of `objdump -d -w` (all bytes on one line), labels and headers skipped. */
export function parseObjdumpListing(text: string): ObjdumpLine[] {
  const out: ObjdumpLine[] = [];
  for (const line of text.split('\n')) {
    const m = lineRe.exec(line);
    if (!m) continue;
    // x86 prints bytes apart (`48 89 e5`), AArch64 one 32-bit word (`d503233f`).
    out.push({ address: BigInt(`0x${m[1]}`), length: m[2]!.replace(/ /g, '').length / 2, text: m[3]!.trimEnd() });
  }
  return out;
}

function withoutNames(text: string): string {
  return text.replace(/ <[^>]*>/g, '').trimEnd();
}

/**
 * The spelling differences issue 3 lets a comparison ignore: AT&T size suffixes (`movq`/`mov`),
 * `retq`/`ret`, and the radix of immediates (`$3`/`$0x3`). On AArch64, where `#` starts an immediate,
 * only names, `//` comments and spacing are ignored.
 */
export function normaliseInstruction(text: string, arch: DisasmArch = 'x86_64'): string {
  if (arch === 'arm64') return withoutNames(text).replace(/\s*\/\/.*$/, '').replace(/\s+/g, ' ').trim();
  const t = withoutNames(text).replace(/\s*#.*$/, '').replace(/\s+/g, ' ').trim();
  const [mnemonic = '', ...rest] = t.split(' ');
  const ops = rest.join(' ').replace(/\$(-?)(\d+)\b(?!x)/g, (_, sign: string, d: string) => `$${sign}0x${Number(d).toString(16)}`);
  const m = mnemonic.replace(/^(retq|retl)$/, 'ret').replace(/^(mov|add|sub|and|or|xor|cmp|test|push|pop|call|jmp|inc|dec|neg|not|shl|shr|sar|lea)[bwlq]$/, '$1');
  return `${m} ${ops}`.trim();
}

export function compareWithObjdump(
  expected: ObjdumpLine[],
  ours: DisasmInstruction[],
  render: (insn: DisasmInstruction) => string,
  counts: AgreementCounts,
  arch: DisasmArch = 'x86_64',
): void {
  counts.functions++;
  const byAddress = new Map(ours.map((i) => [i.address, i]));
  for (const e of expected) {
    counts.instructions++;
    const mine = byAddress.get(e.address);
    if (mine === undefined || mine.bytes.length !== e.length) {
      note(counts, 'boundary', `0x${e.address.toString(16)}: objdump ${e.length} bytes "${e.text}", crashnav ${mine ? `${mine.bytes.length} bytes` : 'no instruction here'}`);
      continue;
    }
    counts.sameBoundary++;
    const text = render(mine);
    const exact = text === e.text;
    if (exact) counts.sameExact++;
    if (withoutNames(text) === withoutNames(e.text)) {
      counts.sameWithoutNames++;
      if (!exact) note(counts, 'symbol name in <...>', `"${e.text}" | "${text}"`);
    } else note(counts, `${e.text.split(/\s/)[0]} | ${text.split(/\s/)[0]}`, `${Buffer.from(mine.bytes).toString('hex')}: "${e.text}" | "${text}"`);
    if (normaliseInstruction(text, arch) === normaliseInstruction(e.text, arch)) counts.sameNormalised++;
  }
}

function note(counts: AgreementCounts, key: string, example: string): void {
  let m = counts.mismatches.get(key);
  if (m === undefined) counts.mismatches.set(key, (m = { count: 0, examples: [] }));
  m.count++;
  if (m.examples.length < 3) m.examples.push(example);
}
