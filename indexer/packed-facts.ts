// The form a file's facts travel in from a parse worker to the writer, and the numeric codes the index
// stores them with. Structured clone of the fact objects cost the kernel run ~20 s of CPU across the
// threads: V8 writes every property name of every object, 7 million definitions, and the writer then
// rebuilt them all and collected them. Packed, each distinct string of the file crosses once, in one
// NUL-separated string, and every number in one Int32Array that is transferred, not copied; the writer
// binds straight from them, and interns a name once per file however often the file uses it.
import type { DefFact, DefKind, FileFacts } from './file-facts.js';

export const defKinds: readonly DefKind[] = ['function', 'prototype', 'macro', 'function-macro', 'struct', 'union', 'enum', 'typedef', 'enumerator', 'variable', 'extern', 'member', 'label'];
const kindCode = new Map(defKinds.map((k, i) => [k, i]));

export const DefFlag = { static: 1, weak: 2, alternative: 4, placeholder: 8, expanded: 16 } as const;
export const CallFlag = { member: 1, argument: 2, compiler: 4 } as const;

/** The stored numbers of a definition: its kind's code, its flags, an end line no earlier than its line. */
export function defCodes(d: DefFact): { kind: number; flags: number; endLine: number } {
  return {
    kind: kindCode.get(d.kind)!,
    flags: (d.isStatic ? DefFlag.static : 0) | (d.isWeak ? DefFlag.weak : 0) | (d.isAlternative ? DefFlag.alternative : 0) | (d.isPlaceholder ? DefFlag.placeholder : 0),
    endLine: d.endLine < d.line ? d.line : d.endLine,
  };
}

export interface PackedFacts {
  path: string;
  language: FileFacts['language'];
  /** The distinct strings the records name, NUL-separated (source text decoded from a file with a NUL byte is never indexed). */
  strings: string;
  /** The record counts (`header` entries), then the records, each a fixed number of ints (`*Field.width`); a string is its index in `strings`, -1 for none. */
  ints: Int32Array;
  problems: string[];
}

const header = 6;
export const DefField = { name: 0, kind: 1, line: 2, column: 3, endLine: 4, flags: 5, via: 6, signature: 7, docLine: 8, params: 9, body: 10, width: 11 } as const;
export const CallField = { caller: 0, callee: 1, line: 2, column: 3, flags: 4, width: 5 } as const;
export const IncludeField = { line: 0, path: 1, system: 2, width: 3 } as const;
export const AliasField = { alias: 0, target: 1, width: 2 } as const;
export const InvocationField = { macro: 0, args: 1, line: 2, column: 3, body: 4, width: 5 } as const;

export function packFacts(facts: FileFacts): PackedFacts {
  const { defs, calls, includes, exports, aliases, invocations } = facts;
  const index = new Map<string, number>();
  const list: string[] = [];
  const str = (s: string | undefined): number => {
    if (s === undefined) return -1;
    let k = index.get(s);
    if (k === undefined) {
      k = list.length;
      list.push(s);
      index.set(s, k);
    }
    return k;
  };
  const ints = new Int32Array(
    header + defs.length * DefField.width + calls.length * CallField.width + includes.length * IncludeField.width + exports.length + aliases.length * AliasField.width + invocations.length * InvocationField.width,
  );
  ints.set([defs.length, calls.length, includes.length, exports.length, aliases.length, invocations.length]);
  let at = header;
  for (const d of defs) {
    const codes = defCodes(d);
    ints[at + DefField.name] = str(d.name);
    ints[at + DefField.kind] = codes.kind;
    ints[at + DefField.line] = d.line;
    ints[at + DefField.column] = d.column;
    ints[at + DefField.endLine] = codes.endLine;
    ints[at + DefField.flags] = codes.flags;
    ints[at + DefField.via] = str(d.via);
    ints[at + DefField.signature] = str(d.signature);
    ints[at + DefField.docLine] = d.docLine ?? -1;
    ints[at + DefField.params] = str(d.params?.join(','));
    ints[at + DefField.body] = str(d.body);
    at += DefField.width;
  }
  for (const c of calls) {
    ints[at + CallField.caller] = c.caller;
    ints[at + CallField.callee] = str(c.callee);
    ints[at + CallField.line] = c.line;
    ints[at + CallField.column] = c.column;
    ints[at + CallField.flags] = (c.member ? CallFlag.member : 0) | (c.argument ? CallFlag.argument : 0) | (c.compiler ? CallFlag.compiler : 0);
    at += CallField.width;
  }
  for (const inc of includes) {
    ints[at + IncludeField.line] = inc.line;
    ints[at + IncludeField.path] = str(inc.path);
    ints[at + IncludeField.system] = inc.system ? 1 : 0;
    at += IncludeField.width;
  }
  for (const e of exports) ints[at++] = str(e);
  for (const [alias, target] of aliases) {
    ints[at + AliasField.alias] = str(alias);
    ints[at + AliasField.target] = str(target);
    at += AliasField.width;
  }
  for (const inv of invocations) {
    ints[at + InvocationField.macro] = str(inv.macro);
    ints[at + InvocationField.args] = str(inv.args.join('\x1f'));
    ints[at + InvocationField.line] = inv.line;
    ints[at + InvocationField.column] = inv.column;
    ints[at + InvocationField.body] = inv.body;
    at += InvocationField.width;
  }
  return { path: facts.path, language: facts.language, strings: list.join('\0'), ints, problems: facts.problems };
}

/** Where each kind of record starts in `ints`, how many there are, and the strings by index. */
export interface FactsLayout {
  strings: string[];
  defs: { at: number; count: number };
  calls: { at: number; count: number };
  includes: { at: number; count: number };
  exports: { at: number; count: number };
  aliases: { at: number; count: number };
  invocations: { at: number; count: number };
}

export function layoutOf(packed: PackedFacts): FactsLayout {
  const n = packed.ints;
  let at = header;
  const part = (count: number, width: number) => {
    const p = { at, count };
    at += count * width;
    return p;
  };
  return {
    strings: packed.strings.split('\0'),
    defs: part(n[0]!, DefField.width),
    calls: part(n[1]!, CallField.width),
    includes: part(n[2]!, IncludeField.width),
    exports: part(n[3]!, 1),
    aliases: part(n[4]!, AliasField.width),
    invocations: part(n[5]!, InvocationField.width),
  };
}
