// The crash lab's real oops could not read its own code ("Code: Unable to access opcode bytes"): the
// bytes come from the module instead. `crashnav disasm` on the committed .ko marks the faulting
// instruction under the source line that the oops names.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../clients/cli/main.js';
import { hasTool, sharedDir } from './support/fixtures.js';

const labModules = path.join(sharedDir, 'crashes/lab/modules');
const ko = path.join(labModules, 'crash_nullwrite/crash_nullwrite.ko');
if (!existsSync(ko)) console.log(`test/debuginfo/disasm: ${ko} missing: crash lab disassembly skipped`);

describe.skipIf(!existsSync(ko))('crash_nullwrite.ko from the crash lab', () => {
  it('marks crash_nullwrite_init+0x11 as the store through NULL, under `*p = 1;`', async () => {
    let out = '';
    let err = '';
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
    const stderr = new PassThrough().on('data', (d: Buffer) => (err += d.toString()));
    const code = await main(
      ['disasm', '-e', ko, 'crash_nullwrite_init+0x11/0x1000', '--subst-path', `/crashlab/modules=${labModules}`],
      { stdin: new PassThrough(), stdout, stderr, cwd: process.cwd(), isTty: false },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/crash_nullwrite\.c:12\n\t\*p = 1;\n {2}11:\tc6 04 25 00 00 00 00 \tmovb   \$0x1,0x0\t<-- crash_nullwrite_init\+0x11\n/);
    expect(out).toMatch(/\tcall +_printk\n/);
    // The kernel reports a module's last function as reaching its section's end: not a mismatch.
    expect(err).toBe('');
  });

  it('disassembles a section-relative range of a .ko with -j', async () => {
    let out = '';
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), cwd: process.cwd(), isTty: false };
    expect(await main(['disasm', '-e', ko, '-j', '.init.text', '--start', '0x11', '--stop', '0x19', '--no-source'], io)).toBe(0);
    expect(out).toBe('  11:\tc6 04 25 00 00 00 00 \tmovb   $0x1,0x0\n  18:\t01 \n');
  });

  it.skipIf(!hasTool('xz'))('reads a compressed module (.ko.xz) the same way', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-ko-'));
    const xz = path.join(dir, 'crash_nullwrite.ko.xz');
    writeFileSync(xz, execFileSync('xz', ['-c', ko]));
    let out = '';
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), cwd: process.cwd(), isTty: false };
    expect(await main(['disasm', '-e', xz, 'crash_nullwrite_init+0x11', '--no-source'], io)).toBe(0);
    expect(out).toMatch(/\n {2}11:\tc6 04 25 00 00 00 00 \tmovb   \$0x1,0x0\t<-- crash_nullwrite_init\+0x11\n/);
  });
});
