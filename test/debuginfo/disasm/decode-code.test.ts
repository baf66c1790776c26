// The oops `Code:` line: parsing (bytes, `<xx>`/`(xxxxxxxx)` markers, the "Unable to access" form) and
// decoding as scripts/decodecode does, scored against syzkaller's expected disassemblies in
// ../shared/crashes/syzkaller/decompile (real reports, objdump's output for their Code: lines).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { normaliseInstruction } from '../../../bench/disasm/objdump-compare.js';
import { main } from '../../../clients/cli/main.js';
import { decodeCode, parseCodeLine, renderDecodedCode, renderInstructionText } from '../../../debuginfo/index.js';
import { sharedDir } from './support/fixtures.js';

const decompileDir = path.join(sharedDir, 'crashes/syzkaller/decompile');
const haveShared = existsSync(decompileDir);
if (!haveShared) console.log(`test/debuginfo/disasm: ${decompileDir} missing: syzkaller decompile cases skipped`);

describe('parseCodeLine', () => {
  it('reads x86 bytes and the <xx> marker', () => {
    const p = parseCodeLine('[   12.5] Code: 48 8b 4c 24 40 <90> 48 03');
    expect(p.problems).toEqual([]);
    expect(Buffer.from(p.value!.bytes).toString('hex')).toBe('488b4c2440904803');
    expect(p.value!.unitSize).toBe(1);
    expect(p.value!.markerOffset).toBe(5);
  });

  it('reads arm64 words little-endian with the (xxxxxxxx) marker', () => {
    const p = parseCodeLine('Code: cb000260 d34cfc00 (d4210000) ');
    expect(p.value!.unitSize).toBe(4);
    expect(p.value!.markerOffset).toBe(8);
    expect(Buffer.from(p.value!.bytes).toString('hex')).toBe('600200cb00fc4cd3000021d4');
  });

  it('joins a dump wrapped onto the following lines', () => {
    const p = parseCodeLine('Code: 80 cb 80 48\n30 00 <e9> aa\n00 00\nRSP: 0018:ffffc90000cbfc28');
    expect(p.value!.bytes.length).toBe(10);
    expect(p.value!.markerOffset).toBe(6);
  });

  it('turns "Unable to access opcode bytes" into the address and a clear problem', () => {
    const p = parseCodeLine('Code: Unable to access opcode bytes at RIP 0xffffffffffffffd6.');
    expect(p.value).toBeUndefined();
    expect(p.unavailableAt).toBe(0xffffffffffffffd6n);
    expect(p.problems[0]!.code).toBe('opcodes-unavailable');
    expect(p.problems[0]!.message).toMatch(/bytes from the binary/);
  });

  it('reports bad tokens and missing lines without throwing', () => {
    expect(parseCodeLine('RIP: 0010:foo+0x1/0x2').problems[0]!.code).toBe('no-code-line');
    const p = parseCodeLine('Code: 48 zz 8b 4c2 <90>');
    expect(p.problems.map((x) => x.code)).toEqual(['bad-token', 'bad-token']);
    expect(p.value!.bytes.length).toBe(3);
  });
});

describe('decodeCode', () => {
  it('marks the instruction that holds the faulting byte and finds the decode that lands on it', async () => {
    // The dump starts inside a 10-byte movabs: from byte 0 the stream is out of step until the fault.
    const line = parseCodeLine('Code: 00 00 00 fc ff df 48 c1 ef 03 <80> 3c 38 00');
    const d = await decodeCode(line.value!);
    expect(d.all.faultIndex).toBeDefined();
    expect(d.fromMarker!.map((i) => renderInstructionText(i, 'x86_64'))[0]).toBe('cmpb   $0x0,(%rax,%rdi,1)');
    const text = renderDecodedCode(d);
    expect(text).toMatch(/^All code\n========\n/);
    expect(text).toMatch(/\n {3}a:\*\t80 3c 38 00 +\tcmpb +\$0x0,\(%rax,%rdi,1\)\t\t<-- trapping instruction\n/);
    expect(text).toContain('\nCode starting with the faulting instruction\n===========================================\n');
  });

  it('skips leading bytes that do not decode, as syzkaller\'s best guess does', async () => {
    const d = await decodeCode(parseCodeLine('Code: 07 48 89 07 <fa> c3').value!);
    expect(d.all.instructions[0]!.mnemonic).toBe('(bad)');
    expect(d.all.instructions[0]!.bytes.length).toBe(1);
    expect(d.all.alignedOnMarker).toBe(true);
    expect(d.bestGuess?.skipped).toBe(1);
    expect(d.bestGuess!.instructions.map((i) => renderInstructionText(i, 'x86_64'))).toEqual(['mov    %rax,(%rdi)', 'cli', 'ret']);
    expect(renderDecodedCode(d)).toContain('\nBest guess (1 byte skipped)\n');
  });

  it('uses the faulting PC for absolute addresses', async () => {
    const d = await decodeCode(parseCodeLine('Code: 48 8b 4c 24 40 <90>').value!, { pc: 0xffffffff8109c2can });
    expect(d.all.instructions.map((i) => i.address)).toEqual([0xffffffff8109c2c5n, 0xffffffff8109c2can]);
    expect(d.all.faultIndex).toBe(1);
  });
});

interface ExpectedLine {
  offset: number;
  bytes: string;
  text: string;
  trapping: boolean;
}

/** syzkaller's "Code disassembly (best guess)[, N bytes skipped]:" block of an .out file. */
function expectedDisassembly(out: string): { skipped: number; lines: ExpectedLine[] } | undefined {
  const head = /Code disassembly \(best guess\)(?:, (\d+) bytes skipped)?:\n/.exec(out);
  if (!head) return undefined;
  const lines: ExpectedLine[] = [];
  for (const l of out.slice(head.index + head[0].length).split('\n')) {
    const m = /^(\*?)\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*?))?(\s*<-- trapping instruction)?$/.exec(l);
    if (!m) break;
    if (m[4] === undefined) {
      lines[lines.length - 1]!.bytes += ` ${m[3]}`;
      continue;
    }
    lines.push({ offset: parseInt(m[2]!, 16), bytes: m[3]!, text: m[4], trapping: m[1] === '*' });
  }
  return { skipped: Number(head[1] ?? 0), lines };
}

/** objdump of a raw binary wraps branch targets to 32 bits; compare them modulo 2^32. */
function comparable(text: string): string {
  return normaliseInstruction(text).replace(/0x([0-9a-f]{9,})/g, (_, h: string) => `0x${(BigInt(`0x${h}`) & 0xffffffffn).toString(16)}`);
}

const cases = haveShared
  ? readdirSync(decompileDir).flatMap((arch) =>
      readdirSync(path.join(decompileDir, arch))
        .filter((f) => f.endsWith('.in'))
        .map((f) => [arch, f.slice(0, -3)] as const),
    )
  : [];
const scored = cases.filter(([arch, n]) => arch !== 'arm' && expectedDisassembly(readFileSync(path.join(decompileDir, arch, `${n}.out`), 'utf8')));

describe.skipIf(!haveShared)('syzkaller decompile cases', () => {
  it('has x86 and arm64 cases with an expected disassembly to score against', () => {
    console.log(`syzkaller decompile: ${cases.length} reports, ${scored.length} with an expected x86/arm64 disassembly (ARM32 is out of scope)`);
    expect(scored.map(([a]) => a).sort()).toEqual(['amd64', 'arm64']);
  });

  it.each(scored)('%s/%s: same instructions, same trapping instruction', async (arch, n) => {
    const input = readFileSync(path.join(decompileDir, arch, `${n}.in`), 'utf8');
    const expected = expectedDisassembly(readFileSync(path.join(decompileDir, arch, `${n}.out`), 'utf8'))!;
    const codeLines = input.split('\n').filter((l) => l.includes('Code: '));
    // objdump shows arm64 words as numbers; in memory they are little-endian.
    const memoryOrder = (bytes: string): string =>
      arch === 'arm64' ? bytes.split(' ').map((w) => Buffer.from(w, 'hex').reverse().toString('hex')).join('') : bytes.replace(/ /g, '');
    const wantBytes = expected.lines.map((l) => memoryOrder(l.bytes)).join('');
    const code = codeLines
      .map((l) => parseCodeLine(l).value)
      .find((v) => v !== undefined && Buffer.from(v.bytes).toString('hex').includes(wantBytes.slice(0, 16)));
    expect(code, 'the Code: line the expected disassembly came from').toBeDefined();
    const d = await decodeCode(code!, { arch: arch === 'amd64' ? 'x86_64' : 'arm64' });
    const listing = expected.skipped === 0 ? d.all : d.bestGuess;
    expect(listing?.skipped).toBe(expected.skipped);
    const ours = listing!.instructions.map((i) => ({
      offset: Number(i.address) - expected.skipped,
      bytes: Buffer.from(i.bytes).toString('hex'),
      text: comparable(renderInstructionText(i, d.arch)),
    }));
    const want = expected.lines.map((l) => ({ offset: l.offset, bytes: memoryOrder(l.bytes), text: comparable(l.text) }));
    expect(ours).toEqual(want);
    const trapping = expected.lines.findIndex((l) => l.trapping);
    expect(listing!.faultIndex).toBe(trapping);
  });

  it('refuses a 32-bit ARM oops rather than decode its words as AArch64', async () => {
    let err = '';
    const stdin = new PassThrough();
    stdin.end(readFileSync(path.join(decompileDir, 'arm', '0.in'), 'utf8'));
    const stderr = new PassThrough().on('data', (d: Buffer) => (err += d.toString()));
    const code = await main(['decode-code'], { stdin, stdout: new PassThrough(), stderr, cwd: process.cwd(), isTty: false });
    expect(code).toBe(1);
    expect(err).toMatch(/32-bit ARM/);
  });

  it('an oops whose code could not be read says where to get the bytes', () => {
    const input = readFileSync(path.join(decompileDir, 'amd64', '1.in'), 'utf8');
    const p = parseCodeLine(input);
    expect(p.value).toBeUndefined();
    expect(p.unavailableAt).toBe(0xffffffffffffffd6n);
  });
});
