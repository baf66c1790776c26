// A vmcore where a report is expected: read into the `crash` session it would have given, its vmlinux found
// by the dump's own release and build-id under the debug root, and resolved by the one pipeline. Real data:
// the crash lab's panicked guests (scripts/crashlab/make-vmcores.sh, 6.1 and 6.12, and 6.1 arm64 by
// CRASHNAV_ARCH=arm64, with and without KASLR): the panicking CPU's backtrace holds every reliable frame of
// the console oops's Call Trace, in order, each resolved to the same line as the console's own frame.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CrashReport, ResolutionSession, type ResolvedReport, parseCrashReport, readVmcoreInput } from '../../crash/index.js';
import { main } from '../../clients/cli/main.js';
import { captureIo, runCli } from '../support/capture-io.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cache = path.join(os.homedir(), '.cache/crashnav');
// How each architecture's `bt` shows the faulting frame: x86's `[exception RIP: f+dec]`, arm64's `PC: addr  [f+dec]`.
const x86Fault = /\[exception RIP: null_pointer_init\+\d+\]/;
const kernels = [
  { lab: 'crashlab', dbg: 'pkg/dbg', modules: 'examples/modules', fault: x86Fault },
  { lab: 'crashlab-6.12', dbg: 'pkg-6.12/dbg', modules: 'examples/kernel-6.12/modules', fault: x86Fault },
  { lab: 'crashlab-arm64', dbg: 'pkg-arm64/dbg', modules: 'examples/kernel-6.1-arm64/modules', fault: / PC: [0-9a-f]{16} {2}\[null_pointer_init\+\d+\]/ },
];
const guests = kernels.flatMap((k) => {
  const dir = path.join(cache, k.lab, 'vmcores');
  if (!existsSync(dir) || !existsSync(path.join(cache, k.dbg))) return [];
  return readdirSync(dir)
    .filter((g) => /^null_pointer(-kaslr)?$/.test(g) && existsSync(path.join(dir, g, '.done')))
    .map((g) => ({ name: `${k.lab}/${g}`, dir: path.join(dir, g), debugRoot: path.join(cache, k.dbg), modules: path.join(repo, k.modules), fault: k.fault }));
});
if (guests.length === 0) console.warn('vmcore-input: real-data cases skipped, no lab vmcores or debug packages (scripts/crashlab/make-vmcores.sh, scripts/fetch-debian.sh dbg)');

const sessions: ResolutionSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.close();
});

/** Each frame the resolution gave a DWARF line to: `function file:line` of its outermost location. */
function lines(resolved: ResolvedReport, reliableOnly: boolean): string[] {
  return resolved.stacks.flatMap((stack) =>
    stack.flatMap((r) => {
      const loc = r.locations.at(-1);
      if (r.provenance !== 'dwarf' || !loc || (reliableOnly && !r.frame.reliable)) return [];
      return [`${loc.function} ${loc.file}:${loc.line}`];
    }),
  );
}

/** The same line twice in a row as once: arm64's Call trace repeats the `pc :` frame as its first entry. */
function collapseRepeats(items: string[]): string[] {
  return items.filter((item, i) => item !== items[i - 1]);
}

function isSubsequence(needle: string[], haystack: string[]): boolean {
  let i = 0;
  for (const item of haystack) if (item === needle[i]) i++;
  return i === needle.length;
}

describe('readVmcoreInput', () => {
  it('leaves text to the text parser', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vmcore-input-'));
    const file = path.join(root, 'oops.log');
    writeFileSync(file, 'BUG: kernel NULL pointer dereference, address: 0000000000000000\n');
    expect(await readVmcoreInput(file, new ResolutionSession())).toBeUndefined();
  });

  it('names the file and the problem of a dump cut short, exit status 1', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vmcore-input-'));
    const file = path.join(root, 'vmcore');
    // A kdump-compressed signature and nothing after it.
    writeFileSync(file, Buffer.from('KDUMP   \x06\x00\x00\x00'));
    const t = captureIo({ cwd: root });
    expect(await main(['resolve', 'vmcore'], t.io)).toBe(1);
    expect(t.err().trim().split('\n')).toHaveLength(1);
    expect(t.err()).toMatch(/^crashnav resolve: vmcore: .*(truncat|header)/);
  });

  const other = path.join(cache, 'pkg-6.12/dbg/usr/lib/debug/boot/vmlinux-6.12.118+deb12-cloud-amd64');
  const dump61 = guests.find((g) => g.name === 'crashlab/null_pointer');
  it.skipIf(!dump61 || !existsSync(other))('another kernel\'s vmlinux is a wrong binary: WRONG BINARY on stderr, exit status 3', async () => {
    const run = await runCli(['resolve', '--offline', '--vmlinux', other, path.join(dump61!.dir, 'mkd-d31.vmcore')]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/WRONG BINARY.*build-id 4409ab2b8a5a626c1ee41412e8e6189fb23ae77c|WRONG BINARY.*6\.1\.0-53-cloud-amd64 but/);
  });

  for (const guest of guests) {
    describe(guest.name, () => {
      const console_ = readFileSync(path.join(guest.dir, 'console.log'), 'utf8');
      const vmcores = ['qemu-zlib.vmcore', 'elf.vmcore'].map((f) => path.join(guest.dir, f)).filter((f) => existsSync(f));

      it('crashnav vmcore bt -a: every CPU, the panicking one through panic(); without a vmlinux, one line and status 1', async () => {
        const file = path.join(guest.dir, 'qemu-zlib.vmcore');
        const cpus = (readFileSync(path.join(guest.dir, 'console.log'), 'utf8').match(/(?:smpboot|SMP): Total of (\d+) processors/) ?? [])[1];
        const found = await runCli(['vmcore', 'bt', '-a', '--offline', '--debug-root', guest.debugRoot, '--modules', guest.modules, file]);
        expect(found.code).toBe(0);
        const tasks = found.out.split('\n').filter((l) => l.startsWith('PID: '));
        expect(cpus, 'the console says how many CPUs booted').toBeDefined();
        expect(tasks).toHaveLength(Number(cpus));
        expect(found.out).toMatch(/ panic at [0-9a-f]+\n/);
        expect(found.out).toMatch(guest.fault);
        const missing = await runCli(['vmcore', 'bt', '--offline', '--debug-root', path.join(guest.dir, 'boot'), file]);
        expect(missing.code).toBe(1);
        expect(missing.err.trim().split('\n')).toHaveLength(1);
        expect(missing.err).toContain('no vmlinux for the dumped kernel');
      });

      it.each(vmcores.map((f) => [path.basename(f), f]))('%s: the panicking CPU resolves as the console oops does', async (_name, file) => {
        const session = new ResolutionSession({ debugRoots: [guest.debugRoot], moduleDirs: [guest.modules] });
        sessions.push(session);
        const input = await readVmcoreInput(file, session, { moduleDirs: [guest.modules] });
        expect(input).toBeDefined();
        expect(input!.warnings).toEqual([]);
        expect(input!.vmlinux).toContain(guest.debugRoot);

        const oops = parseCrashReport(console_, { source: 'console.log' }).reports.find((r) => r.kind !== 'info' && r.stacks.length > 0)!;
        const expected = collapseRepeats(lines(await session.resolve(oops), true));
        expect(expected.length).toBeGreaterThan(3);

        const reports = input!.parsed.reports;
        // The log's own oops is one of the reports, titled as the console's.
        expect(reports.map((r) => r.title)).toContain(oops.title);
        const panicking = reports.find((r: CrashReport) => r.format === 'crash-utility' && r.stacks.some((s) => s.frames.some((f) => f.symbol === 'panic')));
        expect(panicking, 'a backtrace through panic()').toBeDefined();
        const got = lines(await session.resolve(panicking!), false);
        expect(isSubsequence(expected, got), `console:\n${expected.join('\n')}\nvmcore:\n${got.join('\n')}`).toBe(true);
      });
    });
  }
});
