// The packed form a parse worker sends the writer holds every fact of the file: read back record by
// record, it gives the facts the extractor made, on kernel files of every kind of fact.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileFacts, extractC, loadCParser } from '../../indexer/index.js';
import { AliasField, CallField, CallFlag, DefField, DefFlag, IncludeField, InvocationField, MacroTableField, defKinds, layoutOf, macroTableMin, packFacts } from '../../indexer/packed-facts.js';
import { nameHash } from '../../indexer/name-hash.js';

const tree = path.join(process.env.HOME ?? '/root', '.cache/crashnav/linux-source-6.1.187-1');
const kernelFiles = ['kernel/sched/core.c', 'fs/open.c', 'include/linux/page-flags.h', 'drivers/gpu/drm/amd/include/asic_reg/nbio/nbio_7_2_0_sh_mask.h'];
const haveTree = existsSync(path.join(tree, kernelFiles[0]!));
if (!haveTree) console.log(`packed-facts: kernel files skipped, missing ${tree} (run scripts/fetch-debian.sh source)`);

/**
 * The facts as the writer sees them after unpacking, in the extractor's own terms; with `text`, the
 * macro table's entries too, each named by the identifier at its offset.
 */
function unpack(facts: FileFacts, text?: string) {
  const packed = packFacts(facts, text);
  const { ints } = packed;
  const layout = layoutOf(packed);
  const str = (k: number) => (k < 0 ? undefined : layout.strings[k]);
  const records = <T>(part: { at: number; count: number }, width: number, read: (at: number) => T): T[] =>
    Array.from({ length: part.count }, (_, k) => read(part.at + k * width));
  return {
    defs: records(layout.defs, DefField.width, (at) => ({
      name: str(ints[at + DefField.name]!),
      kind: defKinds[ints[at + DefField.kind]!],
      line: ints[at + DefField.line],
      column: ints[at + DefField.column],
      endLine: ints[at + DefField.endLine],
      flags: ints[at + DefField.flags],
      via: str(ints[at + DefField.via]!),
      signature: str(ints[at + DefField.signature]!),
      docLine: ints[at + DefField.docLine]! < 0 ? undefined : ints[at + DefField.docLine],
      params: str(ints[at + DefField.params]!),
      body: str(ints[at + DefField.body]!),
    })),
    calls: records(layout.calls, CallField.width, (at) => ({
      caller: ints[at + CallField.caller],
      callee: str(ints[at + CallField.callee]!),
      line: ints[at + CallField.line],
      column: ints[at + CallField.column],
      flags: ints[at + CallField.flags],
    })),
    includes: records(layout.includes, IncludeField.width, (at) => ({ line: ints[at + IncludeField.line], path: str(ints[at + IncludeField.path]!), system: ints[at + IncludeField.system] === 1 })),
    exports: records(layout.exports, 1, (at) => str(ints[at]!)),
    aliases: records(layout.aliases, AliasField.width, (at) => [str(ints[at + AliasField.alias]!), str(ints[at + AliasField.target]!)]),
    invocations: records(layout.invocations, InvocationField.width, (at) => ({
      macro: str(ints[at + InvocationField.macro]!),
      args: str(ints[at + InvocationField.args]!)!.split('\x1f'),
      line: ints[at + InvocationField.line],
      column: ints[at + InvocationField.column],
      body: ints[at + InvocationField.body],
    })),
    macroTable: records(layout.macroTable, MacroTableField.width, (at) => ({
      name: /[A-Za-z_]\w*/y.exec(text!.slice(ints[at + MacroTableField.offset]!))?.[0],
      hash: ints[at + MacroTableField.hash]! >>> 0,
      line: ints[at + MacroTableField.line],
      column: ints[at + MacroTableField.column],
      endLine: ints[at + MacroTableField.endLine],
      docLine: ints[at + MacroTableField.docLine]! < 0 ? undefined : ints[at + MacroTableField.docLine],
      flags: ints[at + MacroTableField.flags],
    })),
  };
}

function expected(facts: FileFacts) {
  return {
    defs: facts.defs.map((d) => ({
      name: d.name,
      kind: d.kind,
      line: d.line,
      column: d.column,
      endLine: Math.max(d.line, d.endLine),
      flags: (d.isStatic ? DefFlag.static : 0) | (d.isWeak ? DefFlag.weak : 0) | (d.isAlternative ? DefFlag.alternative : 0) | (d.isPlaceholder ? DefFlag.placeholder : 0),
      via: d.via,
      signature: d.signature,
      docLine: d.docLine,
      params: d.params?.join(','),
      body: d.body,
    })),
    calls: facts.calls.map((c) => ({ caller: c.caller, callee: c.callee, line: c.line, column: c.column, flags: (c.member ? CallFlag.member : 0) | (c.argument ? CallFlag.argument : 0) | (c.compiler ? CallFlag.compiler : 0) })),
    includes: facts.includes,
    exports: facts.exports,
    aliases: facts.aliases,
    invocations: facts.invocations,
    macroTable: [],
  };
}

describe('packed facts', () => {
  it('carry every record of a file written to exercise each kind', async () => {
    const text = `#include <linux/module.h>
#include "local.h"
#define ADD(a, b) helper((a), (b))
#define LIMIT 10
/* The entry point. */
static int __init hello_init(void)
{
\tchar buf[LIMIT];
\tops->open(buf);
\treturn ADD(1, 2);
}
module_init(hello_init);
int __weak arch_hook(void) { return 0; }
EXPORT_SYMBOL(arch_hook);
SYSCALL_DEFINE1(hello, int, x)
{
\treturn x;
}
MY_GENERATOR(thing, 3)
{
}
#ifndef CONFIG_HELLO
static inline void stub(void) { }
#endif
`;
    const facts = extractC(text, { path: 'hello.c', parser: await loadCParser() });
    expect(facts.defs.length).toBeGreaterThan(5);
    expect(facts.calls.some((c) => c.member)).toBe(true);
    expect(facts.calls.some((c) => c.compiler)).toBe(true);
    expect(facts.defs.some((d) => d.via && d.isPlaceholder)).toBe(true);
    expect(facts.aliases.length).toBeGreaterThan(0);
    expect(facts.invocations.length).toBeGreaterThan(0);
    expect(unpack(facts)).toEqual(expected(facts));
  });

  it("move a register table's plain macros to a macro table, each named by the text at its offset", async () => {
    const lines = ['#ifndef _REGS_H_', '#define _REGS_H_', '#define CUR get_current()', 'static inline int twice(int x) { return helper(x) * 2; }', '/* The first register. */'];
    for (let i = 0; i < macroTableMin; i++) lines.push(`#define mmREG_${i}\t0x${i.toString(16)}`);
    lines.push('#ifdef CONFIG_X', '#define mmLAST 1', '#else', '#define mmLAST 2', '#endif', 'static inline int later(void) { return other(CUR); }', '#endif');
    const text = lines.join('\n') + '\n';
    const facts = extractC(text, { path: 'regs.h', parser: await loadCParser() });
    const all = expected(facts);
    const plain = all.defs.filter((d) => d.kind === 'macro' && d.name !== 'CUR');
    const kept = all.defs.filter((d) => !plain.includes(d));
    const got = unpack(facts, text);
    expect(got.defs).toEqual(kept);
    expect(got.macroTable).toEqual(
      plain
        .map(({ name, line, column, endLine, docLine, flags }) => ({ name, hash: nameHash(name), line, column, endLine, docLine, flags }))
        .sort((a, b) => a.hash - b.hash || a.line - b.line),
    );
    expect(got.macroTable.find((m) => m.name === 'mmREG_0')?.docLine).toBe(5);
    expect(got.macroTable.filter((m) => m.name === 'mmLAST').map((m) => m.flags)).toEqual([0, DefFlag.alternative]);
    // Callers and invocation bodies still name the same definitions once the table's are gone.
    const name = (defs: Array<{ name?: string }>, k: number) => defs[k]?.name;
    expect(got.calls.map((c) => [name(got.defs, c.caller!), c.callee])).toEqual(facts.calls.map((c) => [facts.defs[c.caller]!.name, c.callee]));
    expect(got.calls.some((c) => name(got.defs, c.caller!) === 'CUR')).toBe(true);
    expect(unpack(facts)).toEqual(all);
  });

  it.skipIf(!haveTree).each(kernelFiles)('carry every record of %s', async (file) => {
    const facts = extractC(readFileSync(path.join(tree, file), 'latin1'), { path: file, parser: await loadCParser() });
    expect(facts.defs.length).toBeGreaterThan(0);
    expect(unpack(facts)).toEqual(expected(facts));
  });
});
