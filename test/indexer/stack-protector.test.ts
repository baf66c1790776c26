// The `__stack_chk_fail` calls the index infers for -fstack-protector-strong, checked against the
// compiler itself: gcc -O2 builds the file, and the functions whose code calls `__stack_chk_fail` must be
// exactly those the index lists as its callers (marked as inserted by the compiler, not written).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex, defaultDbPath, extractC, renderCscopeJson, runCscopeQuery } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

const source = `#include <stdarg.h>

struct item { int id; struct item *next; };

extern void consume(void *p);
extern int produce(int *out);
extern void report(const char *fmt, va_list ap);

int with_array(int n)
{
	char buf[64];
	buf[0] = n;
	consume(buf);
	return buf[3];
}

int with_address(void)
{
	int v;
	if (produce(&v))
		return -1;
	return v;
}

int through_pointer(struct item *it)
{
	struct item **pp = &it->next;
	consume(pp);
	return it->id;
}

void log_args(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
}

int counter_table(int i)
{
	static int table[8];
	table[i & 7]++;
	return table[0];
}

static int once_helper(int n)
{
	int tmp[4];
	for (int i = 0; i < 4; i++)
		tmp[i] = n + i;
	consume(tmp);
	return tmp[n & 3];
}

int calls_once(int n)
{
	return once_helper(n) + 1;
}

static __attribute__((noinline)) int kept_helper(int n)
{
	int v = n;
	consume(&v);
	return v;
}

int calls_kept(int n)
{
	return kept_helper(n) + kept_helper(n + 1);
}

static inline int inline_helper(int n)
{
	int arr[2] = { n, n };
	consume(arr);
	return arr[1];
}

int first_user(int n)
{
	return inline_helper(n);
}

int second_user(int n)
{
	return inline_helper(n) * 2;
}

int plain(int a, int b)
{
	return a * b + 1;
}

__attribute__((no_stack_protector)) int unprotected(void)
{
	char buf[32];
	consume(buf);
	return buf[0];
}
`;

/** Functions whose machine code calls `__stack_chk_fail`, from the object's disassembly and relocations. */
function compilerCanaries(): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-sp-'));
  writeFileSync(path.join(dir, 'sp.c'), source);
  execFileSync('gcc', ['-O2', '-fstack-protector-strong', '-c', 'sp.c', '-o', 'sp.o'], { cwd: dir });
  const dump = execFileSync('objdump', ['-dr', 'sp.o'], { cwd: dir, encoding: 'utf8' });
  const out = new Set<string>();
  let fn = '';
  for (const line of dump.split('\n')) {
    const head = /^[0-9a-f]+ <([\w.]+)>:$/.exec(line);
    if (head) fn = head[1]!;
    else if (line.includes('__stack_chk_fail')) out.add(fn);
  }
  return [...out].sort();
}

describe('stack protector calls', () => {
  it('lists the functions gcc -fstack-protector-strong gives a canary, and no others', () => {
    const facts = extractC(source, { path: 'sp.c' });
    const inferred = facts.calls.filter((c) => c.compiler).map((c) => facts.defs[c.caller]!.name);
    expect(inferred.sort()).toEqual(compilerCanaries());
  });

  it('places each at what made it: the array, the address taken, the inlined helper', () => {
    const facts = extractC(source, { path: 'sp.c' });
    const lines = source.split('\n');
    const at = (fn: string) => {
      const c = facts.calls.find((k) => k.compiler && facts.defs[k.caller]!.name === fn)!;
      return lines[c.line - 1]!.trim();
    };
    expect(at('with_array')).toBe('char buf[64];');
    expect(at('with_address')).toBe('if (produce(&v))');
    expect(at('log_args')).toBe('va_list ap;');
    expect(at('calls_once')).toBe('return once_helper(n) + 1;');
    expect(at('second_user')).toBe('return inline_helper(n) * 2;');
  });

  describe('through the index', () => {
    let root: string;
    let index: KernelIndex;
    beforeAll(async () => {
      root = writeTree(`=== lib/sp.c\n${source}`);
      await buildIndex({ root, dbPath: defaultDbPath(root), jobs: 1 });
      index = KernelIndex.open(defaultDbPath(root), { root });
    });
    afterAll(() => index.close());

    it('answers -3 __stack_chk_fail with the callers, via the compiler option', () => {
      const hits = runCscopeQuery(index, 3, '__stack_chk_fail');
      expect(hits.map((h) => h.function).sort()).toEqual(compilerCanaries());
      const json = JSON.parse(renderCscopeJson(hits.find((h) => h.function === 'with_array')!)) as { via: unknown; kind: string };
      expect(json).toMatchObject({ kind: 'call', via: { compiler: '-fstack-protector-strong' } });
      const written = runCscopeQuery(index, 2, 'calls_kept').find((h) => h.function === 'kept_helper');
      expect(written?.via).toBeNull();
    });
  });
});
