// The extractor on kernel idioms written out in small files: what it defines, at which line, through
// which macro, and which calls it sees, with both tree-sitter backends.
import { describe, expect, it } from 'vitest';
import { type CParser, type FileFacts, createWasmCParser, extractC, loadCParser, scanAsm } from '../../indexer/index.js';

const kernelC = `// SPDX-License-Identifier: GPL-2.0
#include <linux/sched.h>
#include "internal.h"

/**
 * do_thing - does the thing
 * @x: how much
 */
static void __init
do_thing(int x)
{
	helper(x);
	ops->open(x);
	dev->fops.release(x);
	if (x)
		schedule();
}

asmlinkage __visible void notrace __sched schedule(void)
{
	__schedule(SM_NONE);
}

static int foo(struct bar *b) __acquires(b->lock) __releases(b->lock)
{
	return kmalloc(10, GFP_KERNEL) != NULL;
}

SYSCALL_DEFINE3(open, const char __user *, filename, int, flags, umode_t, mode)
{
	return do_sys_open(AT_FDCWD, filename, flags, mode);
}

COMPAT_SYSCALL_DEFINE2(mything, int, a, int, b)
{
	return 0;
}

BPF_CALL_2(bpf_map_lookup_elem, struct bpf_map *, map, void *, key)
{
	return (unsigned long) map->ops->map_lookup_elem(map, key);
}

DEFINE_PER_CPU(int, cpu_counter);
static DEFINE_MUTEX(thing_lock);
static LIST_HEAD(thing_list);
static DECLARE_WAIT_QUEUE_HEAD(thing_wq);
EXPORT_SYMBOL_GPL(do_thing);
module_init(do_thing);

#define CALL_HELPER(x) helper2(x)
#define MAX_THINGS 16

struct thing {
	int count;
	void (*cb)(int);
};

enum thing_state { THING_OFF, THING_ON };
typedef struct thing thing_t;
extern int thing_global;
int thing_counter = 3;
int proto_only(int a);

void __weak arch_thing(void)
{
}

#ifdef CONFIG_THING
int cfg_thing(void) { return 1; }
#else
static inline int cfg_thing(void) { return 0; }
#endif

int after_weird_macro(void)
{
	CALL_HELPER(1);
	list_for_each_entry(pos, &thing_list, node) {
		pos->count++;
	}
	return 0;
}
`;

/** 1-based line of the first line of `text` containing `needle` (after `from`). */
function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l, n) => n >= from && l.includes(needle));
  if (i < 0) throw new Error(`fixture has no line with ${needle}`);
  return i + 1;
}

function def(facts: FileFacts, name: string) {
  return facts.defs.filter((d) => d.name === name);
}

function callsOf(facts: FileFacts, caller: string): string[] {
  const idx = facts.defs.findIndex((d) => d.name === caller && (d.kind === 'function' || d.kind === 'function-macro'));
  return facts.calls.filter((c) => c.caller === idx).map((c) => (c.member ? `->${c.callee}` : c.callee));
}

describe.each(['native', 'wasm'] as const)('extractC (%s tree-sitter)', (backend) => {
  let parser: CParser;
  const load = async () => (parser ??= backend === 'wasm' ? await createWasmCParser() : await loadCParser({ prefer: 'native' }));

  it('finds functions at the line of their name, through attribute macros and trailing annotations', async () => {
    const facts = extractC(kernelC, { path: 'kernel/thing.c', parser: await load() });
    expect(def(facts, 'do_thing')[0]).toMatchObject({ kind: 'function', line: lineOf(kernelC, 'do_thing(int x)'), endLine: lineOf(kernelC, '}'), isStatic: true, docLine: lineOf(kernelC, '/**') });
    expect(def(facts, 'schedule')[0]).toMatchObject({ kind: 'function', line: lineOf(kernelC, 'schedule(void)'), isStatic: false });
    expect(def(facts, 'foo')[0]).toMatchObject({ kind: 'function', line: lineOf(kernelC, 'static int foo'), isStatic: true });
    expect(def(facts, 'arch_thing')[0]).toMatchObject({ kind: 'function', isWeak: true });
    expect(def(facts, 'cfg_thing').map((d) => [d.line, d.isAlternative ?? false])).toEqual([[lineOf(kernelC, 'int cfg_thing'), false], [lineOf(kernelC, 'static inline int cfg_thing'), true]]);
  });

  it('expands the kernel definition macros, marking what made each name', async () => {
    const facts = extractC(kernelC, { path: 'fs/x.c', parser: await load() });
    for (const n of ['__do_sys_open', '__se_sys_open', '__x64_sys_open', '__ia32_sys_open']) {
      expect(def(facts, n)[0]).toMatchObject({ kind: 'function', line: lineOf(kernelC, 'SYSCALL_DEFINE3'), via: 'SYSCALL_DEFINE3' });
    }
    expect(def(facts, '__do_compat_sys_mything')[0]).toMatchObject({ line: lineOf(kernelC, 'COMPAT_SYSCALL_DEFINE2'), via: 'COMPAT_SYSCALL_DEFINE2' });
    expect(def(facts, 'bpf_map_lookup_elem')[0]).toMatchObject({ kind: 'function', line: lineOf(kernelC, 'BPF_CALL_2'), via: 'BPF_CALL_2' });
    expect(callsOf(facts, '__do_sys_open')).toEqual(['do_sys_open']);
    expect(callsOf(facts, '____bpf_map_lookup_elem')).toEqual(['->map_lookup_elem']);
    expect(def(facts, 'cpu_counter')[0]).toMatchObject({ kind: 'variable', line: lineOf(kernelC, 'DEFINE_PER_CPU'), via: 'DEFINE_PER_CPU' });
    for (const n of ['thing_lock', 'thing_list', 'thing_wq']) expect(def(facts, n)[0]?.kind).toBe('variable');
    expect(facts.exports).toEqual(['do_thing']);
    expect(facts.aliases).toEqual([['init_module', 'do_thing']]);
  });

  it('records calls with their enclosing function, member calls as such, and calls inside macro bodies', async () => {
    const facts = extractC(kernelC, { path: 'kernel/thing.c', parser: await load() });
    expect(callsOf(facts, 'do_thing')).toEqual(['helper', '->open', '->release', 'schedule']);
    expect(callsOf(facts, 'schedule')).toEqual(['__schedule']);
    expect(callsOf(facts, 'CALL_HELPER')).toEqual(['helper2']);
    expect(callsOf(facts, 'after_weird_macro')).toEqual(['CALL_HELPER', 'list_for_each_entry']);
    expect(facts.includes).toEqual([
      { line: 2, path: 'linux/sched.h', system: true },
      { line: 3, path: 'internal.h', system: false },
    ]);
  });

  it('takes declarations from tree-sitter: tags, members, enumerators, typedefs, variables, prototypes', async () => {
    const facts = extractC(kernelC, { path: 'kernel/thing.c', parser: await load() });
    const kinds = (n: string) => def(facts, n).map((d) => d.kind);
    expect(kinds('thing')).toEqual(['struct']);
    expect(kinds('count')).toEqual(['member']);
    expect(kinds('cb')).toEqual(['member']);
    expect(kinds('THING_ON')).toEqual(['enumerator']);
    expect(kinds('thing_state')).toEqual(['enum']);
    expect(kinds('thing_t')).toEqual(['typedef']);
    expect(kinds('thing_global')).toEqual(['extern']);
    expect(kinds('thing_counter')).toEqual(['variable']);
    expect(kinds('proto_only')).toEqual(['prototype']);
    expect(kinds('MAX_THINGS')).toEqual(['macro']);
    expect(def(facts, 'CALL_HELPER')[0]).toMatchObject({ kind: 'function-macro', params: ['x'] });
  });
});

describe('ERROR recovery', () => {
  it('finds the functions tree-sitter cannot parse around, and the declarations after them', async () => {
    const parser = await loadCParser();
    const src = `static int __ro_after_init weird = FOO(BAR, ;
static struct file_operations x = { .open = my_open, };
int __cold __noreturn survives(int a) __attribute__((nonnull(1)))
{
	panic("x");
}
DECLARE_STRANGE_THING(a, b) c d e;
static long after(void) { return survives(1); }
int later_var;
`;
    const facts = extractC(src, { path: 'x.c', parser });
    expect(facts.defs.filter((d) => d.kind === 'function').map((d) => [d.name, d.line])).toEqual([
      ['survives', 3],
      ['after', 8],
    ]);
    expect(def(facts, 'my_open')).toEqual([]);
    expect(callsOf(facts, 'after')).toEqual(['survives']);
  });

  it('finds the tables whose initializer is an #include of rows (system call tables), and what follows them', async () => {
    const src = `#define HYPERCALL(x)	[__HYPERVISOR_##x] = "("#x")",
static const char *xen_hypercall_names[] = {
#include <asm/xen-hypercalls.h>
};
#undef HYPERCALL

void *sys_call_table[__NR_syscalls] = {
#include <asm/unistd.h>
};

static const struct spinand_info macronix_spinand_table[] = {
	SPINAND_INFO("MX35LF1GE4AB",
		     SPINAND_ID(SPINAND_READID_METHOD_OPCODE_DUMMY, 0x12),
		     NAND_ECCREQ(4, 512),
		     SPINAND_ECCINFO(&mx35lfxge4ab_ooblayout, mx35lf1ge4ab_ecc_get_status)),
};
struct after_tables { int field; };
`;
    const facts = extractC(src, { path: 'arch/x86/xen/trace.c', parser: await loadCParser() });
    expect(facts.defs.filter((d) => d.kind !== 'function-macro').map((d) => [d.kind, d.name, d.line])).toEqual([
      ['variable', 'xen_hypercall_names', 2],
      ['variable', 'sys_call_table', 7],
      ['variable', 'macronix_spinand_table', 11],
      ['struct', 'after_tables', 17],
      ['member', 'field', 17],
    ]);
  });

  it('finds initialized tables that tree-sitter loses after a macro invocation it cannot parse', async () => {
    const src = `static const DECLARE_TLV_DB_RANGE(bst_tlv,
	0, 0, TLV_DB_SCALE_ITEM(0, 0, 0),
	1, 1, TLV_DB_SCALE_ITEM(2000, 0, 0)
);

static const char * const rt5670_data_select[] = {
	"Normal", "Swap", "left copy to right", "right copy to left"
};

static struct platform_device *devices[] __initdata = {
#if defined(CONFIG_KEYBOARD_GPIO)
	&palmte2_pxa_keys,
#endif
	&palmte2_backlight,
};
unsigned long __per_cpu_offset[NR_CPUS] __read_mostly = { [0] = 0 };
static int (*handlers[])(void) = { h0, h1 };
static SOC_ENUM_SINGLE_DECL(rt5670_dac1l_enum, RT5670_AD_DA_MIXER,
	RT5670_DAC1_L_SEL_SFT, rt5670_dac1_src);

static const struct snd_kcontrol_new rt5670_dac1l_mux =
	SOC_DAPM_ENUM("DAC1 L source", rt5670_dac1l_enum);
`;
    const facts = extractC(src, { path: 'sound/soc/codecs/rt5670.c', parser: await loadCParser() });
    expect(facts.defs.filter((d) => d.kind === 'variable').map((d) => [d.name, d.line, d.isStatic])).toEqual([
      ['rt5670_data_select', 6, true],
      ['__per_cpu_offset', 16, false],
      ['handlers', 17, true],
      ['rt5670_dac1l_mux', 21, true],
      ['devices', 10, true],
    ]);
    expect(def(facts, 'devices')[0]).toMatchObject({ column: 32 });
  });

  it('keeps every row and column of the declarations among, after and around directives tree-sitter is spared', async () => {
    const src = `#ifndef _X_H
#define _X_H
#include <linux/types.h>
#define A 1
#define B(x) \\
	((x) + 1)
struct s {
	int flags;
#define S_FLAG 1
	int mode;
};
static inline int f(int x)
{
#define LOCAL 2
#ifdef CONFIG_X
	return B(x);
#else
	return LOCAL;
#endif
}
extern int g(void);
#endif
`;
    const facts = extractC(src, { path: 'include/linux/x.h', parser: await loadCParser() });
    expect(facts.defs.map((d) => [d.kind, d.name, d.line, d.column]).sort((x, y) => (x[2] as number) - (y[2] as number))).toEqual([
      ['macro', '_X_H', 2, 9],
      ['macro', 'A', 4, 9],
      ['function-macro', 'B', 5, 9],
      ['struct', 's', 7, 8],
      ['member', 'flags', 8, 6],
      ['macro', 'S_FLAG', 9, 9],
      ['member', 'mode', 10, 6],
      ['function', 'f', 12, 19],
      ['macro', 'LOCAL', 14, 9],
      ['prototype', 'g', 21, 12],
    ]);
    expect(callsOf(facts, 'f')).toEqual(['B']);
  });

  it('keeps #if/#else branches from unbalancing brace depth', async () => {
    const src = `int a(int x)
{
#ifdef X
	if (x) {
#else
	if (!x) {
#endif
		b();
	}
	return 0;
}
int c(void) { return d(); }
`;
    const facts = extractC(src, { path: 'x.c', parser: await loadCParser() });
    expect(facts.defs.filter((d) => d.kind === 'function').map((d) => [d.name, d.line, d.endLine])).toEqual([
      ['a', 1, 11],
      ['c', 12, 12],
    ]);
    expect(callsOf(facts, 'c')).toEqual(['d']);
  });
});

describe('scanAsm', () => {
  it('reads the linkage macros, global labels and call/jmp targets', () => {
    const src = `#include <linux/linkage.h>
SYM_CODE_START(entry_SYSCALL_64)
	swapgs
SYM_INNER_LABEL(entry_SYSCALL_64_after_hwframe, SYM_L_GLOBAL)
	call	do_syscall_64		/* returns with IRQs disabled */
	jmp	swapgs_restore_regs_and_return_to_usermode
SYM_CODE_END(entry_SYSCALL_64)
	.globl old_entry
old_entry:
	call	*%rax
	call	schedule_tail
ENTRY(legacy)
	ret
ENDPROC(legacy)
`;
    const facts = scanAsm(src, 'arch/x86/entry/entry_64.S');
    expect(facts.defs.map((d) => [d.name, d.kind, d.line])).toEqual([
      ['entry_SYSCALL_64', 'function', 2],
      ['entry_SYSCALL_64_after_hwframe', 'label', 4],
      ['old_entry', 'function', 9],
      ['legacy', 'function', 12],
    ]);
    expect(facts.defs[0]!.endLine).toBe(7);
    expect(facts.calls.map((c) => [facts.defs[c.caller]!.name, c.callee])).toEqual([
      ['entry_SYSCALL_64', 'do_syscall_64'],
      ['entry_SYSCALL_64', 'swapgs_restore_regs_and_return_to_usermode'],
      ['old_entry', 'schedule_tail'],
    ]);
    expect(facts.includes).toEqual([{ line: 1, path: 'linux/linkage.h', system: true }]);
  });
});
