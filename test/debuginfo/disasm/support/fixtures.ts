// Objects built by the tests with the real compilers (gcc, aarch64-linux-gnu-gcc) from a small C file
// with kernel-like code: inline chains, calls to an external function (relocations), string and
// locked instructions, and function alignment padding (objdump's `cs nopw`, `data16`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');
export const sharedDir = path.resolve(repoRoot, '../shared');

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const fixtureSource = `#include <stddef.h>
struct item { int key; struct item *next; long value; };
extern void report(const char *fmt, ...);
static inline __attribute__((always_inline)) long item_value(const struct item *it)
{
	return it->value * 3;
}
static inline __attribute__((always_inline)) long sum_one(const struct item *it)
{
	if (it->key < 0)
		return 0;
	return item_value(it);
}
long sum_items(const struct item *head)
{
	long total = 0;
	for (const struct item *it = head; it; it = it->next)
		total += sum_one(it);
	report("total %ld\\n", total);
	return total;
}
int find_key(const struct item *head, int key)
{
	while (head && head->key != key)
		head = head->next;
	return head ? head->key : -1;
}
int bump(int *counter, int by)
{
	return __atomic_fetch_add(counter, by, __ATOMIC_SEQ_CST);
}
unsigned long scale(unsigned long x, unsigned long y)
{
	return x / (y | 1) + x * 4000 + (x >> 1);
}
#ifdef __x86_64__
void copy_bytes(void *dst, const void *src, unsigned long n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
#endif
`;

export interface Fixture {
  dir: string;
  source: string;
  object: string;
}

/** Compiles the fixture with `compiler` (-O2 -g, functions aligned to 32 for padding) into a temp dir. */
export function buildFixture(compiler: string): Fixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-disasm-'));
  mkdirSync(dir, { recursive: true });
  const source = path.join(dir, 'items.c');
  writeFileSync(source, fixtureSource);
  const object = path.join(dir, 'items.o');
  execFileSync(compiler, ['-O2', '-g', '-falign-functions=32', '-c', source, '-o', object], { cwd: dir });
  return { dir, source, object };
}
