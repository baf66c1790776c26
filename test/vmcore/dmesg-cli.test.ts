// `crashnav vmcore dmesg` on input that is not a readable vmcore: one line naming the file, exit 1; bad
// usage exits 2; --help documents the statuses. A truncated copy of a lab vmcore, when the lab made one.
import { existsSync, mkdtempSync, openSync, readSync, writeFileSync, closeSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vmcore-cli-'));
writeFileSync(path.join(dir, 'notes.txt'), 'not a dump\n');
writeFileSync(path.join(dir, 'short.elf'), '\x7fELF\x02\x01\x01');
mkdirSync(path.join(dir, 'adir'));

describe('crashnav vmcore dmesg on bad input', () => {
  it.each([
    ['MISSING', 'MISSING: no such file'],
    ['adir', 'adir: is a directory'],
    ['notes.txt', 'neither ELF, kdump-compressed nor flattened'],
    ['short.elf', 'short.elf'],
  ])('%s', async (file, message) => {
    const r = await runCli(['vmcore', 'dmesg', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(message);
    expect(r.err).toMatch(/^crashnav vmcore: /);
  });

  it.each([[['vmcore']], [['vmcore', 'frobnicate', 'x']], [['vmcore', 'dmesg']], [['vmcore', 'dmesg', '--console', '--json', 'x']], [['vmcore', 'dmesg', '--bogus', 'x']]])(
    'bad usage %j exits 2 with the usage',
    async (argv) => {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.err).toContain('usage: crashnav vmcore dmesg');
    },
  );

  it('documents the exit statuses in --help', async () => {
    const r = await runCli(['vmcore', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nexit status:\n {2}0 {2}done\n {2}1 {2}.*\n.*\n {2}2 {2}bad usage/);
  });
});

const labDir = path.join(os.homedir(), '.cache/crashnav/crashlab/vmcores');
const kdump = existsSync(labDir)
  ? readdirSync(labDir).map((g) => path.join(labDir, g, 'mkd-d31.vmcore')).find((f) => existsSync(f))
  : undefined;
if (kdump === undefined) console.warn('dmesg-cli: truncated-vmcore case skipped, no ~/.cache/crashnav/crashlab/vmcores/*/mkd-d31.vmcore');

describe.skipIf(kdump === undefined)('a truncated kdump vmcore', () => {
  it('fails on one line naming the file and what is missing', async () => {
    const cut = path.join(dir, 'cut.vmcore');
    const head = Buffer.alloc(1 << 20);
    const fd = openSync(kdump!, 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    writeFileSync(cut, head);
    const r = await runCli(['vmcore', 'dmesg', cut]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(cut);
  });
});
