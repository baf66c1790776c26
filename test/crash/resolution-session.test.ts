// The frame → source pipeline on the real lab oopses of Debian 6.1 (acceptance 2): DWARF answers from
// the Debian vmlinux-dbg and the lab .ko files against addr2line's, the crash session's frames against
// the vmcore lookups, the index fallback on a small tree copied from the lab and Debian sources, and
// the `resolve --json` record.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../clients/cli/command.js';
import { main } from '../../clients/cli/main.js';
import { type CrashReport, ResolutionSession, parseCrashReport } from '../../crash/index.js';
import { KernelIndex, buildIndex } from '../../indexer/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const home = process.env.HOME ?? '/root';
const vmlinuxPath = path.join(home, '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64');
const kernelSource = path.join(home, '.cache/crashnav/linux-source-6.1.187-1');
const haveLab = existsSync(lab);
const haveDbg = existsSync(vmlinuxPath);
if (!haveLab) console.log(`resolve tests: skipping, ${lab} is absent`);
if (!haveDbg) console.log(`resolve tests: skipping DWARF checks, ${vmlinuxPath} is missing (scripts/fetch-debian.sh dbg)`);

interface LabRecord {
  run: string; raw_line: string; kind: string; reliable: boolean; is_return_address: boolean;
  expected: { function: string; file: string; line: number }[] | null;
  expected_at_callsite: { function: string; file: string; line: number }[] | null;
}
interface VmcoreRecord { raw_line: string; kind: string; crash_symbol: string; expected: { function: string; file: string; line: number }[] }

const readJsonl = <T>(file: string): T[] => readFileSync(path.join(lab, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);
const consoleReport = (run: string): CrashReport => parseCrashReport(readFileSync(path.join(lab, 'runs', run, 'console.log'), 'utf8'), { source: run }).reports[0];

describe.skipIf(!haveLab || !haveDbg)('lab oopses with the Debian vmlinux-dbg and the lab modules (acceptance 2)', () => {
  const sessions: ResolutionSession[] = [];
  const session = (options: { searchModules?: string[] } = {}): ResolutionSession => {
    const s = new ResolutionSession({ vmlinux: vmlinuxPath, moduleDirs: [path.join(lab, 'modules')], ...options });
    sessions.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of sessions) await s.close();
  });

  it('every reliable console frame resolves to what addr2line says (faulting frame at its address, others at address - 1)', async () => {
    const records = readJsonl<LabRecord>('frames.jsonl').filter((r) => (r.kind === 'rip' || r.kind === 'trace') && r.reliable);
    let hits = 0;
    for (const run of [...new Set(records.map((r) => r.run))]) {
      const resolved = (await session().resolve(consoleReport(run))).stacks.flat();
      for (const rec of records.filter((r) => r.run === run)) {
        const r = resolved.find((x) => rec.raw_line.endsWith(x.frame.raw.trim()));
        const want = (rec.is_return_address ? rec.expected_at_callsite : rec.expected)![0];
        expect([r?.provenance, r?.locations[0]?.file, r?.locations[0]?.line], `${run}: ${rec.raw_line}`).toEqual(['dwarf', want.file, want.line]);
        hits++;
      }
    }
    console.log(`lab console frames resolved as addr2line: ${hits}/${records.length}`);
  });

  it("the guilty frame is the module's faulting line, with its inline chain named", async () => {
    const rips = readJsonl<LabRecord>('frames.jsonl').filter((r) => r.kind === 'rip');
    for (const run of ['a_nullwrite', 'c_bugon']) {
      const report = consoleReport(run);
      const resolved = await session().resolve(report);
      const g = report.guilty!;
      const where = resolved.stacks[g.stack][g.frame];
      const rip = rips.find((r) => r.run === run)!;
      expect(where.frame.isFault, run).toBe(true);
      expect(where.locations.map((l) => [l.function, l.file, l.line])).toEqual(rip.expected!.map((e) => [e.function, e.file, e.line]));
    }
  });

  it('the crash session of c_bugon_vmcore resolves to the vmcore lookups', async () => {
    const records = readJsonl<VmcoreRecord>('vmcore_frames.jsonl');
    const text = readFileSync(path.join(lab, 'runs/c_bugon_vmcore/crash/08_bt-a.txt'), 'utf8');
    const report = parseCrashReport(text, { source: 'bt -a' }).reports.find((r) => r.pid === 96)!;
    const sym = session({ searchModules: readdirSync(path.join(lab, 'modules')) });
    let exact = 0;
    let callSites = 0;
    for (const frame of report.stacks.flatMap((s) => s.frames)) {
      const rec = records.find((r) => (r.kind === 'exception_rip' ? frame.isFault && r.crash_symbol === `${frame.symbol}+${frame.offset}` : r.raw_line.trim() === frame.raw.trim()));
      if (!rec || frame.address === undefined && !frame.isFault) continue;
      // vmcore_frames.jsonl looked up the printed addresses themselves: ask for exactly that.
      const atPrinted = await sym.resolveFrame(report, { ...frame, isFault: true });
      expect([atPrinted.locations[0]?.file, atPrinted.locations[0]?.line], frame.raw).toEqual([rec.expected[0].file, rec.expected[0].line]);
      exact++;
      const asCallSite = await sym.resolveFrame(report, frame);
      if (asCallSite.locations[0]?.line === rec.expected[0].line) callSites++;
    }
    console.log(`vmcore frames: ${exact}/${records.length} match at the printed address; ${callSites} of them have the same line at the call site (address - 1)`);
    expect(exact).toBe(records.length);
  });

  it('crash with module symbols: bt and bt -l with the mod table blame the faulting line in the module', async () => {
    const chain = readJsonl<LabRecord>('frames.jsonl').find((r) => r.run === 'c_bugon' && r.kind === 'rip')!.expected!;
    for (const bt of ['06_bt.txt', '07_bt-l.txt']) {
      const text = ['04_mod.txt', bt].map((f) => readFileSync(path.join(lab, 'runs/c_bugon_vmcore/crash', f), 'utf8')).join('\n');
      const report = parseCrashReport(text, { source: bt }).reports[0]!;
      const resolved = await session().resolve(report);
      const g = report.guilty!;
      expect(g.reason, bt).toBe('the faulting instruction');
      expect(resolved.stacks[g.stack]![g.frame]!.locations.map((l) => [l.function, l.file, l.line]), bt).toEqual(chain.map((e) => [e.function, e.file, e.line]));
    }
  });

  it('crash without module symbols: the _MODULE_INIT_START_ frame is the console\'s init frame, at its call site', async () => {
    // crash_bugon_init+0x2e/0x1000 on the console; `#5 _MODULE_INIT_START_crash_bugon at ffffffffc020c02e` in crash.
    const consoleFrame = readJsonl<LabRecord>('frames.jsonl').find((r) => r.run === 'c_bugon' && r.raw_line.includes('crash_bugon_init+0x2e'))!;
    const text = readFileSync(path.join(lab, 'runs/c_bugon_vmcore/crash/02_bt_nomodsyms.txt'), 'utf8');
    const report = parseCrashReport(text, { source: 'bt' }).reports[0]!;
    const frame = report.stacks.flatMap((s) => s.frames).find((f) => f.symbol === '_MODULE_INIT_START_crash_bugon')!;
    expect(frame.offset).toBeUndefined();
    const resolved = await session().resolveFrame(report, frame);
    const want = consoleFrame.expected_at_callsite![0]!;
    expect(resolved.locations.map((l) => [l.function, l.file, l.line])).toEqual([[want.function, want.file, want.line]]);
  });
});

describe.skipIf(!haveLab)('without debug info: definitions from the source index', () => {
  let dir: string;
  let index: KernelIndex;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'crashnav-resolve-'));
    const tree = path.join(dir, 'tree');
    cpSync(path.join(lab, 'modules/crash_bugon/crash_bugon.c'), path.join(tree, 'drivers/crashlab/crash_bugon.c'));
    if (existsSync(kernelSource)) cpSync(path.join(kernelSource, 'init/main.c'), path.join(tree, 'init/main.c'));
    await buildIndex({ root: tree, dbPath: path.join(dir, 'index.db'), jobs: 1 });
    index = KernelIndex.open(path.join(dir, 'index.db'), { root: tree });
  });
  afterAll(() => {
    index?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each frame its definition, marked as coming from the index, with a callers count', async () => {
    const report = consoleReport('c_bugon');
    const session = new ResolutionSession({ index });
    const resolved = (await session.resolve(report)).stacks.flat();
    await session.close();
    const source = readFileSync(path.join(lab, 'modules/crash_bugon/crash_bugon.c'), 'utf8').split('\n');
    const process = resolved.find((r) => r.frame.symbol === 'crash_bugon_process')!;
    expect(process.provenance).toBe('index');
    expect(process.definition!.file).toBe('drivers/crashlab/crash_bugon.c');
    expect(source[process.definition!.line - 1]).toMatch(/crash_bugon_process\(/);
    expect(process.callers).toBeGreaterThanOrEqual(1);
    const unknown = resolved.find((r) => r.frame.symbol === 'do_syscall_64')!;
    expect([unknown.provenance, unknown.definition]).toEqual([null, null]);
  });
});

describe.skipIf(!haveLab || !haveDbg)('crashnav resolve', () => {
  it('--json prints one record per input file with the documented names and hex addresses', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const io: CliIo = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), cwd: repoRoot, isTty: false };
    const file = path.join(lab, 'runs/a_nullwrite/console.log');
    const code = await main(['resolve', '--json', '--vmlinux', vmlinuxPath, '--modules', path.join(lab, 'modules'), file], io);
    expect(code).toBe(0);
    const record = JSON.parse(out.trim().split('\n')[0]) as { file: string; reports: { stacks: { frames: Record<string, unknown>[] }[] }[] };
    expect(record.file).toBe(file);
    const report = record.reports[0] as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['kind', 'title', 'taint', 'release', 'guilty', 'vmlinux', 'vmlinuxFrom', 'kaslrSlide', 'slideFrom', 'moduleBases', 'warnings', 'stacks']);
    const frame = record.reports[0].stacks[0].frames[0];
    expect(Object.keys(frame)).toEqual(['index', 'symbol', 'offset', 'size', 'module', 'address', 'reliable', 'raw', 'inputLine', 'provenance', 'locations', 'definition', 'callers', 'topCallers', 'warnings']);
    const vmlinuxFrame = record.reports[0].stacks.flatMap((s) => s.frames).find((f) => f.symbol === 'do_one_initcall')!;
    expect(vmlinuxFrame.address).toBe('0xffffffff810024b9');
  });
});
