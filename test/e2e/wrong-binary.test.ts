// A wrong binary is loud: a vmlinux of another release, an ELF that is no kernel (/bin/ls, a .ko) given as
// --vmlinux: one stderr line per report, a typed warning in --json, a banner on the annotated report, exit 3.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStandInVmlinux, standInOops } from '../debuginfo/support/kernel-stand-in.js';
import { runCli } from '../support/capture-io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function setUp(): { vmlinux: string; oops: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wrong-binary-'));
  const vmlinux = buildStandInVmlinux(path.join(dir, 'vmlinux-6.1.0-53-cloud-amd64'), '6.1.0-53-cloud-amd64');
  const release = '6.12.118+deb12-cloud-amd64';
  const oops = path.join(dir, 'oops.log');
  writeFileSync(oops, standInOops(release));
  return { vmlinux, oops };
}

describe('a wrong binary is loud', () => {
  const { vmlinux, oops } = setUp();
  const cases: [string, string][] = [
    ['a vmlinux of another release', vmlinux],
    ['/bin/ls', '/bin/ls'],
    ['a .ko', path.join(repoRoot, 'examples/modules/null_pointer/null_pointer.ko')],
  ];

  it.each(cases)('resolve --vmlinux %s: exit 3, one stderr line, a typed warning', async (_, binary) => {
    const r = await runCli(['resolve', '--json', '--vmlinux', binary, oops]);
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/^.*oops\.log:\d+: WRONG BINARY: /)]);
    const report = JSON.parse(r.out).reports[0];
    expect(report.warnings.length).toBeGreaterThan(0);
    expect(report.warnings.every((w: { code: string; message: string }) => w.code && w.message)).toBe(true);
  });

  it.each(cases)('report --vmlinux %s: the text report opens with the banner, exit 3', async (_, binary) => {
    const r = await runCli(['report', '--vmlinux', binary, oops]);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^WRONG BINARY: /);
    expect(r.err).toMatch(/WRONG BINARY/);
  });

  it('the right binary is quiet: exit 0, nothing on stderr', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'right-binary-'));
    const right = buildStandInVmlinux(path.join(dir, 'vmlinux'), '6.12.118+deb12-cloud-amd64');
    const r = await runCli(['resolve', '--vmlinux', right, oops]);
    expect([r.code, r.err]).toEqual([0, '']);
  });
});
