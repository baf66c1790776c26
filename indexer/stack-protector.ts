// Which function bodies get a stack canary under the kernel's -fstack-protector-strong (x86_64 and arm64
// defconfigs, Debian's kernels): GCC protects a function with a local array, a local struct holding one,
// or a local whose address is taken, and calls `__stack_chk_fail` from its epilogue. The source never
// writes that call, yet it is in every such function's DWARF and in crash traces ("stack-protector: Kernel
// stack is corrupted in: foo"). This is a lexical approximation: it sees what the body writes, not what
// inlining or macro expansion adds, and not which files the Makefiles build with -fno-stack-protector.
import { type CTokens, Tok, isPunct, tokText } from './c-lexer.js';
import type { CallFact, DefFact } from './file-facts.js';
import { nameHashAt } from './name-hash.js';

/** Statement words that cannot start a declaration. */
const statementWords = new Set(['return', 'if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'goto', 'break', 'continue', 'sizeof', 'asm', '__asm__', 'asm_inline', 'typeof', '__typeof__']);
/** Local-declaring macros whose variable sits on the stack with its address taken by the initializer. */
const onStackMacro = /^(DECLARE_BITMAP|LIST_HEAD|HLIST_HEAD|DEFINE_WAIT\w*|DECLARE_WAITQUEUE|DECLARE_COMPLETION_ONSTACK\w*|DECLARE_WAIT_QUEUE_HEAD_ONSTACK|DECLARE_SWAITQUEUE|CLOSURE_CALLBACK|LLIST_HEAD)$/;
/** Storage classes that take a local off the stack. */
const offStack = new Set(['static', 'extern']);

export interface BodyTokens {
  text: string;
  toks: CTokens;
  /** Previous and next C token (directives skipped), as the lexical pass computed them. */
  prevC: Int32Array;
  nextC: Int32Array;
}

function is(b: BodyTokens, t: number, p: string): boolean {
  return isPunct(b.text, b.toks, t, p);
}

const [lparen, lbracket, lbrace, rparen, rbracket, rbrace, semicolon, comma, equals] = [...'([{)]};,='].map((c) => c.charCodeAt(0));

/** The character of a one-character punctuator at `t`, else 0. */
function punctChar(b: BodyTokens, t: number): number {
  return t >= 0 && b.toks.kind[t] === Tok.Punct && b.toks.end[t]! - b.toks.start[t]! === 1 ? b.text.charCodeAt(b.toks.start[t]!) : 0;
}

function ident(b: BodyTokens, t: number): string {
  return t >= 0 && b.toks.kind[t] === Tok.Ident ? tokText(b.text, b.toks, t) : '';
}

/**
 * The token that makes the body between the braces at `open` and `close` protected — the name of a local
 * array, or the local whose address is taken — or -1 when nothing written there does.
 */
export function stackProtectorTrigger(b: BodyTokens, open: number, close: number): number {
  const locals = new Set<string>();
  for (let t = b.nextC[open]!; t >= 0 && t < close; t = b.nextC[t]!) {
    const prev = b.prevC[t]!;
    if (is(b, prev, '{') || is(b, prev, ';') || is(b, prev, '}')) {
      const found = declaration(b, t, close, locals);
      if (found >= 0) return found;
    }
    if (is(b, t, '&') && !endsOperand(b, b.prevC[t]!)) {
      const next = b.nextC[t]!;
      if (locals.has(ident(b, next)) && !throughPointer(b, next, close)) return next;
    }
  }
  return -1;
}

/**
 * `&p->field`, `&s.ptr->x`, `&p[i]`: the address of what a local points to, not of the local (a local
 * array indexed here was already counted where it was declared).
 */
function throughPointer(b: BodyTokens, name: number, close: number): boolean {
  for (let t = b.nextC[name]!; t >= 0 && t < close; t = b.nextC[b.nextC[t]!]!) {
    if (is(b, t, '->') || is(b, t, '[')) return true;
    if (!is(b, t, '.')) return false;
  }
  return false;
}

/** A value ends at `t`, so a `&` after it is a binary and, not an address-of. */
function endsOperand(b: BodyTokens, t: number): boolean {
  const k = b.toks.kind[t];
  if (k === Tok.Ident) return !statementWords.has(tokText(b.text, b.toks, t));
  if (k === Tok.Number || k === Tok.String || k === Tok.Char) return true;
  return is(b, t, ')') || is(b, t, ']') || is(b, t, '++') || is(b, t, '--');
}

/**
 * Reads the local declaration starting at `start`, if it is one: records its names in `locals` and
 * returns the token of an array (or on-stack macro variable) it declares, else -1.
 */
function declaration(b: BodyTokens, start: number, close: number, locals: Set<string>): number {
  const first = ident(b, start);
  if (first === '' || statementWords.has(first)) return -1;
  if (is(b, b.nextC[start]!, '(')) {
    return onStackMacro.test(first) && !offStack.has(ident(b, b.prevC[start]!)) ? start : -1;
  }
  // The type: words and stars up to the first declarator name, which is followed by [ ; = , or ).
  let words = 0;
  let stat = false;
  let array = false;
  let t = start;
  for (; t >= 0 && t < close; t = b.nextC[t]!) {
    const w = ident(b, t);
    if (w !== '') {
      if (offStack.has(w)) stat = true;
      // x86_64's and arm64's va_list is an array type.
      if (w === 'va_list') array = true;
      words++;
      const after = b.nextC[t]!;
      if (words >= 2 && (is(b, after, '[') || is(b, after, ';') || is(b, after, '=') || is(b, after, ','))) break;
      continue;
    }
    if (!is(b, t, '*')) return -1;
  }
  if (t < 0 || t >= close || words < 2) return -1;
  // Declarators: `name[...]`, `*name = init`, separated by commas at depth 0, up to the `;`.
  let depth = 0;
  let expectName = true;
  for (; t >= 0 && t < close; t = b.nextC[t]!) {
    const c = punctChar(b, t);
    if (c === lparen || c === lbracket || c === lbrace) depth++;
    else if (c === rparen || c === rbracket || c === rbrace) depth--;
    else if (depth === 0 && c === semicolon) break;
    else if (depth === 0 && c === comma) expectName = true;
    else if (depth === 0 && c === equals) expectName = false;
    const name = expectName && depth === 0 ? ident(b, t) : '';
    if (name === '') continue;
    expectName = false;
    if (stat) continue;
    locals.add(name);
    if (array || is(b, b.nextC[t]!, '[')) return t;
  }
  return -1;
}

/** How a function with a body comes by its canary. */
export type CanaryPolicy =
  | { kind: 'own' }
  /**
   * A generated inline function's (`__do_sys_x`): the wrappers' it is inlined into (`__x64_sys_x`,
   * `__ia32_sys_x`), its own when the body is too large for the inliner.
   */
  | { kind: 'wrapped'; wrappers: number[] }
  /** `inline`: its callers' in this file, none when it has none here. */
  | { kind: 'inlined' }
  /** `static`: its own, or its caller's when it has exactly one (GCC inlines functions called once). */
  | { kind: 'static' };

export interface CanaryInput {
  defs: readonly DefFact[];
  calls: readonly CallFact[];
  /** Token pairs (`{`, `}`) of function bodies, and the def owning each. */
  bodies: readonly number[];
  owners: readonly number[];
  /** Functions without a policy never get a canary (`__always_inline` callers aside, `__no_stack_protector`). */
  policies: ReadonlyMap<number, CanaryPolicy>;
}

interface Landing {
  holder: number;
  line: number;
  column: number;
}

/**
 * The `__stack_chk_fail` calls of a file: one per function that ends up holding a canary, placed at what
 * made it (the local array, the address taken, or the call of the inlined function that had one).
 */
export function canaryCalls(b: BodyTokens, input: CanaryInput): CallFact[] {
  const { defs, calls, policies } = input;
  const landings: Landing[] = [];
  let callsTo: Map<string, CallFact[]> | undefined;
  let uses: Map<string, number> | undefined;
  const land = (def: number, line: number, column: number, hops: number, lines: number): void => {
    const policy = policies.get(def);
    if (!policy) return;
    if (policy.kind === 'own' || (policy.kind === 'wrapped' && lines > inlineLimitLines)) {
      landings.push({ holder: def, line, column });
      return;
    }
    if (policy.kind === 'wrapped') {
      for (const holder of policy.wrappers) landings.push({ holder, line, column });
      return;
    }
    callsTo ??= callsByCallee(calls, policies);
    uses ??= nameUses(b, defs, policies);
    const name = defs[def]!.name;
    const sites = hops < 4 ? (callsTo.get(name) ?? []) : [];
    if (policy.kind === 'inlined') {
      for (const s of sites) land(s.caller, s.line, s.column, hops + 1, 0);
    } else if (sites.length === 1 && uses.get(name) === 2) {
      land(sites[0]!.caller, sites[0]!.line, sites[0]!.column, hops + 1, 0);
    } else {
      landings.push({ holder: def, line, column });
    }
  };
  for (let i = 0; i < input.owners.length; i++) {
    const owner = input.owners[i]!;
    if (!policies.has(owner)) continue;
    const open = input.bodies[2 * i]!;
    const close = input.bodies[2 * i + 1]!;
    const t = stackProtectorTrigger(b, open, close);
    if (t >= 0) land(owner, b.toks.line[t]!, columnAt(b.text, b.toks.start[t]!), 0, b.toks.line[close]! - b.toks.line[open]!);
  }
  const seen = new Set<number>();
  return landings
    .filter((l) => !seen.has(l.holder) && seen.add(l.holder))
    .map((l) => ({ caller: l.holder, callee: stackCheckFail, line: l.line, column: l.column, member: false, compiler: true }));
}

export const stackCheckFail = '__stack_chk_fail';

/**
 * Bodies longer than this stay out of line although generated `inline`: where Debian 6.1's syscall bodies
 * split (by its DWARF call sites, 24 of the 27 longer bodies keep the canary in `__do_sys_x`, 172 of the
 * 245 shorter ones leave it to the stubs).
 */
const inlineLimitLines = 60;

function columnAt(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
}

function callsByCallee(calls: readonly CallFact[], policies: ReadonlyMap<number, CanaryPolicy>): Map<string, CallFact[]> {
  const out = new Map<string, CallFact[]>();
  for (const c of calls) {
    if (c.member || c.compiler || !policies.has(c.caller)) continue;
    const list = out.get(c.callee);
    if (list) list.push(c);
    else out.set(c.callee, [c]);
  }
  return out;
}

/** How often each static function's name occurs in the file: twice (definition and call) means called once. */
function nameUses(b: BodyTokens, defs: readonly DefFact[], policies: ReadonlyMap<number, CanaryPolicy>): Map<string, number> {
  const uses = new Map<string, number>();
  // By hash first: no string is made for the file's other identifiers.
  const byHash = new Map<number, string[]>();
  for (const [def, policy] of policies) {
    if (policy.kind !== 'static') continue;
    const name = defs[def]!.name;
    uses.set(name, 0);
    const h = nameHashAt(name, 0, name.length);
    byHash.set(h, [...(byHash.get(h) ?? []), name]);
  }
  const { text, toks } = b;
  for (let t = 0; t < toks.count; t++) {
    if (toks.kind[t] !== Tok.Ident) continue;
    const start = toks.start[t]!;
    const length = toks.end[t]! - start;
    const names = byHash.get(nameHashAt(text, start, start + length));
    if (names === undefined) continue;
    for (const name of names) if (name.length === length && text.startsWith(name, start)) uses.set(name, uses.get(name)! + 1);
  }
  return uses;
}
