// `crashnav explain` and `crashnav group` in-process on real crash texts from ../shared, and on stdin.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const crashes = path.resolve(repoRoot, '../shared/crashes');
const haveShared = existsSync(crashes);
if (!haveShared) console.log(`crash CLI tests: skipping, ${crashes} is absent`);

describe.skipIf(!haveShared)('crashnav explain', () => {
  it('explains a journalctl-style log read from stdin, decoding the numbers beside their raw values', async () => {
    const log = readFileSync(path.join(crashes, 'lab/runs/a_nullwrite/console.log'), 'utf8');
    const journal = log.split('\n').map((l) => `Nov 27 07:31:42 lab kernel: ${l}`).join('\n');
    const t = captureIo({ stdin: journal, cwd: repoRoot });
    expect(await main(['explain', '-'], t.io)).toBe(0);
    expect(t.out()).toContain('BUG: unable to handle kernel NULL pointer dereference in crash_nullwrite_init');
    expect(t.out()).toMatch(/oops code: 0002 = not-present page, write, kernel mode/);
    expect(t.out()).toMatch(/taint: GOE = O: an out-of-tree module was loaded; E: an unsigned module was loaded/);
    expect(t.out()).toMatch(/modules: crash_nullwrite\(OE\+\): out-of-tree, unsigned, being loaded/);
  });

  it('says so when the input holds no crash', async () => {
    const t = captureIo({ stdin: 'just a boot log\n', cwd: repoRoot });
    expect(await main(['explain', '-'], t.io)).toBe(1);
    expect(t.err()).toContain('no crash report found');
  });
});

describe.skipIf(!haveShared)('crashnav group', () => {
  it('puts the same bug seen in two logs in one group, apart from a different bug', async () => {
    const dir = path.join(crashes, 'syzkaller/report');
    // 338 and 340 are the same KASAN test-module bug in two logs.
    const files = [path.join(dir, '338'), path.join(dir, '340'), path.join(crashes, 'lab/runs/a_nullwrite/console.log')];
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['group', '--json', ...files], t.io)).toBe(0);
    const { clusters } = JSON.parse(t.out()) as { clusters: { title: string; members: { file: string }[] }[] };
    const kasan = clusters.find((c) => c.members.some((m) => m.file === files[1]))!;
    // The title syzbot gives them (the test module's kmalloc_* helper is skipped like an allocator).
    const syzbotTitle = /^TITLE: (.*)$/m.exec(readFileSync(files[0], 'latin1'))![1];
    expect(kasan.title).toBe(syzbotTitle);
    expect(kasan.members.some((m) => m.file === files[0])).toBe(true);
    expect(kasan.members.some((m) => m.file === files[2])).toBe(false);
    const text = captureIo({ cwd: repoRoot });
    await main(['group', ...files], text.io);
    expect(text.out()).toMatch(new RegExp(`^\\s+${kasan.members.length} {2}${syzbotTitle}$`, 'm'));
  });

  it('flags a machine whose crashes are all different (faulty-hardware pattern)', async () => {
    const lab = path.join(crashes, 'lab/runs');
    const files = readdirSync(lab).filter((r) => r !== 'c_bugon_vmcore').map((r) => path.join(lab, r, 'console.log'));
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['group', '--json', ...files], t.io)).toBe(0);
    const grouping = JSON.parse(t.out()) as { clusters: unknown[]; suspectHardware: { machine: string; crashes: number }[] };
    expect(grouping.clusters.length).toBe(3);
    expect(grouping.suspectHardware).toEqual([{ machine: expect.stringContaining('QEMU Standard PC'), crashes: 3 }]);
  });
});
