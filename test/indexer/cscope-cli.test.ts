// `crashnav index` + `crashnav query -L -N` on a small tree: each query's exact line format, checked
// against real cscope on the same tree where cscope is installed, plus --json and the -l protocol.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { writeTree } from './tree-fixture.js';
import { captureIo } from '../support/capture-io.js';

const tree = `=== include/linux/ops.h
#ifndef OPS_H
#define OPS_H
struct ops { int (*open)(int); };
int foo(int x);
#define CALLFOO(x)	foo(x)
extern int gvar;
#endif
=== kernel/a.c
#include <linux/ops.h>
#include "local.h"
int gvar = 3;
static int helper(int y)
{
	gvar   =   y  +  1;
	gvar += 2;
	return   foo(y);   /* c */
}

int foo(int x)
{
	struct ops *o;
	o->open(x);
	CALLFOO(x);
	printf("hello world\\n");
	return helper(x);
}
=== kernel/local.h
static inline int bar(void) { return foo(1); }
`;

function hasCscope(): boolean {
  try {
    execFileSync('cscope', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('crashnav query -L', () => {
  let root = '';
  const query = async (...args: string[]) => {
    const t = captureIo({ cwd: root });
    expect(await main(['query', ...args], t.io)).toBe(0);
    return t.out();
  };

  beforeAll(async () => {
    root = writeTree(tree);
    const t = captureIo({ cwd: root });
    expect(await main(['index', '--quiet'], t.io)).toBe(0);
  });

  it('prints each query in cscope\'s line format', async () => {
    expect(await query('-L', '-0', 'gvar')).toBe(
      ['include/linux/ops.h <global> 6 extern int gvar;', 'kernel/a.c <global> 3 int gvar = 3;', 'kernel/a.c helper 6 gvar = y + 1;', 'kernel/a.c helper 7 gvar += 2;', ''].join('\n'),
    );
    expect(await query('-L', '-1', 'foo')).toBe(['kernel/a.c foo 11 int foo(int x)', 'include/linux/ops.h foo 4 int foo(int x);', ''].join('\n'));
    expect(await query('-L', '-2', 'foo')).toBe(
      ['kernel/a.c open 14 o->open(x);', 'kernel/a.c CALLFOO 15 CALLFOO(x);', 'kernel/a.c foo 15 CALLFOO(x);', 'kernel/a.c printf 16 printf("hello world\\n");', 'kernel/a.c helper 17 return helper(x);', ''].join('\n'),
    );
    expect(await query('-L', '-3', 'foo')).toBe(['kernel/a.c helper 8 return foo(y);', 'kernel/a.c foo 15 CALLFOO(x);', 'kernel/local.h bar 1 static inline int bar(void) { return foo(1); }', ''].join('\n'));
    expect(await query('-L', '-4', 'hello world')).toBe('kernel/a.c <unknown> 16 \tprintf("hello world\\n");\n');
    expect(await query('-L', '-6', 'hel+o w')).toBe('kernel/a.c <unknown> 16 \tprintf("hello world\\n");\n');
    expect(await query('-L', '-7', 'local.h')).toBe('kernel/local.h <unknown> 1 <unknown>\n');
    expect(await query('-L', '-8', 'linux/ops.h')).toBe('kernel/a.c <global> 1 #include <linux/ops.h>\n');
    expect(await query('-L', '-8', 'include/linux/ops.h')).toBe('kernel/a.c <global> 1 #include <linux/ops.h>\n');
    expect(await query('-L', '-8', 'local.h')).toBe('kernel/a.c <global> 2 #include "local.h"\n');
    expect(await query('-L', '-9', 'gvar')).toBe(['kernel/a.c <global> 3 int gvar = 3;', 'kernel/a.c helper 6 gvar = y + 1;', 'kernel/a.c helper 7 gvar += 2;', ''].join('\n'));
    expect(await query('-L', '-3', 'open')).toBe('kernel/a.c foo 14 o->open(x);\n');
    expect(await query('-L', '-1', 'nonexistent')).toBe('');
  });

  it.skipIf(!hasCscope())('agrees with cscope on file, field 2 and line for the hits both print', async () => {
    execFileSync('cscope', ['-b', '-q', '-k', '-R'], { cwd: root });
    const cscope = (n: number, p: string) =>
      execFileSync('cscope', ['-d', '-L', `-${n}`, p], { cwd: root, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(0, 3).join(' '));
    const ours = async (n: number, p: string) =>
      (await query('-L', `-${n}`, p))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(0, 3).join(' '));
    for (const [n, p] of [[0, 'gvar'], [9, 'gvar'], [0, 'helper']] as const) {
      expect((await ours(n, p)).sort()).toEqual(cscope(n, p).sort());
    }
    expect((await ours(1, 'foo'))[0]).toBe(cscope(1, 'foo')[0]);
    // cscope lists CALLFOO's #define as a caller of foo; crashnav lists the function that wrote CALLFOO.
    expect(await ours(3, 'foo')).toEqual(expect.arrayContaining(cscope(3, 'foo').filter((l) => !l.includes('CALLFOO'))));
    expect(await ours(2, 'foo')).toEqual(expect.arrayContaining(cscope(2, 'foo')));
    expect(await ours(4, 'hello world')).toEqual(cscope(4, 'hello world'));
    expect(await ours(7, 'local.h')).toEqual(cscope(7, 'local.h'));
  });

  it('prints JSON objects with the via macro', async () => {
    const lines = (await query('-L', '-3', 'foo', '--json')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[1]).toEqual({ file: 'kernel/a.c', line: 15, column: 2, function: 'foo', text: 'CALLFOO(x);', kind: 'call', via: { macro: 'CALLFOO' } });
    expect(lines[0]!.via).toBeNull();
  });

  it('speaks the -l line protocol', async () => {
    const t = captureIo({ cwd: root, stdin: '1foo\n3helper\n1nothing_here\nq\n' });
    expect(await main(['query', '-l'], t.io)).toBe(0);
    expect(t.out()).toBe(
      [
        '>> cscope: 2 lines',
        'kernel/a.c foo 11 int foo(int x)',
        'include/linux/ops.h foo 4 int foo(int x);',
        '>> cscope: 1 lines',
        'kernel/a.c foo 17 return helper(x);',
        '>> cscope: 0 lines',
        '>> ',
      ].join('\n'),
    );
  });

  it("takes Vim's cscopeprg arguments (-dl -f DB -P DIR) from another directory", async () => {
    const elsewhere = writeTree('=== empty.txt\n');
    const t = captureIo({ cwd: elsewhere, stdin: '1foo\nq\n' });
    expect(await main(['query', '-dl', '-f', `${root}/.crashnav/index.db`, '-P', root], t.io)).toBe(0);
    expect(t.out()).toBe(['>> cscope: 2 lines', 'kernel/a.c foo 11 int foo(int x)', 'include/linux/ops.h foo 4 int foo(int x);', '>> '].join('\n'));
  });

  it('indexes --first files first and says when they are queryable', async () => {
    const t = captureIo({ cwd: root });
    const list = writeTree('=== first.txt\nkernel/local.h\n# a comment\n./kernel/a.c\n');
    expect(await main(['index', '--root', root, '--db', `${list}/first.db`, '--first', `${list}/first.txt`], t.io)).toBe(0);
    expect(t.err()).toContain('the 2 --first files are indexed and queryable');
    expect(t.out()).toMatch(/^3 files: 3 parsed, 0 unchanged, 0 removed, 0 skipped, 0 warnings in [\d.]+ s -> /);
  });

  it('refuses query 5 and a missing index with clear messages', async () => {
    const t = captureIo({ cwd: root });
    expect(await main(['query', '-L', '-5', 'x'], t.io)).toBe(2);
    expect(t.err()).toContain('query 5');
    const t2 = captureIo({ cwd: root });
    expect(await main(['query', '--db', 'nope/index.db', '-L', '-1', 'x'], t2.io)).toBe(1);
    expect(t2.err()).toMatch(/nope\/index\.db: cannot open the index .*run 'crashnav index'/);
  });
});
