// AArch64 disassembly (capstone) of a cross-compiled object against aarch64-linux-gnu-objdump:
// the same words decoded, the same text once whitespace is collapsed, relocated calls named.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    // Register lists as aarch64-linux-gnu-objdump 2.40 prints them: ranges from three registers up, unless they wrap past v31.
    [0x4cdf2828, 'ld1\t{v8.4s-v11.4s}, [x1], #64'],
    [0x4cdf6828, 'ld1\t{v8.4s-v10.4s}, [x1], #48'],
    [0x4cdfa028, 'ld1\t{v8.16b, v9.16b}, [x1], #32'],
    [0x0d40a020, 'ld3\t{v0.s-v2.s}[0], [x1]'],
    [0x4c4063fe, 'ld1\t{v30.16b, v31.16b, v0.16b}, [sp]'],
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

/** Calls and page addresses of every kind a module makes: an undefined function and variable, a static function, another section's function, string literals (named only by `$d`). */
const moduleLikeSource = `extern void report(const char *fmt, ...);
extern int counter_ext;
static int local_data[4];
static __attribute__((noinline)) int helper(int x) { return x * 3 + local_data[x & 3]; }
__attribute__((section(".init.text"), noinline)) int init_fn(int v) { report("init %d", v); return helper(v) + counter_ext; }
__attribute__((noinline)) int main_fn(int v) { report("v %d", v); local_data[v & 3] = v; return helper(v) + init_fn(v) + counter_ext; }
`;

describe.skipIf(!tools)('plain objdump -d of an aarch64 module and a linked image, names included', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-arm64-names-'));
    writeFileSync(path.join(dir, 'mod.c'), moduleLikeSource);
    writeFileSync(path.join(dir, 'rest.c'), 'int counter_ext = 5;\nvoid report(const char *fmt, ...) { (void)fmt; }\nvoid _start(void) { extern int main_fn(int); main_fn(1); for (;;); }\n');
    execFileSync('aarch64-linux-gnu-gcc', ['-O2', '-c', 'mod.c', '-o', 'mod.ko'], { cwd: dir });
    execFileSync('aarch64-linux-gnu-gcc', ['-O2', '-nostdlib', '-static', 'mod.c', 'rest.c', '-o', 'image'], { cwd: dir });
  });

  /** Every sized function of the file, ours (relocations not applied) against objdump's listing of its section. */
  async function compare(name: string): Promise<{ counts: ReturnType<typeof emptyCounts>; functions: string[] }> {
    const file = DebugFile.open(path.join(dir, name));
    const counts = emptyCounts();
    const funcs = file.symbols.codeSymbols().filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0);
    for (const f of funcs) {
      const section = file.sectionOf(f.address)!.section.name;
      const start = file.elf.isRelocatable ? f.value : f.address;
      const args = ['-d', '-w', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${(start + BigInt(f.size)).toString(16)}`, '-j', section, path.join(dir, name)];
      const objdump = parseObjdumpListing(execFileSync('aarch64-linux-gnu-objdump', args, { encoding: 'utf8' }));
      const d = await disassembleFromFile(file, { symbol: f.name }, { applyRelocations: false });
      compareWithObjdump(objdump, d.instructions, (i) => renderInstructionText(i, 'arm64'), counts, 'arm64');
    }
    file.close();
    return { counts, functions: funcs.map((f) => f.name).sort() };
  }

  it('a module: relocated bl and adrp named as objdump names them (bl 0 <report>)', async () => {
    const { counts, functions } = await compare('mod.ko');
    expect(functions).toEqual(['helper', 'init_fn', 'main_fn']);
    expect(counts.instructions).toBeGreaterThan(20);
    expect([...counts.mismatches.values()].flatMap((m) => m.examples)).toEqual([]);
    expect(counts.sameExact).toBe(counts.instructions);
  });

  it('a linked image: no address is named after a $x/$d mapping symbol', async () => {
    const { counts, functions } = await compare('image');
    expect(functions).toEqual(expect.arrayContaining(['helper', 'init_fn', 'main_fn', 'report']));
    expect([...counts.mismatches.values()].flatMap((m) => m.examples)).toEqual([]);
    expect(counts.sameExact).toBe(counts.instructions);
  });
});
