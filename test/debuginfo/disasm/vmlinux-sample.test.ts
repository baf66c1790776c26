// A cheap sample of acceptance 2 (bench/disasm/objdump-agreement.ts runs the full one): 20 random
// functions of the Debian vmlinux and 20 of its modules against objdump -d, plus the CLI on them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgreementCounts, compareWithObjdump, emptyCounts, parseObjdumpListing } from '../../../bench/disasm/objdump-compare.js';
import { main } from '../../../clients/cli/main.js';
import { DebugFile, disassembleFromFile, elfConstants, renderInstructionText } from '../../../debuginfo/index.js';
import { hasTool } from './support/fixtures.js';
import { captureIo } from '../../support/capture-io.js';

const release = '6.1.0-53-cloud-amd64';
const dbg = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug');
const vmlinuxPath = path.join(dbg, 'boot', `vmlinux-${release}`);
const modulesDir = path.join(dbg, 'lib/modules', release);
const sourceRoot = path.join(os.homedir(), '.cache/crashnav/linux-source-6.1.187-1');
const ready = existsSync(vmlinuxPath) && existsSync(modulesDir) && hasTool('objdump');
if (!ready) {
  console.log(`test/debuginfo/disasm: ${vmlinuxPath} (package linux-image-${release}-dbg, scripts/fetch-debian.sh dbg) or objdump missing: vmlinux sample skipped`);
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

async function score(file: DebugFile, binary: string, count: number, random: () => number, counts: AgreementCounts): Promise<void> {
  const funcs = file.symbols.codeSymbols().filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0 && s.size < 65536);
  for (let k = 0; k < count && funcs.length > 0; k++) {
    const sym = funcs.splice(Math.floor(random() * funcs.length), 1)[0]!;
    const start = file.elf.isRelocatable ? sym.value : sym.address;
    const args = ['-d', '-w', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${(start + BigInt(sym.size)).toString(16)}`];
    if (file.elf.isRelocatable) args.push('-j', sym.sectionName);
    const expected = parseObjdumpListing(execFileSync('objdump', [...args, binary], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const d = await disassembleFromFile(file, { start: sym.address, stop: sym.address + BigInt(sym.size) }, { applyRelocations: false });
    compareWithObjdump(expected, d.instructions, (i) => renderInstructionText(i, 'x86_64'), counts);
  }
}

describe.skipIf(!ready)('Debian 6.1 vmlinux and modules against objdump -d (sample)', () => {
  const vmlinux = ready ? DebugFile.open(vmlinuxPath) : undefined;
  afterAll(() => vmlinux?.close());

  it('20 random vmlinux functions: same boundaries, same text', async () => {
    const counts = emptyCounts();
    await score(vmlinux!, vmlinuxPath, 20, seeded(1127), counts);
    console.log(`vmlinux sample: ${counts.sameBoundary}/${counts.instructions} boundaries, ${counts.sameNormalised}/${counts.instructions} normalised text, ${counts.sameExact} exact`);
    expect(counts.sameBoundary).toBe(counts.instructions);
    expect(counts.sameNormalised / counts.instructions).toBeGreaterThanOrEqual(0.995);
  });

  it('20 functions of random modules: same boundaries, same text', async () => {
    const random = seeded(2026);
    const all: string[] = [];
    for (const d of ['kernel/net/ipv4', 'kernel/fs', 'kernel/drivers/net', 'kernel/crypto']) {
      const dir = path.join(modulesDir, d);
      if (existsSync(dir)) all.push(...readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ko')).map((f) => path.join(dir, f)));
    }
    const counts = emptyCounts();
    for (let k = 0; k < 5 && all.length > 0; k++) {
      const ko = all.splice(Math.floor(random() * all.length), 1)[0]!;
      const file = DebugFile.open(ko);
      await score(file, ko, 4, random, counts);
      file.close();
    }
    console.log(`modules sample: ${counts.sameBoundary}/${counts.instructions} boundaries, ${counts.sameNormalised}/${counts.instructions} normalised text`);
    expect(counts.sameBoundary).toBe(counts.instructions);
    expect(counts.sameNormalised / counts.instructions).toBeGreaterThanOrEqual(0.995);
  });

  it('crashnav disasm marks kfree+0x40 and prints the source when given the tree', async () => {
    const t = captureIo();
    const args = ['disasm', '-e', vmlinuxPath, 'kfree+0x40/0x200'];
    if (existsSync(sourceRoot)) args.push('--root', sourceRoot);
    expect(await main(args, t.io)).toBe(0);
    expect(t.out()).toMatch(/^ffffffff[0-9a-f]{8} <kfree>:\nkfree\(\):\n\S*mm\/slab_common\.c:\d+\n/);
    expect(t.out()).toMatch(/\n[0-9a-f]{16}:\t[^\n]*\t<-- kfree\+0x40\n/);
    expect(t.out()).toMatch(/\(inlined into kfree\)\n/);
    if (existsSync(sourceRoot)) expect(t.out()).toContain('void kfree(const void *object)\n');
    expect(t.err()).toMatch(/kfree is 0x[0-9a-f]+ bytes .* the report says 0x200/);
  });

  it('crashnav disasm of a .ko shows section-relative addresses and relocated calls', async () => {
    const ko = path.join(modulesDir, 'kernel/net/ipv4/ip_vti.ko');
    if (!existsSync(ko)) return;
    const t = captureIo();
    expect(await main(['disasm', '-e', ko, 'init_module'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^0000000000000000 <init_module>:\n/);
    expect(t.out()).toMatch(/\n {3}0:\te8 00 00 00 00 +\tcall +__fentry__\n/);
    expect(t.out()).toMatch(/\tcall +_printk\n/);
    expect(t.out()).toMatch(/\n\t\t\tR_X86_64_32S\t\.rodata\.str1\.8\n/);
    const json = captureIo();
    expect(await main(['disasm', '--json', '-e', ko, 'init_module'], json.io)).toBe(0);
    const parsed = JSON.parse(json.out()) as { sectionRelative: boolean; instructions: { address: string; frames: unknown[] }[] };
    expect(parsed.sectionRelative).toBe(true);
    expect(parsed.instructions[0]!.address).toBe('0x0');
    expect(parsed.instructions[0]!.frames.length).toBeGreaterThan(0);
  });
});

describe('crashnav decode-code', () => {
  it('decodes a Code: line given as argument and marks the trapping instruction', async () => {
    const t = captureIo();
    expect(await main(['decode-code', 'Code: 48 8b 4c 24 40 <90> 48 03 50 50'], t.io)).toBe(0);
    expect(t.out()).toMatch(/\n {3}5:\*\t90 +\tnop\t\t<-- trapping instruction\n/);
  });

  it('reads a report from stdin, and --json', async () => {
    const t = captureIo();
    const stdin = new PassThrough();
    stdin.end('RIP: 0010:foo+0x5/0x10\nCode: d2bfd001 f2df7fe1 (39000274)\nRSP: 0018:ffff\n');
    expect(await main(['decode-code', '--json'], { ...t.io, stdin })).toBe(0);
    const parsed = JSON.parse(t.out()) as { arch: string; all: { faultIndex: number; instructions: { text: string }[] } };
    expect(parsed.arch).toBe('arm64');
    expect(parsed.all.instructions[parsed.all.faultIndex]!.text).toBe('strb\tw20, [x19]');
  });

  it('says the bytes must come from the binary when the oops could not read them', async () => {
    const t = captureIo();
    expect(await main(['decode-code', 'Code: Unable to access opcode bytes at 0xffffffffc0a1b2c3.'], t.io)).toBe(1);
    expect(t.err()).toMatch(/could not read the code at 0xffffffffc0a1b2c3; take the bytes from the binary/);
  });

  it('names the disasm command that shows the code when the report has the faulting frame', async () => {
    const t = captureIo();
    const stdin = new PassThrough();
    stdin.end('RIP: 0010:crash_nullwrite_init+0x11/0x1000 [crash_nullwrite]\nCode: Unable to access opcode bytes at 0xffffffffc020bfe7.\n');
    expect(await main(['decode-code'], { ...t.io, stdin })).toBe(1);
    expect(t.err()).toContain('crashnav disasm -e crash_nullwrite.ko crash_nullwrite_init+0x11/0x1000');
  });

  it('rejects an unknown --arch as usage', async () => {
    const t = captureIo();
    expect(await main(['decode-code', '--arch', 'mips', 'Code: 90'], t.io)).toBe(2);
  });
});
