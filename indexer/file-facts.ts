// What the extractor learns from one source file: plain, structured-clonable records that travel from a
// parse worker to the single database writer.

export type DefKind =
  | 'function'
  | 'prototype'
  | 'macro'
  | 'function-macro'
  | 'struct'
  | 'union'
  | 'enum'
  | 'typedef'
  | 'enumerator'
  | 'variable'
  | 'extern'
  | 'member'
  | 'label';

export interface DefFact {
  name: string;
  kind: DefKind;
  /** 1-based line and column of the name (DW_AT_decl_line's line). */
  line: number;
  column: number;
  endLine: number;
  isStatic: boolean;
  /** `__weak` definitions and `COND_SYSCALL` stubs rank below a strong definition. */
  isWeak: boolean;
  /** The generating macro for macro-made definitions (`SYSCALL_DEFINE3`, `TRACE_EVENT`, ...). */
  via?: string;
  /** The declaration text up to its body, whitespace collapsed. */
  signature?: string;
  /** First line of the comment block right above the definition, when there is one. */
  docLine?: number;
  /** Inside an `#else` branch or a `#ifndef CONFIG_...` block: likely a stub. */
  isAlternative?: boolean;
  /** For function-like macros: parameter names (`args...` for a named variadic), and the body text. */
  params?: string[];
  body?: string;
  /** A definition made by a macro whose expansion is not known yet (named after its first argument). */
  isPlaceholder?: boolean;
}

/**
 * A definition with every field in the object itself, in one order: a kernel run makes 7 million of them,
 * and fields added later (or left out) go to a separate property array, a second cache miss on every
 * read when they are packed for the writer (packed-facts.ts). `more` has every field it names, in this
 * order, at every call: one object shape keeps its reads fast.
 */
export function defFact(name: string, kind: DefKind, line: number, column: number, endLine: number, more: Pick<DefFact, 'isStatic' | 'isWeak' | 'via' | 'signature' | 'docLine'>): DefFact {
  return {
    name,
    kind,
    line,
    column,
    endLine,
    isStatic: more.isStatic,
    isWeak: more.isWeak,
    via: more.via,
    signature: more.signature,
    docLine: more.docLine,
    isAlternative: undefined,
    params: undefined,
    body: undefined,
    isPlaceholder: undefined,
  };
}

/** A file-scope invocation of a macro the idiom table does not know: expanded after indexing. */
export interface InvocationFact {
  macro: string;
  args: string[];
  line: number;
  column: number;
  /** Index into `defs` of the placeholder that owns the braces following the invocation, or -1. */
  body: number;
}

export interface CallFact {
  /** Index into `defs` of the enclosing function (or function-like macro), -1 at file scope. */
  caller: number;
  callee: string;
  line: number;
  column: number;
  /** `ops->open(...)` / `ops.open(...)`: a call through a member named `callee`. */
  member: boolean;
  /** In a macro body, a function name passed to another macro (which calls it) rather than called. */
  argument?: boolean;
  /** A call the compiler inserts that the source never writes (`__stack_chk_fail` under -fstack-protector-strong). */
  compiler?: boolean;
}

export interface IncludeFact {
  line: number;
  path: string;
  system: boolean;
}

export interface FileFacts {
  path: string;
  language: 'c' | 'asm';
  defs: DefFact[];
  calls: CallFact[];
  includes: IncludeFact[];
  /** The `nameHash` of every distinct identifier in the file (the reference index is name → files). */
  nameHashes: number[];
  /** Names passed to EXPORT_SYMBOL*. */
  exports: string[];
  /** `module_init(fn)` → ['init_module', 'fn'] and similar aliases. */
  aliases: Array<[alias: string, target: string]>;
  invocations: InvocationFact[];
  /** Counted warnings about this file (an ERROR-heavy parse is not one). */
  problems: string[];
  /** Lines tree-sitter could not parse, for diagnostics and tests. */
  errorNodes: number;
}
