// Report shapes given as text written here: fragments (traces with no title line), ARM32 traces of every era,
// and which register block CS is read from. One table, one helper (framesOf/facts), no outside data.
import { describe, expect, it } from 'vitest';
import { parseCrashReport } from '../../crash/index.js';
import { type FrameFacts, facts } from './frame-expectations.js';

interface Shape {
  name: string;
  text: string;
  /** Expected reports: kind, title and frames ([symbol, offset, size] or full facts). */
  reports: {
    kind?: string;
    title?: string;
    frames?: (FrameFacts | [string | undefined, number | undefined, number | undefined])[];
    cs?: string;
    /** Registers the report must hold (hex, as printed). */
    registers?: Record<string, string>;
    /** Other report fields, as toMatchObject compares them. */
    match?: Record<string, unknown>;
  }[];
}

const x86Trace = [
  'Call Trace:',
  ' <TASK>',
  ' foo_ioctl+0x59/0x220 [foo]',
  ' __x64_sys_ioctl+0x8d/0xd0',
  ' ? syscall_exit_to_user_mode+0x17/0x40',
  ' do_syscall_64+0x5d/0x90',
  ' entry_SYSCALL_64_after_hwframe+0x6e/0xd8',
  ' </TASK>',
];
const x86Frames: Shape['reports'][0]['frames'] = [
  { symbol: 'foo_ioctl', offset: 0x59, size: 0x220, module: 'foo', reliable: true, address: undefined },
  ['__x64_sys_ioctl', 0x8d, 0xd0],
  { symbol: 'syscall_exit_to_user_mode', offset: 0x17, size: 0x40, module: undefined, reliable: false, address: undefined },
  ['do_syscall_64', 0x5d, 0x90],
  ['entry_SYSCALL_64_after_hwframe', 0x6e, 0xd8],
];
const ripBlock = [
  'RIP: 0010:foo_ioctl+0x1f/0x220 [foo]',
  'Code: 48 89 e5 <c6> 04 25 00 00 00 00 01 5d c3',
  'RSP: 0018:ffffc900003d3db0 EFLAGS: 00010246',
  'RAX: 0000000000000000 RBX: ffffffffc0211000 RCX: c0000000ffffefff',
  'CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033',
];
const userBlock = [
  'RIP: 0033:0x47fbe9',
  'RSP: 002b:00007fff2e880ed8 EFLAGS: 00000246 ORIG_RAX: 0000000000000139',
  'CS:  0033 DS: 0000 ES: 0000',
];

const shapes: Shape[] = [
  { name: 'a Call Trace block pasted alone', text: ['my box died:', '', ...x86Trace, '', 'any idea?'].join('\n'), reports: [{ kind: 'fragment', title: 'crash fragment in foo_ioctl', frames: x86Frames }] },
  {
    name: 'the CPU/PID and hardware lines pasted above a trace belong to its fragment',
    text: ['look:', 'CPU: 3 PID: 1778 Comm: foo Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1', 'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)', ...x86Trace].join('\n'),
    reports: [{ kind: 'fragment', title: 'crash fragment in foo_ioctl', frames: x86Frames, match: { startLine: 2, pid: 1778, comm: 'foo', release: '6.1.0-13-amd64', cpu: 3 } }],
  },
  { name: 'frame lines with no header', text: ['see', ...x86Trace.slice(2, 7).map((l) => l.trim())].join('\n'), reports: [{ kind: 'fragment', title: 'crash fragment in foo_ioctl', frames: x86Frames }] },
  {
    name: 'a RIP block and its trace',
    text: [...ripBlock, ...x86Trace].join('\n'),
    reports: [{ kind: 'fragment', title: 'crash fragment in foo_ioctl', cs: '0010', frames: [{ symbol: 'foo_ioctl', offset: 0x1f, size: 0x220, module: 'foo', reliable: true, address: undefined }, ...x86Frames] }],
  },
  { name: 'a RIP line alone', text: ripBlock.join('\n'), reports: [{ kind: 'fragment', title: 'crash fragment in foo_ioctl', frames: [['foo_ioctl', 0x1f, 0x220]] }] },
  {
    name: 'an NMI backtrace block per CPU',
    text: [
      'NMI backtrace for cpu 1',
      'CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.0 #1',
      'RIP: 0010:native_safe_halt+0xb/0x10',
      'Call Trace:',
      ' default_idle+0x9/0x20',
      ' do_idle+0x1dc/0x250',
      'NMI backtrace for cpu 2',
      'Call Trace:',
      ' bar_spin+0x10/0x30 [bar]',
      ' worker_thread+0x50/0x3a0',
    ].join('\n'),
    reports: [
      { kind: 'fragment', title: 'crash fragment in native_safe_halt', frames: [['native_safe_halt', 0xb, 0x10], ['default_idle', 9, 0x20], ['do_idle', 0x1dc, 0x250]] },
      { kind: 'fragment', title: 'crash fragment in bar_spin', frames: [['bar_spin', 0x10, 0x30], ['worker_thread', 0x50, 0x3a0]] },
    ],
  },
  {
    name: 'a trace inside a titled report stays in it',
    text: ['BUG: kernel NULL pointer dereference, address: 0000000000000000', 'Oops: 0002 [#1] PREEMPT SMP NOPTI', ...ripBlock, ...x86Trace].join('\n'),
    reports: [{ kind: 'page-fault', frames: [['foo_ioctl', 0x1f, 0x220], ...x86Frames] }],
  },
  { name: 'prose with one frame-like word gives nothing', text: 'we saw foo+0x1/0x2 once\nand then nothing', reports: [] },
  { name: 'a syzkaller-style log with no trace gives nothing', text: '2026/12/04 17:00:01 executing program 0:\nr0 = openat(0xffffffffffffff9c, &(0x7f0000000000)=\'./file0\\x00\', 0x0, 0x0)\n', reports: [] },
  {
    name: 'ARM32 (callee) from (caller+off/len): every frame once, in order, ret_from_fork kept',
    text: [
      'Backtrace:',
      '[<c1abe4cc>] (dump_backtrace) from [<c1abe718>] (show_stack+0x20/0x24)',
      ' r7:00000001 r6:00000080 r5:c2a3c90c r4:40000093',
      '[<c1abe6f8>] (show_stack) from [<c1ac7954>] (dump_stack_lvl+0x60/0x78)',
      '[<c0a73020>] (dump_stack_lvl) from [<c0a7a140>] (foo_run+0x98/0x120 [foo])',
      '[<c03a2264>] (foo_run [foo]) from [<c030015c>] (ret_from_fork+0x14/0x38)',
      'Exception stack(0xc6c0ffb0 to 0xc6c0fff8)',
    ].join('\n'),
    reports: [{
      kind: 'fragment',
      title: 'crash fragment in foo_run',
      frames: [
        { symbol: 'dump_backtrace', offset: undefined, size: undefined, module: undefined, reliable: true, address: 'c1abe4cc' },
        { symbol: 'show_stack', offset: 0x20, size: 0x24, module: undefined, reliable: true, address: 'c1abe718' },
        { symbol: 'dump_stack_lvl', offset: 0x60, size: 0x78, module: undefined, reliable: true, address: 'c1ac7954' },
        { symbol: 'foo_run', offset: 0x98, size: 0x120, module: 'foo', reliable: true, address: 'c0a7a140' },
        { symbol: 'ret_from_fork', offset: 0x14, size: 0x38, module: undefined, reliable: true, address: 'c030015c' },
      ],
    }],
  },
  {
    name: 'ARM32 oops: PC is at, pc : register line, %pS on both halves',
    text: [
      'Unable to handle kernel NULL pointer dereference at virtual address 00000001',
      'Internal error: Oops: 5 [#1] PREEMPT ARM',
      'CPU: 0 PID: 17 Comm: kworker/0:2 Not tainted 4.18.20 #3',
      'PC is at really_explode+0x24/0x3c',
      'LR is at wake_up_klogd+0x58/0x8c',
      'pc : [<c052fa4c>]    lr : [<c006d464>]    psr: 60000113',
      'sp : cf9cfef0  ip : cf9cfe38  fp : cf9cff04',
      '[<c052fa4c>] (really_explode+0x24/0x3c) from [<c052fa84>] (explode+0x20/0x24)',
      '[<c052fa84>] (explode+0x20/0x24) from [<c0045338>] (process_one_work+0x290/0x44c)',
      '[<c0045338>] (process_one_work+0x290/0x44c) from [<c004610c>] (worker_thread+0x31c/0x4c8)',
    ].join('\n'),
    reports: [{
      title: 'BUG: unable to handle kernel NULL pointer dereference in really_explode',
      registers: { pc: 'c052fa4c', lr: 'c006d464', psr: '60000113', sp: 'cf9cfef0', ip: 'cf9cfe38', fp: 'cf9cff04' },
      frames: [
        { symbol: 'really_explode', offset: 0x24, size: 0x3c, module: undefined, reliable: true, address: 'c052fa4c' },
        { symbol: 'explode', offset: 0x20, size: 0x24, module: undefined, reliable: true, address: 'c052fa84' },
        { symbol: 'process_one_work', offset: 0x290, size: 0x44c, module: undefined, reliable: true, address: 'c0045338' },
        { symbol: 'worker_thread', offset: 0x31c, size: 0x4c8, module: undefined, reliable: true, address: 'c004610c' },
      ],
    }],
  },
  {
    name: 'ARM32 2.6 without kallsyms: Function entered at [<a>] from [<b>]',
    text: ['Backtrace:', 'Function entered at [<c01e2de8>] from [<c01e2bcc>]', 'Function entered at [<c01e2b90>] from [<c0068f54>]', 'Function entered at [<c0068e90>] from [<c00296e4>]'].join('\n'),
    reports: [{
      kind: 'fragment',
      frames: [
        { symbol: undefined, offset: 0, size: undefined, module: undefined, reliable: true, address: 'c01e2de8' },
        { symbol: undefined, offset: undefined, size: undefined, module: undefined, reliable: true, address: 'c01e2bcc' },
        { symbol: undefined, offset: undefined, size: undefined, module: undefined, reliable: true, address: 'c0068f54' },
        { symbol: undefined, offset: undefined, size: undefined, module: undefined, reliable: true, address: 'c00296e4' },
      ],
    }],
  },
  {
    name: 'ARM32 KASAN: the title names the function the access was in, as on x86',
    text: [
      'BUG: KASAN: use-after-free in foo_read+0x40/0x80 [foo]',
      'Read of size 4 at addr c6aaf473 by task cat/191',
      'Backtrace:',
      '[<c1abe4cc>] (dump_backtrace) from [<c1abe718>] (show_stack+0x20/0x24)',
      '[<c1abe6f8>] (show_stack) from [<c1ac7954>] (dump_stack_lvl+0x60/0x78)',
      '[<c1ac78f4>] (dump_stack_lvl) from [<c1ac354c>] (print_report+0x6c/0x2c8)',
      '[<c1ac34e0>] (print_report) from [<c0604224>] (kasan_report+0x1ec/0x208)',
      '[<c0604038>] (kasan_report) from [<c0604730>] (__asan_load4+0x4c/0x50)',
      '[<c06046e4>] (__asan_load4) from [<bf0001b0>] (foo_read+0x40/0x80 [foo])',
      '[<bf000170>] (foo_read [foo]) from [<c0a7a140>] (vfs_read+0x98/0x120)',
    ].join('\n'),
    reports: [{ title: 'KASAN: use-after-free Read in foo_read' }],
  },
  {
    name: 'ARM32 lines wrapped by mail after `from [<addr>]` and after `(callee)`',
    text: [
      'Backtrace:',
      '[<c0315abc>] (unwind_backtrace) from [<c030ebf8>]',
      '(show_stack+0x10/0x14)',
      '[<c030ebf8>] (show_stack) from [<c16c91cc>]',
      '(dump_stack+0xc8/0xe0)',
      '[<c051b4ec>] (dump_stack)',
      'from [<c051b9e0>] (foo_read+0x1a8/0x1c4 [foo])',
    ].join('\n'),
    reports: [{ kind: 'fragment', frames: [['unwind_backtrace', undefined, undefined], ['show_stack', 0x10, 0x14], ['dump_stack', 0xc8, 0xe0], ['foo_read', 0x1a8, 0x1c4]] }],
  },
  {
    name: 'x86 2.6: a frame on the line of its <IRQ>/<EOI> marker',
    text: ['Call Trace:', ' <IRQ>  [<ffffffff81656735>] foo_irq+0x19/0x1b [foo]', ' [<ffffffff81656800>] handle_irq+0x10/0x20', ' <EOI>  [<ffffffff8146aac6>] ? free_debug_processing+0x1a1/0x1d5', ' [<ffffffff81656900>] do_idle+0x10/0x20'].join('\n'),
    reports: [{ kind: 'fragment', title: 'crash fragment in foo_irq', frames: [['foo_irq', 0x19, 0x1b], ['handle_irq', 0x10, 0x20], ['free_debug_processing', 0x1a1, 0x1d5], ['do_idle', 0x10, 0x20]] }],
  },
  {
    name: 'i386 2.6 `EIP is at` fault line',
    text: ['BUG: unable to handle kernel paging request at 00000004', 'EIP is at wdev_priv.part.8+0x3/0x5 [wl]'].join('\n'),
    reports: [{ title: 'BUG: unable to handle kernel paging request in wdev_priv', frames: [{ symbol: 'wdev_priv.part.8', offset: 3, size: 5, module: 'wl', reliable: true, address: undefined }] }],
  },
  {
    name: 's390 `Krnl PSW` fault line, also pasted alone',
    text: 'Krnl PSW : 0704f00180000000 000003ff8086d03a (will_oops_init+0x3a/0x1000 [will_oops])',
    reports: [{ kind: 'fragment', title: 'crash fragment in will_oops_init', frames: [{ symbol: 'will_oops_init', offset: 0x3a, size: 0x1000, module: 'will_oops', reliable: true, address: '3ff8086d03a' }] }],
  },
  {
    name: 'CS comes from the kernel RIP, not the user-space block after the trace',
    text: ['BUG: kernel NULL pointer dereference, address: 0000000000000000', 'Oops: 0002 [#1] SMP', ...ripBlock, ...x86Trace.slice(0, 7), ...userBlock].join('\n'),
    reports: [{ cs: '0010' }],
  },
  {
    name: 'CS of a report with only a user-space block is not read from it',
    text: ['BUG: kernel NULL pointer dereference, address: 0000000000000000', 'Oops: 0002 [#1] SMP', 'RIP: 0010:foo_ioctl+0x1f/0x220 [foo]', ...x86Trace.slice(0, 7), ...userBlock].join('\n'),
    reports: [{ cs: '0010' }],
  },
];

const normalize = (f: FrameFacts | [string | undefined, number | undefined, number | undefined], got: FrameFacts | undefined): unknown =>
  Array.isArray(f) ? [got?.symbol, got?.offset, got?.size] : got;

describe('report shapes', () => {
  it.each(shapes.map((s) => [s.name, s] as const))('%s', (_name, shape) => {
    const { reports } = parseCrashReport(shape.text, { source: 'shape' });
    expect(reports.length).toBe(shape.reports.length);
    shape.reports.forEach((want, i) => {
      const r = reports[i]!;
      if (want.kind) expect(r.kind).toBe(want.kind);
      if (want.title) expect(r.title).toBe(want.title);
      if (want.cs) expect(r.header.cs).toBe(want.cs);
      if (want.match) expect(r).toMatchObject(want.match);
      for (const [name, value] of Object.entries(want.registers ?? {})) expect([name, r.registers[name]?.toString(16)]).toEqual([name, value]);
      if (want.frames) {
        const got = r.stacks.flatMap((s) => s.frames.map(facts));
        const compared = want.frames.map((f, j) => normalize(f, got[j]));
        expect(compared).toEqual(want.frames);
        expect(got.length).toBe(want.frames.length);
      }
    });
  });
});
