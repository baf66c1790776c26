// AArch64 disassembly (capstone) of a cross-compiled object against aarch64-linux-gnu-objdump:
// the same words decoded, the same text once whitespace is collapsed, relocated calls named.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithObjdump, emptyCounts, parseObjdumpListing } from '../../../bench/disasm/objdump-compare.js';
import { DebugFile, disassemble, disassembleFromFile, elfConstants, renderInstructionText } from '../../../debuginfo/index.js';
import { type Fixture, buildFixture, hasTool } from './support/fixtures.js';

const tools = hasTool('aarch64-linux-gnu-gcc') && hasTool('aarch64-linux-gnu-objdump');
if (!tools) {
  console.log('test/debuginfo/disasm: aarch64-linux-gnu-gcc/objdump missing (apt install gcc-aarch64-linux-gnu): arm64 fixture tests skipped');
}

describe('AArch64 instructions spelled as objdump spells them', () => {
  const cases: [number, string][] = [
    [0xd2bfd001, 'mov\tx1, #0xfe800000            \t// #4269801472'],
    [0x92800003, 'mov\tx3, #0xffffffffffffffff    \t// #-1'],
    [0xf947fe11, 'ldr\tx17, [x16, #4088]'],
    [0xa9bf7bfd, 'stp\tx29, x30, [sp, #-16]!'],
    [0x1a9f17f4, 'cset\tw20, eq\t// eq = none'],
    [0x9a9726f7, 'cinc\tx23, x23, cc\t// cc = lo, ul, last'],
    [0x7140229f, 'cmp\tw20, #0x8, lsl #12'],
    [0xd370f8b3, 'ubfx\tx19, x5, #48, #15'],
    [0xd4210000, 'brk\t#0x800'],
    [0xd65f03c0, 'ret'],
  ];
  it.each(cases)('%s → %s', async (word, text) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, word, true);
    const [insn] = await disassemble({ arch: 'arm64', bytes, address: 0xffff800010000000n });
    expect(renderInstructionText(insn!, 'arm64')).toBe(text);
  });

  it('computes 64-bit branch targets itself (capstone truncates addresses)', async () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0x97fcf6fe, true); // bl backwards
    view.setUint32(4, 0x540008e1, true); // b.ne forwards
    const insns = await disassemble({ arch: 'arm64', bytes, address: 0xffff800010a00000n });
    expect(insns.map((i) => i.address)).toEqual([0xffff800010a00000n, 0xffff800010a00004n]);
    const imm26 = BigInt(((0x97fcf6fe & 0x3ffffff) << 6) >> 6);
    expect(insns[0]!.target).toBe(0xffff800010a00000n + 4n * imm26);
    expect(renderInstructionText(insns[1]!, 'arm64')).toBe('b.ne\t0xffff800010a00120  // b.any');
  });

  it('prints an undecodable word as objdump does', async () => {
    const [insn] = await disassemble({ arch: 'arm64', bytes: Uint8Array.of(0xff, 0xff, 0xff, 0xff), address: 0n });
    expect(insn!.invalid).toBe(true);
    expect(renderInstructionText(insn!, 'arm64')).toBe('.inst\t0xffffffff\t// undefined');
  });
});

describe.skipIf(!tools)('a cross-compiled aarch64 object', () => {
  let fx: Fixture;
  let file: DebugFile;
  beforeAll(() => {
    fx = buildFixture('aarch64-linux-gnu-gcc');
    file = DebugFile.open(fx.object);
  });

  it('decodes every function as aarch64-linux-gnu-objdump -d does', async () => {
    const counts = emptyCounts();
    const funcs = file.symbols.codeSymbols().filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0);
    expect(funcs.map((f) => f.name).sort()).toEqual(['bump', 'find_key', 'scale', 'sum_items']);
    // objdump names a relocated aarch64 branch by its relocation (`bl 0 <report>`); crashnav says `bl report`.
    const objdump = parseObjdumpListing(
      execFileSync('aarch64-linux-gnu-objdump', ['-d', '-w', '-j', '.text', fx.object], { encoding: 'utf8' }),
    ).map((line) => ({ ...line, length: 4, text: line.text.replace(/^(bl?\t)0 <([^>+]+)>$/, '$1$2') }));
    const ours = [];
    for (const f of funcs) ours.push(...(await disassembleFromFile(file, { symbol: f.name })).instructions);
    const inside = objdump.filter((line) => funcs.some((f) => line.address >= f.value && line.address < f.value + BigInt(f.size)));
    compareWithObjdump(inside, ours, (i) => renderInstructionText(i, 'arm64'), counts);
    console.log(`aarch64 fixture: ${counts.sameBoundary}/${counts.instructions} words, ${counts.sameExact}/${counts.instructions} same text`);
    expect(counts.instructions).toBeGreaterThan(30);
    expect(counts.sameBoundary).toBe(counts.instructions);
    expect(counts.sameExact).toBe(counts.instructions);
  });

  it('shows the relocated target of a bl', async () => {
    const d = await disassembleFromFile(file, { symbol: 'sum_items' });
    expect(d.instructions.filter((i) => i.mnemonic === 'bl').map((i) => i.operands)).toEqual(['report']);
  });
});
