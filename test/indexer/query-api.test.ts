// The library query API the LSP server and the crash pipeline use: ranking (arch, weak, suffixes,
// aliases), declarations, doc comments, references with roles, includes, fuzzy symbol search.
import path from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath, stripCompilerSuffix } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

const tree = `=== include/linux/sched.h
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H
#include <asm/switch_to.h>
struct task_struct { int pid; };
extern void schedule(void);
#endif
=== arch/x86/include/asm/switch_to.h
#define switch_to(prev, next) __switch_to_asm(prev, next)
=== arch/x86/kernel/process.c
#include <linux/sched.h>
void arch_cpu_idle(void) { }
=== arch/arm64/kernel/process.c
void arch_cpu_idle(void) { }
=== kernel/sched/idle.c
void __weak arch_cpu_idle(void) { }
=== kernel/sched/core.c
#include <linux/sched.h>
static int counter;
/**
 * schedule - pick the next task
 *
 * The heart of the scheduler.
 */
asmlinkage __visible void __sched schedule(void)
{
	struct task_struct *p = 0;
	counter = p->pid;
	counter++;
	switch_to(p, p);
}
static int sched_init_mod(void) { schedule(); return counter; }
module_init(sched_init_mod);
`;

describe('KernelIndex', () => {
  let index: KernelIndex;
  beforeAll(async () => {
    const root = writeTree(tree);
    await buildIndex({ root, dbPath: defaultDbPath(root), arch: 'x86_64', jobs: 1 });
    index = KernelIndex.open(defaultDbPath(root));
    expect(index.root).toBe(root);
    expect(path.isAbsolute(index.root)).toBe(true);
  });
  afterAll(() => index.close());

  it('ranks the architecture\'s own definition first, strong above __weak, other arches last', () => {
    expect(index.findDefinitions('arch_cpu_idle').map((d) => d.file)).toEqual(['arch/x86/kernel/process.c', 'kernel/sched/idle.c', 'arch/arm64/kernel/process.c']);
    expect(index.findDefinitions('arch_cpu_idle', { arch: 'aarch64' })[0]!.file).toBe('arch/arm64/kernel/process.c');
  });

  it('strips compiler suffixes and follows module_init to the function it names', () => {
    expect(stripCompilerSuffix('schedule.isra.0')).toBe('schedule');
    expect(stripCompilerSuffix('foo.constprop.0.isra.0')).toBe('foo');
    expect(stripCompilerSuffix('foo.cold')).toBe('foo');
    expect(stripCompilerSuffix('foo.llvm.123456')).toBe('foo');
    expect(stripCompilerSuffix('a.b')).toBe('a.b');
    expect(index.findDefinitions('schedule.constprop.0')[0]).toMatchObject({ name: 'schedule', file: 'kernel/sched/core.c', line: 8, kind: 'function' });
    expect(index.findDefinitions('init_module')[0]).toMatchObject({ name: 'sched_init_mod', kind: 'function' });
  });

  it('gives declarations and the kernel-doc comment for hovers', () => {
    expect(index.findDeclarations('schedule').map((d) => `${d.file}:${d.line}:${d.kind}`)).toEqual(['include/linux/sched.h:5:prototype']);
    const def = index.findDefinitions('schedule')[0]!;
    expect(def.signature).toBe('asmlinkage __visible void __sched schedule(void)');
    expect(index.docComment(def)).toBe('schedule - pick the next task\n\nThe heart of the scheduler.');
  });

  it('finds references with roles and enclosing functions, and calls through macros', () => {
    expect(index.findReferences('counter').map((r) => `${r.line}:${r.role}:${r.function ?? '-'}`)).toEqual(['2:declaration:-', '11:write:schedule', '12:write:schedule', '15:read:sched_init_mod']);
    expect(index.findCallees('schedule').map((c) => `${c.callee}${c.via ? ` via ${c.via}` : ''}`)).toEqual(['switch_to', '__switch_to_asm via switch_to']);
    expect(index.findCallers('__switch_to_asm').map((c) => `${c.caller.name} via ${c.via}`)).toEqual(['schedule via switch_to']);
  });

  it('resolves includes through arch/<arch>/include and include/', () => {
    expect(index.includesOf('kernel/sched/core.c').map((i) => i.resolved)).toEqual(['include/linux/sched.h']);
    expect(index.includesOf('include/linux/sched.h').map((i) => i.resolved)).toEqual(['arch/x86/include/asm/switch_to.h']);
    expect(index.findIncluders('include/linux/sched.h').map((i) => i.file)).toEqual(['arch/x86/kernel/process.c', 'kernel/sched/core.c']);
  });

  it('searches symbols fuzzily: exact, prefix, substring, subsequence', () => {
    expect(index.searchSymbols('sched').map((d) => d.name)).toEqual(['schedule', 'sched_init_mod', '_LINUX_SCHED_H']);
    expect(index.searchSymbols('schd').map((d) => d.name)).toContain('schedule');
    expect(index.searchSymbols('schedule')[0]!.name).toBe('schedule');
    expect(index.definitionsInFile('kernel/sched/core.c').map((d) => d.name)).toEqual(['counter', 'schedule', 'sched_init_mod']);
  });
});
