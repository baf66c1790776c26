// The KASLR slide and module load bases inferred from frames: data-driven cases through one helper, then the
// repo's real crash session (examples/oopses/null_pointer-vmcore.crash.txt, a nokaslr boot) moved by a
// KASLR-like offset and placed again, with a symbol table made here; on top, the same with Debian's real
// vmlinux when ~/.cache/crashnav/pkg/dbg holds it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CrashFrame, type CrashReport, inferKernelSlide, inferModuleBase, kernelPlacedFrames, kernelSlideOf, moduleBaseOf, modulePlacedFrames, moduleRegionBases, parseCrashReport, type PlacedFrame, type SymbolRange } from '../../crash/index.js';
import { type DebugFile, KallsymsSizes, Symbolizer, coreRanges, openDebugFile } from '../../debuginfo/index.js';

const MiB2 = 0x200000n;
const repoRoot = path.resolve(import.meta.dirname, '../..');
const session = readFileSync(path.join(repoRoot, 'examples/oopses/null_pointer-vmcore.crash.txt'), 'utf8');

/** A lookup over `name: [start, end)` rows (several rows of one name: static functions). */
function lookupOf(table: [string, bigint, bigint][]): (name: string) => SymbolRange[] {
  return (name) => table.filter(([n]) => n === name).map(([, start, end]) => ({ start, end }));
}

interface Case {
  name: string;
  frames: PlacedFrame[];
  table: [string, bigint, bigint][];
  alignment?: bigint;
  minAgreeing?: number;
  /** The slide, or the reason's pattern when there is none. */
  expect: bigint | RegExp;
  disagreeing?: string[];
  unknown?: number;
}

function check(c: Case, infer: typeof inferKernelSlide | typeof inferModuleBase = inferKernelSlide): void {
  const result = infer(c.frames, lookupOf(c.table), { ...(c.alignment ? { alignment: c.alignment } : {}), ...(c.minAgreeing ? { minAgreeing: c.minAgreeing } : {}) });
  const offset = 'slide' in result ? result.slide : 'base' in result ? result.base : undefined;
  if (typeof c.expect === 'bigint') {
    expect([offset, result.reason], c.name).toEqual([c.expect, undefined]);
  } else {
    expect(offset, c.name).toBeUndefined();
    expect(result.reason, c.name).toMatch(c.expect);
  }
  expect(result.disagreeing.map((f) => f.symbol), c.name).toEqual(c.disagreeing ?? (typeof c.expect === 'bigint' ? [] : result.disagreeing.map((f) => f.symbol)));
  if (c.unknown !== undefined) expect(result.unknown, c.name).toHaveLength(c.unknown);
}

// Two functions of a 6.1 vmlinux (link-time), and where a 0x3e600000 slide puts them.
const schedule: [string, bigint, bigint] = ['schedule', 0xffffffff81a09650n, 0xffffffff81a09720n];
const panic: [string, bigint, bigint] = ['panic', 0xffffffff819c4f96n, 0xffffffff819c5190n];
const slid = 0x3e600000n;

describe('inferKernelSlide: each frame bounds the slide, the aligned value most frames allow wins', () => {
  const cases: Case[] = [
    { name: 'two return addresses', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n + slid }, { symbol: 'panic', address: 0xffffffff819c5141n + slid }], table: [schedule, panic], expect: slid },
    { name: 'a return address at the function end (noreturn call last)', frames: [{ symbol: 'schedule', address: schedule[2] + slid }, { symbol: 'panic', address: panic[2] + slid }], table: [schedule, panic], expect: slid },
    { name: 'a faulting address cannot be the end', frames: [{ symbol: 'schedule', address: schedule[2], isFault: true }, { symbol: 'panic', address: panic[1] + 4n }], table: [schedule, panic], expect: /only 1 frame agree/, disagreeing: ['schedule'] },
    { name: 'a return address at the start of the function it names (crash names ADDR, not ADDR − 1)', frames: [{ symbol: 'panic', address: panic[1] }, { symbol: 'schedule', address: schedule[1] + 9n }], table: [schedule, panic], expect: 0n },
    { name: 'a printed offset pins the slide exactly', frames: [{ symbol: 'schedule', address: schedule[1] + 0x97n + slid, offset: 0x97, isFault: true }, { symbol: 'panic', address: panic[1] + 0x1abn + slid, offset: 0x1ab }], table: [schedule, panic], expect: slid },
    { name: 'an offset that puts the function off the alignment disagrees', frames: [{ symbol: 'schedule', address: schedule[1] + 0x97n + slid, offset: 0x96 }, { symbol: 'panic', address: 0xffffffff819c5141n + slid }, { symbol: 'schedule', address: 0xffffffff81a096e7n + slid }], table: [schedule, panic], expect: slid, disagreeing: ['schedule'] },
    { name: 'static functions: the name that fits is used', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n + slid }, { symbol: 'panic', address: 0xffffffff819c5141n + slid }], table: [schedule, panic, ['schedule', 0xffffffff81234000n, 0xffffffff81234100n]], expect: slid },
    { name: 'a frame with another function\'s name is named, not a veto', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n + slid }, { symbol: 'panic', address: 0xffffffff819c5141n + slid }, { symbol: 'schedule', address: 0xffffffff819c5141n + slid }], table: [schedule, panic], expect: slid, disagreeing: ['schedule'] },
    { name: 'unknown names and frames without an address say nothing', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n }, { symbol: 'panic', address: 0xffffffff819c5141n }, { symbol: 'nowhere', address: 0xffffffff81000000n }, { symbol: 'panic' }], table: [schedule, panic], expect: 0n, unknown: 2 },
    { name: 'one frame is too few', frames: [{ symbol: 'panic', address: 0xffffffff819c5141n + slid }], table: [schedule, panic], expect: /only 1 frame agree on a slide \(1 distinct frame with a known function\); at least 2 needed/ },
    { name: 'the same line twice is one frame', frames: [{ symbol: 'panic', address: 0xffffffff819c5141n + slid }, { symbol: 'panic', address: 0xffffffff819c5141n + slid }], table: [schedule, panic], expect: /only 1 frame agree/ },
    { name: 'no frame known', frames: [{ symbol: 'nowhere', address: 0xffffffff81000000n }], table: [schedule, panic], expect: /^none of the 1 frames with a function and an address names one the symbol table knows$/, unknown: 1 },
    { name: 'no frame with a name and an address', frames: [{ symbol: 'panic' }, { address: 0xffffffff81000000n }], table: [schedule, panic], expect: /^no frame gives both a function and an address$/, unknown: 2 },
    { name: 'two camps of one frame each: a tie', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n + slid }, { symbol: 'panic', address: 0xffffffff819c5141n }], table: [schedule, panic], minAgreeing: 1, expect: /2 slides are each allowed by 1 frames \(0x0, 0x3e600000\)/ },
    { name: 'byte alignment leaves a range: ambiguous', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n }, { symbol: 'schedule', address: 0xffffffff81a096f0n }], table: [schedule], alignment: 1n, expect: /slides are each allowed by 2 frames \(-0x.*\.\.0x/ },
    { name: 'a negative slide (arm64 can move down)', frames: [{ symbol: 'schedule', address: 0xffffffff81a096e7n - slid }, { symbol: 'panic', address: 0xffffffff819c5141n - slid }], table: [schedule, panic], expect: -slid },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

describe('inferModuleBase: offsets into the module text, page-aligned base', () => {
  const table: [string, bigint, bigint][] = [['xlog_cil_committed', 0x29430n, 0x29620n], ['xlog_cil_process_committed', 0x2a6d0n, 0x2a780n], ['xlog_state_do_iclog_callbacks', 0x25150n, 0x25280n]];
  const base = 0xffffffffc21bf000n;
  const frames = [
    { symbol: 'xlog_cil_committed', address: base + 0x295afn },
    { symbol: 'xlog_cil_process_committed', address: base + 0x2a747n },
    { symbol: 'xlog_state_do_iclog_callbacks', address: base + 0x251ebn },
  ];
  const cases: Case[] = [
    { name: 'three frames, one base', frames, table, expect: base },
    { name: 'a 2 MiB alignment would be wrong for a module: no base fits', frames, table, alignment: MiB2, expect: /no base fits/ },
    { name: 'a frame of a function the module does not have', frames: [...frames, { symbol: 'xlog_cil_committed', address: base + 0x100n }], table, expect: base, disagreeing: ['xlog_cil_committed'] },
  ];
  for (const c of cases) it(c.name, () => check(c, inferModuleBase));
});

/** The session as a KASLR kernel would have printed it: every kernel text address moved by `slide`, module addresses by `moduleShift`. */
function shifted(text: string, slide: bigint, moduleShift = 0n): string {
  return text.replace(/\b(?:0x)?ffffffff[89abc][0-9a-f]{7}\b/g, (word) => {
    const value = BigInt(word.startsWith('0x') ? word : '0x' + word);
    const moved = value + (value >= 0xffffffffc0000000n ? moduleShift : slide);
    return (word.startsWith('0x') ? '0x' : '') + moved.toString(16).padStart(16, '0');
  });
}

function sessionReports(text: string): CrashReport[] {
  return parseCrashReport(text, { source: 'session' }).reports.filter((r) => r.format === 'crash-utility');
}

// The functions of the session's `bt` that its own `log` prints as `func+off/len` (same boot, nokaslr):
// start = crash's address − off, end = start + len. panic, page_fault_oops, exc_page_fault and
// asm_exc_page_fault are not in the log's trace, so this table does not know them.
const sessionTable: [string, bigint, bigint][] = (
  [
    ['do_one_initcall', 0xffffffff810024b9n, 0x59n, 0x220n],
    ['do_init_module', 0xffffffff81139a8an, 0x4an, 0x1f0n],
    ['__do_sys_finit_module', 0xffffffff8113c15cn, 0xacn, 0x120n],
    ['do_syscall_64', 0xffffffff819fbe1dn, 0x5dn, 0x90n],
    ['kmem_cache_free', 0xffffffff81317ad5n, 0x15n, 0x310n],
    ['do_sys_openat2', 0xffffffff81347afbn, 0x9bn, 0x170n],
    ['syscall_exit_to_user_mode', 0xffffffff819ff06en, 0x1en, 0x40n],
    ['handle_mm_fault', 0xffffffff812c0a6bn, 0xdbn, 0x2d0n],
    ['do_user_addr_fault', 0xffffffff8107bbe0n, 0x1b0n, 0x550n],
    ['exit_to_user_mode_prepare', 0xffffffff811370f4n, 0x44n, 0x240n],
    ['entry_SYSCALL_64_after_hwframe', 0xffffffff81c00126n, 0x6en, 0xd8n],
  ] as const
).map(([name, address, off, len]) => [name, address - off, address - off + len]);

/** The session without one command's output (from its prompt to the next). */
function withoutCommand(text: string, command: string): string {
  const at = text.indexOf(`crash> ${command}\n`);
  if (at < 0) return text;
  const next = text.indexOf('crash> ', at + 1);
  return text.slice(0, at) + (next < 0 ? '' : text.slice(next));
}

// The lab regenerates the example; what is asserted is derived from the text it holds.
describe('a real crash session moved by a KASLR offset is placed again (synthetic symbol table)', () => {
  // Without `Kernel Offset:` (the session's `log` says `disabled`, which would answer on its own).
  const withoutLog = withoutCommand(session, 'log');
  const known = (f: CrashFrame) => sessionTable.some(([name]) => name === f.symbol);
  for (const slide of [0n, MiB2, 0x2a000000n, 0x3e600000n]) {
    it(`slide 0x${slide.toString(16)}: every report of bt, bt -a, bt -l and foreach bt`, () => {
      let placed = 0;
      for (const report of sessionReports(shifted(withoutLog, slide))) {
        expect(report.kaslrOffset).toBeUndefined();
        const frames = kernelPlacedFrames(report);
        expect(frames.filter((f) => f.symbol!.startsWith('_MODULE_'))).toEqual([]);
        if (new Set(frames.filter(known).map((f) => f.address)).size < 2) continue;
        const result = inferKernelSlide(frames, lookupOf(sessionTable));
        expect([result.slide, result.disagreeing]).toEqual([slide, []]);
        expect(result.agreeing).toEqual(frames.filter(known));
        expect(result.unknown).toEqual(frames.filter((f) => !known(f)));
        expect(kernelSlideOf(report, lookupOf(sessionTable))).toMatchObject({ slide, source: 'frames' });
        placed++;
      }
      expect(placed).toBeGreaterThanOrEqual(2);
    });
  }

  it('a frame given the wrong name is named as disagreeing; the slide stands', () => {
    const renamed = withoutLog.replace(' do_sys_openat2 at ', ' handle_mm_fault at ');
    const line = renamed.slice(0, renamed.indexOf(' handle_mm_fault at ')).split('\n').length;
    const report = sessionReports(shifted(renamed, 0x2a000000n)).find((r) => r.startLine <= line && line <= r.endLine)!;
    const result = inferKernelSlide(kernelPlacedFrames(report), lookupOf(sessionTable));
    expect(result.slide).toBe(0x2a000000n);
    expect(result.disagreeing.map((f) => [f.symbol, f.inputLine])).toEqual([['handle_mm_fault', line]]);
  });

  it('a stack cut to one known frame is too few: undefined, with the reason', () => {
    const names = sessionTable.map(([name]) => name);
    const cut = withoutLog.split('\n').filter((l) => !names.some((name) => l.includes(`] ${name} at `))).join('\n');
    const report = sessionReports(shifted(cut, 0x2a000000n)).find((r) => kernelPlacedFrames(r).length > 0)!;
    const placed = kernelSlideOf(report, lookupOf(sessionTable));
    expect(placed.slide).toBeUndefined();
    expect(placed.reason).toMatch(/^none of the \d+ frames with a function and an address names one the symbol table knows$/);
    const one = inferKernelSlide([...kernelPlacedFrames(report), { symbol: 'do_one_initcall', address: 0xffffffff810024b9n + 0x2a000000n }], lookupOf(sessionTable));
    expect([one.slide, one.reason]).toEqual([undefined, 'only 1 frame agree on a slide (1 distinct frame with a known function); at least 2 needed']);
  });

  it("the session's own log answers first: its Kernel Offset", () => {
    const printed = /Kernel Offset: (0x[0-9a-f]+|disabled)/.exec(session)?.[1];
    expect(printed, 'the example session has a log with Kernel Offset').toBeDefined();
    const offset = printed === 'disabled' ? 0n : BigInt(printed!);
    for (const report of sessionReports(shifted(session, 0x2a000000n))) {
      expect(report.kaslrOffset).toBe(offset);
      expect(kernelSlideOf(report, lookupOf(sessionTable))).toEqual({ slide: offset, source: 'kernel-offset' });
    }
  });

  it("module frames: the mod table's base, else none without the module's symbols", () => {
    const row = /^[0-9a-f]+\s+null_pointer\s+([0-9a-f]+)\s/m.exec(session);
    expect(row, 'the example session has a mod table listing null_pointer').not.toBeNull();
    const report = sessionReports(shifted(session, 0x2a000000n, 0x5000n))[0]!;
    expect(moduleBaseOf(report, 'null_pointer')).toEqual({ base: BigInt('0x' + row![1]) + 0x5000n, source: 'mod-table' });
    const noMod = sessionReports(shifted(withoutLog, 0x2a000000n, 0x5000n))[0]!;
    delete noMod.moduleLoads;
    expect(moduleBaseOf(noMod, 'null_pointer')).toMatchObject({ source: 'none', reason: expect.stringMatching(/no mod table lists null_pointer/) });
    // crash's region names (`_MODULE_INIT_START_null_pointer`) are no evidence of where a function sits.
    expect(modulePlacedFrames(noMod, 'null_pointer')).toEqual([]);
    expect(moduleBaseOf(noMod, 'null_pointer', lookupOf([]))).toMatchObject({ source: 'none', reason: expect.stringMatching(/no frame gives both a function and an address/) });
  });
});

describe("crash's region names place a module's regions (no mod table, module symbols not loaded)", () => {
  const bt = [
    'PID: 96       TASK: ffff8880052d1800  CPU: 1    COMMAND: "insmod"',
    ' #4 [ffffc900003dbca0] asm_exc_invalid_op at ffffffff81c00b96',
    '    [exception RIP: _MODULE_START_crash_bugon+18]',
    '    RIP: ffffffffc0207012  RSP: ffffc900003dbd50  RFLAGS: 00000293',
    ' #5 [ffffc900003dbd50] _MODULE_INIT_START_crash_bugon+46 at ffffffffc020c02e [crash_bugon]',
    ' #6 [ffffc900003dbd60] do_one_initcall at ffffffff810024b9',
  ].join('\n');
  it('core and init bases from `+off at ADDR`; the core base is the module base', () => {
    const report = sessionReports(bt)[0]!;
    expect(moduleRegionBases(report)).toEqual(new Map([['crash_bugon', { core: 0xffffffffc0207000n, init: 0xffffffffc020c000n }]]));
    expect(moduleBaseOf(report, 'crash-bugon')).toEqual({ base: 0xffffffffc0207000n, source: 'region-symbol' });
  });
});

describe('module frames `func at ADDR [mod]` of a real session shape (FORMATS.md xfs soft lockup)', () => {
  const bt = [
    'PID: 2604722  TASK: ffff88c08306b1c0  CPU: 263  COMMAND: "kworker/263:0H"',
    ' #9 [ffffc900460a7d18] __kmem_cache_free at ffffffff9d3f65a0',
    '#10 [ffffc900460a7d70] xlog_cil_committed at ffffffffc21e85af [xfs]',
    '#11 [ffffc900460a7da0] xlog_cil_process_committed at ffffffffc21e9747 [xfs]',
    '#12 [ffffc900460a7dd0] xlog_state_do_iclog_callbacks at ffffffffc21e41eb [xfs]',
    '#13 [ffffc900460a7e28] xlog_state_do_callback at ffffffffc21e436f [xfs]',
    '#14 [ffffc900460a7e50] xlog_ioend_work at ffffffffc21e6e1c [xfs]',
    '#15 [ffffc900460a7e70] process_one_work at ffffffff9d12de69',
  ].join('\n');
  // Offsets into xfs's core text made for the test: where these functions would sit if its text started at 0xffffffffc21bf000.
  const truth = 0xffffffffc21bf000n;
  const xfs: [string, bigint, bigint][] = [
    ['xlog_cil_committed', 0x29430n, 0x29620n],
    ['xlog_cil_process_committed', 0x2a6d0n, 0x2a780n],
    ['xlog_state_do_iclog_callbacks', 0x25150n, 0x25280n],
    ['xlog_state_do_callback', 0x25280n, 0x25400n],
    ['xlog_ioend_work', 0x27d90n, 0x27e50n],
  ];
  for (const moved of [0n, 0x1000n, 0x7f000n]) {
    it(`text moved by 0x${moved.toString(16)}: the base follows it`, () => {
      const report = sessionReports(shifted(bt, 0n, moved))[0]!;
      const frames = modulePlacedFrames(report, 'xfs');
      expect(frames.map((f) => [f.symbol, f.offset, f.module])).toEqual(xfs.map(([name]) => [name, undefined, 'xfs']));
      expect(kernelPlacedFrames(report).map((f) => f.symbol)).toEqual(['__kmem_cache_free', 'process_one_work']);
      const placed = moduleBaseOf(report, 'xfs', lookupOf(xfs));
      expect([placed.base, placed.source, placed.inference?.agreeing.length]).toEqual([truth + moved, 'frames', 5]);
    });
  }
});

// Real data: Debian's 6.1 vmlinux gives the lookup (ELF symbols, sizeless ones measured as kallsyms does).
const vmlinux = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64');
const lab = path.resolve(repoRoot, '../shared/crashes/lab/runs/c_bugon_vmcore/crash');
if (!existsSync(vmlinux)) console.log(`infer-slide: skipping the real vmlinux suite, ${vmlinux} is absent (scripts/fetch-debian.sh dbg)`);

/** vmlinux's functions by name; a sizeless one (an assembly label) reaches as far as kallsyms would measure it. */
function vmlinuxLookup(file: DebugFile): (name: string) => SymbolRange[] {
  const sizes = new KallsymsSizes(file);
  return (name) =>
    file.symbols.findByName(name).filter((s) => /text/.test(s.sectionName)).map((s) => ({ start: s.address, end: s.address + (s.size > 0 ? BigInt(s.size) : sizes.reportedSize(s.address) ?? 0n) }));
}

/** A module's functions as offsets into its core region, laid out as the loader does. */
/** The product's own lookup of a module's function ranges in its core region. */
function coreTextLookup(file: DebugFile): (name: string) => SymbolRange[] {
  return coreRanges(new Symbolizer(file));
}

describe.skipIf(!existsSync(vmlinux))("a real session moved by a KASLR offset, placed with Debian's vmlinux", () => {
  const sessions: [string, string][] = [['examples/null_pointer-vmcore', withoutCommand(session, 'log')]];
  if (existsSync(lab)) for (const f of ['02_bt_nomodsyms.txt', '08_bt-a.txt', '16_foreach_bt.txt', '07_bt-l.txt']) sessions.push([`lab ${f}`, readFileSync(path.join(lab, f), 'utf8')]);
  else console.log(`infer-slide: the lab sessions are absent (${lab}); only the repo's example is placed`);

  it('every report of every session: the exact slide, no kernel frame disagreeing', async () => {
    const file = await openDebugFile(vmlinux);
    try {
      const lookup = vmlinuxLookup(file);
      let placedReports = 0;
      let agreeing = 0;
      for (const [name, text] of sessions) {
        for (const slide of [0x1c600000n, 0x3a000000n]) {
          for (const report of sessionReports(shifted(text, slide))) {
            const frames: CrashFrame[] = kernelPlacedFrames(report);
            if (frames.length < 2) continue;
            const result = inferKernelSlide(frames, lookup);
            expect([name, result.slide, result.disagreeing.map((f) => f.raw)], result.reason).toEqual([name, slide, []]);
            // Only a module's function can be unknown to vmlinux (an exception RIP crash printed without `[mod]`).
            expect(result.unknown.filter((f) => f.address! < 0xffffffffc0000000n).map((f) => f.raw), name).toEqual([]);
            placedReports++;
            agreeing += result.agreeing.length;
          }
        }
      }
      console.log(`infer-slide real vmlinux: ${placedReports} reports of ${sessions.length} sessions placed exactly at two slides, ${agreeing} frames agreeing, 0 disagreeing`);
      expect(placedReports).toBeGreaterThanOrEqual(4);
    } finally {
      file.close();
    }
  }, 120_000);
});

// Real KASLR dumps: sessions whose `log` prints the kernel's own `Kernel Offset: 0x...`; the frames, with the
// log cut away, must give the same slide.
const examples = path.join(repoRoot, 'examples/oopses');
const kaslrSessions = readdirSync(examples)
  .filter((f) => f.endsWith('.crash.txt'))
  .map((f) => [f, readFileSync(path.join(examples, f), 'utf8')] as const)
  .filter(([, text]) => /Kernel Offset: 0x[0-9a-f]+/.test(text));
if (kaslrSessions.length === 0) console.log(`infer-slide: no KASLR crash session with its log in ${examples}; the real-slide comparison is skipped`);

describe.skipIf(!existsSync(vmlinux) || kaslrSessions.length === 0)("real KASLR crash sessions placed with Debian's vmlinux", () => {
  it("the slide the frames agree on is the one the session's log prints", async () => {
    const file = await openDebugFile(vmlinux);
    try {
      const lookup = vmlinuxLookup(file);
      for (const [name, text] of kaslrSessions) {
        const printed = BigInt(/Kernel Offset: (0x[0-9a-f]+)/.exec(text)![1]!);
        const reports = sessionReports(withoutCommand(text, 'log')).filter((r) => kernelPlacedFrames(r).length >= 2);
        expect(reports.length, name).toBeGreaterThan(0);
        for (const report of reports) {
          const result = inferKernelSlide(kernelPlacedFrames(report), lookup);
          expect([name, report.startLine, result.slide, result.disagreeing.map((f) => f.raw)]).toEqual([name, report.startLine, printed, []]);
        }
        console.log(`infer-slide: ${name}: ${reports.length} reports placed at the logged slide 0x${printed.toString(16)}`);
      }
    } finally {
      file.close();
    }
  }, 120_000);
});

// A real module: Debian 6.1's xfs.ko, its functions' offsets in the core text as the loader lays it out.
const xfsKo = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/lib/modules/6.1.0-53-cloud-amd64/kernel/fs/xfs/xfs.ko');
if (!existsSync(xfsKo)) console.log(`infer-slide: skipping the real module suite, ${xfsKo} is absent (scripts/fetch-debian.sh dbg)`);

describe.skipIf(!existsSync(xfsKo))("module frames placed with Debian's xfs.ko", () => {
  it('the FORMATS.md soft lockup shape at a page-aligned base: the base, every frame agreeing', async () => {
    const file = await openDebugFile(xfsKo);
    try {
      const lookup = coreTextLookup(file);
      const names = ['xlog_cil_process_committed', 'xlog_state_do_callback', 'xlog_ioend_work', 'xfs_inode_item_push', 'xfs_buf_ioend'];
      const base = 0xffffffffc0a3d000n;
      // Return addresses somewhere inside each function (the last one at its very end), as `bt` prints them.
      const lines = names.map((name, i) => {
        const [range] = lookup(name);
        expect(range, name).toBeDefined();
        const at = i === names.length - 1 ? range!.end : range!.start + (range!.end - range!.start) / 2n;
        return `#${10 + i} [ffffc900460a7d70] ${name} at ${(base + at).toString(16)} [xfs]`;
      });
      const report = sessionReports(['PID: 2604722  TASK: ffff88c08306b1c0  CPU: 263  COMMAND: "kworker/263:0H"', ...lines].join('\n'))[0]!;
      const placed = moduleBaseOf(report, 'xfs', lookup);
      expect([placed.base, placed.source, placed.inference?.agreeing.length, placed.inference?.disagreeing]).toEqual([base, 'frames', names.length, []]);
      // Two frames are enough; one is not, by default.
      const two = inferModuleBase(modulePlacedFrames(report, 'xfs').slice(0, 2), lookup);
      expect(two.base).toBe(base);
      expect(inferModuleBase(modulePlacedFrames(report, 'xfs').slice(0, 1), lookup).reason).toMatch(/only 1 frame agree on a base/);
    } finally {
      file.close();
    }
  }, 60_000);
});

// Real module frames: example sessions with `func at ADDR [mod]` frames, a `mod` table and the module's .ko in
// examples/modules: the mod table cut away, the frames must give the base it printed.
const moduleSessions = readdirSync(examples)
  .filter((f) => f.endsWith('.crash.txt'))
  .flatMap((f) => {
    const text = readFileSync(path.join(examples, f), 'utf8');
    return sessionReports(text).flatMap((report) =>
      (report.moduleLoads ?? []).flatMap((load) => {
        const ko = path.join(repoRoot, 'examples/modules', load.name, `${load.name}.ko`);
        return modulePlacedFrames(report, load.name).length > 0 && existsSync(ko) ? [{ file: f, report, load, ko }] : [];
      }),
    );
  });
if (moduleSessions.length === 0) console.log(`infer-slide: no example session has named frames of a module whose .ko is in examples/modules; the real module comparison is skipped`);

describe.skipIf(moduleSessions.length === 0)('real module frames placed with their .ko (examples/modules)', () => {
  it('the base the frames agree on is the one the mod table printed', async () => {
    for (const { file: name, report, load, ko } of moduleSessions) {
      const file = await openDebugFile(ko);
      try {
        const frames = modulePlacedFrames(report, load.name);
        const result = inferModuleBase(frames, coreTextLookup(file), { minAgreeing: Math.min(2, frames.length) });
        expect([name, report.startLine, load.name, result.base, result.disagreeing.map((f) => f.raw)], result.reason).toEqual([name, report.startLine, load.name, load.base, []]);
      } finally {
        file.close();
      }
    }
    console.log(`infer-slide: ${moduleSessions.length} reports' module frames placed at their mod table base`);
  }, 60_000);
});
