// Small real binaries for the debuginfo tests, built by gcc in a temp dir on first use: a two-file C
// program with inlining 2–3 deep, a static helper, a function in `.init.text` and a `.cold` part,
// in several DWARF versions, as an executable and as a relocatable object (the shape of a `.ko`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const fixtureSource = {
  'util.h': `static inline int clamp_add(int a, int b)
{
	int s = a + b;
	if (s > 1000)
		s = 1000;
	return s;
}

static inline __attribute__((always_inline)) int twice(int x)
{
	return clamp_add(x, x);
}
`,
  'main.c': `#include "util.h"

volatile int sink;

__attribute__((noinline)) int leaf(int x)
{
	sink = x;
	return twice(x) + 1;
}

__attribute__((noinline)) static int helper(int *p, int n)
{
	int t = 0;
	for (int i = 0; i < n; i++)
		t += twice(p[i]) * sink;
	return t;
}

__attribute__((section(".init.text"), noinline)) int setup(int v)
{
	int a[4] = { v, v + 1, v + 2, v + 3 };
	return helper(a, 4) + leaf(v);
}

__attribute__((cold, noinline)) void report(int v)
{
	sink = v;
}

int run(int v)
{
	if (v < 0)
		report(v);
	if (v > 100000)
		return sink * 3 + twice(sink);
	return leaf(v) + setup(v);
}

int main(int argc, char **argv)
{
	(void)argv;
	return run(argc);
}
`,
};

let dir: string | undefined;

/** The temp directory holding the sources (written once per test process). */
export function fixtureDir(): string {
  if (!dir) {
    dir = mkdtempSync(path.join(tmpdir(), 'crashnav-debuginfo-'));
    for (const [name, text] of Object.entries(fixtureSource)) writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const built = new Map<string, string>();

/** Compiles main.c with `flags` into `name` (cached per process). */
export function buildFixture(name: string, flags: string[], compiler = 'gcc'): string {
  const hit = built.get(name);
  if (hit) return hit;
  const d = fixtureDir();
  const out = path.join(d, name);
  execFileSync(compiler, [...flags, '-o', out, 'main.c'], { cwd: d, stdio: 'pipe' });
  built.set(name, out);
  return out;
}

/** Runs a tool and returns stdout, or throws with its stderr. */
export function run(tool: string, args: string[], cwd = fixtureDir()): string {
  return execFileSync(tool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();
}

export function hasTool(tool: string, args: string[] = ['--version']): boolean {
  return spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
}

/** Whether `compiler flags` can build the fixture (cross compilers and -m32 are optional). */
export function canBuild(flags: string[], compiler = 'gcc'): boolean {
  const d = fixtureDir();
  return spawnSync(compiler, [...flags, '-o', path.join(d, 'probe.out'), 'main.c'], { cwd: d, stdio: 'ignore' }).status === 0;
}
