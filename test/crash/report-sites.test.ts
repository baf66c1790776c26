// Where crash/ says a report's frames, facts and blocks stand in the user's file, in every log dialect that
// keeps the message as a slice of its line: each span, cut out of the input line, is what it names.
import { describe, expect, it } from 'vitest';
import { parseCrashReport } from '../../crash/index.js';
import { labLog } from './frame-expectations.js';
import { dialects, rewrite } from './log-dialect-table.js';

// journalctl -o json decodes the message out of a JSON string: it has no columns of its own.
const sliced = Object.entries(dialects).filter(([name]) => !name.includes('json'));

describe('report sites: frame spans, facts and blocks point into the input as written', () => {
  it.each(sliced)('null_pointer.log as %s', (_name, dialect) => {
    const text = rewrite(labLog('null_pointer.log'), dialect);
    const lines = text.split('\n').map((l) => l.replace(/\r+$/, ''));
    const [report] = parseCrashReport(text, { source: 'sites' }).reports;
    const frames = report!.stacks.flatMap((s) => s.frames);
    for (const f of frames) {
      const line = lines[f.inputLine - 1]!;
      expect(f.span, f.raw).toBeDefined();
      const printed = line.slice(f.span!.start, f.span!.end);
      const name = line.slice(f.span!.symbolStart, f.span!.symbolEnd);
      expect(name).toBe(f.symbol ?? f.address!.toString(16));
      if (f.offset !== undefined) expect(printed).toMatch(new RegExp(`^${f.symbol}\\+0x${f.offset.toString(16)}/0x${f.size!.toString(16)}${f.module ? ` \\[${f.module}\\]` : ''}$`));
    }
    const facts = report!.facts!;
    for (const fact of facts) expect(lines[fact.line - 1]!.slice(fact.start, fact.end)).toBe(fact.text);
    expect(facts.map((f) => [f.kind, f.text.slice(0, 24)])).toEqual([
      ['page-fault', '#PF: error_code(0x0002) '],
      ['oops', 'Oops: 0002 [#1]'],
      ['taint', 'Tainted: G           OE'],
      ['cs', 'CS:  0010'],
      ['headline', 'BUG: kernel NULL pointer'],
    ]);
    const block = (kind: string, needle: string) => {
      const lineNo = lines.findIndex((l) => l.includes(needle)) + 1;
      return report!.blocks!.some((b) => b.kind === kind && b.startLine <= lineNo && lineNo <= b.endLine && b.endLine > b.startLine);
    };
    expect(block('registers', 'RAX: 0000000000000000 RBX: ffffffffc0211000')).toBe(true);
    expect(block('registers', 'RAX: ffffffffffffffda')).toBe(true);
  });

  it('the CS of the kernel context only, and from the register dump when the RIP line names no selector', () => {
    const text = [
      'BUG: unable to handle kernel NULL pointer dereference at 0000000000000008',
      'IP: [<ffffffffa0001013>] foo_init+0x13/0x1000 [foo]',
      'Oops: 0002 [#1] SMP',
      'RIP: 0010:[<ffffffffa0001013>]  [<ffffffffa0001013>] foo_init+0x13/0x1000 [foo]',
      'RSP: 0018:ffff88003d4dbd88  EFLAGS: 00010246',
      'CS:  0010 DS: 0000 ES: 0000 CR0: 000000008005003b',
      'Call Trace:',
      ' [<ffffffff8100210a>] do_one_initcall+0x8a/0x1f0',
      'RIP: 0033:0x7f5c3a4b1f49',
      'CS:  0033 DS: 0000 ES: 0000',
    ].join('\n');
    const [report] = parseCrashReport(text, { source: 'cs' }).reports;
    expect(report!.header.cs).toBe('0010');
    expect(report!.facts!.filter((f) => f.kind === 'cs').map((f) => [f.line, f.value])).toEqual([[6, '0010']]);
  });

  it('a crash session: the exception frame\'s CS is the report\'s, the user block\'s is not a fact', () => {
    const text = [
      'crash> bt',
      'PID: 96       TASK: ffff8880052d1800  CPU: 1    COMMAND: "insmod"',
      ' #0 [ffffc900003dbb58] panic at ffffffff819c5141',
      ' #1 [ffffc900003dbca0] asm_exc_invalid_op at ffffffff81c00b96',
      '    [exception RIP: crash_bugon_process+13]',
      '    RIP: ffffffffc0207012  RSP: ffffc900003dbd50  RFLAGS: 00000293',
      '    RAX: 0000000000000002  RBX: 0000000000000004  RCX: c0000000ffffefff',
      '    ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018',
      ' #2 [ffffc900003dbd60] do_one_initcall at ffffffff810024b9',
      ' #3 [ffffc900003dbf50] entry_SYSCALL_64_after_hwframe at ffffffff81c00126',
      '    RIP: 000000000047fbe9  RSP: 00007ffd3a3fb468  RFLAGS: 00000246',
      '    RAX: ffffffffffffffda  RBX: 000000000c0c65f0  RCX: 000000000047fbe9',
      '    ORIG_RAX: 0000000000000139  CS: 0033  SS: 002b',
    ].join('\n');
    const [report] = parseCrashReport(text, { source: 'session' }).reports;
    expect(report!.format).toBe('crash-utility');
    expect(report!.facts!.filter((f) => f.kind === 'cs').map((f) => [f.line, f.value])).toEqual([[8, '0010']]);
    expect(report!.header.cs).toBe('0010');
    const lines = text.split('\n');
    for (const f of report!.stacks.flatMap((s) => s.frames)) if (f.span) expect(lines[f.inputLine - 1]!.slice(f.span.symbolStart, f.span.symbolEnd)).toBe(f.symbol);
    expect(report!.blocks!.filter((b) => b.kind === 'registers').map((b) => [b.startLine, b.endLine])).toContainEqual([6, 8]);
  });

  it('ARM32: the callee and the caller of one line get their own columns, also when they are one function', () => {
    const line = '[<c052fa4c>] (really_explode+0x24/0x3c) from [<c052fa84>] (explode+0x20/0x24)';
    const text = ['Backtrace:', line, '[<c052fa84>] (explode+0x20/0x24) from [<c0045338>] (really_explode+0x290/0x44c)', '[<c0045338>] (really_explode) from [<c0045400>] (really_explode+0x10/0x44c)'].join('\n');
    const frames = parseCrashReport(text, { source: 'arm' }).reports[0]!.stacks.flatMap((s) => s.frames);
    const lines = text.split('\n');
    expect(frames.map((f) => lines[f.inputLine - 1]!.slice(f.span!.start, f.span!.end))).toEqual(['really_explode+0x24/0x3c', 'explode+0x20/0x24', 'really_explode+0x290/0x44c', 'really_explode+0x10/0x44c']);
    expect(frames[2]!.span!.start).toBeGreaterThan(lines[2]!.indexOf(' from '));
  });
});
