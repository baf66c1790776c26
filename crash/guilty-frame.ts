// The frame to blame: the first frame of the crashing context that is not reporting machinery (dump_stack,
// panic, __warn, report_bug, exc_*, kasan_*, lock/refcount/list debug helpers, mem*/str* helpers, ...) and,
// when the text carries source files, not in a generic file (headers, lib/, mm/kasan, locking, ...).
import path from 'node:path';
import { baseFunctionName } from './frame-name.js';
import type { CrashReport, CrashStack, GuiltyFrame } from './model.js';
import { commonSkip } from './title-context.js';

// Title skips match substrings (as syzkaller's); a few are too broad to blame by (`crash_panic_now`).
const broadSkips = new Set(['panic', 'string', 'pointer']);
const machinery = new RegExp(
  [...commonSkip.filter((s) => !broadSkips.has(s)), '^panic$', '^vpanic', '^nmi_panic', '^string$', '^pointer$', '^__pfx_', '^entry_SYSCALL', '^do_syscall', '^ret_from_fork', '^kthread$', '^worker_thread', '^process_one_work',
    '^asm_', '^el0_', '^el1_', '^do_el0', '^invoke_syscall', '^__arm64_sys', '^bug_handler', '^do_bug', '^die$',
    '^oops_', '^__die', '^do_mem_abort', '^do_translation_fault', '^do_page_fault', '^__do_kernel_fault', '^__do_page_fault', '^mem_abort',
    '^crash_kexec', 'bad_area_nosemaphore', '^__crash_kexec', '^machine_kexec', '^__show_regs', '^bad_page', '^print_', '^check_', '^__check_',
    '^rcu_', '^watchdog', '^nmi_', '^__nmi', '^arch_trigger', '^trigger_', '^hrtimer_', '^__hrtimer', '^tick_', '^update_process_times',
    '^irq_exit', '^__irq_exit', '^sysvec_', '^smp_apic_timer', '^apic_timer', '^__sysvec', '^handle_softirqs', '^do_softirq',
    '^schedule$', '^__schedule$', '^_cond_resched', '^preempt_schedule',
  ].join('|'),
);

const genericFile = [
  /\.h$/, /^lib\//, /^virt\/lib\//, /^mm\/kasan\//, /^mm\/kmsan\//, /^mm\/kfence\//, /^kernel\/kcov\.c/, /^mm\/sl.b\.c/,
  /^mm\/memory\.c/, /^mm\/truncate\.c/, /^mm\/percpu/, /^mm\/vmalloc\.c/, /^mm\/page_alloc\.c/, /^mm\/util\.c/, /^kernel\/rcu\//,
  /^arch\/.*\/kernel\/traps\.c/, /^arch\/.*\/mm\/fault\.c/, /^arch\/.*\/mm\/physaddr\.c/, /^kernel\/locking\//,
  /^kernel\/panic\.c/, /^kernel\/printk\/printk.*\.c/, /^kernel\/softirq\.c/, /^kernel\/kthread\.c/, /^kernel\/sched\/.*\.c/,
  /^kernel\/time\/timer\.c/, /^kernel\/workqueue\.c/, /^net\/core\/dev\.c/, /^net\/core\/sock\.c/, /^net\/core\/skbuff\.c/,
  /^fs\/proc\/generic\.c/, /^arch\/.*\/entry\//, /^kernel\/entry\//, /^mm\/usercopy\.c/, /^kernel\/stacktrace\.c/,
  /^kernel\/irq\//, /^kernel\/time\/hrtimer\.c/, /^mm\/slab_common\.c/, /^arch\/[^/]+\/lib\//,
  // Common layers that call into the code at fault: blame the caller's subsystem, not the layer.
  /^drivers\/usb\/core\/urb\.c/, /^mm\/mempool\.c/, /^mm\/folio-compat\.c/, /^mm\/filemap\.c/, /^fs\/inode\.c/, /^net\/socket\.c/,
  /^arch\/arm64\/kernel\/(?:stacktrace|process|traps|debug-monitors|entry-common)\.c/, /^arch\/x86\/kernel\/unwind_/, /^arch\/[^/]+\/kernel\/stacktrace\.c/,
  /^arch\/[^/]+\/kernel\/entry[^/]*\.S$/, /^kernel\/time\//, /^arch\/x86\/kernel\/kvm\.c/,
];

const treeTop = /\/(?=(?:arch|kernel|mm|fs|net|drivers|lib|include|block|crypto|security|sound|virt|ipc|io_uring|init|samples|tools|rust)\/)/;

/** Tree-relative path: `./` dropped; absolute build paths (`/build/.../linux-6.1/kernel/x.c`) cut at the tree's top. */
function normalizeFile(file: string): string {
  const f = path.posix.normalize(file).replace(/^(?:\.\/)+/, '');
  if (!f.startsWith('/') && !f.startsWith('debian/build/')) return f;
  const m = treeTop.exec(f);
  return m ? f.slice(m.index + 1) : f;
}

export function isGenericFile(file: string): boolean {
  const f = normalizeFile(file);
  return genericFile.some((re) => re.test(f));
}

/** Innermost source file the text names for a frame, normalized to a tree-relative path. */
export function frameFile(frame: { sources?: { file: string }[] }): string | undefined {
  const file = frame.sources?.[0]?.file;
  return file === undefined ? undefined : normalizeFile(file);
}

/** The frame the title names (`... in FUNC`), when it is in a stack and its file is not generic. */
function findTitleFrame(report: CrashReport): GuiltyFrame | undefined {
  const named = / in ([A-Za-z_][A-Za-z0-9_]*)(?:\/[A-Za-z0-9_]+)?$/.exec(report.title)?.[1];
  if (!named) return undefined;
  for (let i = 0; i < report.stacks.length; i++) {
    const stack = report.stacks[i];
    if (stack.context === 'allocated' || stack.context === 'freed') continue;
    for (let j = 0; j < stack.frames.length; j++) {
      const frame = stack.frames[j];
      if (!frame.reliable || !frame.symbol || baseFunctionName(frame.symbol) !== named) continue;
      const file = frameFile(frame);
      if (file && isGenericFile(file)) continue;
      return { stack: i, frame: j, reason: frame.isFault ? 'the faulting instruction, named by the title' : 'the frame the title names (first past the reporting machinery)' };
    }
  }
  return undefined;
}

export function findGuiltyFrame(report: CrashReport): GuiltyFrame | null {
  // Symbolized reports blame by file (first frame in a non-generic file); raw ones by the title's frame.
  const symbolized = report.stacks.some((s) => s.frames.some((f) => f.sources?.length));
  const titled = symbolized ? undefined : findTitleFrame(report);
  if (titled) return titled;
  const order = report.stacks
    .map((stack, i) => ({ stack, i }))
    .filter(({ stack }) => stack.context !== 'allocated' && stack.context !== 'freed' && stack.context !== 'user');
  // A stall is detected in the timer interrupt: the interrupted code, not the detector, is to blame.
  const interruptEntry = /^(?:apic_timer_interrupt|asm_sysvec_apic_timer_interrupt|el1_interrupt|el1_irq|__irq_svc)$/;
  let started = report.titleRule !== 'rcu-stall' || !order.some(({ stack }) => stack.frames.some((f) => interruptEntry.test(f.symbol ?? '')));
  let fallback: GuiltyFrame | null = null;
  for (const { stack, i } of order) {
    for (let j = 0; j < stack.frames.length; j++) {
      const frame = stack.frames[j];
      started ||= interruptEntry.test(frame.symbol ?? '');
      if (!started) continue;
      if (!frame.reliable || !frame.symbol) continue;
      // Symbolized: fall back to the first frame with a file; raw: to the first reliable frame.
      if (!symbolized || frame.sources?.length) fallback ??= { stack: i, frame: j, reason: 'first reliable frame (every frame looked like reporting machinery)' };
      // With source files printed, the file decides (as syzkaller's guilty-file rule); else the name. A
      // faulting instruction in a module the printer had no symbols for (crash's `bt -l`) still counts.
      const file = frameFile(frame);
      if (symbolized && !file && !(frame.isFault && frame.module !== undefined)) continue;
      if (file ? isGenericFile(file) : machinery.test(baseFunctionName(frame.symbol))) continue;
      const reason = frame.isFault
        ? 'the faulting instruction'
        : j === 0 && i === order[0]?.i
          ? 'first frame of the crashing stack'
          : 'first frame past the reporting machinery' + (file ? ' and generic files' : '');
      const guilty = { stack: i, frame: j, reason };
      return file ? findDeeperCaller(order, guilty, file) : guilty;
    }
  }
  return fallback;
}

/**
 * A subsystem's common layer is often called by one of its drivers in a subdirectory (fs/fs-writeback.c
 * from fs/ntfs3/, sound/core/pcm_native.c from sound/core/oss/): a later caller in a deeper directory
 * under the blamed file's own is the more specific culprit (syzkaller's guilty-file rule does the same).
 */
function findDeeperCaller(order: { stack: CrashStack; i: number }[], first: GuiltyFrame, file: string): GuiltyFrame {
  let guilty = first;
  let dir = path.posix.dirname(file) + '/';
  for (const { stack, i } of order) {
    if (i < first.stack) continue;
    for (let j = i === first.stack ? first.frame + 1 : 0; j < stack.frames.length; j++) {
      const frame = stack.frames[j];
      const later = frame.reliable ? frameFile(frame) : undefined;
      if (!later?.startsWith(dir) || !later.slice(dir.length).includes('/') || isGenericFile(later)) continue;
      guilty = { stack: i, frame: j, reason: `a caller in a subdirectory of ${dir.slice(0, -1)}, past the common layer first blamed` };
      dir = path.posix.dirname(later) + '/';
    }
  }
  return guilty;
}
