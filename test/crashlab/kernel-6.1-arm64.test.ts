// Issue 15, item 6 (arm64 for real): the crash lab's oopses on Debian's arm64 6.1 kernel
// (examples/kernel-6.1-arm64/: modules cross-built against linux-headers-6.1.0-53-cloud-arm64 by
// scripts/crashlab/record.sh --arch arm64, booted under qemu-system-aarch64) resolve through
// `crashnav resolve --json` with Debian's arm64 vmlinux-dbg, every reliable console frame to the line
// aarch64-linux-gnu-addr2line gives at its link-time address: the symbol's address in the vmlinux or in
// its section of the .ko plus the printed offset, a return address at - 1, an exact address at its own.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCrashReport } from '../../crash/index.js';
import { runCli } from '../support/capture-io.js';
import {
  type Addr2lineFrame,
  type LabManifest,
  type OraclePlace,
  type ResolvedFrame,
  type SessionFrame,
  addr2linePlaces,
  binutil,
  consolePlace,
  crashLines,
  disagreementWithAddr2line,
  examplesDir,
  hasTool,
  repoRoot,
  sessionFrames,
  symbolTable,
} from './support/lab-examples.js';

const release = '6.1.0-53-cloud-arm64';
const cache = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');
const vmlinux = path.join(cache, `pkg-arm64/dbg/usr/lib/debug/boot/vmlinux-${release}`);
const labDir = path.join(examplesDir, 'kernel-6.1-arm64');
const modulesDir = path.join(labDir, 'modules');
const manifest = JSON.parse(readFileSync(path.join(labDir, 'oopses/manifest.json'), 'utf8')) as LabManifest;
const koOf = (module: string): string => path.join(modulesDir, module, `${module}.ko`);

const missing = [
  existsSync(vmlinux) ? null : `${vmlinux} (scripts/fetch-debian.sh --arch arm64 dbg)`,
  hasTool('aarch64-linux-gnu-addr2line') && hasTool('aarch64-linux-gnu-nm') && hasTool('readelf') ? null : 'binutils-aarch64-linux-gnu',
].filter((m) => m !== null);
if (missing.length > 0) console.log(`test/crashlab/kernel-6.1-arm64: skipped, missing ${missing.join(', ')}`);

type ConsoleFrame = Extract<SessionFrame, { kind: 'symbol' }>;

// An exception vector's entry (5.12+ names): the unwinder's next entry is the frame record kernel_entry
// builds in pt_regs from ELR, the interrupted or faulting pc, an exact address.
const vectorEntry = /^el1[th]_64_(?:sync|irq|fiq|error)$/;

/**
 * The `Call trace:` entries of an arm64 console LOG, each marked exact as arm64's unwinder gives it: the
 * first entry repeats the `pc :` of the exception (dump_backtrace starts at regs->pc), and the entry after
 * an exception vector is the pc that exception interrupted; every other entry is a return address (lr).
 */
function consoleFrames(log: string): ConsoleFrame[] {
  const text = readFileSync(path.join(repoRoot, log), 'utf8');
  const lines = text.split('\n');
  const pcs = new Map<number, string>();
  lines.forEach((line, i) => {
    const pc = /\] pc : (\S+)/.exec(line)?.[1];
    const trace = pc === undefined ? -1 : lines.findIndex((l, j) => j > i && l.includes('Call trace:'));
    // Its first entry, as a 1-based line number.
    if (trace > i) pcs.set(trace + 2, pc!);
  });
  const frames = sessionFrames(text).filter((f): f is ConsoleFrame => f.kind === 'symbol');
  return frames.map((f, i) => {
    const printed = /\]\s+(\S+)/.exec(f.text)![1]!;
    const afterVector = i > 0 && frames[i - 1]!.line === f.line - 1 && vectorEntry.test(frames[i - 1]!.symbol);
    return { ...f, exact: pcs.get(f.line) === printed || afterVector };
  });
}

const crashing = manifest.runs.filter((run) => crashLines(run.module).length > 0);

describe('examples/kernel-6.1-arm64: what the lab recorded', () => {
  it('lists every log, each an oops of the arm64 6.1.0-53 kernel from a module the manifest built', () => {
    const logs = readdirSync(path.join(labDir, 'oopses')).filter((f) => f.endsWith('.log'));
    expect(manifest.runs.map((r) => path.basename(r.log)).sort()).toEqual(logs.sort());
    expect(manifest.kernel).toBe(`linux-image-${release}-unsigned 6.1.187-1`);
    for (const run of ['null_pointer', 'inline_helper']) expect(manifest.runs.map((r) => r.module)).toContain(run);
    for (const run of manifest.runs) {
      const log = readFileSync(path.join(repoRoot, run.log), 'utf8');
      expect(log, run.log).toContain(`${release} #1`);
      expect(log, run.log).toContain('Hardware name: linux,dummy-virt (DT)');
      expect(existsSync(koOf(run.module)), koOf(run.module)).toBe(true);
    }
  });

  it.each(manifest.modules)('$name: the committed .ko is the one the manifest describes, an aarch64 module of 6.1.0-53', (m) => {
    const ko = readFileSync(path.join(repoRoot, m.ko));
    expect(m.ko).toBe(`examples/kernel-6.1-arm64/modules/${m.name}/${m.name}.ko`);
    expect(ko.length).toBe(m.bytes);
    expect(binutil('addr2line', path.join(repoRoot, m.ko))).toBe('aarch64-linux-gnu-addr2line');
    expect(ko.toString('latin1')).toContain(`vermagic=${release} SMP mod_unload modversions aarch64`);
    expect(ko.toString('latin1')).toContain(`/crashnav/examples/modules/${m.name}`);
  });

  it.each(crashing)('$log: an oops in its module with a call trace the oracle reads', (run) => {
    const frames = consoleFrames(run.log);
    expect(frames.some((f) => f.exact && f.module === run.module), 'pc in the module').toBe(true);
    expect(frames.some((f) => !f.exact && f.module === null), 'kernel return addresses').toBe(true);
  });

  // The parser's side of the same rules: what it takes as exact (symbolized at its own address) is what
  // the unwinder says is exact, the repeated pc and an interrupted pc, no return address.
  it.each(crashing)('$log: crashnav takes the repeated and the interrupted pc as exact, every other entry as a return address', (run) => {
    const report = parseCrashReport(readFileSync(path.join(repoRoot, run.log), 'utf8'), { source: run.log }).reports[0]!;
    expect(report.arch).toBe('arm64');
    const exact = new Set(report.stacks.flatMap((s) => s.frames).filter((f) => f.isFault).map((f) => f.inputLine));
    const expected = consoleFrames(run.log);
    expect(expected.map((f) => [f.line, f.symbol, exact.has(f.line)])).toEqual(expected.map((f) => [f.line, f.symbol, f.exact]));
  });
});

describe.skipIf(missing.length > 0)("every reliable frame of the arm64 oopses resolves to aarch64 addr2line's line", () => {
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
    // arm64 prints the offset from the link-time base: `Kernel Offset: 0x... from 0xffff800008000000`.
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
    console.log(`${run.log}: ${count(false)} kernel + ${count(true)} module frames checked, ${expected.length - disagreements.length} agree with aarch64 addr2line`);
    expect({ log: run.log, agreeing: expected.length - disagreements.length, disagreements }).toEqual({ log: run.log, agreeing: expected.length, disagreements: [] });

    // The oracle's own answer at the pc is the module's CRASH HERE line.
    const pc = expected.find((p) => p.frame.exact && p.frame.module === run.module)!;
    expect(chains.get(pc)![0]).toMatchObject({ file: `/crashnav/examples/modules/${run.module}/${run.module}.c`, line: crashLines(run.module)[0] });
  }, 300_000);
});
