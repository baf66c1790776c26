// Every shape of `crash` utility output a user pastes, parsed through one helper from sessions written here
// (the shapes of crash's help.c examples and of real sessions: bt, bt -a, bt -l, bt -sx, bt -t, foreach bt,
// mod with and without symbols, sys, log); then every `#N [sp] func at ADDR` line of the real sessions in
// ../shared becomes one frame.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CrashFrame, type CrashReport, moduleBases, parseCrashReport } from '../../crash/index.js';

/** A frame as one line: `symbol+offset@address [module] fault src=file:line`, the parts it has. */
function frameLine(f: CrashFrame): string {
  return [
    `${f.symbol ?? '?'}${f.offset === undefined ? '' : '+' + f.offset}${f.address === undefined ? '' : '@' + f.address.toString(16)}`,
    f.module && `[${f.module}]`,
    f.isFault && 'fault',
    f.reliable ? '' : 'stale',
    f.sources?.map((s) => `src=${s.file}:${s.line}`).join(' '),
  ].filter(Boolean).join(' ');
}

interface SessionSummary {
  pid?: number;
  cpu?: number;
  comm?: string;
  release?: string;
  kaslrOffset?: bigint;
  vmlinuxPath?: string;
  version?: string;
  frames: string[];
  modules?: string[];
}

function summarize(r: CrashReport): SessionSummary {
  const out: SessionSummary = { frames: r.stacks.flatMap((s) => s.frames).map(frameLine) };
  if (r.pid !== undefined) out.pid = r.pid;
  if (r.cpu !== undefined) out.cpu = r.cpu;
  if (r.comm !== undefined) out.comm = r.comm;
  if (r.release !== undefined) out.release = r.release;
  if (r.kaslrOffset !== undefined) out.kaslrOffset = r.kaslrOffset;
  if (r.vmlinuxPath !== undefined) out.vmlinuxPath = r.vmlinuxPath;
  if (r.header.VERSION !== undefined) out.version = r.header.VERSION;
  if (r.moduleLoads) out.modules = r.moduleLoads.map((m) => `${m.name}@${m.base.toString(16)}/${m.size}${m.object ? ' ' + m.object : ''}`);
  return out;
}

/** The session's reports (console reports of a `log` inside it left out), summarized. */
function sessionOf(text: string): SessionSummary[] {
  return parseCrashReport(text, { source: 'session' }).reports.filter((r) => r.format === 'crash-utility').map(summarize);
}

const sys = `crash> sys
      KERNEL: /usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64  [TAINTED]
    DUMPFILE: /var/crash/202612041700/dump.202612041700  [PARTIAL DUMP]
        CPUS: 2
        DATE: Fri Dec  4 17:00:01 UTC 2026
      UPTIME: 00:03:12
LOAD AVERAGE: 0.00, 0.00, 0.00
       TASKS: 98
    NODENAME: lab
     RELEASE: 6.1.0-53-cloud-amd64
     VERSION: #1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1 (2026-09-07)
     MACHINE: x86_64  (2599 Mhz)
      MEMORY: 1 GB
       PANIC: "Oops: 0002 [#1] PREEMPT SMP NOPTI"
         PID: 94
     COMMAND: "insmod"
        TASK: ffff888005216000  [THREAD_INFO: ffff888005216000]
         CPU: 1
       STATE: TASK_RUNNING (PANIC)
`;

const bt = `crash> bt
PID: 94       TASK: ffff888005216000  CPU: 1    COMMAND: "insmod"
 #0 [ffffd2fcc0003c98] panic at ffffffffb9bc5141
 #1 [ffffd2fcc0003d38] page_fault_oops at ffffffffb927b4c9
 #2 [ffffd2fcc0003dc0] asm_exc_page_fault at ffffffffb9e00c02
    [exception RIP: null_pointer_init+31]
    RIP: ffffffffc0cd101f  RSP: ffffd2fcc0003e78  RFLAGS: 00000246
    RAX: 0000000000000000  RBX: ffffffffc0cd1000  RCX: c0000000ffffefff
    ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018
 #3 [ffffd2fcc0003e70] null_pointer_init at ffffffffc0cd1011 [null_pointer]
 #4 [ffffd2fcc0003e78] do_one_initcall at ffffffffb92024b9
`;

const btFrames = [
  'panic@ffffffffb9bc5141',
  'page_fault_oops@ffffffffb927b4c9',
  'asm_exc_page_fault@ffffffffb9e00c02',
  'null_pointer_init+31@ffffffffc0cd101f fault',
  'null_pointer_init@ffffffffc0cd1011 [null_pointer]',
  'do_one_initcall@ffffffffb92024b9',
];

interface ShapeCase {
  name: string;
  text: string;
  expect: SessionSummary[];
}

const cases: ShapeCase[] = [
  {
    name: 'sys then bt: the facts of the dump on the task report, module frames `func at ADDR [mod]` with no offset',
    text: sys + bt,
    expect: [{ pid: 94, cpu: 1, comm: 'insmod', release: '6.1.0-53-cloud-amd64', vmlinuxPath: '/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1 (2026-09-07)', frames: btFrames }],
  },
  {
    name: 'bt then sys: the later sys still reaches the report',
    text: bt + sys,
    expect: [{ pid: 94, cpu: 1, comm: 'insmod', release: '6.1.0-53-cloud-amd64', vmlinuxPath: '/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1 (2026-09-07)', frames: btFrames }],
  },
  {
    name: 'sys of a split debug kernel: DEBUGINFO is the file with DWARF',
    text: `      KERNEL: /boot/vmlinux-2.6.32-71.el6.x86_64\n   DEBUGINFO: /usr/lib/debug/lib/modules/2.6.32-71.el6.x86_64/vmlinux\n    DUMPFILE: vmcore\n     RELEASE: 2.6.32-71.el6.x86_64\n       PANIC: "Oops: 0000 [#1] SMP"\n`,
    expect: [{ release: '2.6.32-71.el6.x86_64', vmlinuxPath: '/usr/lib/debug/lib/modules/2.6.32-71.el6.x86_64/vmlinux', frames: [] }],
  },
  {
    name: 'log inside the session: its Kernel Offset is the slide of every report',
    text: `${bt}crash> log\n[    1.553471] Call Trace:\n[    1.559128] Kernel Offset: 0x38800000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n[    1.559283] ---[ end Kernel panic - not syncing: Fatal exception ]---\n`,
    expect: [{ pid: 94, kaslrOffset: 0x38800000n, frames: btFrames }],
  },
  {
    name: 'log with KASLR disabled: slide 0',
    text: `${bt}crash> log\n[    1.559128] Kernel Offset: disabled\n`,
    expect: [{ pid: 94, kaslrOffset: 0n, frames: btFrames }],
  },
  {
    name: "crash's start-up line for a KASLR kernel: the slide in MiB",
    text: `WARNING: kernel relocated [594MB]: patching 105453 gdb minimal_symbol values\n\n${sys}${bt}`,
    expect: [{ pid: 94, release: '6.1.0-53-cloud-amd64', kaslrOffset: 0x25200000n, frames: btFrames }],
  },
  {
    name: 'a MiB figure that is no multiple of 2 MiB was rounded: no slide from it',
    text: `WARNING: kernel relocated [595MB]: patching 105453 gdb minimal_symbol values\n${bt}`,
    expect: [{ pid: 94, frames: btFrames }],
  },
  {
    name: 'bt -a: one report per CPU, a CPU whose stack could not be read has none',
    text: `crash> bt -a
PID: 0        TASK: ffffffffba41aa40  CPU: 0    COMMAND: "swapper/0"
bt: invalid size request: 0  type: "stack contents"
bt: read of stack at fffffe0000014000 failed

PID: 0        TASK: ffff9e0f03e50000  CPU: 1    COMMAND: "swapper/1"
 #0 [ffffb5cb0009be50] __schedule at ffffffffb9a08ced
 #1 [ffffb5cb0009bed8] schedule_idle at ffffffffb9a09776
 #2 [ffffb5cb0009bf50] secondary_startup_64_no_verify at ffffffffb9000159
`,
    expect: [
      { pid: 0, cpu: 0, comm: 'swapper/0', frames: [] },
      { pid: 0, cpu: 1, comm: 'swapper/1', frames: ['__schedule@ffffffffb9a08ced', 'schedule_idle@ffffffffb9a09776', 'secondary_startup_64_no_verify@ffffffffb9000159'] },
    ],
  },
  {
    name: 'a timer crash in a module on the IRQ stack, then a bogus exception frame crash could not name',
    text: `PID: 0        TASK: ffff8970c1254800  CPU: 1    COMMAND: "swapper/1"
 #1 [ffffccdb000d0d28] oops_end.cold at ffffffffb0bbfb8a
 #4 [ffffccdb000d0df0] asm_exc_page_fault at ffffffffb0e00c02
    [exception RIP: timer_crash_fire+46]
    RIP: ffffffffc032902e  RSP: ffffccdb000d0ea0  RFLAGS: 00000246
    ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018
 #5 [ffffccdb000d0ea8] call_timer_fn at ffffffffb0344217
--- <IRQ stack> ---
#11 [ffffccdb0009bde8] sysvec_apic_timer_interrupt at ffffffffb0bfe43e
    [exception RIP: unknown or invalid address]
    RIP: 0000000000000007  RSP: 7fffffff492208ff  RFLAGS: 0001ad40
    ORIG_RAX: 00000000fffffffb  CS: 0000  SS: 4000000000000000
WARNING: possibly bogus exception frame
#12 [ffffccdb0009bea8] native_safe_halt at ffffffffb0c102ab
crash> mod
     MODULE       NAME               BASE         SIZE  OBJECT FILE
ffffffffc032b040  timer_crash  ffffffffc0329000  16384  (not loaded)  [CONFIG_KALLSYMS]
`,
    expect: [
      {
        pid: 0,
        frames: [
          'oops_end.cold@ffffffffb0bbfb8a',
          'asm_exc_page_fault@ffffffffb0e00c02',
          'timer_crash_fire+46@ffffffffc032902e [timer_crash] fault',
          'call_timer_fn@ffffffffb0344217',
          'sysvec_apic_timer_interrupt@ffffffffb0bfe43e',
          '?@7 fault stale',
          'native_safe_halt@ffffffffb0c102ab',
        ],
      },
    ],
  },
  {
    name: 'bt -l: the file and line crash printed under each frame, absolute or relative',
    text: `crash> bt -l
PID: 96       TASK: ffff8880052d1800  CPU: 1    COMMAND: "insmod"
 #0 [ffffc900003dbb58] panic at ffffffff819c5141
    debian/build/build_amd64_none_cloud-amd64/kernel/panic.c: 459
 #1 [ffffc900003dbca0] asm_exc_invalid_op at ffffffff81c00b96
    /build/reproducible-path/linux-6.1.187/arch/x86/include/asm/idtentry.h: 606
 #2 [ffffc900003dbd50] crash_bugon_init at ffffffffc020c02e [crash_bugon]
    /crashlab/modules/crash_bugon/crash_bugon.c: 31
`,
    expect: [
      {
        pid: 96,
        frames: [
          'panic@ffffffff819c5141 src=debian/build/build_amd64_none_cloud-amd64/kernel/panic.c:459',
          'asm_exc_invalid_op@ffffffff81c00b96 src=/build/reproducible-path/linux-6.1.187/arch/x86/include/asm/idtentry.h:606',
          'crash_bugon_init@ffffffffc020c02e [crash_bugon] src=/crashlab/modules/crash_bugon/crash_bugon.c:31',
        ],
      },
    ],
  },
  {
    name: 'foreach bt (i386): trap stubs `(via X)`, unnamed module text `(mod module)`, argument lines ignored',
    text: `crash> foreach bt
PID: 12523  TASK: c610c000  CPU: 0   COMMAND: "crash"
 #0 [c610de64] die at c01076ec
 #1 [c610df2c] error_code (via invalid_op) at c0107256
    EAX: 0000001d  EBX: c024a4c0  ECX: c02f13c4  EDX: 000026f6  EBP: c610c000

PID: 557    TASK: c5600000  CPU: 0   COMMAND: "nfsd"
 #0 [c5601f38] schedule at c01135f6
    (void)
 #1 [c5601fec] (nfsd module) at c806e303
    (c5602800, c5602800, c0096f40, 6c6e0002, 50)
 #2 [c65c9f24] kernel_thread at c010834f
`,
    expect: [
      { pid: 12523, comm: 'crash', frames: ['die@c01076ec', 'error_code@c0107256'] },
      { pid: 557, comm: 'nfsd', frames: ['schedule@c01135f6', '?@c806e303 [nfsd]', 'kernel_thread@c010834f'] },
    ],
  },
  {
    name: 'bt -sx: hex offsets on every frame; a mail-quoted indent',
    text: `  PID: 2604722  TASK: ffff88c08306b1c0  CPU: 263  COMMAND: "kworker/263:0H"
   #9 [ffffc900460a7d18] __kmem_cache_free+0x1a0 at ffffffff9d3f65a0
  #10 [ffffc900460a7d70] xlog_cil_committed+0x17f at ffffffffc21e85af [xfs]
`,
    expect: [{ pid: 2604722, frames: ['__kmem_cache_free+416@ffffffff9d3f65a0', 'xlog_cil_committed+383@ffffffffc21e85af [xfs]'] }],
  },
  {
    name: 'bt -t: the text addresses found on the stack, stale but named, modules too',
    text: `crash> bt -t
PID: 1357   TASK: c1aa0000  CPU: 0   COMMAND: "lockd"
      START: schedule at c01190e0
  [c1aa1f28] dput at c0157dbc
  [c1aa1f78] svc_recv at cb22c4d8 [sunrpc]
`,
    expect: [{ pid: 1357, frames: ['schedule@c01190e0', 'dput@c0157dbc stale', 'svc_recv@cb22c4d8 [sunrpc] stale'] }],
  },
  {
    name: 'mod without symbols, then mod -s: base and size, the object file once loaded; frames in a module are placed',
    text: `${bt.replace(' [null_pointer]', '')}crash> mod
     MODULE       NAME                BASE         SIZE  OBJECT FILE
ffffffffc0cc42c0  qemu_fw_cfg   ffffffffc0cc1000  20480  (not loaded)  [CONFIG_KALLSYMS]
ffffffffc0cd2040  null_pointer  ffffffffc0cd0000  16384  (not loaded)  [CONFIG_KALLSYMS]
crash> mod -s null_pointer /lab/null_pointer.ko
     MODULE       NAME                BASE         SIZE  OBJECT FILE
ffffffffc0cd2040  null_pointer  ffffffffc0cd0000  16384  /lab/null_pointer.ko 
`,
    expect: [
      {
        pid: 94,
        frames: btFrames.map((f) => (f.startsWith('null_pointer_init') && !f.includes('[') ? f.replace(/@(\S+)/, '@$1 [null_pointer]') : f)),
        modules: ['qemu_fw_cfg@ffffffffc0cc1000/20480', 'null_pointer@ffffffffc0cd0000/16384 /lab/null_pointer.ko'],
      },
    ],
  },
  {
    name: 'mod -S with a relative directory: relative object paths, a module it could not load stays unloaded',
    text: `crash> mod -S examples/modules
mod: cannot find or load object file for qemu_fw_cfg module
     MODULE       NAME                BASE         SIZE  OBJECT FILE
ffffffffc0209040  null_pointer  ffffffffc0207000  16384  examples/modules/null_pointer/null_pointer.ko 
`,
    expect: [{ frames: [], modules: ['null_pointer@ffffffffc0207000/16384 examples/modules/null_pointer/null_pointer.ko'] }],
  },
  {
    name: 'a mod table alone is a session',
    text: `     MODULE       NAME               BASE         SIZE  OBJECT FILE
ffffffffc02042c0  qemu_fw_cfg  ffffffffc0201000  20480  (not loaded)  [CONFIG_KALLSYMS]
`,
    expect: [{ frames: [], modules: ['qemu_fw_cfg@ffffffffc0201000/20480'] }],
  },
];

describe('crash session shapes', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = sessionOf(c.text);
      expect(got).toMatchObject(c.expect);
      // A slide only where the case names one.
      expect(got.map((r) => r.kaslrOffset)).toEqual(c.expect.map((r) => r.kaslrOffset));
    });
  }

  it('moduleBases: the mod table by module name, `-` and `_` alike', () => {
    const [report] = parseCrashReport(cases.find((c) => c.name.startsWith('a mod table alone'))!.text, { source: 'mod' }).reports;
    expect(moduleBases(report!)).toEqual(new Map([['qemu_fw_cfg', 0xffffffffc0201000n]]));
  });
});

// Real sessions: crash's own help examples and the lab's sessions on a Debian 6.1 vmcore, read in place.
const shared = path.resolve(import.meta.dirname, '../../../shared/crashes');
const sharedDirs = [path.join(shared, 'crash-utility'), path.join(shared, 'lab/runs/c_bugon_vmcore/crash')].filter((d) => existsSync(d));
if (sharedDirs.length === 0) console.log(`crash session shapes: ${shared} is absent; only the repo's example sessions are read`);
// The repo's own sessions (the lab's, KASLR and not, with and without module symbols) are always there.
const examples = path.resolve(import.meta.dirname, '../../examples/oopses');
const sessionFiles = [
  ...sharedDirs.flatMap((d) => readdirSync(d).map((f) => path.join(d, f))),
  ...readdirSync(examples).filter((f) => f.endsWith('.crash.txt')).map((f) => path.join(examples, f)),
];

describe('real crash sessions (examples/oopses, ../shared/crashes)', () => {
  it('every `#N [sp] func at ADDR [mod]` line is one frame with its address and module', () => {
    const frameLine = /^\s*#\d+ \[[0-9a-f?]+\] .* at ([0-9a-f]+)(?: \[([\w-]+)\])?\s*$/;
    let printed = 0;
    let parsed = 0;
    const missed: string[] = [];
    for (const file of sessionFiles) {
      const text = readFileSync(file, 'utf8');
      const frames = parseCrashReport(text, { source: file }).reports.flatMap((r) => r.stacks.flatMap((s) => s.frames));
      text.split('\n').forEach((line, i) => {
        const m = frameLine.exec(line);
        if (!m) return;
        printed++;
        const found = frames.filter((f) => f.inputLine === i + 1 && f.address === BigInt('0x' + m[1]) && (m[2] === undefined || f.module === m[2]));
        if (found.length === 1) parsed++;
        else missed.push(`${path.basename(file)}:${i + 1}: ${line.trim()}`);
      });
    }
    console.log(`crash session frames: ${parsed} of ${printed} printed frame lines parsed (${sessionFiles.length} files)`);
    expect(missed).toEqual([]);
    expect(printed).toBeGreaterThan(100);
  });
});
