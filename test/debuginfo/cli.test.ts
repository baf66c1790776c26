// `crashnav addr2line` and `crashnav faddr2line` run in-process: byte-for-byte GNU addr2line output
// on a gcc fixture, stdin batches, `-j` on a relocatable object, JSON, and scripts/faddr2line's
// answers for the crash lab's real modules.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebugFile } from '../../debuginfo/index.js';
import { buildFixture, hasTool, run } from './support/fixtures.js';
import { runCli } from '../support/capture-io.js';

const haveTools = hasTool('gcc') && hasTool('addr2line');
if (!haveTools) console.log('debuginfo cli: fixture checks skipped, needs gcc and binutils (apt: gcc binutils)');
const lab = path.resolve(import.meta.dirname, '../../../shared/crashes/lab');

function crashnav(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  return runCli(argv, { stdin });
}

/** Start, middle and last byte of each function of main.c (crt's have no DWARF, where binutils names the STT_FILE). */
function someAddresses(file: string): string[] {
  const f = DebugFile.open(file);
  const ours = new Set(['leaf', 'helper', 'setup', 'report', 'run', 'main', 'clamp_add', 'twice']);
  const out = f.symbols
    .codeSymbols()
    .filter((s) => s.size > 0 && ours.has(s.name))
    .flatMap((s) => [s.address, s.address + BigInt(s.size >> 1), s.address + BigInt(s.size - 1)])
    .map((a) => '0x' + a.toString(16));
  f.close();
  return out;
}

describe.skipIf(!haveTools)('crashnav addr2line', () => {
  it('prints what GNU addr2line -a -f -i prints, for arguments and for stdin', async () => {
    // DWARF 4: binutils 2.40 misnumbers DWARF 5 file tables (util.h lines come out as main.c).
    const exe = buildFixture('d4o0', ['-gdwarf-4', '-O0']);
    const addresses = someAddresses(exe);
    const gnu = run('addr2line', ['-a', '-f', '-i', '-e', exe, ...addresses]);
    const ours = await crashnav(['addr2line', '-a', '-f', '-i', '-e', exe, ...addresses]);
    expect(ours.code).toBe(0);
    expect(ours.out).toBe(gnu);
    const piped = await crashnav(['addr2line', '-a', '-f', '-i', '-e', exe], addresses.join('\n') + '\n');
    expect(piped.out).toBe(gnu);
    const pretty = await crashnav(['addr2line', '-p', '-f', '-i', '-s', '-e', exe, addresses[0]!]);
    expect(pretty.out).toBe(run('addr2line', ['-p', '-f', '-i', '-s', '-e', exe, addresses[0]!]));
  });

  it('-j SECTION takes section offsets in a relocatable object, --json gives frames', async () => {
    const obj = buildFixture('obj-gcc--g-O2-c.o', ['-g', '-O2', '-c']);
    const r = await crashnav(['addr2line', '-f', '-e', obj, '-j', '.init.text', '0x0']);
    expect(r.out.split('\n')[0]).toBe('setup');
    expect(r.out.split('\n')[1]).toMatch(/main\.c:21$/);
    const j = await crashnav(['addr2line', '--json', '-e', obj, '-j', '.init.text', '0']);
    const answer = JSON.parse(j.out.trim());
    expect(answer.section).toBe('.init.text');
    expect(answer.sectionOffset).toBe('0x0');
    expect(answer.frames.at(-1).function).toBe('setup');
    expect(answer.source).toBe('dwarf');
    const bad = await crashnav(['addr2line', '-f', '-e', obj, 'zzz']);
    expect(bad.out).toBe('??\n??:0\n');
    const stripped = `${obj}.stripped`;
    run('objcopy', ['--strip-debug', obj, stripped]);
    const symOnly = await crashnav(['addr2line', '-f', '-e', stripped, '-j', '.init.text', '0x1']);
    expect(symOnly.out).toBe('setup\n??:?\n');
  });
});

interface LabFrame {
  symbol: string;
  offset: number;
  module: string | null;
  faddr2line_nolen: string | null;
}

describe.skipIf(!existsSync(lab))('crashnav faddr2line on the crash lab modules', () => {
  it('answers as scripts/faddr2line does, and warns on the kernel-reported length', async () => {
    const frames = readFileSync(path.join(lab, 'frames.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LabFrame);
    // Skip the ones where the script itself fails (an offset at the function's very end prints "fs mm ??:0").
    const checked = frames.filter((f) => f.module && f.faddr2line_nolen && !f.faddr2line_nolen.includes('??'));
    expect(checked.length).toBeGreaterThan(3);
    for (const f of checked) {
      const ko = path.join(lab, 'modules', f.module!, `${f.module}.ko`);
      const r = await crashnav(['faddr2line', ko, `${f.symbol}+0x${f.offset.toString(16)}`]);
      expect(r.out.trim()).toBe(f.faddr2line_nolen);
    }
    // The kernel printed /0x1000 for this 0x2c-byte init function (the init text's page-aligned end): no warning.
    const printed = await crashnav(['faddr2line', path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.ko'), 'crash_nullwrite_init+0x11/0x1000']);
    expect(printed.out).toContain('crash_nullwrite_init at /crashlab/modules/crash_nullwrite/crash_nullwrite.c:12');
    expect(printed.err).not.toMatch(/size mismatch/);
    const mismatch = await crashnav(['faddr2line', path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.ko'), 'crash_nullwrite_init+0x11/0x2000']);
    expect(mismatch.code).toBe(0);
    expect(mismatch.out).toContain('crash_nullwrite_init at /crashlab/modules/crash_nullwrite/crash_nullwrite.c:12');
    expect(mismatch.err).toMatch(/size mismatch.*0x2c bytes.*from 0x2c to 0x1000/);
  });
});
