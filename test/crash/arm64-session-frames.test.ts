// Real data: a crash session's unnamed-offset frames (`func at ADDR`) of an arm64 kernel, whose modules are
// loaded just below the kernel image (MODULES_VADDR..MODULES_END under _stext), resolve in the vmlinux when
// their address is in its text. The addresses are taken from
// Debian's arm64 vmlinux-dbg (scripts/fetch-debian.sh --arch arm64 dbg) and the lab's arm64 null_pointer.ko.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResolutionSession, parseCrashReport } from '../../crash/index.js';
import { openDebugFile } from '../../debuginfo/index.js';

const dbg = path.join(os.homedir(), '.cache/crashnav/pkg-arm64/dbg');
const vmlinux = path.join(dbg, 'usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-arm64');
const modules = path.resolve(import.meta.dirname, '../../examples/kernel-6.1-arm64/modules');

const sessions: ResolutionSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.close();
});

describe.skipIf(!existsSync(vmlinux))('arm64 crash-session frames by address (skipped without the arm64 vmlinux-dbg)', () => {
  it('a kernel text address less than 1 GB above a module base is the vmlinux\'s', async () => {
    const file = await openDebugFile(vmlinux);
    const at = (name: string, off: bigint) => (file.symbols.findByName(name)[0]!.address + off).toString(16);
    const [panic, initcall] = [at('panic', 0x34cn), at('do_one_initcall', 0x64n)];
    file.close();
    const moduleBase = 0xffff800000bd7000n;
    const text = [
      'crash> bt',
      'PID: 92       TASK: ffff0000083b0000  CPU: 1    COMMAND: "insmod"',
      ` #0 [ffff800009d1b3a0] panic at ${panic}`,
      ` #1 [ffff800009d1b7e0] do_one_initcall at ${initcall}`,
      '',
      'crash> mod',
      '     MODULE       NAME          BASE         SIZE  OBJECT FILE',
      `ffff800000bd9040  null_pointer  ${moduleBase.toString(16).padStart(16, '0')}  12288  (not loaded)`,
      '',
    ].join('\n');
    const report = parseCrashReport(text, { source: 'session.txt' }).reports.find((r) => r.stacks.length > 0)!;
    const session = new ResolutionSession({ vmlinux, moduleDirs: [modules] });
    sessions.push(session);
    const resolved = await session.resolve(report);
    const frames = resolved.stacks.flat();
    expect(frames.map((f) => f.locations.at(-1)?.function)).toEqual(['panic', 'do_one_initcall']);
    expect(frames.flatMap((f) => f.warnings.map((w) => w.code))).toEqual([]);
  });
});
