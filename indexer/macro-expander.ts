// Which functions a file-scope macro invocation makes, found by expanding the macros' own `#define`s:
// `PAGEFLAG(Locked, locked, PF_NO_TAIL)` → `TESTPAGEFLAG(...)` → `static __always_inline int
// Page##uname(...) {` → `PageLocked`. A small preprocessor over token strings: parameter substitution,
// `#` and `##`, `__VA_ARGS__` and named variadics, rescanning for nested function-like macros (each
// macro not re-entered inside its own expansion), with depth and size limits. Object-like macros and
// conditionals are not evaluated; the table in kernel-idioms.ts covers the families where that matters.

export interface MacroDefinition {
  params: string[];
  body: string;
}

export interface GeneratedFunction {
  name: string;
  /** Names called in the body the expansion wrote (none for a body that follows the invocation). */
  calls: string[];
  /** The expansion ends inside this function's declarator: the braces after the invocation are its body. */
  ownsBody: boolean;
}

const tokenPattern = /[A-Za-z_]\w*|##|#|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\d[\w.]*|\.\.\.|->|\S/g;
const identifier = /^[A-Za-z_]\w*$/;
const notNames = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__attribute__', 'asm', '__asm__', 'do', 'defined']);
const maxTokens = 20_000;
const maxDepth = 8;

function isIdentifierStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function tokenizeMacroText(text: string): string[] {
  return text.match(tokenPattern) ?? [];
}

/** Each definition's body tokens, made once: a tree's 60,000 invocations expand a few thousand macros. */
const bodyTokens = new WeakMap<MacroDefinition, string[]>();

function tokensOf(def: MacroDefinition): string[] {
  let toks = bodyTokens.get(def);
  if (!toks) bodyTokens.set(def, (toks = tokenizeMacroText(def.body)));
  return toks;
}

/** Splits an argument list's tokens (after the `(`) at top-level commas; returns the args and the index after `)`. */
function collectArgs(toks: string[], open: number): { args: string[][]; end: number } | undefined {
  const args: string[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') {
      if (depth === 0) return { args: args.length === 1 && args[0]!.length === 0 ? [] : args, end: i + 1 };
      depth--;
    } else if (t === ',' && depth === 0) {
      args.push([]);
      continue;
    }
    args[args.length - 1]!.push(t);
  }
  return undefined;
}

function substitute(def: MacroDefinition, args: string[][]): string[] {
  const values = new Map<string, string[]>();
  def.params.forEach((p, i) => {
    if (p === '__VA_ARGS__' || p.endsWith('...')) {
      const rest = args.slice(i).flatMap((a, k) => (k === 0 ? a : [',', ...a]));
      values.set(p === '__VA_ARGS__' ? p : p.slice(0, -3), rest);
    } else values.set(p, args[i] ?? []);
  });
  const body = tokensOf(def);
  const out: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const t = body[i]!;
    if (t === '#' && i + 1 < body.length && values.has(body[i + 1]!)) {
      out.push(JSON.stringify(values.get(body[++i]!)!.join(' ')));
      continue;
    }
    const v = values.get(t);
    if (v) {
      // `##` with an empty argument leaves a placemarker: an empty string the paste joins with.
      out.push(...(v.length === 0 ? [''] : v));
    } else out.push(t);
  }
  const pasted: string[] = [];
  for (let i = 0; i < out.length; i++) {
    if (out[i] === '##' && pasted.length > 0 && i + 1 < out.length) {
      pasted.push(pasted.pop()! + out[++i]!);
      continue;
    }
    pasted.push(out[i]!);
  }
  return pasted.filter((t) => t !== '');
}

export interface ExpandHooks {
  /** A function-like macro's definition. */
  lookup(name: string): MacroDefinition | undefined;
  /** Macros answered by a table rather than expanded: called with the arguments' texts. */
  stopAt?(name: string, args: string[]): boolean;
}

/** Fully expands `macro(args)`. */
export function expandInvocation(macro: string, args: string[], hooks: ExpandHooks): string[] {
  const def = hooks.lookup(macro);
  if (!def) return [];
  const argToks = args.map((a) => tokenizeMacroText(a));
  return rescan(substitute(def, argToks), hooks, new Set([macro]), 1);
}

function rescan(toks: string[], hooks: ExpandHooks, active: Set<string>, depth: number): string[] {
  if (depth > maxDepth) return toks;
  const { lookup } = hooks;
  const out: string[] = [];
  for (let i = 0; i < toks.length && out.length < maxTokens; i++) {
    const t = toks[i]!;
    // Tokens come whole from `tokenPattern`: an identifier is the one that starts like one.
    if (toks[i + 1] === '(' && isIdentifierStart(t.charCodeAt(0)) && !active.has(t)) {
      if (hooks.stopAt) {
        const call = collectArgs(toks, i + 1);
        if (call && hooks.stopAt(t, call.args.map((a) => a.join(' ')))) {
          i = call.end - 1;
          continue;
        }
      }
      const def = lookup(t);
      const call = def ? collectArgs(toks, i + 1) : undefined;
      if (def && call) {
        const inner = new Set(active).add(t);
        out.push(...rescan(substitute(def, call.args), hooks, inner, depth + 1));
        i = call.end - 1;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/** Function definitions in expanded tokens: `name ( ... ) {` at brace depth 0, plus a trailing open one. */
export function functionsInExpansion(toks: string[]): GeneratedFunction[] {
  const found: GeneratedFunction[] = [];
  let depth = 0;
  let stmtStart = 0;
  const nameBeforeParams = (close: number): string | undefined => {
    let level = 0;
    for (let j = close; j >= stmtStart; j--) {
      if (toks[j] === ')') level++;
      else if (toks[j] === '(') {
        level--;
        if (level === 0) {
          const name = toks[j - 1];
          if (name === '__attribute__' || name === '__aligned' || name === '__section') return nameBeforeParams(j - 2);
          if (!name || !identifier.test(name) || notNames.has(name) || j - 1 === stmtStart) return undefined;
          for (let k = stmtStart; k < j - 1; k++) if (toks[k] === '=') return undefined;
          return name;
        }
      }
    }
    return undefined;
  };
  let current: GeneratedFunction | undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (depth > 0 && current && toks[i + 1] === '(' && identifier.test(t) && !notNames.has(t) && toks[i - 1] !== '.' && toks[i - 1] !== '->') {
      current.calls.push(t);
    }
    if (t === '{') {
      if (depth === 0) {
        const name = toks[i - 1] === ')' ? nameBeforeParams(i - 1) : undefined;
        current = name ? { name, calls: [], ownsBody: false } : undefined;
        if (current) found.push(current);
      }
      depth++;
    } else if (t === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) stmtStart = i + 1;
    } else if (t === ';' && depth === 0) stmtStart = i + 1;
  }
  if (depth === 0 && toks[toks.length - 1] === ')') {
    const name = nameBeforeParams(toks.length - 1);
    if (name) found.push({ name, calls: [], ownsBody: true });
  }
  return found;
}
