// The kernel's definition-making macros, as a table: what `SYSCALL_DEFINE3(open, ...)`, `TRACE_EVENT(x, ...)`,
// `DEFINE_MUTEX(x)` and friends define, so those names (which appear in crash frames) have a definition at
// the invocation line, marked with the macro that made them. Families are from include/linux/syscalls.h,
// arch/x86/include/asm/syscall_wrapper.h, include/trace/trace_events.h, include/linux/filter.h (6.1).
import type { DefKind } from './file-facts.js';

export interface GeneratedDef {
  name: string;
  kind: DefKind;
  isWeak?: boolean;
  /** This generated function owns the braces that follow the invocation (calls inside are its calls). */
  ownsBody?: boolean;
  /** A guess from the `DEFINE_*(name)` habit: the invocation is expanded too, and the guess dropped when that finds functions. */
  guess?: boolean;
  /** What the generated body calls (include/trace/trace_events.h, perf.h, bpf_probe.h in 6.1). */
  calls?: string[];
  /**
   * Its stack canary under -fstack-protector-strong: `always` (the generated body takes the address of a
   * local), or `inlined-body` (the body written after the invocation is inlined into this function).
   */
  canary?: 'always' | 'inlined-body';
}

const syscallDefine = /^SYSCALL_DEFINE[0-6]$/;
const compatSyscallDefine = /^COMPAT_SYSCALL_DEFINE[0-6]$/;
const bpfCall = /^BPF_CALL_[0-5]$/;
const identifier = /^[A-Za-z_]\w*$/;

function syscallNames(base: string, compat: boolean): GeneratedDef[] {
  const p = compat ? 'compat_sys_' : 'sys_';
  return [
    { name: `__do_${p}${base}`, kind: 'function', ownsBody: true },
    { name: `__se_${p}${base}`, kind: 'function', calls: [`__do_${p}${base}`] },
    { name: `__x64_${p}${base}`, kind: 'function', calls: [`__se_${p}${base}`], canary: 'inlined-body' },
    { name: `__ia32_${p}${base}`, kind: 'function', calls: [`__se_${p}${base}`], canary: 'inlined-body' },
    { name: `${p}${base}`, kind: 'prototype' },
  ];
}

const traceEventPrefixes = ['trace_', '__traceiter_', 'register_trace_', 'unregister_trace_', 'register_trace_prio_', 'check_trace_callback_type_'];
const bufferCalls = ['trace_event_buffer_reserve', 'trace_event_buffer_commit', 'trace_trigger_soft_disabled'];

/** The number of arguments in `TP_ARGS(a, b, c)` among an event macro's arguments (bpf_trace_runN). */
function traceArgCount(args: string[]): number | undefined {
  const tp = args.find((a) => /^\s*TP_ARGS\s*\(/.test(a));
  if (!tp) return undefined;
  const inner = tp.slice(tp.indexOf('(') + 1, tp.lastIndexOf(')')).trim();
  return inner === '' || inner === 'void' ? 0 : inner.split(',').length;
}

function traceClass(name: string, args: string[]): GeneratedDef[] {
  const n = traceArgCount(args);
  const fn = (p: string, calls: string[], canary?: 'always') => ({ name: p + name, kind: 'function' as const, calls, canary });
  return [
    // `struct trace_event_buffer fbuffer` and perf's `&__regs`, `&rctx`: locals whose address is taken.
    fn('trace_event_raw_event_', bufferCalls, 'always'),
    fn('do_trace_event_raw_event_', bufferCalls),
    fn('perf_trace_', ['perf_trace_buf_alloc', 'perf_fetch_caller_regs', 'perf_trace_run_bpf_submit'], 'always'),
    fn('__bpf_trace_', n === undefined ? [] : [`bpf_trace_run${n}`]),
    fn('trace_raw_output_', ['trace_raw_output_prep', 'trace_event_printf', 'trace_handle_return']),
    fn('trace_event_get_offsets_', []),
    fn('trace_event_define_fields_', ['trace_define_field']),
  ];
}

function traceEvent(name: string): GeneratedDef[] {
  return [
    ...traceEventPrefixes.map((p) => ({ name: p + name, kind: 'function' as const })),
    { name: `trace_${name}_enabled`, kind: 'function' },
    { name: `trace_${name}_rcuidle`, kind: 'function' },
  ];
}

/** Variable-defining macros whose variable is the second argument (`DEFINE_PER_CPU(type, name)`). */
const secondArgVariable = /^(DEFINE|DECLARE)_PER_CPU\w*$/;
/** Macros known to define a variable named by their first argument. */
const knownVariable = /^DEFINE_(MUTEX|SPINLOCK|RAW_SPINLOCK|RWLOCK|IDA|IDR|XARRAY\w*|SEMAPHORE|STATIC_KEY\w*|SRCU|STATIC_SRCU|RATELIMIT_STATE|WAIT\w*|SEQLOCK|HASHTABLE|READ_MOSTLY_HASHTABLE|RWSEM|PERCPU_RWSEM|STATIC_PERCPU_RWSEM|LLIST_HEAD|KLIST|SPINLOCK_IRQ|WW_CLASS|WD_CLASS|SIMPLE_DEV_PM_OPS|RUNTIME_DEV_PM_OPS|CLASS_ATTR\w*)$/;
/** Macros that take a name and define a variable of that name (the kernel's `DEFINE_*(name, ...)` habit). */
const firstArgVariable = /^(DEFINE_[A-Z0-9_]+|DECLARE_(WAIT_QUEUE_HEAD|COMPLETION|RWSEM|BITMAP|HASHTABLE|KFIFO\w*|DELAYED_WORK|WORK|TASKLET\w*)|LIST_HEAD|HLIST_HEAD|LLIST_HEAD|ATOMIC_NOTIFIER_HEAD|BLOCKING_NOTIFIER_HEAD|RAW_NOTIFIER_HEAD|SRCU_NOTIFIER_HEAD)$/;
/** DEFINE_* macros that make something other than a variable named by their first argument. */
const notVariable = /^DEFINE_(EVENT\w*|GUARD\w*|FREE|CLASS|LOCK_GUARD\w*|TRACE\w*|STATIC_CALL\w*)$/;

/**
 * What a macro invocation written at file scope defines. `args` are the invocation's arguments as source
 * text; `hasBody` is true when braces follow (a generated function's body).
 */
export function generatedDefinitions(macro: string, args: string[], hasBody: boolean): GeneratedDef[] {
  const a0 = args[0]?.trim() ?? '';
  const a1 = args[1]?.trim() ?? '';
  if (syscallDefine.test(macro) && identifier.test(a0)) return syscallNames(a0, false);
  if (compatSyscallDefine.test(macro) && identifier.test(a0)) return syscallNames(a0, true);
  if (macro === 'COND_SYSCALL' && identifier.test(a0)) {
    return syscallNames(a0, false).filter((d) => d.kind === 'function' && !d.ownsBody).map((d) => ({ ...d, isWeak: true, calls: ['sys_ni_syscall'] }));
  }
  if (macro === 'COND_SYSCALL_COMPAT' && identifier.test(a0)) {
    return syscallNames(a0, true).filter((d) => d.kind === 'function' && !d.ownsBody).map((d) => ({ ...d, isWeak: true, calls: ['sys_ni_syscall'] }));
  }
  if (bpfCall.test(macro) && identifier.test(a0)) {
    return [
      { name: `____${a0}`, kind: 'function', ownsBody: hasBody },
      { name: a0, kind: 'function', canary: 'inlined-body' },
    ];
  }
  if (/^(DECLARE_EVENT_CLASS|DECLARE_EVENT_CLASS_NOP)$/.test(macro) && identifier.test(a0)) return traceClass(a0, args);
  if (/^TRACE_EVENT(_FN|_CONDITION|_FN_COND|_NOP|_RCU)?$/.test(macro) && identifier.test(a0)) return [...traceClass(a0, args), ...traceEvent(a0)];
  if (/^DECLARE_TRACE(_CONDITION)?$/.test(macro) && identifier.test(a0)) {
    const n = traceArgCount(args);
    return [...traceEvent(a0), { name: `__bpf_trace_${a0}`, kind: 'function', calls: n === undefined ? [] : [`bpf_trace_run${n}`] }];
  }
  // include/linux/lsm_hook_defs.h, expanded by kernel/bpf/bpf_lsm.c into bpf_lsm_<hook>.
  if (macro === 'LSM_HOOK' && identifier.test(args[2]?.trim() ?? '')) return [{ name: `bpf_lsm_${args[2]!.trim()}`, kind: 'function' }];
  if (/^DEFINE_EVENT(_FN|_CONDITION|_NOP)?$/.test(macro) && identifier.test(a1)) return traceEvent(a1);
  if (macro === 'DEFINE_EVENT_PRINT' && identifier.test(a1)) return [...traceEvent(a1), { name: `trace_raw_output_${a1}`, kind: 'function' }];
  if (hasBody) return [];
  if (secondArgVariable.test(macro)) {
    const name = /([A-Za-z_]\w*)\s*$/.exec(a1)?.[1];
    return name ? [{ name, kind: macro.startsWith('DECLARE') ? 'extern' : 'variable' }] : [];
  }
  if (firstArgVariable.test(macro) && !notVariable.test(macro) && identifier.test(a0)) {
    return [{ name: a0, kind: 'variable', guess: !knownVariable.test(macro) && macro.startsWith('DEFINE_') }];
  }
  return [];
}

/** Macros the table above answers for: the expander stops at them instead of expanding their #define. */
export function isTableMacro(macro: string): boolean {
  return syscallDefine.test(macro) || compatSyscallDefine.test(macro) || bpfCall.test(macro) || /^(COND_SYSCALL\w*|DECLARE_EVENT_CLASS\w*|TRACE_EVENT\w*|DECLARE_TRACE\w*|DEFINE_EVENT\w*|LSM_HOOK)$/.test(macro);
}

/** `module_init(fn)` and friends: the symbol the macro makes and the function it names. */
export function moduleAlias(macro: string, args: string[]): [string, string] | undefined {
  const fn = args[0]?.trim() ?? '';
  if (!identifier.test(fn)) return undefined;
  if (macro === 'module_init') return ['init_module', fn];
  if (macro === 'module_exit') return ['cleanup_module', fn];
  return undefined;
}

export const exportMacro = /^EXPORT_(SYMBOL|SYMBOL_GPL|SYMBOL_NS|SYMBOL_NS_GPL|PER_CPU_SYMBOL|PER_CPU_SYMBOL_GPL|STATIC_CALL\w*)$/;

/** Identifiers that look like `name(...)` but are keywords, operators or attributes, never calls. */
export const notCallable = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual',
  '_Alignof', 'alignof', '__alignof__', '_Generic', '_Static_assert', 'static_assert', '__attribute__',
  '__attribute', 'asm', '__asm__', '__asm', 'volatile', '__volatile__', 'defined', 'do', 'else', 'case',
  '__builtin_offsetof', '__builtin_types_compatible_p', '__builtin_choose_expr', '__builtin_expect',
  '__builtin_constant_p', '_Pragma', '__stringify',
]);

/** Trailing annotations with arguments that may sit between a function's `)` and its `{`. */
export const trailingAttribute = /^(__attribute__|__attribute|__acquires|__releases|__must_hold|__cond_acquires|__cond_lock|__printf|__scanf|__alloc_size|__section|__aligned|__diag_ignore\w*|__no_sanitize\w*|__nocfi|__malloc|__assume_aligned|__counted_by|__overloadable|__no_stack_protector)$/;

export const cKeywords = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
  '_Bool', 'bool', 'define', 'include', 'ifdef', 'ifndef', 'endif', 'elif', 'undef', 'defined',
]);
