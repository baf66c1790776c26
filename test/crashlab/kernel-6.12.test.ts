// Issue 15, item 5 (another kernel): the crash lab's oopses on Debian's 6.12 kernel
// (examples/kernel-6.12/: modules built against linux-headers-6.12.118+deb12-cloud-amd64 by
// scripts/crashlab/record.sh --kernel 6.12, booted under qemu) resolve through `crashnav resolve --json`
// with Debian's 6.12 vmlinux-dbg, every reliable console frame to the line binutils' addr2line gives at its
// link-time address: the symbol's address in the vmlinux or in its section of the .ko plus the printed
// offset, a return address at - 1, the RIP at its own address.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';
import {
  type Addr2lineFrame,
  type LabManifest,
  type OraclePlace,
  type ResolvedFrame,
  type SessionFrame,
  addr2linePlaces,
  consolePlace,
  crashLines,
  disagreementWithAddr2line,
  examplesDir,
  hasTool,
  repoRoot,
  sessionFrames,
  symbolTable,
} from './support/lab-examples.js';

const release = '6.12.118+deb12-cloud-amd64';
const cache = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');
const vmlinux = path.join(cache, `pkg-6.12/dbg/usr/lib/debug/boot/vmlinux-${release}`);
const labDir = path.join(examplesDir, 'kernel-6.12');
const modulesDir = path.join(labDir, 'modules');
const manifest = JSON.parse(readFileSync(path.join(labDir, 'oopses/manifest.json'), 'utf8')) as LabManifest;
const koOf = (module: string): string => path.join(modulesDir, module, `${module}.ko`);

const missing = [
  existsSync(vmlinux) ? null : `${vmlinux} (scripts/fetch-debian.sh --kernel 6.12 dbg)`,
  hasTool('addr2line') && hasTool('nm') && hasTool('readelf') ? null : 'binutils',
].filter((m) => m !== null);
if (missing.length > 0) console.log(`test/crashlab/kernel-6.12: skipped, missing ${missing.join(', ')}`);

type ConsoleFrame = Extract<SessionFrame, { kind: 'symbol' }>;
const consoleFrames = (log: string): ConsoleFrame[] =>
  sessionFrames(readFileSync(path.join(repoRoot, log), 'utf8')).filter((f): f is ConsoleFrame => f.kind === 'symbol');
const crashing = manifest.runs.filter((run) => crashLines(run.module).length > 0);

describe('examples/kernel-6.12: what the lab recorded', () => {
  it('lists every log, each an oops of 6.12.118 from a module the manifest built', () => {
    const logs = readdirSync(path.join(labDir, 'oopses')).filter((f) => f.endsWith('.log'));
    expect(manifest.runs.map((r) => path.basename(r.log)).sort()).toEqual(logs.sort());
    expect(manifest.kernel).toBe(`linux-image-${release}-unsigned 6.12.118-1~deb12u1`);
    for (const run of ['null_pointer', 'inline_helper']) expect(manifest.runs.map((r) => r.module)).toContain(run);
    for (const run of manifest.runs) {
      const log = readFileSync(path.join(repoRoot, run.log), 'utf8');
      expect(log, run.log).toContain(`${release} #1`);
      expect(existsSync(koOf(run.module)), koOf(run.module)).toBe(true);
    }
  });

  it.each(manifest.modules)('$name: the committed .ko is the one the manifest describes, built against 6.12', (m) => {
    const ko = readFileSync(path.join(repoRoot, m.ko));
    expect(m.ko).toBe(`examples/kernel-6.12/modules/${m.name}/${m.name}.ko`);
    expect(ko.length).toBe(m.bytes);
    expect(ko.toString('latin1')).toContain(`vermagic=${release} SMP preempt mod_unload modversions`);
    expect(ko.toString('latin1')).toContain(`/crashnav/examples/modules/${m.name}`);
  });

  it.each(crashing)('$log: an oops in its module with a call trace the oracle reads', (run) => {
    const frames = consoleFrames(run.log);
    expect(frames.some((f) => f.exact && f.module === run.module), 'RIP in the module').toBe(true);
    expect(frames.some((f) => !f.exact && f.module === null), 'kernel return addresses').toBe(true);
  });
});

describe.skipIf(missing.length > 0)("every reliable frame of the 6.12 oopses resolves to addr2line's line", () => {
  const places = new Map<string, OraclePlace[]>();
  let chains = new Map<OraclePlace, Addr2lineFrame[]>();

  beforeAll(() => {
    const kernelSymbols = symbolTable(vmlinux);
    for (const run of manifest.runs) places.set(run.log, consoleFrames(run.log).map((f) => consolePlace(f, vmlinux, kernelSymbols, koOf)));
    chains = addr2linePlaces([...places.values()].flat());
  }, 300_000);

  interface Resolved {
    reports: { release: string | null; kaslrSlide: string | null; stacks: { frames: ResolvedFrame[] }[] }[];
  }

  async function resolve(log: string): Promise<{ report: Resolved['reports'][number]; frames: Map<number, ResolvedFrame> }> {
    const { code, out, err } = await runCli(['resolve', '--json', '--vmlinux', vmlinux, '--modules', path.relative(repoRoot, modulesDir), log], { cwd: repoRoot });
    expect(code, err).toBe(0);
    const record = JSON.parse(out.split('\n')[0]!) as Resolved;
    expect(record.reports).toHaveLength(1);
    return { report: record.reports[0]!, frames: new Map(record.reports[0]!.stacks.flatMap((s) => s.frames).map((f) => [f.inputLine, f])) };
  }

  it.each(crashing)('$log: kernel and module frames', async (run) => {
    const { report, frames } = await resolve(run.log);
    // The release and KASLR offset as the console printed them: 6.12's CPU line carries `UID: 0` before the PID.
    const offset = /Kernel Offset: (0x[0-9a-f]+|disabled)/.exec(readFileSync(path.join(repoRoot, run.log), 'utf8'))![1]!;
    expect({ release: report.release, kaslrSlide: report.kaslrSlide }).toEqual({ release, kaslrSlide: offset === 'disabled' ? '0x0' : offset });
    expect(offset !== 'disabled').toBe(run.kaslr);
    const expected = places.get(run.log)!;
    const disagreements = expected.flatMap((p) => {
      const why = disagreementWithAddr2line(frames.get(p.frame.line), chains.get(p)!);
      return why === null ? [] : [`line ${p.frame.line} ${p.frame.text.trim()}: ${why}`];
    });
    const count = (module: boolean): number => expected.filter((p) => (p.binary !== vmlinux) === module).length;
    // The counts are part of the answer: a log whose frames the oracle did not find would pass vacuously.
    expect(count(false) > 0 && count(true) > 0, `${run.log}: kernel and module frames`).toBe(true);
    console.log(`${run.log}: ${count(false)} kernel + ${count(true)} module frames checked, ${expected.length - disagreements.length} agree with addr2line`);
    expect({ log: run.log, agreeing: expected.length - disagreements.length, disagreements }).toEqual({ log: run.log, agreeing: expected.length, disagreements: [] });

    // The oracle's own answer at the RIP is the module's CRASH HERE line.
    const rip = expected.find((p) => p.frame.exact && p.frame.module === run.module)!;
    expect(chains.get(rip)![0]).toMatchObject({ file: `/crashnav/examples/modules/${run.module}/${run.module}.c`, line: crashLines(run.module)[0] });
  }, 300_000);
});
