// x86-64 disassembly of a gcc-built object against GNU objdump, its `.rela.text` shown as call
// targets, and the objdump -d -S -l style listing with inline chains and source text.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithObjdump, emptyCounts, parseObjdumpListing } from '../../../bench/disasm/objdump-compare.js';
import {
  DebugFile,
  SourceReader,
  disassemble,
  disassembleFromFile,
  elfConstants,
  listingOf,
  renderDisassembly,
  renderInstructionText,
} from '../../../debuginfo/index.js';
import { type Fixture, buildFixture, hasTool } from './support/fixtures.js';

const tools = hasTool('gcc') && hasTool('objdump');
if (!tools) console.log('test/debuginfo/disasm: gcc or objdump missing (apt install gcc binutils): x86 fixture tests skipped');

describe('x86-64 instructions spelled as objdump spells them', () => {
  const cases: [string, string][] = [
    ['6690', 'xchg   %ax,%ax'],
    ['660f1f440000', 'nopw   0x0(%rax,%rax,1)'],
    ['66662e0f1f840000000000', 'data16 cs nopw 0x0(%rax,%rax,1)'],
    ['0f1f4000', 'nopl   0x0(%rax)'],
    ['f0480fb117', 'lock cmpxchg %rdx,(%rdi)'],
    ['f348a5', 'rep movsq %ds:(%rsi),%es:(%rdi)'],
    ['48d1ea', 'shr    %rdx'],
    ['4d69e4c0080000', 'imul   $0x8c0,%r12,%r12'],
    ['4883e4f0', 'and    $0xfffffffffffffff0,%rsp'],
    ['488b14dd60db3982', 'mov    -0x7dc624a0(,%rbx,8),%rdx'],
    ['65488b042528000000', 'mov    %gs:0x28,%rax'],
    ['ff1425000000ff', 'call   *0xffffffffff000000'],
    ['ee', 'out    %al,(%dx)'],
    ['c3', 'ret'],
  ];
  it.each(cases)('%s → %s', async (hex, text) => {
    const [insn] = await disassemble({ arch: 'x86_64', bytes: Buffer.from(hex, 'hex'), address: 0xffffffff81000000n });
    expect(insn!.bytes.length).toBe(hex.length / 2);
    expect(renderInstructionText(insn!, 'x86_64')).toBe(text);
  });

  it('names branch targets and RIP-relative operands; bare hex when there are no symbols', async () => {
    const bytes = Buffer.from('e8000000004c8b05f9ffffff', 'hex');
    const named = await disassemble({ arch: 'x86_64', bytes, address: 0x1000n, nameAddress: (a) => `f+0x${(a - 0x1000n).toString(16)}` });
    expect(named.map((i) => renderInstructionText(i, 'x86_64'))).toEqual([
      'call   1005 <f+0x5>',
      'mov    -0x7(%rip),%r8        # 1005 <f+0x5>',
    ]);
    const bare = await disassemble({ arch: 'x86_64', bytes, address: 0n });
    expect(renderInstructionText(bare[0]!, 'x86_64')).toBe('call   0x5');
  });

  it('spells bytes cut off by the end of the buffer one per line, as objdump does', async () => {
    const insns = await disassemble({ arch: 'x86_64', bytes: Buffer.from('90488b', 'hex'), address: 0n });
    expect(insns.map((i) => renderInstructionText(i, 'x86_64'))).toEqual(['nop', 'rex.W', '.byte 0x8b']);
    expect(insns.slice(1).every((i) => i.invalid)).toBe(true);
  });

  it('Intel syntax on request', async () => {
    const [insn] = await disassemble({ arch: 'x86_64', bytes: Buffer.from('488b4708', 'hex'), address: 0n, syntax: 'intel' });
    expect(renderInstructionText(insn!, 'x86_64')).toMatch(/^mov\s+rax,QWORD PTR \[rdi\+0x8\]$/);
  });
});

describe.skipIf(!tools)('a gcc-built object', () => {
  let fx: Fixture;
  let file: DebugFile;
  beforeAll(() => {
    fx = buildFixture('gcc');
    file = DebugFile.open(fx.object);
  });

  it('has the same instruction boundaries and text as objdump -d for every function', async () => {
    const counts = emptyCounts();
    const funcs = file.symbols.codeSymbols().filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0);
    expect(funcs.map((f) => f.name).sort()).toEqual(['bump', 'copy_bytes', 'find_key', 'scale', 'sum_items']);
    const objdump = parseObjdumpListing(execFileSync('objdump', ['-d', '-w', '-j', '.text', fx.object], { encoding: 'utf8' }));
    const ours = [];
    for (const f of funcs) {
      const d = await disassembleFromFile(file, { symbol: f.name }, { applyRelocations: false });
      ours.push(...d.instructions);
    }
    // objdump also lists the alignment padding between functions: compare only inside functions.
    const inside = objdump.filter((line) => ours.some((i) => i.address === line.address) || funcs.some((f) => line.address >= f.value && line.address < f.value + BigInt(f.size)));
    compareWithObjdump(inside, ours, (i) => renderInstructionText(i, 'x86_64'), counts);
    console.log(`gcc fixture: ${counts.sameBoundary}/${counts.instructions} boundaries, ${counts.sameExact}/${counts.instructions} exact text`);
    expect(counts.instructions).toBeGreaterThan(30);
    expect(counts.sameBoundary).toBe(counts.instructions);
    expect(counts.sameExact).toBe(counts.instructions);
  });

  it('shows the relocated target of a call (call report), not the zero displacement', async () => {
    const plain = await disassembleFromFile(file, { symbol: 'sum_items' }, { applyRelocations: false });
    const relocated = await disassembleFromFile(file, { symbol: 'sum_items' });
    const call = (insns: typeof plain.instructions) => insns.filter((i) => i.mnemonic === 'call').map((i) => i.operands);
    expect(call(plain.instructions)[0]).toMatch(/^[0-9a-f]+ <sum_items\+0x[0-9a-f]+>$/);
    expect(call(relocated.instructions)).toEqual(['report']);
    const lea = relocated.instructions.find((i) => i.mnemonic === 'lea' && i.comment !== undefined);
    // gas keeps the local label for a string in a mergeable section: the relocation names it, not the section.
    expect(lea?.comment).toBe('<.LC0>');
  });

  it('interleaves source like objdump -d -S -l, with the inline chain and the marked instruction', async () => {
    const d = await disassembleFromFile(file, { symbol: 'sum_items', offset: 0x10n });
    const text = renderDisassembly({ ...listingOf(d), source: new SourceReader({ root: fx.dir }), displayPath: (f) => f.replace(fx.dir, '<ROOT>') });
    expect(text).toMatch(/^0000000000000000 <sum_items>:\nsum_items\(\):\n<ROOT>\/items\.c:15\n/);
    expect(text).toContain('item_value():\n<ROOT>/items.c:6 (inlined into sum_one)\n<ROOT>/items.c:12 (inlined into sum_items)\n<ROOT>/items.c:18\n\treturn it->value * 3;\n');
    expect(text).toMatch(/\n +10:\t[0-9a-f ]+\t\S.*\t<-- sum_items\+0x10\n/);
    expect(text).toContain('\treport("total %ld\\n", total);\n');
  });

  it('marks the call before a return address', async () => {
    const plain = await disassembleFromFile(file, { symbol: 'sum_items' }, { applyRelocations: false });
    const call = plain.instructions.find((i) => i.mnemonic === 'call')!;
    const returnAddress = call.address + BigInt(call.bytes.length);
    const d = await disassembleFromFile(file, { symbol: 'sum_items', offset: returnAddress }, { returnAddress: true });
    const text = renderDisassembly({ ...listingOf(d), locate: () => [] });
    expect(text).toMatch(new RegExp(`\\tcall +report\\t<-- call returning to sum_items\\+0x${returnAddress.toString(16)}\\n`));
  });

  it('warns when the report gives a size the binary does not have', async () => {
    const d = await disassembleFromFile(file, { symbol: 'find_key', offset: 4n, size: 0x1000n });
    expect(d.warnings.find((w) => w.code === 'size-mismatch')?.message).toMatch(/find_key is 0x[0-9a-f]+ bytes .* the report says 0x1000/);
  });
});
