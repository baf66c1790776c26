// What title rules see of a report: its lines, and a frame picker that walks them the way syzkaller does
// (a sequence of parts: a line pattern naming a function, the faulting RIP/pc line, or the next stack
// trace), skipping reporting machinery, so titles agree with syzbot's.
import { baseFunctionName } from './frame-name.js';
import { parseFrameLine, parseSymbolRef } from './parse-frame-line.js';

export type FramePart = 'rip' | 'stack' | RegExp;

export interface FramePick {
  parts: FramePart[];
  /** Tried when `parts` found nothing. */
  fallback?: FramePart[];
  skip?: readonly string[];
  /** Chooses among the non-skipped frames in order; default: the first. */
  extractor?: (frames: string[]) => string | undefined;
}

/** Function-name substrings that are reporting or generic machinery, never the bug's identity. */
export const commonSkip: readonly string[] = [
  '__sanitizer', '__asan', 'kasan', '__msan', 'kmsan', 'kcsan', 'kfence', 'check_memory_region', 'read_word_at_a_time',
  'print_address_description', 'panic', 'invalid_op', 'report_bug', 'fixup_bug', 'do_error', '_trap$', 'dump_stack',
  'warn_slowpath', 'warn_alloc', '__warn', 'debug_object', 'timer_is_static_object', 'work_is_static_object',
  'lockdep', 'perf_trace', 'lock_acquire', 'lock_release', 'lock_class', 'reacquire_held_locks', 'spin_lock',
  'spin_trylock', 'spin_unlock', 'raw_read_lock', 'raw_read_trylock', 'raw_write_lock', 'raw_write_trylock',
  '^down$', 'down_read', 'down_write', 'down_interruptible', 'down_killable', 'up_read', 'up_write', 'mutex_lock', 'mutex_trylock',
  'mutex_unlock', 'mutex_remove_waiter', 'osq_lock', 'osq_unlock', '__wake_up', 'refcount_add', 'refcount_sub',
  'refcount_inc', 'refcount_dec', 'refcount_set', 'refcount_read', 'refcount_warn_saturate', 'memcpy', 'memcmp',
  'memset', 'memchr', 'memmove', 'strcmp', 'strncmp', 'strcpy', 'strlcpy', 'strncpy', 'strscpy', 'strlen', 'strnstr',
  'strnlen', 'strchr', 'strcat', 'copy_to_user', 'copy_from_user', 'copy_to_iter', 'copy_from_iter', 'put_user',
  'get_user', 'might_fault', 'might_sleep', 'list_add', 'list_del', 'list_replace', 'list_move', 'list_splice',
  '_indirect_thunk_', 'string', '^pointer$', 'snprintf', 'scnprintf', 'kasprintf', 'kvasprintf', 'printk',
  'va_format', 'dev_info', 'dev_notice', 'dev_warn', 'dev_err', 'dev_alert', 'dev_crit', 'dev_emerg',
  'program_check_exception', 'program_check_common', 'del_timer', 'flush_work', '__cancel_work_timer',
  'cancel_work_sync', 'try_to_grab_pending', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue',
  'finish_wait', 'kthread_stop', 'kobject_del', 'kobject_put', 'kobject_uevent_env', 'add_uevent_var',
  'get_device_parent', 'device_add', 'device_del', 'device_unregister', 'device_destroy', 'device_release',
  'devres_release_all', 'hwrng_unregister', 'i2c_del_adapter', '__unregister_client', 'device_for_each_child',
  'rollback_registered', 'unregister_netdev', 'sysfs_remove', 'device_remove_file', 'tty_unregister_device',
  'dummy_urb_enqueue', 'usb_kill_urb', 'usb_kill_anchored_urbs', 'usb_control_msg', 'usb_hcd_submit_urb',
  'usb_submit_urb', '^complete$', 'wait_for_completion', '^kfree$', 'kfree_skb', 'readb$', 'readw$', 'readl$',
  'readq$', '__do_softirq', '^irq_exit', '^_*report_', '^exc_', 'asm_exc_', 'handle_bug', 'do_trap', 'ubsan_',
  '__ubsan', 'should_fail', 'stack_trace_', 'arch_stack_walk', 'show_stack', 'show_regs', 'die$', '__die',
  'do_kern_addr_fault', 'handle_page_fault', 'kernelmode_fixup_or_oops', 'page_fault_oops', 'no_context',
  'do_user_addr_fault', 'asm_sysvec', 'sysvec_', '^rb_', '^__rb_', 'dump_backtrace', 'show_stack',
  'fortify_panic', '__fortify', 'print_report', '^print_', 'do_bad_area', 'do_tag_check_fault', 'do_mem_abort', 'el1_abort',
  'el1h_', 'el1_sync', '__do_kernel_fault', 'walk_stackframe', 'trace_hardirqs', '^atomic_', '_atomic_dec', 'test_and_clear_bit',
  'test_and_set_bit', '^crc16', '__read_once', 'kmem_cache_alloc', '__kmem_cache', '^xas_', '^rhashtable_', '^crc', '^aes_',
  'strstr', 'copy_page_to_iter', 'hex_dump', '^klist_', '^iput$', 'kobject_cleanup', 'insert_work', 'queue_work',
  'lock_timer_base', 'mutex_optimistic_spin', '^unlock_page', '^put_device', '__hwasan', 'do_translation_fault', '^kvfree',
  '__alloc_frozen_pages', 'mark_buffer_dirty', 'fast_dput', '^d_walk', 'skb_release', 'skb_free_head', '__task_rq_lock',
  '^dput$', '__kmalloc', '^get_taint', '^__mod_timer', '^mod_timer', 'timer_delete', 'queue_delayed_work', 'skb_reason_drop', '^aes', 'shrink_dcache', 'check_preemption_disabled', '__this_cpu_preempt_check', 'debug_smp_processor_id',
  // Allocation, page-cache and I/O-accessor helpers a fault or warning lands in on behalf of its caller.
  'k?v?(?:m|z|c)alloc', 'krealloc', 'allocate_slab', 'folio_(?:alloc|unlock)', 'filemap_alloc_folio', '__filemap_get_folio',
  'find_or_create_page', 'do_read_cache_folio', 'read_cache_page', 'pagecache_get_page', 'grab_cache_page_write_begin',
  'find_lock_entries', 'truncate_inode_pages_range', 'writeb$', 'writew$', 'writel$', 'writeq$', 'logic_in', 'logic_out',
  'check_heap_object', 'memdup', 'strdup', 'strndup', 'copy_page_from_iter', 'copy_folio_to_iter', '^kref_', 'ref_tracker',
  '^kobject_', '^ihold$', '^iput_final$', 'print_hex_dump', 'stack_trace_save', 'stack_trace_consume_entry', '__might_resched',
  '__timer_delete_sync', 'sk_stop_timer_sync', 'extract_(?:user|iter)_to_sg', '__phys_addr', 'print_tainted', 'ida_free',
  // Lock wrappers (a subsystem's own `*_write_lock` included) and lock/irq-state debugging.
  'read_lock', 'read_trylock', 'write_lock', 'write_trylock', 'read_unlock', 'write_unlock', 'down_trylock', '^mutex_', '^__mutex_',
  '^rt_mutex_', 'owner_on_cpu', 'raw_spin_rq', '(?:reacquire|mark)_held_locks', 'mark_lock', 'bh_enable', 'bh_disable',
  '__might_fault', 'print_unlock', 'imbalance_bug', 'print_usage_bug', '(?:trace|lockdep)_(?:hard|soft)irq', 'walk_stack',
  'warn_bogus', 'check_object', '(?:read|write)_once_.*nocheck', 'seqprop_assert', '^copyin$', '^copyout$', 'crc_itu_t',
  'assertfail', 'el1h_64_sync', '__fortify_report', 'cleanup_srcu_struct', 'rhashtable_lookup', 'drop_nlink',
];

const stackStart = /Call Trace|Call trace:|Allocated by task \d+:|Freed by task \d+:|Allocated:|Freed:|[^k] backtrace:|^backtrace:|Uninit was (?:created|stored)|Local variable .* created at:|Last potentially related work creation:|Second to last potentially/;
const markerPrefix = /^\s*<\/?(?:IRQ|EOI|NMI|TASK|SOFTIRQ)>\s+(?=\S)/;
const armCall = /^\s*\[<[0-9a-f]+>\]\s+\(([A-Za-z_][\w.]*)[^)]*\) from \[<[0-9a-f]+>\] \(([A-Za-z_][\w.]*)/;
const armCaller = /\) from (?:\[<[0-9a-f]+>\] \()?([A-Za-z_][\w.]*)\+0x/;
const ripLine = /(?:^|\s)(?:[RE]IP is at|N?[RE]?IP|pc|PC is at|pc :)[: ]\s*(?:\[<[0-9a-f]+>\]\s*)?(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)*(.*)$/;

export class TitleContext {
  private readonly skipCache = new Map<string, RegExp>();

  constructor(readonly lines: string[]) {}

  /** The first line matching `re`, searching from `from`. */
  find(re: RegExp, from = 0): { index: number; match: RegExpExecArray } | undefined {
    for (let i = from; i < this.lines.length; i++) {
      const match = re.exec(this.lines[i]);
      if (match) return { index: i, match };
    }
    return undefined;
  }

  /** Matches a multi-line pattern against the report text. */
  search(re: RegExp): RegExpExecArray | null {
    return re.exec(this.lines.join('\n'));
  }

  frame(pick: FramePick): string | undefined {
    const skip = this.skipRegex([...commonSkip, ...(pick.skip ?? [])]);
    const first = this.walk(pick.parts, skip, pick.extractor);
    if (first !== undefined || !pick.fallback) return first;
    return this.walk(pick.fallback, skip, pick.extractor);
  }

  private walk(parts: FramePart[], skip: RegExp, extractor?: (f: string[]) => string | undefined): string | undefined {
    const frames: string[] = [];
    let pos = 0;
    const take = (name: string | undefined): void => {
      if (name === undefined) return;
      const base = baseFunctionName(name);
      if (base && !skip.test(base)) frames.push(base);
    };
    for (const part of parts) {
      if (part === 'stack') {
        for (; pos < this.lines.length; pos++) {
          // 2.6-era x86 prints an IRQ stack's first frame on its `<IRQ>` marker's line.
          const line = this.lines[pos].replace(markerPrefix, ' ');
          if (stackStart.test(line) && frames.length > 0) break;
          // ARM's `(callee) from (caller+off)`: both are frames (the caller may be the last one printed).
          const arm = armCall.exec(line);
          if (arm) {
            take(arm[1]);
            take(arm[2]);
            continue;
          }
          // `func file.c:12 [inline]` lines name no address of their own: syzkaller's frame pattern skips them.
          for (const f of parseFrameLine(line)) if (f.reliable && !(f.offset === undefined && f.sources?.length && f.sources.every((l) => l.inlined))) take(f.symbol);
          const from = armCaller.exec(line);
          if (from) take(from[1]);
        }
        continue;
      }
      if (part === 'rip') {
        // Register dumps (`NIP:  c000... LR: ...`) also start with the name: skip to the symbolized line.
        // After an interrupt entry the interrupted RIP follows at once; farther away it belongs to something else.
        const window = pos === 0 ? Infinity : pos + 8;
        for (let hit = this.find(ripLine, pos); hit && hit.index < window; hit = this.find(ripLine, hit.index + 1)) {
          pos = hit.index + 1;
          const rest = hit.match[1].replace(/^\[[0-9a-f]+\]\s*/, '');
          if (/^[0-9a-f]{8,16}\b/.test(rest) && !/\+0x/.test(rest)) continue;
          take(parseSymbolRef(rest)?.symbol ?? /^\(([A-Za-z_][\w.]*)\)/.exec(rest)?.[1]);
          break;
        }
        continue;
      }
      const hit = this.find(part, pos);
      if (!hit) continue;
      pos = hit.index + 1;
      take(hit.match[1] ?? hit.match[2]);
    }
    if (frames.length === 0) return undefined;
    return extractor ? extractor(frames) : frames[0];
  }

  private skipRegex(skip: string[]): RegExp {
    const key = skip.join('|');
    let re = this.skipCache.get(key);
    if (!re) {
      re = new RegExp(key);
      this.skipCache.set(key, re);
    }
    return re;
  }
}
