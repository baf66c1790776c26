// A tiny kernel tree for the server tests, written from one multi-file string into a temp dir: shaped like
// one (`MAINTAINERS`, `arch/`) so the server indexes it, with the functions of the lab oops's call chain
// (do_one_initcall ← do_init_module ← finit_module) with kernel-doc, a header with the prototype, an
// #include, and a syscall made by SYSCALL_DEFINE3.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tree = `
==> MAINTAINERS <==
MODULE SUPPORT
F:	kernel/module/

==> arch/x86/Kconfig <==
config X86
	def_bool y

==> include/linux/init.h <==
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
typedef int (*initcall_t)(void);
extern int do_one_initcall(initcall_t fn);
#endif

==> init/main.c <==
#include <linux/init.h>

static int initcall_debug;

/**
 * do_one_initcall - run one initcall
 * @fn: the function to call
 *
 * Returns what @fn returned.
 */
int __init_or_module do_one_initcall(initcall_t fn)
{
	int ret;

	if (initcall_debug)
		initcall_debug = 0;
	ret = fn();
	return ret;
}

==> kernel/module/main.c <==
#include <linux/init.h>

struct module {
	initcall_t init;
	int state;
};

static noinline int do_init_module(struct module *mod)
{
	int ret = 0;

	if (mod->init != NULL)
		ret = do_one_initcall(mod->init);
	mod->state = 1;
	return ret;
}

static int load_module(struct module *mod)
{
	return do_init_module(mod);
}

SYSCALL_DEFINE3(finit_module, int, fd, const char __user *, uargs, int, flags)
{
	struct module mod = { 0 };

	return load_module(&mod);
}
`;

export interface FixtureTree {
  root: string;
  /** The temp dir holding the tree (and anything a test puts beside it, outside the root). */
  parent: string;
  file(rel: string): string;
}

export function writeFixtureTree(extra: Record<string, string> = {}): FixtureTree {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'crashnav-server-'));
  const root = path.join(parent, 'linux');
  const files = new Map<string, string>();
  for (const chunk of tree.split(/^==> /m).slice(1)) {
    const [header, ...body] = chunk.split('\n');
    files.set(header!.replace(/ <==$/, ''), body.join('\n').replace(/\n+$/, '\n'));
  }
  for (const [rel, text] of Object.entries(extra)) files.set(rel, text);
  for (const [rel, text] of files) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return { root, parent, file: (rel) => path.join(root, rel) };
}

/** 0-based line and character of the first occurrence of `needle` in `text` (plus `offset` characters). */
export function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture: '${needle}' not found`);
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) + offset };
}
