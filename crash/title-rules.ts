// The report kinds a kernel prints, each with the pattern of its first line and how syzkaller names it
// (`KASAN: use-after-free Read in ip6_send_skb`), so titles can be searched on syzbot and mailing lists.
// Rules are tried in order; the first whose `start` matches the headline and whose `title` returns a
// string wins. `continues` marks lines that belong to the report already open (a panic after an oops).
import { type FramePick, TitleContext } from './title-context.js';

export interface TitleRule {
  id: string;
  kind: string;
  start: RegExp;
  title(c: TitleContext, head: RegExpExecArray): string | undefined;
  /** A line of this kind inside an open report does not start a new one. */
  continues?: boolean;
  /** The report carries no stack trace by nature. */
  noStack?: boolean;
}

const rip: FramePick = { parts: ['rip', /Call Trace:|Call trace:/, 'stack'] };
const stackOnly = (skip: string[] = []): FramePick => ({ parts: [/Call Trace:|Call trace:|Backtrace:/, 'stack'], skip });
const in_ = (prefix: string, frame: string | undefined): string => `${prefix} in ${frame ?? 'corrupted'}`;
const atFrame = /\bat: (?:\[<[0-9a-f]+>\] )?([A-Za-z_][A-Za-z0-9_.]*)\+0x|^\s*(?:\[<[0-9a-f]+>\] )?([A-Za-z_][A-Za-z0-9_.]*)\+0x/;
const lockdepInternals = ['^lock_sock', '^release_sock', 'mark_lock', 'check_noncircular', 'check_prev_add', 'validate_chain', '__lock_', 'print_circular_bug', 'check_prevs_add', 'hlock_class', 'check_deadlock'];
/** The lock already held, on its own `at:` line. */
const heldAt = /\bat: (?:\[<[0-9a-f]+>\] )?([A-Za-z_][A-Za-z0-9_.]*)\+0x/;
/** Lockdep names the lock operation's caller on the `at:` line after `marker`; the stack is the fallback. */
const lockFrame = (c: TitleContext, marker: RegExp, held: RegExp = heldAt): string | undefined =>
  c.frame({ parts: [marker, atFrame, held, /existing dependency chain|Call Trace:|Call trace:/, 'stack'], skip: [...lockdepInternals, 'flush_workqueue', 'process_one_work', 'worker_thread', 'kthread', 'ret_from_fork', 'down_trylock', '__flush_work'] });
/** Generic helpers a WARNING fires in on behalf of its caller. */
const warnHelpers = ['__alloc_pages', 'alloc_pages', 'kmalloc', 'kvmalloc', 'krealloc', 'ref_tracker', 'ida_free', 'drop_nlink',
  '__local_bh_enable', 'warn_bogus_irq', '__seqprop', '__virt_to_phys', '__do_kernel_fault', 'free_large_kmalloc',
  'cleanup_srcu_struct', 'usb_start_wait_urb', 'usb_bulk_msg', 'usb_interrupt_msg', 'memdup_user', 'alloc_page_interleave'];

/** ODEBUG fires inside the object's own API (timers, works, percpu counters, frees): its user is the bug. */
const odebugSkip = ['debug_', 'timer_', 'hrtimer_', 'work_', 'percpu_counter', 'kobject', 'call_rcu', 'rcu_', 'free_obj', 'kfree', 'slab', 'kmem_', '__do_kmem', 'vfree', 'vunmap', '__free_', 'fixup'];

/** Replaces addresses and numbers in free text, as syzbot does, so identical bugs get identical titles. */
export function sanitizeTitle(text: string): string {
  return text
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b/gi, 'ADDR')
    .replace(/\b\d+\b/g, 'NUM')
    .trim();
}

const stallAnchors = [
  /process_one_work/, /do_syscall_/, /do_fast_syscall_/, /sysenter_dispatch/, /tracesys_phase2/, /netif_receive_skb/,
  /do_softirq/, /call_timer_fn/, /_run_timers/, /run_timer_softirq/, /run_ksoftirqd/, /smpboot_thread_fn/, /^kthread$/,
  /start_secondary/, /cpu_startup_entry/, /ret_from_fork/, /vfs_write/, /vfs_read/, /vfs_iter_read/, /vfs_iter_write/,
  /do_iter_read/, /do_iter_write/, /vfs_ioctl/, /ksys_ioctl/, /compat_ioctl/, /compat_sys_ioctl/, /blkdev_driver_ioctl/,
  /blkdev_ioctl/, /^call_read_iter/, /^call_write_iter/, /do_iter_readv_writev/, /^call_mmap/, /mmap_region/, /do_mmap/,
  /do_dentry_open/, /vfs_open/, /^sock_sendmsg/, /^sock_recvmsg/, /^sock_release/, /^__sock_release/, /__sys_setsockopt/,
  /kernel_setsockopt/, /sock_common_setsockopt/, /__sys_listen/, /kernel_listen/, /sk_common_release/, /^sock_mmap/,
  /__sys_accept/, /kernel_accept/, /^sock_do_ioctl/, /^sock_ioctl/, /^compat_sock_ioctl/, /^nfnetlink_rcv_msg/,
  /^rtnetlink_rcv_msg/, /^(?:compat_)?(?:SYSC|SyS|__sys|___sys|__do_sys|__se_sys|__x64_sys)_(?:socketpair|connect|ioctl)/,
  /__do_fault/, /new_sync_read/, /new_sync_write/, /__fput/, /task_work_run/, /exit_to_usermode/,
  /exit_to_user_mode/, /smp_call_function/, /ret_fast_syscall/, /el0_svc/, /invoke_syscall/, /tasklet_action/,
];

/** Stalls and lockups loop somewhere inside a call: name them by the frame just above a dispatch point. */
function stallFrame(frames: string[]): string | undefined {
  let prev = frames[0];
  for (const frame of frames) {
    if (stallAnchors.some((a) => a.test(frame))) {
      if (frame.includes('smp_call_function')) prev = 'smp_call_function';
      return prev.replace(/^(?:__x64_|__ia32_|__arm64_|SYSC_|SyS_|compat_SYSC_|compat_SyS_|ksys_)/, '');
    }
    prev = frame;
  }
  return undefined;
}

const hangSkip = ['sched', '_lock', '_slowlock', 'down', 'rwsem', 'completion', 'kthread', 'wait', 'synchronize',
  'context_switch', '__switch_to', 'cancel_delayed_work', 'rcu_barrier'];

/** Hung tasks block in generic waits: group hangs on RCU and rtnl, otherwise name the first specific frame. */
function hangFrame(frames: string[]): string | undefined {
  for (const frame of frames) {
    if (frame.includes('rtnl_lock')) return frame;
    if (/synchronize_(?:rcu|srcu|net|sched)/.test(frame)) return 'synchronize_rcu';
  }
  return frames.find((f) => !hangSkip.some((s) => f.includes(s)));
}

const stallPick: FramePick = {
  parts: [/apic_timer_interrupt|^\s*el1_interrupt\+|^\s*el1_irq\+|\(__irq_svc\)/, 'rip', 'stack'],
  fallback: [/apic_timer_interrupt|Call [Tt]race:/, 'stack'],
  skip: ['apic_timer_interrupt', 'rcu', 'irq_exit', 'sysvec', 'hrtimer', 'tick_sched', 'update_process_times', 'asm_'],
  extractor: stallFrame,
};

function warningRule(id: string, file: RegExp, name: string, skip: string[] = []): TitleRule {
  return {
    id,
    kind: 'warning',
    start: new RegExp(String.raw`^WARNING: (?:CPU: \d+ PID: \d+ at )?.*?(?:at )?` + file.source),
    title: (c) => in_(name, c.frame({ parts: ['rip', 'stack'], fallback: stackOnly(skip).parts, skip })),
  };
}

export const titleRules: TitleRule[] = [
  // --- sanitizers -------------------------------------------------------------------------------
  {
    id: 'kasan-invalid-free',
    kind: 'kasan',
    start: /^BUG: KASAN: (?:double-free or invalid-free|invalid-free|double-free) in ([A-Za-z0-9_.]+)/,
    title: (c) =>
      in_('KASAN: invalid-free', c.frame({ parts: [/^BUG: KASAN: [a-z\- ]+ in ([A-Za-z0-9_.]+)/, /Call Trace:|Call trace:/, 'stack'], skip: ['kmem_', 'slab_', 'kfree', 'vunmap', 'vfree'] })),
  },
  {
    id: 'kasan-access',
    kind: 'kasan',
    start: /^BUG: KASAN: ([a-z\-]+) in ([A-Za-z0-9_.]+)/,
    title: (c, h) => {
      const rw = c.find(/\b(Read|Write) (?:of size|at addr)/);
      if (!rw) return undefined;
      const frame = c.frame({ parts: [/^BUG: KASAN: [a-z\-]+ in ([A-Za-z0-9_.]+)/, /Call Trace:|Call trace:/, 'stack'] });
      return in_(`KASAN: ${h[1]} ${rw.match[1]}`, frame);
    },
  },
  {
    id: 'kasan-address',
    kind: 'kasan',
    start: /^BUG: KASAN: ([a-z\-]+) on address/,
    title: (c, h) => {
      const rw = c.find(/\b(Read|Write) of size (\d+)/);
      return rw ? `KASAN: ${h[1]} ${rw.match[1]} of size ${rw.match[2]}` : `KASAN: ${h[1]}`;
    },
  },
  { id: 'kasan-other', kind: 'kasan', start: /^BUG: KASAN: (.*)/, title: (_c, h) => `KASAN: ${h[1]}` },
  {
    id: 'kmsan-usb-infoleak',
    kind: 'kmsan',
    start: /^BUG: KMSAN: kernel-usb-infoleak in ([A-Za-z0-9_.]+)/,
    title: (c) => in_('KMSAN: kernel-usb-infoleak', c.frame({ ...stackOnly(['usb_submit_urb', 'usb_start_wait_urb', 'usb_bulk_msg', 'usb_interrupt_msg', 'usb_control_msg']) })),
  },
  {
    id: 'kmsan',
    kind: 'kmsan',
    start: /^BUG: KMSAN: ([a-z\- ]+?) in ([A-Za-z0-9_.]+)/,
    title: (c, h) => in_(`KMSAN: ${h[1]}`, c.frame({ parts: [/^BUG: KMSAN: [a-z\- ]+? in ([A-Za-z0-9_.]+)/, /Call Trace:|Call trace:/, 'stack'], skip: ['copy_to_user', 'copy_from_user', '_copy_to', 'instrument_', 'alloc_skb', 'netlink_ack', 'netlink_rcv_skb', '_encrypt$', '^(?:crypto|cipher|drbg|rng)_'] })),
  },
  { id: 'kcsan', kind: 'kcsan', start: /^BUG: KCSAN: (.*)/, noStack: true, title: (_c, h) => `KCSAN: ${h[1].replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '').trim()}` },
  {
    id: 'kfence',
    kind: 'kfence',
    start: /^BUG: KFENCE: ([a-z\- ]+?)(?: (read|write))? in ([A-Za-z0-9_.]+)/,
    title: (c, h) => in_(`KFENCE: ${h[1]}${h[2] ? ' ' + h[2] : ''}`, c.frame({ parts: [/^BUG: KFENCE: .* in ([A-Za-z0-9_.]+)/, 'stack'], skip: ['kfree', 'kmem_', 'slab_'] })),
  },
  {
    id: 'ubsan',
    kind: 'ubsan',
    start: /^UBSAN: (?:Undefined behaviour in|([a-z\-]+) in)/,
    title: (c, h) => in_(`UBSAN: ${h[1] ?? 'undefined-behaviour'}`, c.frame({ ...stackOnly(['ubsan', 'overflow']) })),
  },
  // --- page faults and traps --------------------------------------------------------------------
  {
    id: 'paging-request',
    kind: 'page-fault',
    start: /^BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access|Unable to handle kernel instruction fetch)/,
    title: (c) => in_('BUG: unable to handle kernel paging request', c.frame(rip)),
  },
  {
    id: 'user-memory-access',
    kind: 'page-fault',
    start: /^BUG: unable to handle kernel access to user memory/,
    title: (c) => in_('BUG: unable to handle kernel access to user memory', c.frame(rip)),
  },
  {
    id: 'null-deref',
    kind: 'page-fault',
    start: /^BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)/,
    title: (c) => in_('BUG: unable to handle kernel NULL pointer dereference', c.frame(rip)),
  },
  {
    id: 'arm-null-deref',
    kind: 'page-fault',
    start: /^Unable to handle kernel NULL pointer dereference at virtual address/,
    title: (c) => in_('BUG: unable to handle kernel NULL pointer dereference', c.frame({ parts: ['rip', 'stack'] })),
  },
  {
    id: 'arm-paging-request',
    kind: 'page-fault',
    start: /^Unable to handle kernel (?:paging request|execution of user memory|write to read-only memory)/,
    title: (c) => in_('BUG: unable to handle kernel paging request', c.frame({ parts: ['rip', 'stack'] })),
  },
  {
    // riscv and arm64 say so when the kernel touched user memory outside the uaccess helpers.
    id: 'arm-user-memory-access',
    kind: 'page-fault',
    start: /^Unable to handle kernel access to user memory/,
    title: (c) => in_('BUG: unable to handle kernel access to user memory', c.frame({ parts: ['rip', 'stack'] })),
  },
  {
    id: 's390-fault',
    kind: 'page-fault',
    start: /^Unable to handle kernel pointer dereference in virtual kernel address space/,
    title: (c) => in_('BUG: unable to handle kernel paging request', c.frame({ parts: [/Krnl PSW :.*\(([A-Za-z_][\w.]*)\+0x/, /Call Trace:/, 'stack'] })),
  },
  // 4.x KASAN printed its GPF hint without a newline: the oops line is then glued to it.
  { id: 'gpf', kind: 'gpf', start: /^(?:kasan: GPF could be caused by NULL-ptr deref or user memory access)?(?:Oops: )?(?:segment-related )?general protection fault/, title: (c) => in_('general protection fault', c.frame(rip)) },
  { id: 'stack-segment', kind: 'trap', start: /^(?:Oops: )?stack segment: /, title: (c) => in_('stack segment fault', c.frame(rip)) },
  { id: 'divide-error', kind: 'trap', start: /^(?:Oops: )?divide[ _]error: /, title: (c) => in_('divide error', c.frame({ parts: ['rip'] })) },
  { id: 'invalid-opcode', kind: 'trap', continues: true, start: /^(?:Oops: )?invalid opcode: /, title: (c) => in_('invalid opcode', c.frame({ parts: ['rip'] })) },
  { id: 'int3', kind: 'trap', start: /^(?:Oops: )?int3: /, title: (c) => in_('int3', c.frame(rip)) },
  { id: 'double-fault', kind: 'trap', start: /^(?:traps: )?PANIC: double fault|^double fault: [0-9a-f]{4} \[#/, title: (c) => in_('PANIC: double fault', c.frame({ parts: ['rip'] })) },
  // A runaway recursion overflows wherever it happens to be: named, like a stall, by the entry it recursed from.
  { id: 'stack-overflow', kind: 'trap', start: /^(?:BUG: )?kernel stack overflow/, title: (c) => in_('kernel stack overflow', c.frame({ ...rip, extractor: stallFrame })) },
  { id: 'arm64-stack-overflow', kind: 'trap', start: /^Insufficient stack space to handle exception!/, title: (c) => in_('kernel stack overflow', c.frame({ ...stackOnly([...lockdepInternals, 'bad_stack', 'mark_lock', 'lock_is_held', 'rcu_read_lock', 'lock_acquire']), extractor: stallFrame })) },
  { id: 'stack-guard', kind: 'trap', start: /^BUG: (?:TASK |IRQ )?stack guard page was hit/, title: (c) => in_('BUG: stack guard page was hit', c.frame({ ...rip, extractor: stallFrame })) },
  {
    id: 'arm-unhandled-fault',
    kind: 'page-fault',
    start: /^Unhandled fault: /,
    title: (c) => in_('Unhandled fault', c.frame({ parts: ['rip', 'stack'] })),
  },
  {
    id: 'arm-internal-error',
    kind: 'oops',
    continues: true,
    start: /^Internal error: /,
    title: (c) => in_('Internal error', c.frame({ parts: ['rip', 'stack'] })),
  },
  // A bare oops line, when the line naming the fault before it was lost or cut from the excerpt.
  { id: 'oops', kind: 'oops', continues: true, start: /^(?:Oops: )?Oops: [0-9a-f]{4} \[#\d+\]/, title: (c) => in_('Oops', c.frame(rip)) },
  // --- kernel BUG ---------------------------------------------------------------------------------
  { id: 'bug-usercopy', kind: 'bug', start: /^kernel BUG at mm\/usercopy\.c/, title: (c) => in_('BUG: bad usercopy', c.frame(stackOnly(['usercopy', '__check']))) },
  { id: 'bug-list', kind: 'bug', start: /^kernel BUG at lib\/list_debug\.c/, title: (c) => in_('BUG: corrupted list', c.frame(stackOnly())) },
  { id: 'bug-at', kind: 'bug', start: /^kernel BUG at (\S+)/, title: (c) => in_('kernel BUG', c.frame({ ...rip, skip: ['^skb_put', '^skb_push', '^skb_pull', '^skb_under', '^skb_over', '__phys_addr', 'check_heap_object', 'check_object_size', 'assertfail', 'usercopy', '^folio_', '^__folio'] })) },
  { id: 'bug-kernel', kind: 'bug', start: /^Kernel BUG (.*)/, title: (_c, h) => `kernel BUG ${h[1]}` },
  { id: 'bug-spinlock', kind: 'lock', start: /^BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|bad magic|wrong owner|wrong CPU)/, title: (c, h) => in_(`BUG: ${h[1]} ${h[2]}`, c.frame(stackOnly(['spin_', '_raw_', 'do_raw_', 'rwlock']))) },
  { id: 'soft-lockup', kind: 'stall', start: /^(?:(?:NMI )?watchdog: )?BUG: soft lockup/, title: (c) => in_('BUG: soft lockup', c.frame({ ...stallPick, parts: ['rip', /Call [Tt]race:/, 'stack'] })) },
  { id: 'bug-locks-held', kind: 'lock', start: /^BUG: .*still has locks held!/, title: (c) => in_('BUG: still has locks held', lockFrame(c, /still has locks held/)) },
  { id: 'bug-lock-user', kind: 'lock', start: /^BUG: lock held when returning to user space/, title: (c) => in_('BUG: lock held when returning to user space', lockFrame(c, /lock(?:s)? held|held lock freed/)) },
  { id: 'bug-bad-unlock', kind: 'lock', start: /^BUG: bad unlock balance detected!/, title: (c) => in_('BUG: bad unlock balance', lockFrame(c, /is trying to release lock/)) },
  { id: 'bug-held-lock-freed', kind: 'lock', start: /^BUG: held lock freed!/, title: (c) => in_('BUG: held lock freed', lockFrame(c, /lock(?:s)? held|held lock freed/)) },
  { id: 'bug-rss', kind: 'bug', noStack: true, start: /^BUG: Bad rss-counter state/, title: () => 'BUG: Bad rss-counter state' },
  { id: 'bug-nr-ptes', kind: 'bug', noStack: true, start: /^BUG: non-zero (nr_ptes|pgtables_bytes) on freeing mm/, title: (_c, h) => `BUG: non-zero ${h[1]} on freeing mm` },
  // The block device and filesystem in the line would split one bug into many: the operation names it.
  { id: 'bug-dentry', kind: 'bug', start: /^BUG: Dentry .* still in use(?: \(-?\d+\) \[(unmount) of)?/, title: (c, h) => in_('BUG: Dentry still in use', h[1] ?? c.frame(stackOnly())) },
  // The stack that freed the page only found the damage: whoever allocated the page is the suspect.
  {
    id: 'bug-bad-page-state',
    kind: 'bug',
    start: /^BUG: Bad page (state|map)/,
    title: (c, h) => {
      const skip = ['(?:free|put|get|update|release)_page', 'free_unref', 'free_pcp', 'bad_page', '^_*folio', 'truncate_inode_pages', 'page_frag_free', 'alloc', 'vmap', 'page_owner', 'page_'];
      return in_(`BUG: Bad page ${h[1]}`, c.frame({ parts: [/page last allocated/, 'stack'], fallback: [/Call Trace:|Call trace:|Backtrace:/, 'stack'], skip }));
    },
  },
  { id: 'bug-workqueue-lockup', kind: 'stall', noStack: true, start: /^BUG: workqueue lockup/, title: () => 'BUG: workqueue lockup' },
  { id: 'bug-workqueue-leak', kind: 'lock', start: /^BUG: workqueue leaked lock or atomic/, title: (c) => in_('BUG: workqueue leaked lock or atomic', c.find(/last function: ([A-Za-z0-9_.]+)/)?.match[1]) },
  { id: 'bug-max-stack', kind: 'lock', start: /^BUG: MAX_STACK_TRACE_ENTRIES too low!/, title: () => 'BUG: MAX_STACK_TRACE_ENTRIES too low!' },
  { id: 'bug-lock-class', kind: 'lock', start: /^BUG: (MAX_LOCKDEP_[A-Z_]+ too low!|looking up invalid subclass)/, title: (_c, h) => `BUG: ${h[1]}` },
  { id: 'bug-sleeping', kind: 'atomic', start: /^BUG: sleeping function called from invalid context/, title: (c) => in_('BUG: sleeping function called from invalid context', c.frame(stackOnly(['might_sleep', 'might_fault', '__might', 'cond_resched', 'schedule'])) ) },
  { id: 'bug-scheduling-atomic', kind: 'atomic', start: /^BUG: scheduling while atomic/, title: (c) => in_('BUG: scheduling while atomic', c.frame(stackOnly(['schedule', 'preempt_', '__schedule_bug', 'cond_resched']))) },
  { id: 'bug-preemptible', kind: 'atomic', start: /^BUG: using ([a-z_]+\(\)) in preemptible/, title: (c, h) => in_(`BUG: using ${h[1]} in preemptible code`, c.frame(stackOnly(['this_cpu', 'preempt', 'smp_processor_id']))) },
  { id: 'bug-corrupted-list', kind: 'bug', start: /^(?:list_add|list_del) corruption/, title: (c) => in_('BUG: corrupted list', c.frame(stackOnly())) },
  { id: 'bug-usercopy-msg', kind: 'bug', start: /^usercopy: Kernel memory (?:exposure|overwrite) attempt/, title: (c) => in_('BUG: bad usercopy', c.frame(stackOnly(['usercopy', '__check']))) },
  { id: 'memory-leak', kind: 'leak', start: /^BUG: memory leak/, title: (c) => in_('memory leak', c.frame({ parts: [/backtrace/, 'stack'], skip: ['kmemleak', 'kmalloc', 'kcalloc', 'kzalloc', 'krealloc', 'kmem', 'slab', 'alloc', 'create_object', 'idr_get', 'list_lru_init', 'kasprintf', 'kvasprintf', 'pcpu_create', 'strdup', 'strndup', 'kmemdup', 'mempool', 'kvmalloc', 'vmalloc', 'page_ext'] })) },
  // --- warnings -------------------------------------------------------------------------------------
  warningRule('warn-refcount', /lib\/refcount\.c/, 'WARNING: refcount bug', ['refcount', 'kobject_', 'kref_get']),
  { id: 'refcount', kind: 'warning', start: /^refcount_t: (?:underflow|overflow|saturated|decrement hit 0|addition on 0)/, title: (c) => in_('WARNING: refcount bug', c.frame({ parts: ['rip', 'stack'], skip: ['refcount'] })) },
  warningRule('warn-lockdep', /kernel\/locking\/(?:lockdep|mutex|rtmutex|rwsem|spinlock_debug|mutex-debug)\.c/, 'WARNING: locking bug', lockdepInternals),
  warningRule('warn-odebug', /lib\/debugobjects\.c/, 'WARNING: ODEBUG bug', odebugSkip),
  { id: 'odebug', kind: 'warning', start: /^ODEBUG: /, title: (c) => in_('WARNING: ODEBUG bug', c.frame({ parts: ['rip', 'stack'], skip: odebugSkip })) },
  warningRule('warn-usercopy', /mm\/usercopy\.c/, 'WARNING: bad usercopy', ['usercopy', '__check']),
  warningRule('warn-kobject', /lib\/kobject\.c/, 'WARNING: kobject bug', ['kobject_']),
  warningRule('warn-proc', /fs\/proc\/generic\.c/, 'WARNING: proc registration bug', ['proc_']),
  warningRule('warn-zero-vmalloc', /mm\/vmalloc\.c:\d+ __vmalloc_node_range/, 'WARNING: zero-size vmalloc', ['vmalloc', 'vzalloc', 'kvmalloc', 'kvzalloc', 'kvcalloc']),
  warningRule('warn-kmalloc', /(?:mm\/util\.c:\d+ kvmalloc|mm\/slab_common\.c:\d+ kmalloc)/, 'WARNING: kmalloc bug', ['kmalloc', 'kcalloc', 'kzalloc', 'kvmalloc', 'krealloc', 'kvzalloc', 'kvcalloc', 'vmalloc', 'alloc_pages', '__alloc', 'kmem_', 'slab', 'get_free_pages', '__get_free', 'memdup']),
  { id: 'warn-circular', kind: 'lockdep', start: /^(?:WARNING|INFO): possible circular locking dependency detected/, title: (c) => in_('possible deadlock', lockFrame(c, /is trying to acquire lock/)) },
  { id: 'warn-recursive', kind: 'lockdep', start: /^(?:WARNING|INFO): possible recursive locking detected/, title: (c) => in_('possible deadlock', lockFrame(c, /is trying to acquire lock/)) },
  { id: 'warn-irq-inversion', kind: 'lockdep', start: /^(?:WARNING|INFO): possible irq lock inversion dependency detected/, title: (c) => in_('possible deadlock', lockFrame(c, /just changed the state of lock/)) },
  { id: 'warn-irq-order', kind: 'lockdep', start: /^(?:WARNING|INFO): (?:SOFTIRQ|HARDIRQ)-safe -> (?:SOFTIRQ|HARDIRQ)-unsafe lock order detected/, title: (c) => in_('possible deadlock', c.frame({ parts: [/which became .* at:/, 'stack'] }) ?? lockFrame(c, /is trying to acquire/)) },
  { id: 'warn-inconsistent', kind: 'lockdep', start: /^(?:WARNING|INFO): inconsistent lock state/, title: (c) => in_('inconsistent lock state', lockFrame(c, /takes/, atFrame)) },
  { id: 'warn-suspicious-rcu', kind: 'lockdep', start: /^(WARNING|INFO): suspicious (?:RCU usage|rcu_dereference_check\(\) usage)/, title: (c, h) => in_(`${h[1]}: suspicious RCU usage`, c.frame(stackOnly(['rcu', 'kmem', 'slab', 'kmalloc', 'vmalloc', 'kcalloc', 'kzalloc']))) },
  { id: 'warn-bad-unlock', kind: 'lockdep', start: /^WARNING: bad unlock balance detected!/, title: (c) => in_('WARNING: bad unlock balance', lockFrame(c, /is trying to release lock/)) },
  { id: 'warn-held-lock-freed', kind: 'lockdep', start: /^WARNING: held lock freed!/, title: (c) => in_('WARNING: held lock freed', lockFrame(c, /lock(?:s)? held|held lock freed/)) },
  { id: 'warn-lock-user', kind: 'lockdep', start: /^WARNING: lock held when returning to user space!/, title: (c) => in_('WARNING: lock held when returning to user space', lockFrame(c, /lock(?:s)? held|held lock freed/)) },
  { id: 'warn-locks-held', kind: 'lockdep', start: /^WARNING: .*still has locks held!/, title: (c) => in_('WARNING: still has locks held', lockFrame(c, /still has locks held/)) },
  { id: 'bug-invalid-wait', kind: 'lockdep', start: /^BUG: Invalid wait context/, title: (c) => in_('WARNING: locking bug', c.frame(stackOnly(lockdepInternals))) },
  { id: 'warn-nested-lock', kind: 'lockdep', start: /^WARNING: Nested lock was not taken|^WARNING: nested lock was not taken/, title: (c) => in_('WARNING: nested lock was not taken', c.frame(stackOnly())) },
  { id: 'warn-stack-bp', kind: 'warning', noStack: true, start: /^WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value/, title: (_c, h) => `WARNING: kernel stack regs has bad '${h[1]}' value` },
  { id: 'warn-stack-fp', kind: 'warning', noStack: true, start: /^WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value/, title: () => 'WARNING: kernel stack frame pointer has bad value' },
  { id: 'warn-stack-bad', kind: 'warning', noStack: true, start: /^WARNING: kernel stack (?:regs|frame pointer) .* has bad/, title: () => 'WARNING: kernel stack regs has bad value' },
  {
    id: 'warning',
    kind: 'warning',
    start: /^WARNING: (?:CPU: \d+ PID: \d+ at |(?:.* )?at )?(\S+):(\d+) ([A-Za-z0-9_.]+)\+0x/,
    title: (c, h) => {
      // USB drivers misuse usb_submit_urb in many ways: syzbot keeps the driver and the helper both.
      if (h[3] === 'usb_submit_urb') return in_('WARNING', `${c.frame({ parts: ['rip', 'stack'], skip: ['usb_submit_urb', ...warnHelpers] }) ?? 'corrupted'}/usb_submit_urb`);
      return in_('WARNING', c.frame({ parts: [/^WARNING: .* ([A-Za-z0-9_.]+)\+0x/, 'rip', 'stack'], skip: warnHelpers }) ?? h[3]);
    },
  },
  {
    id: 'warning-cond',
    kind: 'warning',
    start: /^WARNING: (?:\[.*?\] )?\S+:\d+ at ([A-Za-z0-9_.]+)\+0x/,
    title: (c, h) => in_('WARNING', c.frame({ parts: [/^WARNING: .* at ([A-Za-z0-9_.]+)\+0x/, 'rip', 'stack'] }) ?? h[1]),
  },
  {
    id: 'warning-no-func',
    kind: 'warning',
    start: /^WARNING: (?:CPU: \d+ PID: \d+ at |(?:.* )?at )?\S+:\d+/,
    title: (c) => in_('WARNING', c.frame({ parts: ['rip', 'stack'] })),
  },
  // A driver's own `WARNING:` message (dev_warn's `usb 5-1: ` prefix allowed) with no site or stack: its text names it.
  { id: 'warning-text', kind: 'warning', noStack: true, start: /^(?:[\w.\-]+ [\w.:\-]+: )?WARNING: (\S.*?)\s*$/, title: (_c, h) => `WARNING: ${h[1]}` },
  // --- INFO: stalls and hangs -------------------------------------------------------------------------
  {
    id: 'rcu-stall',
    kind: 'stall',
    start: /^INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stalls?|^rcu: INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stalls?/,
    title: (c) => in_('INFO: rcu detected stall', c.frame(stallPick)),
  },
  { id: 'task-hung', kind: 'hang', start: /^INFO: task .* blocked.* for more than \d+ seconds/, title: (c) => in_('INFO: task hung', c.frame({ ...stackOnly(), extractor: hangFrame })) },
  { id: 'task-cant-die', kind: 'hang', start: /^INFO: task .* can't die for more than/, title: (c) => in_("INFO: task can't die", c.frame(stackOnly(['schedule']))) },
  { id: 'non-static-key', kind: 'lockdep', start: /^INFO: trying to register non-static key/, title: (c) => in_('INFO: trying to register non-static key', c.frame(stackOnly(['stack', 'lock', 'IRQ']))) },
  // --- panics --------------------------------------------------------------------------------------------
  { id: 'panic-stack-protector', kind: 'panic', start: /^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z0-9_.]+)?/, title: (c, h) => in_('kernel panic: stack is corrupted', h[1] && !/^[0-9a-f]+$/.test(h[1]) ? h[1].split('.')[0].replace(/\+.*/, '') : c.frame(stackOnly(['stack_chk']))) },
  { id: 'panic-stack-end', kind: 'panic', start: /^Kernel panic - not syncing: corrupted stack end detected inside scheduler/, title: (c) => in_('kernel panic: corrupted stack end', c.frame({ ...stackOnly(['schedule', 'retint_kernel']), extractor: stallFrame })) },
  { id: 'panic-kill-init', kind: 'panic', continues: true, start: /^Kernel panic - not syncing: Attempted to kill init!/, title: () => 'kernel panic: Attempted to kill init!' },
  { id: 'panic-ntty', kind: 'panic', start: /^Kernel panic - not syncing: Couldn't open N_TTY ldisc/, title: () => "kernel panic: Couldn't open N_TTY ldisc" },
  { id: 'panic', kind: 'panic', continues: true, noStack: true, start: /^Kernel panic - not syncing: (.*)/, title: (_c, h) => `kernel panic: ${sanitizeTitle(h[1]).replace(/\s*\]---$/, '')}` },
  { id: 'slub', kind: 'slab', start: /^BUG ([A-Za-z0-9_\-()]+)(?: \((?:Not tainted|Tainted: [A-Z ]+)\))?: (?!kasan: bad access)(.+)$/, title: (c, h) => in_(`BUG: ${h[1]}: ${sanitizeTitle(h[2])}`, c.frame(stackOnly(['slab', 'slub', 'kmem_', 'kfree', 'kmalloc', '__free', 'free_debug']))) },
  // --- everything else ---------------------------------------------------------------------------------
  { id: 'reboot', kind: 'reboot', noStack: true, start: /^Booting the kernel\./, title: () => 'unexpected kernel reboot' },
  // Printed every few seconds while a device is stuck: inside another report it is that report's noise.
  { id: 'netdev-free', kind: 'hang', noStack: true, continues: true, start: /^unregister_netdevice: waiting for .* to become free/, title: () => 'unregister_netdevice: waiting for DEV to become free' },
  { id: 'vfs-busy-inodes', kind: 'bug', noStack: true, start: /^VFS: Busy inodes after unmount/, title: () => 'VFS: Busy inodes after unmount (use-after-free)' },
  { id: 'vfs-file-count', kind: 'bug', noStack: true, start: /^VFS: Close: file count is (?:zero|0)/, title: () => 'VFS: Close: file count is zero (use-after-free)' },
  { id: 'trusty-assert', kind: 'panic', noStack: true, start: /^trusty: panic .*?(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)/, title: (_c, h) => `trusty: ASSERT FAILED: ${h[1].trim()}` },
  { id: 'trusty-panic', kind: 'panic', noStack: true, start: /^trusty: panic \(.*?\): (.+)/, title: (_c, h) => `trusty: panic: ${sanitizeTitle(h[1])}` },
  { id: 'syzfail', kind: 'executor', noStack: true, start: /^(SYZFAIL|SYZFATAL): (.*)/, title: (_c, h) => `${h[1]}: ${sanitizeTitle(h[2])}` },
  { id: 'rust-panic', kind: 'panic', start: /^rust_kernel: panicked at .*?:\s*(?:\n)?(.*)$/, title: (c, h) => (h[1] ? in_(h[1].trim(), c.frame(stackOnly(['panic', 'rust_begin_unwind', 'core::panicking']))) : undefined) },
];
