// crash/ on real crash texts from ../shared (lab oopses of a Debian 6.1 kernel, crash sessions, mailing-list
// and syzkaller logs), on bad input made here, and the decoders on the values their definitions give.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSyzkallerScore, scoreSyzkaller } from '../../bench/crash/syzkaller-scoring.js';
import {
  type CrashFrame,
  decodeEsr,
  decodeOopsCode,
  decodePageFaultCode,
  decodeTaint,
  describeFaultAddress,
  parseCrashReport,
  reportSignature,
} from '../../crash/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(repoRoot, '../shared');
const crashes = path.join(shared, 'crashes');
const haveShared = existsSync(crashes);
if (!haveShared) console.log(`crash tests: skipping the real-data suites, ${crashes} is absent`);

const read = (...p: string[]): string => readFileSync(path.join(crashes, ...p), 'utf8');
const allFrames = (text: string): CrashFrame[] =>
  parseCrashReport(text, { source: 't' }).reports.flatMap((r) => r.stacks.flatMap((s) => s.frames));

describe.skipIf(!haveShared)('lab oopses of Debian 6.1 (../shared/crashes/lab)', () => {
  interface LabFrame { run: string; raw_line: string; kind: string; reliable: boolean; symbol: string; offset: number; length: number; module: string | null }
  const records = haveShared
    ? read('lab/frames.jsonl').trim().split('\n').map((l) => JSON.parse(l) as LabFrame).filter((r) => r.kind === 'rip' || r.kind === 'trace')
    : [];

  it('every console frame of frames.jsonl is parsed with its symbol, offset, size, module and reliability', () => {
    const runs = [...new Set(records.map((r) => r.run))];
    let matched = 0;
    for (const run of runs) {
      const frames = allFrames(read('lab/runs', run, 'console.log'));
      for (const rec of records.filter((r) => r.run === run)) {
        const f = frames.find((x) => x.raw.endsWith(rec.raw_line.replace(/^\[[ \d.]+\] /, '')) || rec.raw_line.endsWith(x.raw.trim()));
        expect(f, `${run}: ${rec.raw_line}`).toBeDefined();
        expect([f!.symbol, f!.offset, f!.size, f!.module ?? null, f!.reliable]).toEqual([rec.symbol, rec.offset, rec.length, rec.module, rec.reliable]);
        matched++;
      }
    }
    console.log(`lab frames matched: ${matched}/${records.length}`);
  });

  it('names each lab crash, with the module frame as the guilty one', () => {
    const titles: Record<string, string> = {};
    for (const run of ['a_nullwrite', 'b_panic', 'c_bugon']) {
      const { reports } = parseCrashReport(read('lab/runs', run, 'console.log'), { source: run });
      const r = reports[0];
      titles[run] = r.title;
      const g = r.stacks[r.guilty!.stack].frames[r.guilty!.frame];
      expect(g.module ?? g.symbol, run).toMatch(/crash_/);
    }
    expect(titles.a_nullwrite).toBe('BUG: unable to handle kernel NULL pointer dereference in crash_nullwrite_init');
    expect(titles.c_bugon).toBe('kernel BUG in crash_bugon_process');
  });

  it('the crash session of c_bugon_vmcore has the console RIP as its exception RIP', () => {
    const consoleRip = parseCrashReport(read('lab/runs/c_bugon_vmcore/console.log'), { source: 'console' }).reports[0].stacks[0].frames[0];
    const dir = path.join(crashes, 'lab/runs/c_bugon_vmcore/crash');
    for (const file of readdirSync(dir).filter((f) => /bt/.test(f) && !/foreach|bt-a|bt_a/.test(f))) {
      const { reports } = parseCrashReport(readFileSync(path.join(dir, file), 'utf8'), { source: file });
      const r = reports.find((x) => x.pid === 96)!;
      const fault = r.stacks.flatMap((s) => s.frames).find((f) => f.isFault && f.symbol)!;
      expect([fault.symbol, fault.offset], file).toEqual([consoleRip.symbol, consoleRip.offset]);
      expect(fault.address, file).toBe(0xffffffffc0207012n);
      expect(r.stacks.map((s) => s.context), file).toEqual(['task', 'exception', 'user']);
    }
  });
});

describe.skipIf(!haveShared)('every wild and crash-utility text', () => {
  it('parses without exceptions, and every frame it finds has a symbol-shaped name or an address', () => {
    let files = 0;
    let frames = 0;
    for (const dir of ['wild', 'crash-utility']) {
      for (const file of readdirSync(path.join(crashes, dir))) {
        for (const f of allFrames(read(dir, file))) {
          frames++;
          expect(f.symbol === undefined ? f.address : f.symbol, `${dir}/${file}: ${f.raw}`).toSatisfy((v: unknown) => typeof v === 'bigint' || /^\.?[A-Za-z_$][\w.$]*$/.test(String(v)));
        }
        files++;
      }
    }
    console.log(`wild + crash-utility: ${files} files, ${frames} frames`);
    expect(frames).toBeGreaterThan(2000);
  });
});

describe.skipIf(!haveShared)('syzkaller report-parser data (acceptance 1)', () => {
  it('titles, guilty files and crash-free logs, even and odd files apart', () => {
    const score = scoreSyzkaller()!;
    console.log(renderSyzkallerScore(score));
    const rate = (h: { hits: number; total: number }): number => h.hits / h.total;
    expect(rate(score.titles.even)).toBeGreaterThanOrEqual(0.99);
    expect(rate(score.titles.odd)).toBeGreaterThanOrEqual(0.97);
    const guilty = (score.guilty.even.hits + score.guilty.odd.hits) / (score.guilty.even.total + score.guilty.odd.total);
    expect(guilty).toBeGreaterThanOrEqual(0.9);
    expect(rate(score.guilty.even)).toBeGreaterThanOrEqual(0.94);
    expect(rate(score.guilty.odd)).toBe(1);
    expect(score.noHeader.clean).toBe(score.noHeader.total);
  });
});

describe.skipIf(!haveShared)('symbolized ARM32 traces', () => {
  it("give each `from` part's source line to the caller at the return address, the callee once", () => {
    let checked = 0;
    for (const name of readdirSync(path.join(crashes, 'syzkaller/guilty'))) {
      const text = read('syzkaller/guilty', name);
      const arm = [...text.matchAll(/^\[<([0-9a-f]+)>\] \(([\w.]+)\) from \[<([0-9a-f]+)>\] \(([\w.]+)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)? (\S+):(\d+)( \[inline\])?\)$/gm)];
      if (arm.length === 0) continue;
      const frames = parseCrashReport(text, { source: name }).reports[0].stacks.flatMap((st) => st.frames);
      for (const [raw, , , lr, caller, file, line, inline] of arm) {
        const f = frames.find((x) => x.raw === raw && x.symbol === caller);
        expect([f?.address, f?.sources?.[0]], raw).toEqual([BigInt('0x' + lr), { file, line: Number(line), inlined: Boolean(inline), function: caller }]);
        checked++;
      }
      // A callee appears on its own only where no earlier line named it as a caller.
      const callees = frames.filter((f) => !f.sources && arm.some((m) => m[0] === f.raw));
      for (const c of callees) expect(frames.indexOf(c) === 0 || frames[frames.indexOf(c) - 1].symbol !== c.symbol, c.raw).toBe(true);
    }
    console.log(`symbolized ARM32 frame lines checked: ${checked}`);
    expect(checked).toBeGreaterThan(50);
  });
});

describe('bad input', () => {
  it('empty and binary input give problems, not exceptions', () => {
    expect(parseCrashReport('', { source: 'e' }).problems[0].code).toBe('empty');
    const junk = parseCrashReport(randomBytes(200_000).toString('latin1'), { source: 'junk' });
    expect(junk.problems.map((p) => p.code)).toContain('binary');
  });

  it.skipIf(!haveShared)('a truncated, CRLF, overlong-line log still yields what it holds', () => {
    const log = read('lab/runs/a_nullwrite/console.log');
    const cut = log.slice(0, log.indexOf('do_init_module'));
    const truncated = parseCrashReport(cut, { source: 'cut' }).reports[0];
    expect(truncated.title).toBe('BUG: unable to handle kernel NULL pointer dereference in crash_nullwrite_init');
    const crlf = parseCrashReport('x'.repeat(200_000) + '\r\n' + log.replace(/\n/g, '\r\n'), { source: 'crlf' });
    expect(crlf.problems.map((p) => p.code)).toContain('overlong-line');
    expect(crlf.reports[0].stacks.flatMap((s) => s.frames).map((f) => f.symbol)).toEqual(allFrames(log).map((f) => f.symbol));
  });

  it.skipIf(!haveShared)('lines of two CPUs interleaved by caller id stay apart', () => {
    const text = read('syzkaller/report/392').split('\n\n').slice(1).join('\n\n');
    const { reports } = parseCrashReport(text, { source: '392' });
    const gpf = reports.find((r) => r.titleRule === 'gpf')!;
    expect(gpf.pid).toBe(1560);
    expect(gpf.title).toBe('general protection fault in x25_connect');
    expect(reports.find((r) => r.kind === 'kasan')?.pid).toBe(1533);
  });

  it.skipIf(!haveShared)('several reports in one log are all found, with signatures independent of offsets', () => {
    const one = read('lab/runs/a_nullwrite/console.log');
    const two = one + '\n' + one.replace(/\+0x[0-9a-f]+/g, '+0x1');
    const { reports } = parseCrashReport(two, { source: 'two' });
    expect(reports.length).toBe(2);
    expect(reportSignature(reports[0])).toBe(reportSignature(reports[1]));
  });
});

describe('decoders', () => {
  it('page-fault error code bits', () => {
    expect(decodePageFaultCode(0x0002).text).toBe('not-present page, write, kernel mode, not an instruction fetch');
    expect(decodePageFaultCode(0x0015).parts).toEqual(['PROT', 'USER', 'INSTR']);
  });

  it('the Oops number is read according to the trap', () => {
    expect(decodeOopsCode(2, 'oops').parts).toEqual(['WRITE']);
    expect(decodeOopsCode(0, 'invalid opcode').text).toMatch(/BUG\(\)/);
    expect(decodeOopsCode(0, 'general protection fault').text).toMatch(/non-canonical/);
  });

  it('every taint letter of 6.x has a meaning', () => {
    const all = 'PFSRMBUDAWCIOELKXTNJ';
    expect(decodeTaint(all).parts.join('')).toBe(all);
    expect(decodeTaint('').text).toBe('not tainted');
  });

  it('arm64 ESR: class, fault status and write-not-read', () => {
    const d = decodeEsr(0x96000045n);
    expect(d.parts).toEqual(['EC=0x25', 'FSC=0x5', 'WnR=1']);
    expect(d.text).toBe('data abort in the kernel (current EL), translation fault at level 1 (no mapping), on a write');
  });

  it('NULL-ish and poisoned fault addresses are called out', () => {
    expect(describeFaultAddress(0x1c8n).parts).toEqual(['NULL']);
    expect(describeFaultAddress(0xdead000000000122n).parts).toEqual(['POISON']);
  });
});

describe.skipIf(!haveShared)('decoders against the kernel’s own words in the same report', () => {
  const texts = haveShared
    ? ['wild', 'syzkaller/report'].flatMap((dir) => readdirSync(path.join(crashes, dir)).map((f) => read(dir, f)))
    : [];

  it('page-fault error codes agree with the #PF lines the kernel printed', () => {
    let checked = 0;
    for (const text of texts) {
      for (const report of parseCrashReport(text, { source: 'pf' }).reports) {
        if (report.pageFaultCode === undefined) continue;
        const access = report.lines.map((l) => /^#PF: (supervisor|user) (read|write|instruction fetch) access in (kernel|user) mode/.exec(l)).find(Boolean);
        const kind = report.lines.map((l) => /^#PF: error_code\(0x[0-9a-f]+\) - (not-present page|permissions violation|reserved bit violation)/.exec(l)).find(Boolean);
        if (!access || !kind) continue;
        const d = decodePageFaultCode(report.pageFaultCode);
        expect(d.parts.includes('WRITE'), access[0]).toBe(access[2] === 'write');
        expect(d.parts.includes('INSTR'), access[0]).toBe(access[2] === 'instruction fetch');
        expect(d.parts.includes('USER'), access[0]).toBe(access[1] === 'user');
        expect(d.parts.includes('PROT'), kind[0]).toBe(kind[1] === 'permissions violation');
        checked++;
      }
    }
    console.log(`page-fault codes checked against #PF lines: ${checked}`);
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('arm64 ESR decoding agrees with the EC, FSC/DFSC and WnR the kernel printed', () => {
    let checked = 0;
    for (const text of texts) {
      for (const report of parseCrashReport(text, { source: 'esr' }).reports) {
        if (report.esr === undefined) continue;
        const ec = report.lines.map((l) => /^\s*EC = (0x[0-9a-f]+)/.exec(l)).find(Boolean);
        const fsc = report.lines.map((l) => /^\s*(?:D?FSC) = (0x[0-9a-f]+)/.exec(l)).find(Boolean);
        const wnr = report.lines.map((l) => /\bWnR = (\d)/.exec(l)).find(Boolean);
        if (!ec) continue;
        const d = decodeEsr(report.esr);
        expect(d.parts[0]).toBe(`EC=0x${Number(ec[1]).toString(16)}`);
        if (fsc) expect(d.parts).toContain(`FSC=0x${Number(fsc[1]).toString(16)}`);
        if (wnr) expect(d.parts).toContain(`WnR=${wnr[1]}`);
        checked++;
      }
    }
    console.log(`arm64 ESR values checked against the kernel's decoding: ${checked}`);
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});

describe.skipIf(!haveShared)('the verbatim examples of ../shared/FORMATS.md', () => {
  const formats = haveShared ? readFileSync(path.join(shared, 'FORMATS.md'), 'utf8') : '';
  /** The fenced blocks of the `## F-N` section, in order. */
  const examples = (id: string): string[] => {
    const from = formats.indexOf(`## ${id} `);
    const section = formats.slice(from, formats.indexOf('\n## ', from + 1));
    return [...section.matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => m[1]);
  };
  const example = (id: string): string => examples(id)[0];

  it('F-2: IRQ stack topped by the faulting RIP, the interrupted context, per-module taint and the KASLR offset', () => {
    const r = parseCrashReport(example('F-2'), { source: 'F-2' }).reports[0];
    expect(r.stacks.map((s) => s.context)).toEqual(['irq', 'task', 'exception']);
    expect(r.stacks[0].frames[0]).toMatchObject({ symbol: 'zoran_irq', offset: 0x178, size: 0x2e0, module: 'zr36067', isFault: true });
    expect(r.stacks[2].frames[0]).toMatchObject({ symbol: 'acpi_idle_do_entry', isFault: true });
    expect(r.modules?.find((m) => m.name === 'zr36067')?.flags).toBe('C');
    expect(r.kaslrOffset).toBe(0x39c00000n);
    expect(r.taint).toBe('GC');
  });

  it('F-4: arm64 pc, the repeated pc in the trace, ESR and Code words', () => {
    const r = parseCrashReport(example('F-4'), { source: 'F-4' }).reports[0];
    expect(r.arch).toBe('arm64');
    expect(r.esr).toBe(0x96000004n);
    expect(r.stacks[0].frames.slice(0, 3).map((f) => [f.symbol, f.isFault ?? false])).toEqual([
      ['may_access_direct_pkt_data', true],
      ['may_access_direct_pkt_data', true],
      ['bpf_check', false],
    ]);
    expect([r.code?.unitSize, r.code?.markerOffset]).toEqual([4, 16]);
  });

  it('F-3: 6.x header variants (Oops: Oops:, UID:, preemption model) and i386 EIP', () => {
    const [x86, i386] = examples('F-3').map((text) => parseCrashReport(text, { source: 'F-3' }).reports[0]);
    expect([x86.oopsCode, x86.pid, x86.comm, x86.release, x86.taint]).toEqual([2, 0, 'swapper', '6.15.0-rc4+', '']);
    expect(x86.title).toBe('BUG: unable to handle kernel NULL pointer dereference in __bitmap_set');
    expect([i386.arch, i386.oopsCode, i386.stacks[0].frames[0].symbol]).toEqual(['i386', 2, '__free_pages_core']);
  });
});
