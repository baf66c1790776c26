// Extraction of definitions, calls, includes and identifier sets from one C file.
//
// The problem: kernel C is written for a preprocessor tree-sitter never runs. 80% of files hold ERROR
// nodes (attribute macros, `SYSCALL_DEFINE3(open, ...) {`, `list_for_each_entry(...) {`), and a full
// syntax-tree walk runs at a third of the parse speed. The approach is two passes that each do what they
// are good at: a lexical pass over a token array (c-lexer.ts) finds every function body by brace depth
// at file scope, whatever tree-sitter made of it, plus macros, includes, calls and identifiers, with
// `#if/#else` depth restored per branch; a tree-sitter pass over file-scope nodes only (a TreeCursor,
// descending into `#if` blocks and ERROR nodes but never into function bodies) supplies the declarations
// it parses well: variables, prototypes, typedefs, struct/union/enum tags, members and enumerators.
// Rejected: a tree-sitter Query capturing every identifier (2-3x slower, and still blind inside ERROR
// nodes). Nothing is kept after extraction: the tree is deleted and only plain facts leave this module.
import type { CParser, SyntaxTree } from './c-parser.js';
import { type CTokens, Tok, isPunct, lexC, tokText } from './c-lexer.js';
import { type CallFact, type DefFact, type DefKind, type FileFacts, type IncludeFact, defFact } from './file-facts.js';
import { type GeneratedDef, cKeywords, exportMacro, generatedDefinitions, moduleAlias, notCallable, trailingAttribute } from './kernel-idioms.js';
import { nameHashAt } from './name-hash.js';
import { type CanaryPolicy, canaryCalls, stackCheckFail } from './stack-protector.js';

/** Files larger than this are generated tables (amdgpu register headers): lexical pass only. */
export const maxTreeSitterBytes = 1_500_000;

const allCaps = /^[A-Z_][A-Z0-9_]*$/;
/** Kernel function names are lower case; a lone upper-case argument is a constant or a type. */
const functionLike = /^_*[a-z][a-z0-9_]*$/;
/** Longer macro bodies are tables, not definition generators; not kept for expansion. */
const maxMacroBody = 16_384;
/** Invocations that never define functions: not worth expanding. */
const notExpanded = /^(MODULE_\w+|__setup|early_param|core_param|module_param\w*|(early|core|postcore|arch|subsys|fs|rootfs|device|late|pure|console)_initcall\w*|BUILD_BUG_ON\w*|static_assert|_Static_assert|DECLARE_\w+|__ADDRESSABLE|ALLOW_ERROR_INJECTION|NOKPROBE_SYMBOL|ASM_\w+)$/;
/** Words between a variable's declarator and its `=`: `int x[] __initdata = {`. */
const variableAttribute = /^(__init(data|const|mv|_task_data|data_memblock)?|__exit(data)?|__ref(data|const)|__mem(init)?(data|const)|__dev(init)?(data|const)|__read_mostly|__ro_after_init|__(maybe|always)_unused|__used|__cacheline_aligned(_in_smp)?|__page_aligned_(data|bss)|__nosavedata|__weak|__visible|__packed|__latent_entropy|__randomize_layout)$/;
/** Keywords are left out of the reference blobs; a name whose hash is a keyword's is compared as text. */
const keywordHashes = new Set([...cKeywords].map((k) => nameHashAt(k, 0, k.length)));
const conditionalDirectives = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);
const storageWords = new Set(['static', 'extern', 'inline', '__always_inline', 'noinline', '__init', '__initdata', '__read_mostly', '__ro_after_init']);

interface PpFrame {
  depthAtStart: number;
  depthAfterFirst: number;
  parenAtStart: number;
  parenAfterFirst: number;
  alternative: boolean;
}

export interface ExtractOptions {
  path: string;
  parser?: CParser;
  /** The tree of exactly this text, already parsed (incrementally, by an editor session); not deleted here. */
  tree?: SyntaxTree;
}

export function extractC(text: string, options: ExtractOptions): FileFacts {
  const toks = lexC(text);
  const facts: FileFacts = {
    path: options.path,
    language: 'c',
    defs: [],
    calls: [],
    includes: [],
    nameHashes: [],
    exports: [],
    aliases: [],
    invocations: [],
    problems: [],
    errorNodes: 0,
  };
  const lexical = new LexicalPass(text, toks, facts);
  lexical.run();
  if (options.tree) {
    addTreeSitterDeclarations(options.tree, text, facts, toks);
  } else if (options.parser && text.length <= maxTreeSitterBytes && lexical.hasCode) {
    const parsed = forTreeSitter(text, toks, lexical);
    const tree = options.parser.parse(parsed);
    addTreeSitterDeclarations(tree, parsed, facts, toks);
    tree.delete?.();
  }
  lexical.addInitializedVariables();
  return facts;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
}

function collapse(s: string, max = 240): string {
  const c = s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\s+/g, ' ').trim();
  return c.length > max ? c.slice(0, max) + '…' : c;
}

class LexicalPass {
  readonly prevC: Int32Array;
  readonly nextC: Int32Array;
  /** Any token outside a directive: a file of directives alone (register headers) has no declarations. */
  readonly hasCode: boolean;
  private readonly pp: PpFrame[] = [];
  private depth = 0;
  /** Parenthesis depth at file scope: `;` and braces inside `TRACE_EVENT(...)` arguments end nothing. */
  private paren = 0;
  private currentFn = -1;
  private stmtStart = -1;
  /** Macro-made definitions whose braces are still open (their end line is the closing brace's). */
  private openGenerated: number[] = [];
  private readonly nameHashes = new Set<number>();
  /** The `{` of the function body being scanned, -1 outside one. */
  private bodyOpen = -1;
  private initializerOpen = -1;
  /**
   * File-scope variables with an initializer, found lexically: added after the tree-sitter pass for
   * those it did not parse (its error recovery around a macro invocation can swallow the next
   * declarations whole).
   */
  private readonly initialized: DefFact[] = [];
  /** Token pairs (`{`, `}`) of every function body found, in order. */
  readonly bodies: number[] = [];
  /**
   * What tree-sitter need not see, in order, as (open brace token, close brace token, 1 for a function
   * body or 0 for the initializer of a file-scope variable: a driver's tables are most of its parse time).
   */
  readonly opaque: number[] = [];
  /**
   * The directives tree-sitter need not see either, in order, as (`#` token, its PpEnd token): those
   * followed by another directive, but not the conditionals, whose structure the tree follows. A
   * header's `#define`s are a tenth of its parse.
   */
  readonly quietDirectives: number[] = [];
  /** The def owning each body of `bodies`. */
  private readonly bodyOwners: number[] = [];
  /** How each function with a body comes by a stack canary (stack-protector.ts); absent: never. */
  private readonly canaryPolicies = new Map<number, CanaryPolicy>();

  constructor(
    readonly text: string,
    readonly toks: CTokens,
    private readonly facts: FileFacts,
  ) {
    const n = toks.count;
    this.prevC = new Int32Array(n);
    this.nextC = new Int32Array(n);
    let last = -1;
    let inPp = false;
    for (let i = 0; i < n; i++) {
      const k = toks.kind[i]!;
      this.prevC[i] = last;
      if (k === Tok.PpBegin) inPp = true;
      else if (k === Tok.PpEnd) inPp = false;
      else if (!inPp) last = i;
    }
    this.hasCode = last >= 0;
    let next = -1;
    inPp = false;
    for (let i = n - 1; i >= 0; i--) {
      const k = toks.kind[i]!;
      this.nextC[i] = next;
      if (k === Tok.PpEnd) inPp = true;
      else if (k === Tok.PpBegin) inPp = false;
      else if (!inPp) next = i;
    }
  }

  run(): void {
    const { toks, text } = this;
    const n = toks.count;
    let i = 0;
    while (i < n) {
      const k = toks.kind[i]!;
      if (k === Tok.PpBegin) {
        i = this.directive(i);
        continue;
      }
      if (this.paren > 0 && this.depth === 0 && k === Tok.Ident && text.charCodeAt(toks.start[i]! - 1) === 10 && this.endsStatement(this.prevC[i]!)) {
        // An unbalanced `(` (a macro tree-sitter and we cannot see through): a declaration starting in
        // column 1 after a `;` or `}` is a new statement; code inside TRACE_EVENT(...) is indented.
        this.paren = 0;
        this.stmtStart = i;
      }
      if (this.stmtStart < 0) this.stmtStart = i;
      if (k === Tok.Ident) {
        this.mentions(i);
        if (this.depth > 0 && this.currentFn >= 0 && isPunct(text, toks, this.nextC[i]!, '(')) {
          const name = tokText(text, toks, i);
          if (!notCallable.has(name)) this.addCall(this.currentFn, name, i);
        }
      } else if (k === Tok.Punct) {
        const c = text.charCodeAt(toks.start[i]!);
        const single = toks.end[i]! - toks.start[i]! === 1;
        if (single && c === 40 && this.depth === 0) this.paren++;
        else if (single && c === 41 && this.depth === 0) this.paren = Math.max(0, this.paren - 1);
        else if (single && c === 123) {
          if (this.depth === 0 && this.paren === 0) {
            this.openBraceAtFileScope(i);
            this.bodyOpen = this.currentFn >= 0 ? i : -1;
            this.initializerOpen = isPunct(text, toks, this.prevC[i]!, '=') ? i : -1;
          }
          this.depth++;
        } else if (single && c === 125) {
          this.depth = Math.max(0, this.depth - 1);
          if (this.depth === 0 && this.paren === 0) {
            if (this.currentFn >= 0) this.facts.defs[this.currentFn]!.endLine = toks.line[i]!;
            if (this.bodyOpen >= 0) {
              this.bodies.push(this.bodyOpen, i);
              this.bodyOwners.push(this.currentFn);
            }
            if (this.bodyOpen >= 0) this.opaque.push(this.bodyOpen, i, 1);
            else if (this.initializerOpen >= 0) {
              this.opaque.push(this.initializerOpen, i, 0);
              this.initializedVariable(this.prevC[this.initializerOpen]!);
            }
            this.bodyOpen = -1;
            this.initializerOpen = -1;
            for (const d of this.openGenerated) this.facts.defs[d]!.endLine = toks.line[i]!;
            this.openGenerated = [];
            this.currentFn = -1;
            this.stmtStart = -1;
          }
        } else if (single && c === 59 && this.depth === 0 && this.paren === 0) {
          this.statementAtFileScope(this.stmtStart, i);
          this.stmtStart = -1;
        }
      }
      i++;
    }
    // Invocations written without `;` up to the end of the file (lsm_hook_defs.h, accessor tables).
    if (this.depth === 0 && this.stmtStart >= 0) this.invocationChain(this.stmtStart, toks.count);
    this.facts.nameHashes = [...this.nameHashes];
    const { defs, calls } = this.facts;
    calls.push(...canaryCalls(this, { defs, calls, bodies: this.bodies, owners: this.bodyOwners, policies: this.canaryPolicies }));
  }

  private endsStatement(t: number): boolean {
    return t >= 0 && (isPunct(this.text, this.toks, t, ';') || isPunct(this.text, this.toks, t, '}'));
  }

  private get alternative(): boolean {
    return this.pp.some((f) => f.alternative);
  }

  private addCall(caller: number, callee: string, t: number): void {
    const prev = this.prevC[t]!;
    const member = isPunct(this.text, this.toks, prev, '->') || isPunct(this.text, this.toks, prev, '.');
    const call: CallFact = { caller, callee, line: this.toks.line[t]!, column: columnOf(this.text, this.toks.start[t]!), member };
    this.facts.calls.push(call);
  }

  /** Calls the idiom table knows a generated function makes, placed at the invocation. */
  private addGeneratedCalls(caller: number, g: GeneratedDef, tok: number): void {
    const at = { caller, line: this.toks.line[tok]!, column: columnOf(this.text, this.toks.start[tok]!), member: false };
    for (const callee of g.calls ?? []) this.facts.calls.push({ ...at, callee });
    if (g.canary === 'always') this.facts.calls.push({ ...at, callee: stackCheckFail, compiler: true });
  }

  /** `def`: every field, in this order at every call (one object shape keeps the reads here fast). */
  private addDef(tok: number, def: Pick<DefFact, 'name' | 'kind' | 'line' | 'endLine' | 'isStatic' | 'isWeak' | 'via' | 'signature' | 'docLine'>): number {
    const d = defFact(def.name, def.kind, def.line, columnOf(this.text, this.toks.start[tok]!), def.endLine, def);
    if (this.alternative) d.isAlternative = true;
    this.facts.defs.push(d);
    return this.facts.defs.length - 1;
  }

  /** `static const struct x name[] __initconst = {`: the variable whose initializer the `=` at `eq` starts. */
  private initializedVariable(eq: number): void {
    const { text, toks } = this;
    let t = this.prevC[eq]!;
    let bracketed = false;
    while (t >= 0) {
      if (isPunct(text, toks, t, ']')) {
        while (t >= 0 && !isPunct(text, toks, t, '[')) t = this.prevC[t]!;
        t = t >= 0 ? this.prevC[t]! : t;
        bracketed = true;
        continue;
      }
      if (isPunct(text, toks, t, ')')) {
        // Only an attribute's parentheses: `(*handlers[])(void)` and `DEFINE_X(name)` are not ours.
        const open = this.matchOpen(t);
        const before = open >= 0 ? this.prevC[open]! : -1;
        if (bracketed || before < 0 || toks.kind[before] !== Tok.Ident || !trailingAttribute.test(tokText(text, toks, before))) return;
        t = this.prevC[before]!;
        continue;
      }
      if (toks.kind[t] !== Tok.Ident) return;
      const word = tokText(text, toks, t);
      if (!bracketed && variableAttribute.test(word)) {
        t = this.prevC[t]!;
        continue;
      }
      if (cKeywords.has(word)) return;
      const start = this.stmtStart >= 0 ? this.stmtStart : t;
      let isStatic = false;
      for (let s = start; s >= 0 && s < t; s = this.nextC[s]!) if (toks.kind[s] === Tok.Ident && tokText(text, toks, s) === 'static') isStatic = true;
      const d = defFact(word, 'variable', toks.line[t]!, columnOf(text, toks.start[t]!), toks.line[t]!, { isStatic, isWeak: false, via: undefined, signature: undefined, docLine: this.docLineBefore(toks.line[start]!) });
      if (this.alternative) d.isAlternative = true;
      this.initialized.push(d);
      return;
    }
  }

  /** Adds the initialized variables no other pass defined at their line. */
  addInitializedVariables(): void {
    if (this.initialized.length === 0) return;
    const known = new Set(this.facts.defs.map((d) => `${d.name}:${d.line}`));
    for (const d of this.initialized) if (!known.has(`${d.name}:${d.line}`)) this.facts.defs.push(d);
  }

  /** Records the identifier token `t` in the file's reference hashes (keywords left out). */
  private mentions(t: number): void {
    const { text, toks } = this;
    const h = nameHashAt(text, toks.start[t]!, toks.end[t]!);
    if (!keywordHashes.has(h) || !cKeywords.has(tokText(text, toks, t))) this.nameHashes.add(h);
  }

  private docLineBefore(line: number): number | undefined {
    return this.toks.commentStartByEndLine.get(line - 1);
  }

  /** Index of the `(` matching the `)` at `close`, walking C tokens backwards; -1 when unbalanced. */
  private matchOpen(close: number): number {
    let level = 0;
    for (let t = close; t >= 0; t = this.prevC[t]!) {
      if (this.toks.kind[t] !== Tok.Punct) continue;
      if (isPunct(this.text, this.toks, t, ')')) level++;
      else if (isPunct(this.text, this.toks, t, '(')) {
        level--;
        if (level === 0) return t;
      } else if (isPunct(this.text, this.toks, t, ';') || isPunct(this.text, this.toks, t, '}')) return -1;
    }
    return -1;
  }

  /** The argument texts of the call whose `(` is at `open`, split at top-level commas. */
  private argsAt(open: number): { args: string[]; close: number } {
    const args: string[] = [];
    let level = 0;
    let argStart = this.toks.end[open]!;
    for (let t = this.nextC[open]!; t >= 0; t = this.nextC[t]!) {
      if (this.toks.kind[t] !== Tok.Punct) continue;
      const p = this.text[this.toks.start[t]!];
      const single = this.toks.end[t]! - this.toks.start[t]! === 1;
      if (!single) continue;
      if (p === '(' || p === '{' || p === '[') level++;
      else if (p === ')' || p === '}' || p === ']') {
        if (level === 0) {
          args.push(this.text.slice(argStart, this.toks.start[t]!));
          return { args, close: t };
        }
        level--;
      } else if (p === ',' && level === 0) {
        args.push(this.text.slice(argStart, this.toks.start[t]!));
        argStart = this.toks.end[t]!;
      } else if (p === ';' && level === 0) break;
    }
    return { args, close: -1 };
  }

  private openBraceAtFileScope(brace: number): void {
    const { text, toks } = this;
    let p = this.prevC[brace]!;
    let nameTok = -1;
    let open = -1;
    const chainOnly = () => {
      if (this.stmtStart >= 0) this.invocationChain(this.stmtStart, brace);
    };
    while (p >= 0 && isPunct(text, toks, p, ')')) {
      const q = this.matchOpen(p);
      if (q < 0) return chainOnly();
      const before = this.prevC[q]!;
      if (before < 0 || toks.kind[before] !== Tok.Ident) return chainOnly();
      const word = tokText(text, toks, before);
      if (trailingAttribute.test(word)) {
        p = this.prevC[before]!;
        continue;
      }
      nameTok = before;
      open = q;
      break;
    }
    if (nameTok < 0) return chainOnly();
    const name = tokText(text, toks, nameTok);
    if (notCallable.has(name) || cKeywords.has(name)) return chainOnly();
    const start = this.stmtStart >= 0 ? this.stmtStart : nameTok;
    let isStatic = false;
    let isWeak = false;
    let isInline = false;
    let noinline = false;
    let unprotected = false;
    for (let t = start; t >= 0 && t < brace; t = this.nextC[t]!) {
      if (t < nameTok && isPunct(text, toks, t, '=')) return; // an initializer, not a body
      if (toks.kind[t] === Tok.Ident) {
        const w = tokText(text, toks, t);
        if (w === 'static') isStatic = true;
        else if (w === '__weak' || w === 'weak') isWeak = true;
        else if (w === 'inline' || w === '__inline' || w === '__inline__' || w === '__always_inline') isInline = true;
        else if (w === 'noinline' || w === '__noinline') noinline = true;
        else if (w === '__no_stack_protector' || w === 'no_stack_protector') unprotected = true;
      }
    }
    const line = toks.line[nameTok]!;
    const startLine = toks.line[start]!;
    const docLine = this.docLineBefore(startLine);
    const macroLike = allCaps.test(name) && start === nameTok;
    if (macroLike || /^(SYSCALL_DEFINE|COMPAT_SYSCALL_DEFINE|BPF_CALL_)/.test(name)) {
      const { args } = this.argsAt(open);
      const made = generatedDefinitions(name, args, true);
      let owner = -1;
      const holders: number[] = [];
      for (const g of made) {
        const idx = this.addDef(nameTok, { name: g.name, kind: g.kind, line, endLine: -1, isStatic: false, isWeak: g.isWeak ?? false, via: name, signature: undefined, docLine });
        this.addGeneratedCalls(idx, g, nameTok);
        if (g.ownsBody) owner = idx;
        if (g.canary === 'inlined-body') holders.push(idx);
        this.openGenerated.push(idx);
      }
      if (owner >= 0) this.canaryPolicies.set(owner, holders.length > 0 ? { kind: 'wrapped', wrappers: holders } : { kind: 'own' });
      this.currentFn = owner >= 0 ? owner : -1;
      if (made.length > 0) return;
      if (macroLike) {
        const first = args[0]?.trim() ?? '';
        const placeholder = this.addDef(nameTok, { name: /^[A-Za-z_]\w*$/.test(first) ? first : name, kind: 'function', line, endLine: line, isStatic: false, isWeak: false, via: name, signature: undefined, docLine });
        this.facts.defs[placeholder]!.isPlaceholder = true;
        this.facts.invocations.push({ macro: name, args, line, column: columnOf(text, toks.start[nameTok]!), body: placeholder });
        this.invocationChain(start, nameTok);
        this.currentFn = placeholder;
        return;
      }
    }
    this.invocationChain(start, nameTok);
    const signature = collapse(text.slice(toks.start[start]!, toks.end[p]!));
    this.currentFn = this.addDef(nameTok, { name, kind: 'function', line, endLine: line, isStatic, isWeak, via: undefined, signature, docLine });
    if (!unprotected) {
      const policy: CanaryPolicy = isInline && !noinline ? { kind: 'inlined' } : isStatic && !noinline ? { kind: 'static' } : { kind: 'own' };
      this.canaryPolicies.set(this.currentFn, policy);
    }
  }

  private statementAtFileScope(start: number, end: number): void {
    if (start < 0) return;
    this.invocationChain(start, end);
    const { text, toks } = this;
    let level = 0;
    for (let t = start; t >= 0 && t < end; t = this.nextC[t]!) {
      if (toks.kind[t] !== Tok.Punct || toks.end[t]! - toks.start[t]! !== 1) continue;
      const c = text.charCodeAt(toks.start[t]!);
      if (c === 40 || c === 91) level++;
      else if (c === 41 || c === 93) level--;
      else if (c === 61 && level === 0) return this.initializedVariable(t);
    }
  }

  /**
   * Macro invocations at the start of a file-scope statement, several in a row when they carry no `;`
   * (`PAGEFLAG(Active, ...) __CLEARPAGEFLAG(Active, ...)`), up to `limit`: exports, module aliases, the
   * idiom table's definitions, and invocations of other macros kept for expansion.
   */
  private invocationChain(start: number, limit: number): void {
    const { text, toks } = this;
    let t = start;
    while (t >= 0 && t < limit) {
      while (t >= 0 && t < limit && toks.kind[t] === Tok.Ident && storageWords.has(tokText(text, toks, t))) t = this.nextC[t]!;
      if (t < 0 || t >= limit || toks.kind[t] !== Tok.Ident) return;
      const open = this.nextC[t]!;
      if (!isPunct(text, toks, open, '(')) {
        // An object-like macro standing alone (`TRACE_MM_PAGES` before a TRACE_EVENT) ends nothing.
        if (allCaps.test(tokText(text, toks, t))) {
          t = open;
          continue;
        }
        return;
      }
      const macro = tokText(text, toks, t);
      const { args, close } = this.argsAt(open);
      if (close < 0 || close > limit) return;
      this.invocation(macro, args, t, start);
      t = this.nextC[close]!;
    }
  }

  private invocation(macro: string, args: string[], t: number, stmtStart: number): void {
    const { toks } = this;
    if (macro === 'EXPORT_SYMBOL' || exportMacro.test(macro)) {
      const sym = args[0]?.trim();
      if (sym && /^[A-Za-z_]\w*$/.test(sym)) this.facts.exports.push(sym);
      return;
    }
    const alias = moduleAlias(macro, args);
    if (alias) {
      this.facts.aliases.push(alias);
      return;
    }
    const line = toks.line[t]!;
    const made = generatedDefinitions(macro, args, false);
    for (const g of made) {
      const idx = this.addDef(t, { name: g.name, kind: g.kind, line, endLine: line, isStatic: stmtStart !== t, isWeak: g.isWeak ?? false, via: macro, signature: undefined, docLine: this.docLineBefore(toks.line[stmtStart]!) });
      this.addGeneratedCalls(idx, g, t);
    }
    if ((made.length === 0 || made.some((g) => g.guess)) && !notExpanded.test(macro)) {
      this.facts.invocations.push({ macro, args, line, column: columnOf(this.text, toks.start[t]!), body: -1 });
    }
  }

  /** Handles the directive whose `#` is at `hash`; returns the index after its PpEnd. */
  private directive(hash: number): number {
    const { text, toks } = this;
    let end = hash + 1;
    while (end < toks.count && toks.kind[end] !== Tok.PpEnd) end++;
    const d = hash + 1;
    const word = d < end && toks.kind[d] === Tok.Ident ? tokText(text, toks, d) : '';
    // The last of a run stays: tree-sitter recovers from an error at a directive, and without it an ERROR
    // could run on through the declarations after it (blanking them all moved the recovery in 160 files).
    if (!conditionalDirectives.has(word) && toks.kind[end + 1] === Tok.PpBegin) this.quietDirectives.push(hash, end);
    for (let t = d + 1; t < end; t++) if (toks.kind[t] === Tok.Ident) this.mentions(t);
    switch (word) {
      case 'define':
        this.define(d + 1, end);
        break;
      case 'include':
      case 'include_next':
        this.include(d, end);
        break;
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const cond = text.slice(toks.end[d]!, toks.start[end]!);
        const negatedConfig = (word === 'ifndef' && /^\s*CONFIG_/.test(cond)) || (word === 'if' && /^\s*!\s*(defined|IS_ENABLED|IS_BUILTIN|IS_REACHABLE)?\s*\(?\s*CONFIG_/.test(cond));
        this.pp.push({ depthAtStart: this.depth, depthAfterFirst: -1, parenAtStart: this.paren, parenAfterFirst: -1, alternative: negatedConfig });
        break;
      }
      case 'elif':
      case 'else': {
        const top = this.pp[this.pp.length - 1];
        if (top) {
          if (top.depthAfterFirst < 0) {
            top.depthAfterFirst = this.depth;
            top.parenAfterFirst = this.paren;
          }
          this.depth = top.depthAtStart;
          this.paren = top.parenAtStart;
          top.alternative = word === 'elif' ? true : !top.alternative;
        }
        break;
      }
      case 'endif': {
        const top = this.pp.pop();
        if (top && top.depthAfterFirst >= 0) {
          this.depth = top.depthAfterFirst;
          this.paren = top.parenAfterFirst;
        }
        break;
      }
    }
    return end + 1;
  }

  private define(nameTok: number, end: number): void {
    const { text, toks } = this;
    if (nameTok >= end || toks.kind[nameTok] !== Tok.Ident) return;
    const name = tokText(text, toks, nameTok);
    const line = toks.line[nameTok]!;
    let bodyStart = nameTok + 1;
    let params: string[] | undefined;
    if (bodyStart < end && toks.start[bodyStart] === toks.end[nameTok] && isPunct(text, toks, bodyStart, '(')) {
      params = [];
      let t = bodyStart + 1;
      for (; t < end && !isPunct(text, toks, t, ')'); t++) {
        if (toks.kind[t] === Tok.Ident) params.push(tokText(text, toks, t));
        else if (isPunct(text, toks, t, '...')) {
          const last = params.length - 1;
          if (last >= 0 && toks.kind[t - 1] === Tok.Ident) params[last] += '...';
          else params.push('__VA_ARGS__');
        }
      }
      bodyStart = t + 1;
    }
    const endLine = end > nameTok ? toks.line[end - 1]! : line;
    const signature = params ? collapse(`#define ${name}(${params.join(', ').replace('__VA_ARGS__', '...')})`) : undefined;
    const body = params && bodyStart < end ? text.slice(toks.start[bodyStart]!, toks.end[end - 1]!).replace(/\\\r?\n/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ') : undefined;
    const def = this.addDef(nameTok, { name, kind: params ? 'function-macro' : 'macro', line, endLine, isStatic: false, isWeak: false, via: undefined, signature, docLine: this.docLineBefore(toks.line[nameTok - 2] ?? line) });
    if (params) this.facts.defs[def]!.params = params;
    if (body !== undefined && body.length <= maxMacroBody) this.facts.defs[def]!.body = body;
    const paramSet = new Set((params ?? []).map((p) => p.replace(/\.\.\.$/, '')));
    for (let t = bodyStart; t < end; t++) {
      if (toks.kind[t] !== Tok.Ident) continue;
      const next = t + 1;
      const callee = tokText(text, toks, t);
      const prev = t - 1;
      if (next < end && toks.kind[next] === Tok.Ident && paramSet.has(tokText(text, toks, next)) && !paramSet.has(callee) && !cKeywords.has(callee) && functionLike.test(callee)) {
        // `#define ACPI_ERROR(plist) acpi_error plist`: the parenthesised argument list is the parameter.
        this.facts.calls.push({ caller: def, callee, line: toks.line[t]!, column: columnOf(text, toks.start[t]!), member: false });
        continue;
      }
      if (next >= end || !isPunct(text, toks, next, '(')) {
        // A function name handed to another macro (`printk_index_wrap(_printk, fmt, ...)`) is usually
        // called by it: counted as a call the macro makes.
        const before = isPunct(text, toks, prev, '(') || isPunct(text, toks, prev, ',');
        const after = next < end && (isPunct(text, toks, next, ',') || isPunct(text, toks, next, ')'));
        if (before && after && functionLike.test(callee) && !paramSet.has(callee) && !cKeywords.has(callee) && t - 2 >= bodyStart && this.insideCall(t, bodyStart)) {
          this.facts.calls.push({ caller: def, callee, line: toks.line[t]!, column: columnOf(text, toks.start[t]!), member: false, argument: true });
        }
        continue;
      }
      if (paramSet.has(callee) || notCallable.has(callee) || cKeywords.has(callee)) continue;
      if (isPunct(text, toks, prev, '#') || isPunct(text, toks, prev, '##') || isPunct(text, toks, next + 1, '##')) continue;
      const member = isPunct(text, toks, prev, '->') || isPunct(text, toks, prev, '.');
      this.facts.calls.push({ caller: def, callee, line: toks.line[t]!, column: columnOf(text, toks.start[t]!), member });
    }
  }

  /** True when token `t` of a directive sits directly inside the argument list of `ident(`. */
  private insideCall(t: number, from: number): boolean {
    let level = 0;
    for (let u = t - 1; u >= from; u--) {
      if (isPunct(this.text, this.toks, u, ')')) level++;
      else if (isPunct(this.text, this.toks, u, '(')) {
        if (level === 0) return this.toks.kind[u - 1] === Tok.Ident && !notCallable.has(tokText(this.text, this.toks, u - 1));
        level--;
      }
    }
    return false;
  }

  private include(d: number, end: number): void {
    const raw = this.text.slice(this.toks.end[d]!, this.toks.start[end]!).trim();
    const m = /^(?:"([^"]+)"|<([^>]+)>)/.exec(raw);
    if (!m) return;
    const inc: IncludeFact = { line: this.toks.line[d]!, path: (m[1] ?? m[2])!, system: m[2] !== undefined };
    this.facts.includes.push(inc);
  }
}

/**
 * The text tree-sitter parses: the function bodies and file-scope initializers the lexical pass found,
 * and the directives other than conditionals, reduced to their newlines, so every row and the columns
 * outside them stay as they were. A body keeps its conditionals (its `#if` structure can reach outside
 * it); an initializer loses them too, since tree-sitter cannot parse a directive in an initializer list
 * once the values around it are gone. The tree-sitter pass never looks inside any of these, and the
 * bodies are most of a .c file's parse time. (Blanking to spaces instead saves little: the native
 * binding lexes whitespace at a third of the speed of code.)
 */
function forTreeSitter(text: string, toks: CTokens, lexical: { opaque: readonly number[]; quietDirectives: readonly number[] }): string {
  const { opaque, quietDirectives: quiet } = lexical;
  if (opaque.length === 0 && quiet.length === 0) return text;
  const parts: string[] = [];
  let from = 0;
  let q = 0;
  /** Blanks the text from `a` (on line `aLine`) to `b` (on `bLine`) to its newlines, counted by the lexer's lines. */
  const blank = (a: number, aLine: number, b: number, bLine: number, beforeClose: boolean) => {
    if (b <= a) return;
    if (bLine > aLine) parts.push('\n'.repeat(bLine - aLine));
    // The closing brace keeps its column: `} name;` after it would be a declaration's position.
    if (beforeClose) parts.push(' '.repeat(b - (bLine > aLine ? text.lastIndexOf('\n', b - 1) + 1 : a)));
  };
  /** Copies the text up to `limit`, its quiet directives blanked. */
  const copyTo = (limit: number) => {
    for (; q < quiet.length && toks.start[quiet[q]!]! < limit; q += 2) {
      const at = toks.start[quiet[q]!]!;
      parts.push(text.slice(from, at));
      from = toks.start[quiet[q + 1]!]!;
      blank(at, toks.line[quiet[q]!]!, from, toks.line[quiet[q + 1]!]!, false);
    }
    parts.push(text.slice(from, limit));
    from = limit;
  };
  for (let b = 0; b < opaque.length; b += 3) {
    const open = opaque[b]!;
    const close = opaque[b + 1]!;
    copyTo(toks.end[open]!);
    let at = from;
    let atLine = toks.line[open]!;
    for (let t = open + 1; opaque[b + 2] === 1 && t < close; t++) {
      if (toks.kind[t] !== Tok.PpBegin) continue;
      let e = t + 1;
      while (e < close && toks.kind[e] !== Tok.PpEnd) e++;
      while (q < quiet.length && quiet[q]! < t) q += 2;
      if (quiet[q] !== t) {
        blank(at, atLine, toks.start[t]!, toks.line[t]!, false);
        const kept = e < close ? e : t;
        at = toks.start[kept]!;
        atLine = toks.line[kept]!;
        parts.push(text.slice(toks.start[t]!, at));
      }
      t = e;
    }
    while (q < quiet.length && quiet[q]! < close) q += 2;
    blank(at, atLine, toks.start[close]!, toks.line[close]!, true);
    from = toks.start[close]!;
  }
  copyTo(text.length);
  return parts.join('');
}

/**
 * The tree-sitter pass: declarations at file scope, read with one cursor. The native binding pays per
 * node object it hands out (an id, a cache entry), so no node object is made: names and rows come from
 * the cursor, text from `text`, the exact string tree-sitter parsed.
 */
function addTreeSitterDeclarations(tree: SyntaxTree, text: string, facts: FileFacts, toks: CTokens): void {
  const known = new Set(facts.defs.map((d) => `${d.name}:${d.line}`));
  const functionLines = new Set(facts.defs.filter((d) => d.kind === 'function').map((d) => d.line));
  const cursor = tree.walk();
  /** Adds the definition whose name is the cursor's node. */
  const add = (kind: DefKind, extra: { isStatic?: boolean; endLine?: number; startRow?: number }): void => {
    const name = text.slice(cursor.startIndex, cursor.endIndex);
    const at = cursor.startPosition;
    const line = at.row + 1;
    // `int x[] __initdata = {` that tree-sitter cannot parse can come out named after its attribute.
    if (!/^[A-Za-z_]\w*$/.test(name) || variableAttribute.test(name) || known.has(`${name}:${line}`)) return;
    if (kind === 'function' && (allCaps.test(name) || functionLines.has(line))) return;
    known.add(`${name}:${line}`);
    const docLine = toks.commentStartByEndLine.get(extra.startRow ?? line - 1);
    facts.defs.push(defFact(name, kind, line, at.column + 1, extra.endLine ?? line, { isStatic: extra.isStatic ?? false, isWeak: false, via: undefined, signature: undefined, docLine }));
  };
  /** Moves to the first child that `accept`s; false, the cursor where it was, when none does. */
  const gotoChild = (accept: () => boolean): boolean => {
    if (!cursor.gotoFirstChild()) return false;
    do if (accept()) return true;
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
    return false;
  };
  const gotoField = (field: string): boolean => gotoChild(() => cursor.currentFieldName === field);
  const gotoFirstNamed = (): boolean => gotoChild(() => cursor.nodeIsNamed);
  /** Runs `visit` on every child (the cursor there), then returns to the parent. */
  const eachChild = (visit: () => void): void => {
    if (!cursor.gotoFirstChild()) return;
    do visit();
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  const up = (levels: number): void => {
    for (let i = 0; i < levels; i++) cursor.gotoParent();
  };
  /**
   * From a declarator down to the identifier it declares, the cursor left there `depth` levels below;
   * `function` tells a prototype from a variable. Undefined, the cursor back where it was, when none.
   */
  const declared = (): { depth: number; function: boolean } | undefined => {
    let depth = 0;
    let fn = false;
    let pointerOutsideFunction = false;
    for (;;) {
      let moved: boolean;
      switch (cursor.nodeType) {
        case 'identifier':
        case 'field_identifier':
        case 'type_identifier':
        case 'primitive_type':
          return { depth, function: fn && !pointerOutsideFunction };
        case 'function_declarator':
          fn = true;
          moved = gotoField('declarator');
          break;
        case 'pointer_declarator':
          if (fn) pointerOutsideFunction = true;
          moved = gotoField('declarator');
          break;
        case 'init_declarator':
        case 'array_declarator':
        case 'attributed_declarator':
          moved = gotoField('declarator') || gotoFirstNamed();
          break;
        case 'parenthesized_declarator':
          moved = gotoFirstNamed();
          break;
        default:
          moved = false;
      }
      if (!moved) {
        up(depth);
        return undefined;
      }
      depth++;
    }
  };
  /** Each `declarator` child's name, added as `kind` (or by `kindOf` from whether it declares a function). */
  const addDeclarators = (kindOf: (isFunction: boolean) => DefKind, extra: { isStatic?: boolean; startRow: number }): void => {
    eachChild(() => {
      if (cursor.currentFieldName !== 'declarator') return;
      const found = declared();
      if (!found) return;
      add(kindOf(found.function), extra);
      up(found.depth);
    });
  };
  /** The struct/union/enum at the cursor, when it has a body: its tag, members and enumerators. */
  const typeBody = (startRow: number): void => {
    const t = cursor.nodeType;
    const kind = t === 'struct_specifier' ? 'struct' : t === 'union_specifier' ? 'union' : t === 'enum_specifier' ? 'enum' : undefined;
    if (!kind || !gotoField('body')) return;
    cursor.gotoParent();
    const endLine = cursor.endPosition.row + 1;
    if (gotoField('name')) {
      add(kind, { endLine, startRow });
      cursor.gotoParent();
    }
    gotoField('body');
    eachChild(() => {
      if (!cursor.nodeIsNamed) return;
      const member = cursor.nodeType;
      if (member === 'enumerator') {
        const row = cursor.startPosition.row;
        if (gotoField('name')) {
          add('enumerator', { startRow: row });
          cursor.gotoParent();
        }
      } else if (member === 'field_declaration') {
        const row = cursor.startPosition.row;
        if (gotoField('type')) {
          typeBody(row);
          cursor.gotoParent();
        }
        addDeclarators(() => 'member', { startRow: row });
      }
    });
    cursor.gotoParent();
  };
  const storage = (): { isStatic: boolean; isExtern: boolean } => {
    let isStatic = false;
    let isExtern = false;
    eachChild(() => {
      if (!cursor.nodeIsNamed || cursor.nodeType !== 'storage_class_specifier') return;
      const word = text.slice(cursor.startIndex, cursor.endIndex);
      if (word === 'static') isStatic = true;
      if (word === 'extern') isExtern = true;
    });
    return { isStatic, isExtern };
  };
  /** `asmlinkage __visible` before a function parses as a declaration missing its `;`: not one. */
  const endsWithSemicolon = (): boolean => {
    let i = cursor.endIndex - 1;
    const start = cursor.startIndex;
    while (i >= start && /\s/.test(text[i]!)) i--;
    return i >= start && text[i] === ';';
  };
  const visit = (): void => {
    const type = cursor.nodeType;
    if (type === 'ERROR') facts.errorNodes++;
    if (type === 'declaration' || type === 'type_definition' || type === 'function_definition') {
      const row = cursor.startPosition.row;
      if (gotoField('type')) {
        typeBody(row);
        cursor.gotoParent();
      }
      if (type === 'function_definition') {
        const endLine = cursor.endPosition.row + 1;
        const { isStatic } = storage();
        if (!gotoField('declarator')) return;
        const found = declared();
        if (found?.function) add('function', { isStatic, endLine, startRow: row });
        if (found) up(found.depth);
        cursor.gotoParent();
        return;
      }
      if (!endsWithSemicolon()) return;
      const { isStatic, isExtern } = storage();
      if (type === 'type_definition') addDeclarators(() => 'typedef', { startRow: row });
      else addDeclarators((isFunction) => (isFunction ? 'prototype' : isExtern ? 'extern' : 'variable'), { isStatic, startRow: row });
      return;
    }
    if (type === 'struct_specifier' || type === 'union_specifier' || type === 'enum_specifier') {
      typeBody(cursor.startPosition.row);
      return;
    }
    const container = type === 'translation_unit' || type === 'ERROR' || type.startsWith('preproc_if') || type === 'preproc_else' || type.startsWith('preproc_elif') || type === 'linkage_specification' || type === 'declaration_list';
    if (container) eachChild(visit);
  };
  visit();
}
