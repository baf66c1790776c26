// Issue 15, items 5 and 6: the crash lab's oopses on kernels other than the default 6.1 x86-64 one —
// Debian's 6.12 (examples/kernel-6.12/, `scripts/crashlab/record.sh --kernel 6.12`) and Debian's arm64 6.1
// (examples/kernel-6.1-arm64/, `record.sh --arch arm64`, modules cross-built, booted under
// qemu-system-aarch64) — resolve through `crashnav resolve --json` with that kernel's vmlinux-dbg, every
// reliable console frame to the line the architecture's binutils addr2line gives at its link-time address:
// the symbol's address in the vmlinux or in its section of the .ko plus the printed offset, a return address
// at - 1, an exact address (the RIP, the pc) at its own.
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

type ConsoleFrame = Extract<SessionFrame, { kind: 'symbol' }>;

const cache = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');

// An arm64 exception vector's entry (5.12+ names): the unwinder's next entry is the frame record kernel_entry
// builds in pt_regs from ELR, the interrupted or faulting pc, an exact address.
const vectorEntry = /^el1[th]_64_(?:sync|irq|fiq|error)$/;

/**
 * The `Call trace:` entries of an arm64 console log, each marked exact as arm64's unwinder gives it: the
 * first entry repeats the `pc :` of the exception (dump_backtrace starts at regs->pc), and the entry after
 * an exception vector is the pc that exception interrupted; every other entry is a return address (lr).
 */
function arm64ConsoleFrames(text: string): ConsoleFrame[] {
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

/** x86-64 marks its exact address itself (the RIP frame): the session frames as parsed. */
const x86ConsoleFrames = (text: string): ConsoleFrame[] => sessionFrames(text).filter((f): f is ConsoleFrame => f.kind === 'symbol');

interface Lab {
  dir: string;
  release: string;
  /** The kernel package as the manifest names it. */
  kernel: string;
  vmlinux: string;
  fetch: string;
  arch: 'x86_64' | 'arm64';
  /** The binutils the oracle runs, and the package that has them. */
  tools: [addr2line: string, nm: string, pkg: string];
  vermagic: string;
  /** A line every log of the lab holds besides its release. */
  marker?: string;
  consoleFrames: (text: string) => ConsoleFrame[];
}

const labs: Lab[] = [
  {
    dir: 'kernel-6.12',
    release: '6.12.118+deb12-cloud-amd64',
    kernel: 'linux-image-6.12.118+deb12-cloud-amd64-unsigned 6.12.118-1~deb12u1',
    vmlinux: path.join(cache, 'pkg-6.12/dbg/usr/lib/debug/boot/vmlinux-6.12.118+deb12-cloud-amd64'),
    fetch: 'scripts/fetch-debian.sh --kernel 6.12 dbg',
    arch: 'x86_64',
    tools: ['addr2line', 'nm', 'binutils'],
    vermagic: 'vermagic=6.12.118+deb12-cloud-amd64 SMP preempt mod_unload modversions',
    consoleFrames: x86ConsoleFrames,
  },
  {
    dir: 'kernel-6.1-arm64',
    release: '6.1.0-53-cloud-arm64',
    kernel: 'linux-image-6.1.0-53-cloud-arm64-unsigned 6.1.187-1',
    vmlinux: path.join(cache, 'pkg-arm64/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-arm64'),
    fetch: 'scripts/fetch-debian.sh --arch arm64 dbg',
    arch: 'arm64',
    tools: ['aarch64-linux-gnu-addr2line', 'aarch64-linux-gnu-nm', 'binutils-aarch64-linux-gnu'],
    vermagic: 'vermagic=6.1.0-53-cloud-arm64 SMP mod_unload modversions aarch64',
    marker: 'Hardware name: linux,dummy-virt (DT)',
    consoleFrames: arm64ConsoleFrames,
  },
];

describe.each(labs)('examples/$dir', (lab) => {
  const labDir = path.join(examplesDir, lab.dir);
  const modulesDir = path.join(labDir, 'modules');
  const manifest = JSON.parse(readFileSync(path.join(labDir, 'oopses/manifest.json'), 'utf8')) as LabManifest;
  const koOf = (module: string): string => path.join(modulesDir, module, `${module}.ko`);
  const framesOf = (log: string): ConsoleFrame[] => lab.consoleFrames(readFileSync(path.join(repoRoot, log), 'utf8'));
  const crashing = manifest.runs.filter((run) => crashLines(run.module).length > 0);
  const [addr2line, nm, binutils] = lab.tools;
  const missing = [
    existsSync(lab.vmlinux) ? null : `${lab.vmlinux} (${lab.fetch})`,
    hasTool(addr2line) && hasTool(nm) && hasTool('readelf') ? null : binutils,
  ].filter((m) => m !== null);
  if (missing.length > 0) console.log(`test/crashlab/other-kernels: ${lab.dir}'s resolution skipped, missing ${missing.join(', ')}`);

  describe('what the lab recorded', () => {
    it('lists every log, each an oops of the kernel from a module the manifest built', () => {
      const logs = readdirSync(path.join(labDir, 'oopses')).filter((f) => f.endsWith('.log'));
      expect(manifest.runs.map((r) => path.basename(r.log)).sort()).toEqual(logs.sort());
      expect(manifest.kernel).toBe(lab.kernel);
      for (const run of ['null_pointer', 'inline_helper']) expect(manifest.runs.map((r) => r.module)).toContain(run);
      for (const run of manifest.runs) {
        const log = readFileSync(path.join(repoRoot, run.log), 'utf8');
        expect(log, run.log).toContain(`${lab.release} #1`);
        if (lab.marker) expect(log, run.log).toContain(lab.marker);
        expect(existsSync(koOf(run.module)), koOf(run.module)).toBe(true);
      }
    });

    it.each(manifest.modules)('$name: the committed .ko is the one the manifest describes, built for the kernel', (m) => {
      const ko = readFileSync(path.join(repoRoot, m.ko));
      expect(m.ko).toBe(`examples/${lab.dir}/modules/${m.name}/${m.name}.ko`);
      expect(ko.length).toBe(m.bytes);
      expect(binutil('addr2line', path.join(repoRoot, m.ko))).toBe(addr2line);
      expect(ko.toString('latin1')).toContain(lab.vermagic);
      expect(ko.toString('latin1')).toContain(`/crashnav/examples/modules/${m.name}`);
    });

    it.each(crashing)('$log: an oops in its module with a call trace the oracle reads', (run) => {
      const frames = framesOf(run.log);
      expect(frames.some((f) => f.exact && f.module === run.module), 'the faulting address in the module').toBe(true);
      expect(frames.some((f) => !f.exact && f.module === null), 'kernel return addresses').toBe(true);
    });

    // The parser's side of the same rules: what it takes as exact (symbolized at its own address) is what
    // the unwinder says is exact, no return address.
    it.each(crashing)('$log: crashnav takes exactly the exact addresses as exact', (run) => {
      const report = parseCrashReport(readFileSync(path.join(repoRoot, run.log), 'utf8'), { source: run.log }).reports[0]!;
      expect(report.arch).toBe(lab.arch);
      const exact = new Set(report.stacks.flatMap((s) => s.frames).filter((f) => f.isFault).map((f) => f.inputLine));
      const expected = framesOf(run.log);
      expect(expected.map((f) => [f.line, f.symbol, exact.has(f.line)])).toEqual(expected.map((f) => [f.line, f.symbol, f.exact]));
    });
  });

  describe.skipIf(missing.length > 0)("every reliable frame resolves to addr2line's line", () => {
    const places = new Map<string, OraclePlace[]>();
    let chains = new Map<OraclePlace, Addr2lineFrame[]>();

    beforeAll(() => {
      const kernelSymbols = symbolTable(lab.vmlinux);
      for (const run of manifest.runs) places.set(run.log, framesOf(run.log).map((f) => consolePlace(f, lab.vmlinux, kernelSymbols, koOf)));
      chains = addr2linePlaces([...places.values()].flat());
    }, 300_000);

    interface Resolved {
      reports: { release: string | null; kaslrSlide: string | null; stacks: { frames: ResolvedFrame[] }[] }[];
    }

    async function resolve(log: string): Promise<{ report: Resolved['reports'][number]; frames: Map<number, ResolvedFrame> }> {
      const { code, out, err } = await runCli(['resolve', '--json', '--vmlinux', lab.vmlinux, '--modules', path.relative(repoRoot, modulesDir), log], { cwd: repoRoot });
      expect(code, err).toBe(0);
      const record = JSON.parse(out.split('\n')[0]!) as Resolved;
      expect(record.reports).toHaveLength(1);
      return { report: record.reports[0]!, frames: new Map(record.reports[0]!.stacks.flatMap((s) => s.frames).map((f) => [f.inputLine, f])) };
    }

    it.each(crashing)('$log: kernel and module frames', async (run) => {
      const { report, frames } = await resolve(run.log);
      // The release and KASLR offset as the console printed them (arm64's `Kernel Offset: 0x... from
      // 0xffff800008000000`; 6.12's CPU line carries `UID: 0` before the PID).
      const offset = /Kernel Offset: (0x[0-9a-f]+|disabled)/.exec(readFileSync(path.join(repoRoot, run.log), 'utf8'))![1]!;
      expect({ release: report.release, kaslrSlide: report.kaslrSlide }).toEqual({ release: lab.release, kaslrSlide: offset === 'disabled' ? '0x0' : offset });
      expect(offset !== 'disabled').toBe(run.kaslr);
      const expected = places.get(run.log)!;
      const disagreements = expected.flatMap((p) => {
        const why = disagreementWithAddr2line(frames.get(p.frame.line), chains.get(p)!);
        return why === null ? [] : [`line ${p.frame.line} ${p.frame.text.trim()}: ${why}`];
      });
      const count = (module: boolean): number => expected.filter((p) => (p.binary !== lab.vmlinux) === module).length;
      // The counts are part of the answer: a log whose frames the oracle did not find would pass vacuously.
      expect(count(false) > 0 && count(true) > 0, `${run.log}: kernel and module frames`).toBe(true);
      console.log(`${run.log}: ${count(false)} kernel + ${count(true)} module frames checked, ${expected.length - disagreements.length} agree with ${addr2line}`);
      expect({ log: run.log, agreeing: expected.length - disagreements.length, disagreements }).toEqual({ log: run.log, agreeing: expected.length, disagreements: [] });

      // The oracle's own answer at the faulting address is the module's CRASH HERE line.
      const fault = expected.find((p) => p.frame.exact && p.frame.module === run.module)!;
      expect(chains.get(fault)![0]).toMatchObject({ file: `/crashnav/examples/modules/${run.module}/${run.module}.c`, line: crashLines(run.module)[0] });
    }, 300_000);
  });
});
