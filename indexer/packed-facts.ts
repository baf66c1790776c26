// The form a file's facts travel in from a parse worker to the writer, and the numeric codes the index
// stores them with. Structured clone of the fact objects cost the kernel run ~20 s of CPU across the
// threads: V8 writes every property name of every object, 7 million definitions, and the writer then
// rebuilt them all and collected them. Packed, each distinct string of the file crosses once, in one
// NUL-separated string, and every number in one Int32Array that is transferred, not copied; the writer
// binds straight from them, and interns a name once per file however often the file uses it.
// A generated register header's object-like macros travel as a macro table instead (`MacroTableField`).
import type { DefFact, DefKind, FileFacts } from './file-facts.js';
import { nameHash } from './name-hash.js';

export const defKinds: readonly DefKind[] = ['function', 'prototype', 'macro', 'function-macro', 'struct', 'union', 'enum', 'typedef', 'enumerator', 'variable', 'extern', 'member', 'label'];
const kindCode = new Map(defKinds.map((k, i) => [k, i]));

export const DefFlag = { static: 1, weak: 2, alternative: 4, placeholder: 8, expanded: 16 } as const;
export const CallFlag = { member: 1, argument: 2, compiler: 4 } as const;

/** The stored numbers of a definition: its kind's code, its flags, an end line no earlier than its line. */
export function defCodes(d: DefFact): { kind: number; flags: number; endLine: number } {
  return { kind: kindCode.get(d.kind)!, flags: defFlags(d), endLine: d.endLine < d.line ? d.line : d.endLine };
}

function defFlags(d: DefFact): number {
  return (d.isStatic ? DefFlag.static : 0) | (d.isWeak ? DefFlag.weak : 0) | (d.isAlternative ? DefFlag.alternative : 0) | (d.isPlaceholder ? DefFlag.placeholder : 0);
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

const header = 7;
export const DefField = { name: 0, kind: 1, line: 2, column: 3, endLine: 4, flags: 5, via: 6, signature: 7, docLine: 8, params: 9, body: 10, width: 11 } as const;
export const CallField = { caller: 0, callee: 1, line: 2, column: 3, flags: 4, width: 5 } as const;
export const IncludeField = { line: 0, path: 1, system: 2, width: 3 } as const;
export const AliasField = { alias: 0, target: 1, width: 2 } as const;
export const InvocationField = { macro: 0, args: 1, line: 2, column: 3, body: 4, width: 5 } as const;
/**
 * An object-like macro of a macro table: `hash` is its name's `nameHash`, `offset` the name's byte offset
 * in the file (one byte a character in such files), from which a query reads the name back. Entries are sorted
 * by hash (as unsigned).
 */
export const MacroTableField = { hash: 0, offset: 1, line: 2, column: 3, endLine: 4, docLine: 5, flags: 6, width: 7 } as const;

/**
 * A file with this many plain object-like macros is a generated register table (the amdgpu headers hold
 * 3 million of the kernel's 7 million definitions): its macros are stored by name hash, a few bytes each,
 * not as a row and an interned name each.
 */
export const macroTableMin = 10_000;

/**
 * `diskText`: the file's text as read from disk, when each character is one byte (so an index is a byte
 * offset): only then can its macros go to a macro table.
 */
export function packFacts(facts: FileFacts, diskText?: string): PackedFacts {
  const { calls, includes, exports, aliases, invocations } = facts;
  const { defs, table, defIndex } = splitMacroTable(facts, diskText);
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
    header +
      defs.length * DefField.width +
      calls.length * CallField.width +
      includes.length * IncludeField.width +
      exports.length +
      aliases.length * AliasField.width +
      invocations.length * InvocationField.width +
      table.length,
  );
  ints.set([defs.length, calls.length, includes.length, exports.length, aliases.length, invocations.length, table.length / MacroTableField.width]);
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
    ints[at + CallField.caller] = defIndex ? defIndex[c.caller]! : c.caller;
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
    ints[at + InvocationField.body] = defIndex && inv.body >= 0 ? defIndex[inv.body]! : inv.body;
    at += InvocationField.width;
  }
  ints.set(table, at);
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
  macroTable: { at: number; count: number };
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
    macroTable: part(n[6]!, MacroTableField.width),
  };
}

/**
 * Moves a register table's plain object-like macros (no calls made from them, no invocation expanding
 * into them) out of `defs` into macro table entries; `defIndex` maps the old definition indices to the
 * kept ones when it did.
 */
function splitMacroTable(facts: FileFacts, diskText: string | undefined): { defs: DefFact[]; table: Int32Array; defIndex: Int32Array | undefined } {
  const all = facts.defs;
  const none = { defs: all, table: new Int32Array(0), defIndex: undefined };
  if (diskText === undefined || all.length < macroTableMin || all.length > maxTableDefs) return none;
  const referenced = new Uint8Array(all.length);
  for (const c of facts.calls) referenced[c.caller] = 1;
  for (const inv of facts.invocations) if (inv.body >= 0) referenced[inv.body] = 1;
  // Sort keys: the name's hash above the definition's index, both exact in a double.
  const keys = new Float64Array(all.length);
  let count = 0;
  for (let k = 0; k < all.length; k++) {
    const d = all[k]!;
    if (d.kind === 'macro' && d.via === undefined && d.signature === undefined && d.params === undefined && d.body === undefined && referenced[k] === 0) {
      keys[count++] = nameHash(d.name) * (maxTableDefs + 1) + k;
    }
  }
  if (count < macroTableMin) return none;
  const sorted = keys.subarray(0, count).sort();
  const lineStart = [0];
  for (let i = diskText.indexOf('\n'); i >= 0; i = diskText.indexOf('\n', i + 1)) lineStart.push(i + 1);
  const table = new Int32Array(count * MacroTableField.width);
  const tabled = new Uint8Array(all.length);
  for (let i = 0, at = 0; i < count; i++, at += MacroTableField.width) {
    const key = sorted[i]!;
    const k = key % (maxTableDefs + 1);
    const d = all[k]!;
    tabled[k] = 1;
    table[at + MacroTableField.hash] = (key - k) / (maxTableDefs + 1);
    table[at + MacroTableField.offset] = lineStart[d.line - 1]! + d.column - 1;
    table[at + MacroTableField.line] = d.line;
    table[at + MacroTableField.column] = d.column;
    table[at + MacroTableField.endLine] = Math.max(d.line, d.endLine);
    table[at + MacroTableField.docLine] = d.docLine ?? -1;
    table[at + MacroTableField.flags] = defFlags(d);
  }
  const defs: DefFact[] = [];
  const defIndex = new Int32Array(all.length).fill(-1);
  for (let k = 0; k < all.length; k++) {
    if (tabled[k] === 1) continue;
    defIndex[k] = defs.length;
    defs.push(all[k]!);
  }
  return { defs, table, defIndex };
}

/** More definitions than this in one file and the sort key of `splitMacroTable` would not be exact. */
const maxTableDefs = 2 ** 21 - 1;
