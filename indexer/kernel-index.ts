// The query side of the index: ranked definitions, callers and callees (through function-like macros),
// references with roles, text and file searches, includes. Plain records out; the CLI renders them in
// cscope's line format, the LSP server converts them to its types.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { archOfPath, normalizeArch, outsideKernel } from './arch.js';
import { Tok, lexC } from './c-lexer.js';
import { stripCompilerSuffix } from './compiler-suffix.js';
import type { DefKind } from './file-facts.js';
import { type DefRow, IndexStore, type MacroTableEntry } from './index-store.js';
import { CallFlag, DefFlag, defKinds } from './packed-facts.js';
import { resolveInclude } from './resolve-include.js';
import { indexFileText } from './build-index.js';
import { type CParser, createNativeCParser } from './c-parser.js';
import { cKeywords } from './kernel-idioms.js';
import { TreeCache } from './tree-cache.js';

export interface SymbolDef {
  name: string;
  kind: DefKind;
  /** Path relative to the indexed root. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  isStatic: boolean;
  isWeak: boolean;
  isExported: boolean;
  /** The macro that generated this definition, when one did. */
  via: string | null;
  signature: string | null;
  docLine: number | null;
}

export interface CallSite {
  /** The function (or macro) whose body holds the call. */
  caller: SymbolDef;
  callee: string;
  file: string;
  line: number;
  column: number;
  /** `ops->callee(...)`. */
  member: boolean;
  /** The function-like macro written at this site whose expansion makes the call. */
  via: string | null;
  /** A call the compiler inserts, not written in the source: the stack protector's `__stack_chk_fail`. */
  inserted: boolean;
}

export type ReferenceRole = 'read' | 'write' | 'call' | 'declaration';

export interface Reference {
  name: string;
  file: string;
  line: number;
  column: number;
  /** Enclosing function or function-like macro, undefined at file scope. */
  function: string | undefined;
  role: ReferenceRole;
}

export interface TextHit {
  file: string;
  line: number;
  column: number;
  text: string;
}

export interface IncludeEdge {
  /** The file holding the `#include`. */
  file: string;
  line: number;
  /** As written: `linux/sched.h`. */
  written: string;
  system: boolean;
  /** The tree file it names, when it exists in the index. */
  resolved: string | undefined;
}

export interface DefinitionQuery {
  /** Kernel architecture directory (`x86`, `arm64`; `x86_64`/`aarch64` accepted). Default: the index's. */
  arch?: string;
  limit?: number;
}

export interface CallQuery {
  /** Include `ops->name(...)` calls: 'auto' does when no function of that name exists. */
  members?: 'auto' | 'include' | 'exclude';
  /** How many macro levels to follow from a call site to the calls its expansion makes. Default 4. */
  macroDepth?: number;
}

const kindScore: Record<DefKind, number> = {
  function: 100, label: 40, variable: 70, 'function-macro': 60, macro: 55, struct: 50, union: 50, enum: 50,
  typedef: 48, enumerator: 45, extern: 20, prototype: 15, member: 10,
};
const macroKinds = [defKinds.indexOf('function-macro'), defKinds.indexOf('macro')].join(',');
const functionKinds = [defKinds.indexOf('function'), defKinds.indexOf('label')].join(',');

/** Rank of a definition for "where is `name` defined" (higher first). */
export function rankDefinition(def: Pick<SymbolDef, 'kind' | 'file' | 'isWeak' | 'via'> & { isAlternative?: boolean }, arch: string | undefined): number {
  let score = kindScore[def.kind] * 10;
  if (def.isWeak) score -= 250;
  if (def.isAlternative) score -= 100;
  const a = archOfPath(def.file);
  if (a !== undefined && arch !== undefined) score += a === arch ? 60 : -400;
  if (outsideKernel.test(def.file)) score -= 450;
  if (def.kind === 'function' && def.file.endsWith('.c')) score += 5;
  return score;
}

interface RawDef {
  def: SymbolDef;
  /** The definition's row; none for a macro table entry. */
  id?: number;
  flags: number;
}

const defSelect = `SELECT d.id, n.name, f.path, d.kind, d.line, d.col AS "column", d.end_line AS endLine, d.flags,
  v.name AS via, d.doc_line AS docLine, d.signature, d.params,
  EXISTS (SELECT 1 FROM exports e WHERE e.name_id = d.name_id AND e.file_id = d.file_id) AS exported
  FROM defs d JOIN names n ON n.id = d.name_id JOIN files f ON f.id = d.file_id LEFT JOIN names v ON v.id = d.via_id`;

export class KernelIndex {
  private readonly lineCache = new Map<string, string[]>();
  private readonly stmts;
  readonly arch: string | undefined;

  constructor(
    readonly store: IndexStore,
    /** Absolute root of the tree the paths are relative to (for reading source lines). */
    readonly root: string,
  ) {
    const db = store.db;
    this.arch = store.getMeta('arch');
    this.stmts = {
      defsByName: db.prepare(`${defSelect} WHERE d.name_id = ?`),
      defById: db.prepare(`${defSelect} WHERE d.id = ?`),
      defsInFile: db.prepare(`${defSelect} WHERE d.file_id = ? ORDER BY d.line, d.col`),
      callsTo: db.prepare(`SELECT c.caller_id AS callerId, c.line, c.col AS "column", c.flags, d.kind FROM calls c JOIN defs d ON d.id = c.caller_id WHERE c.callee_id = ?`),
      callsFrom: db.prepare(`SELECT n.name AS callee, c.callee_id AS calleeId, c.line, c.col AS "column", c.flags FROM calls c JOIN names n ON n.id = c.callee_id WHERE c.caller_id = ? ORDER BY c.line, c.col`),
      macroNamesCalling: db.prepare(`SELECT d.name_id AS id, f.path FROM calls c JOIN defs d ON d.id = c.caller_id JOIN files f ON f.id = d.file_id
        WHERE c.callee_id = ? AND d.kind IN (${macroKinds})`),
      isMacro: db.prepare(`SELECT 1 FROM defs WHERE name_id = ? AND kind IN (${macroKinds}) LIMIT 1`).pluck(),
      macroDefIds: db.prepare(`SELECT d.id, f.path FROM defs d JOIN files f ON f.id = d.file_id WHERE d.name_id = ? AND d.kind IN (${macroKinds})`),
      hasFunction: db.prepare(`SELECT 1 FROM defs WHERE name_id = ? AND kind IN (${functionKinds}) LIMIT 1`).pluck(),
      nameOf: db.prepare('SELECT name FROM names WHERE id = ?').pluck(),
      fileId: db.prepare('SELECT id FROM files WHERE path = ?').pluck(),
      allPaths: db.prepare('SELECT path FROM files ORDER BY path').pluck(),
      aliasTargets: db.prepare('SELECT t.name FROM aliases a JOIN names t ON t.id = a.target_id WHERE a.alias_id = ?').pluck(),
      includesOf: db.prepare('SELECT line, path, system FROM includes WHERE file_id = ? ORDER BY line'),
      allIncludes: db.prepare('SELECT f.path AS file, i.line, i.path AS written, i.system FROM includes i JOIN files f ON f.id = i.file_id ORDER BY f.path, i.line'),
      namesLike: db.prepare('SELECT name FROM names WHERE name LIKE ? ESCAPE \'\\\' LIMIT ?').pluck(),
    };
  }

  /**
   * Opens the index at `dbPath` (read-only unless `writable`, which `updateFileText` needs); `root`
   * defaults to the one recorded at index time.
   */
  static open(dbPath: string, options: { root?: string; writable?: boolean } = {}): KernelIndex {
    const store = IndexStore.open(dbPath, { readonly: !options.writable });
    const root = options.root ?? store.getMeta('root') ?? path.dirname(path.dirname(dbPath));
    return new KernelIndex(store, root);
  }

  fileCount(): number {
    return this.store.db.prepare('SELECT count(*) FROM files').pluck().get() as number;
  }

  /**
   * Re-extracts one file from text in memory (an editor's unsaved buffer) and replaces its rows; the next
   * query sees it. Needs an index opened `writable`.
   */
  updateFileText(file: string, text: string): void {
    const trees = this.editorTrees();
    indexFileText(this.store, file, text, trees?.parser, trees?.cache.parse(file, text));
    this.lineCache.delete(file);
  }

  /**
   * An editor opened `file` showing `text`: its syntax tree is parsed now and kept, so that the first
   * edit re-parses incrementally (a full parse of a 300 KB file is ~40 ms of the edit's budget).
   */
  openFileText(file: string, text: string): void {
    this.editorTrees()?.cache.parse(file, text);
  }

  /** The parser and the edited files' trees, kept for incremental re-parses; null without a native binding. */
  private trees: { parser: CParser; cache: TreeCache } | null | undefined;

  private editorTrees(): { parser: CParser; cache: TreeCache } | null {
    if (this.trees === undefined) {
      const parser = tryNativeParser();
      this.trees = parser ? { parser, cache: new TreeCache(parser) } : null;
    }
    return this.trees;
  }

  /** Declarations that are not the definition: prototypes and `extern`s. */
  findDeclarations(name: string): SymbolDef[] {
    return this.rawDefs(stripCompilerSuffix(name))
      .map((r) => r.def)
      .filter((d) => d.kind === 'prototype' || d.kind === 'extern');
  }

  /** The comment block above a definition (kernel-doc), without comment markers; undefined when none. */
  docComment(def: Pick<SymbolDef, 'file' | 'line' | 'docLine'>): string | undefined {
    if (def.docLine === null || def.docLine === undefined) return undefined;
    const lines: string[] = [];
    for (let l = def.docLine; l < def.line; l++) {
      const t = this.lineText(def.file, l);
      if (!/^\s*(\/\*|\*|\/\/)/.test(t) && !t.includes('*/')) break;
      lines.push(t.replace(/^\s*(\/\*\*?|\*\/|\*|\/\/)\s?/, '').replace(/\s*\*\/\s*$/, ''));
    }
    const text = lines.join('\n').trim();
    return text === '' ? undefined : text;
  }

  close(): void {
    this.trees?.cache.clear();
    this.store.close();
  }


  /** Definitions of exactly `name`: rows, and the macro table entries whose name reads back as `name`. */
  private rawDefs(name: string): RawDef[] {
    const id = this.store.nameId(name);
    const rows: RawDef[] = id === undefined ? [] : (this.stmts.defsByName.all(id) as DefRow[]).map((row) => ({ def: toDef(row), id: row.id, flags: row.flags }));
    const tabled = this.store.macroTableEntries(name).filter((e) => this.nameAt(e.path, e.offset, name.length) === name);
    return rows.concat(tabled.map((e) => ({ def: tableMacroDef(name, e), flags: e.flags })));
  }

  /**
   * The identifier of `length` characters at byte `offset` of `file`, read from disk; undefined when the
   * file is gone or an identifier character follows (the file changed since it was indexed).
   */
  private nameAt(file: string, offset: number, length: number): string | undefined {
    let fd: number;
    try {
      fd = openSync(path.join(this.root, file), 'r');
    } catch {
      return undefined;
    }
    try {
      const buf = Buffer.alloc(length + 1);
      const got = readSync(fd, buf, 0, length + 1, offset);
      if (got === length + 1 && /\w/.test(String.fromCharCode(buf[length]!))) return undefined;
      return buf.toString('latin1', 0, Math.min(got, length));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Definitions of `name`, best first: function bodies above prototypes, macros and members; strong above
   * `__weak`; the architecture's own `arch/<arch>/` above other architectures. `foo.isra.0` means `foo`;
   * `init_module` falls back to the function `module_init` names.
   */
  findDefinitions(name: string, query: DefinitionQuery = {}): SymbolDef[] {
    const base = stripCompilerSuffix(name);
    const arch = query.arch ? normalizeArch(query.arch) : this.arch;
    let found = this.rawDefs(base);
    if (!found.some((f) => f.def.kind === 'function')) {
      const id = this.store.nameId(base);
      const targets = id === undefined ? [] : (this.stmts.aliasTargets.all(id) as string[]);
      for (const t of targets) found = found.concat(this.rawDefs(t));
    }
    const ranked = found
      .map(({ def, flags }) => ({ def, score: rankDefinition({ ...def, isAlternative: (flags & DefFlag.alternative) !== 0 }, arch) }))
      .sort((a, b) => b.score - a.score || cmp(a.def.file, b.def.file) || a.def.line - b.def.line)
      .map((r) => r.def);
    return query.limit ? ranked.slice(0, query.limit) : ranked;
  }

  /** Every definition stored for one file, in line order (document symbols); `text`: its source, when the caller has read it. */
  definitionsInFile(file: string, text?: string): SymbolDef[] {
    const id = this.stmts.fileId.get(file) as number | undefined;
    if (id === undefined) return [];
    const defs = (this.stmts.defsInFile.all(id) as DefRow[]).map((r) => toDef(r));
    const table = this.store.macroTableOf(id);
    if (table.length === 0) return defs;
    const source = text ?? this.readSource(file) ?? '';
    const identifier = /[A-Za-z_]\w*/y;
    for (const e of table) {
      identifier.lastIndex = e.offset;
      const name = identifier.exec(source)?.[0];
      if (name !== undefined) defs.push(tableMacroDef(name, e));
    }
    return defs.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  /**
   * Whether a macro defined in `defFile` can expand at a call site: a macro of a .c file only in that
   * file; a header's everywhere, except headers of another architecture and of tools/, samples/ and
   * scripts/ (their `pr_debug` is not the kernel's). `undefined` means every call site.
   */
  private macroScope(defFile: string): Set<string> | undefined | null {
    const arch = archOfPath(defFile);
    if (!defFile.endsWith('.h') || outsideKernel.test(defFile)) return new Set([defFile]);
    if (arch !== undefined && this.arch !== undefined && arch !== this.arch) return null;
    return undefined;
  }

  /**
   * Macros whose bodies (transitively, up to `depth` levels) call `nameId`, each with the files whose
   * call sites it can expand in (`undefined`: all).
   */
  private macrosReaching(nameId: number, depth: number): Map<number, Set<string> | undefined> {
    const reached = new Map<number, Set<string> | undefined>();
    let frontier: Array<[number, Set<string> | undefined]> = [[nameId, undefined]];
    for (let level = 1; level <= depth && frontier.length > 0; level++) {
      const next = new Map<number, Set<string> | undefined>();
      for (const [id, within] of frontier) {
        for (const { id: m, path: file } of this.stmts.macroNamesCalling.all(id) as Array<{ id: number; path: string }>) {
          if (m === nameId) continue;
          const scope = this.macroScope(file);
          if (scope === null) continue;
          // A .c file's macro reached through another .c file's macro applies nowhere.
          let allowed: Set<string> | undefined = scope;
          if (within) allowed = scope ? new Set([...scope].filter((f) => within.has(f))) : within;
          if (allowed && allowed.size === 0) continue;
          const prev = reached.has(m) ? reached.get(m) : next.has(m) ? next.get(m) : null;
          const merged = prev === null ? allowed : prev === undefined || allowed === undefined ? undefined : new Set([...prev, ...allowed]);
          if (prev !== null && (prev === undefined || (merged && merged.size === prev.size))) continue;
          next.set(m, merged);
        }
      }
      for (const [m, allowed] of next) reached.set(m, allowed);
      if (reached.size > 500) break;
      frontier = [...next];
    }
    return reached;
  }

  /** Call sites of `name`: written directly, or through a function-like macro whose expansion calls it. */
  findCallers(name: string, query: CallQuery = {}): CallSite[] {
    const base = stripCompilerSuffix(name);
    const id = this.store.nameId(base);
    if (id === undefined) return [];
    const members = query.members ?? 'auto';
    const allowMember = members === 'include' || (members === 'auto' && !this.stmts.hasFunction.get(id));
    const out: CallSite[] = [];
    const defCache = new Map<number, SymbolDef>();
    const collect = (calleeId: number, via: string | null, within?: Set<string>) => {
      for (const r of this.stmts.callsTo.all(calleeId) as Array<{ callerId: number; line: number; column: number; flags: number; kind: number }>) {
        const kind = defKinds[r.kind]!;
        if (kind === 'macro' || kind === 'function-macro') continue;
        const member = (r.flags & CallFlag.member) !== 0;
        if (member && !allowMember) continue;
        let caller = defCache.get(r.callerId);
        if (!caller) {
          caller = toDef(this.stmts.defById.get(r.callerId) as DefRow);
          defCache.set(r.callerId, caller);
        }
        if (within && !within.has(caller.file)) continue;
        out.push({ caller, callee: base, file: caller.file, line: r.line, column: r.column, member, via, inserted: (r.flags & CallFlag.compiler) !== 0 });
      }
    };
    collect(id, null);
    for (const [macroId, within] of this.macrosReaching(id, query.macroDepth ?? 4)) {
      collect(macroId, this.stmts.nameOf.get(macroId) as string, within);
    }
    return dedupeSites(out);
  }

  /** Calls made by every function named `name`, with calls made by the macros it writes expanded. */
  findCallees(name: string, query: CallQuery = {}): CallSite[] {
    const base = stripCompilerSuffix(name);
    const depth = query.macroDepth ?? 4;
    const out: CallSite[] = [];
    const raws = this.rawDefs(base);
    for (const caller of this.findDefinitions(base).filter((d) => d.kind === 'function' || d.kind === 'label')) {
      const row = raws.find((r) => r.def.file === caller.file && r.def.line === caller.line && r.def.kind === caller.kind);
      if (row?.id === undefined) continue;
      for (const c of this.stmts.callsFrom.all(row.id) as Array<{ callee: string; calleeId: number; line: number; column: number; flags: number }>) {
        const site = { caller, file: caller.file, line: c.line, column: c.column };
        out.push({ ...site, callee: c.callee, member: (c.flags & CallFlag.member) !== 0, via: null, inserted: (c.flags & CallFlag.compiler) !== 0 });
        if (this.stmts.isMacro.get(c.calleeId)) {
          for (const inner of this.expandMacroCalls(c.calleeId, depth, caller.file)) out.push({ ...site, callee: inner, member: false, via: c.callee, inserted: false });
        }
      }
    }
    return dedupeSites(out);
  }

  /** Functions a macro's expansion at a site in `site` calls, following nested macros visible there. */
  private expandMacroCalls(macroId: number, depth: number, site: string): string[] {
    const result = new Set<string>();
    const seen = new Set<number>([macroId]);
    let frontier = [macroId];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: number[] = [];
      for (const m of frontier) {
        for (const { id: defId, path: file } of this.stmts.macroDefIds.all(m) as Array<{ id: number; path: string }>) {
          const scope = this.macroScope(file);
          if (scope === null || (scope && !scope.has(site))) continue;
          for (const c of this.stmts.callsFrom.all(defId) as Array<{ callee: string; calleeId: number; flags: number }>) {
            if (seen.has(c.calleeId) || (c.flags & CallFlag.member) !== 0) continue;
            seen.add(c.calleeId);
            // A name can be a macro in one configuration and a function in another (`_raw_spin_lock`).
            if (this.stmts.isMacro.get(c.calleeId)) next.push(c.calleeId);
            if (!this.stmts.isMacro.get(c.calleeId) || this.stmts.hasFunction.get(c.calleeId)) result.add(c.callee);
          }
        }
      }
      frontier = next;
    }
    return [...result];
  }

  /** Every occurrence of the identifier `name`, with its role and enclosing function (cscope's query 0). */
  findReferences(name: string): Reference[] {
    const out: Reference[] = [];
    // referencesInFile matches the name exactly: a file that only shares its hash adds nothing.
    for (const file of this.store.filesMentioning(name)) out.push(...this.referencesInFile(file, name));
    return out;
  }

  /** Occurrences of `name` that assign to it: `x = ...`, `x += ...`, `x++`, initialised declarations. */
  findAssignments(name: string): Reference[] {
    return this.findReferences(name).filter((r) => r.role === 'write');
  }

  /** Occurrences in one file of `name`, or of every identifier when `name` is omitted. */
  referencesInFile(file: string, name?: string): Reference[] {
    const text = this.readSource(file);
    if (text === undefined) return [];
    const defs = this.definitionsInFile(file, text);
    const scopes = defs.filter((d) => d.kind === 'function' || d.kind === 'function-macro' || d.kind === 'macro').sort((a, b) => a.line - b.line);
    const declared = new Set(defs.filter((d) => name === undefined || d.name === name).map((d) => `${d.name}:${d.line}:${d.column}`));
    const toks = lexC(text);
    const out: Reference[] = [];
    const len = name?.length ?? 0;
    for (let t = 0; t < toks.count; t++) {
      if (toks.kind[t] !== Tok.Ident) continue;
      if (name !== undefined && (toks.end[t]! - toks.start[t]! !== len || !text.startsWith(name, toks.start[t]!))) continue;
      const word = name ?? text.slice(toks.start[t]!, toks.end[t]!);
      if (name === undefined && cKeywords.has(word)) continue;
      const line = toks.line[t]!;
      const column = toks.start[t]! - (text.lastIndexOf('\n', toks.start[t]! - 1) + 1) + 1;
      const next = punctAt(text, toks, t + 1);
      const prev = punctAt(text, toks, t - 1);
      let role: ReferenceRole = 'read';
      if (declared.has(`${word}:${line}:${column}`)) role = next === '=' ? 'write' : 'declaration';
      else if (next === '(') role = 'call';
      else if (assignOps.has(next ?? '') || next === '++' || next === '--' || prev === '++' || prev === '--') role = 'write';
      out.push({ name: word, file, line, column, function: enclosing(scopes, line)?.name, role });
    }
    return out;
  }

  /** Lines containing `literal` (cscope's query 4) or matching `pattern` (query 6), over every indexed file. */
  findText(match: { literal: string } | { pattern: RegExp }): TextHit[] {
    const out: TextHit[] = [];
    const test = 'literal' in match ? (l: string) => l.indexOf(match.literal) : (l: string) => l.search(match.pattern);
    for (const file of this.stmts.allPaths.all() as string[]) {
      const text = this.readSource(file);
      if (text === undefined) continue;
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const col = test(lines[i]!);
        if (col >= 0) out.push({ file, line: i + 1, column: col + 1, text: lines[i]! });
      }
    }
    return out;
  }

  /** Indexed files whose path matches (cscope's query 7: a regular expression, searched in the path). */
  findFiles(pattern: RegExp): string[] {
    return (this.stmts.allPaths.all() as string[]).filter((p) => pattern.test(p));
  }

  /** The `#include`s of one file, each resolved to a tree file where one exists. */
  includesOf(file: string): IncludeEdge[] {
    const id = this.stmts.fileId.get(file) as number | undefined;
    if (id === undefined) return [];
    const exists = (p: string) => this.stmts.fileId.get(p) !== undefined;
    return (this.stmts.includesOf.all(id) as Array<{ line: number; path: string; system: number }>).map((r) => ({
      file,
      line: r.line,
      written: r.path,
      system: r.system === 1,
      resolved: resolveInclude(file, r.path, { system: r.system === 1, arch: this.arch, exists }),
    }));
  }

  /** Files that `#include` the given one (cscope's query 8): by tree path, or by the name as written. */
  findIncluders(target: string): IncludeEdge[] {
    const exists = (p: string) => this.stmts.fileId.get(p) !== undefined;
    const out: IncludeEdge[] = [];
    for (const r of this.stmts.allIncludes.all() as Array<{ file: string; line: number; written: string; system: number }>) {
      const w = r.written;
      const plausible = w === target || w.endsWith('/' + target) || target.endsWith('/' + w);
      if (!plausible) continue;
      const resolved = resolveInclude(r.file, w, { system: r.system === 1, arch: this.arch, exists });
      if (w !== target && !w.endsWith('/' + target) && resolved !== target) continue;
      out.push({ file: r.file, line: r.line, written: w, system: r.system === 1, resolved });
    }
    return out;
  }

  /**
   * Symbols for a fuzzy query (workspace symbols, completion): exact, then prefix, then substring, then
   * subsequence matches, shorter names first within each group; each name with its best definition.
   */
  searchSymbols(query: string, options: { limit?: number; arch?: string } = {}): SymbolDef[] {
    const limit = options.limit ?? 50;
    const esc = (x: string) => x.replace(/[\\%_]/g, (c) => '\\' + c);
    const groups: string[][] = [
      [query],
      this.stmts.namesLike.all(`${esc(query)}%`, limit * 4) as string[],
      this.stmts.namesLike.all(`%${esc(query)}%`, limit * 4) as string[],
      query.length >= 2 ? (this.stmts.namesLike.all(`%${[...query].map(esc).join('%')}%`, limit * 4) as string[]) : [],
    ];
    const seen = new Set<string>();
    const out: SymbolDef[] = [];
    for (const g of groups) {
      for (const n of g.sort((a, b) => a.length - b.length || cmp(a, b))) {
        if (seen.has(n)) continue;
        seen.add(n);
        const best = this.findDefinitions(n, { arch: options.arch, limit: 1 })[0];
        if (!best) continue;
        out.push(best);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** The source text of an indexed file (from disk), or undefined when it is gone. */
  readSource(file: string): string | undefined {
    try {
      const bytes = readFileSync(path.join(this.root, file));
      const text = bytes.toString('utf8');
      return text.includes('\uFFFD') ? bytes.toString('latin1') : text;
    } catch {
      return undefined;
    }
  }

  /** One source line (1-based), cached per file; '' when unavailable. */
  lineText(file: string, line: number): string {
    let lines = this.lineCache.get(file);
    if (!lines) {
      lines = (this.readSource(file) ?? '').split('\n');
      if (this.lineCache.size > 256) this.lineCache.delete(this.lineCache.keys().next().value!);
      this.lineCache.set(file, lines);
    }
    return (lines[line - 1] ?? '').replace(/\r$/, '');
  }
}

const assignOps = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

function punctAt(text: string, toks: ReturnType<typeof lexC>, t: number): string | undefined {
  if (t < 0 || t >= toks.count || toks.kind[t] !== Tok.Punct) return undefined;
  return text.slice(toks.start[t]!, toks.end[t]!);
}

function toDef(row: Omit<DefRow, 'id' | 'params'>): SymbolDef {
  return {
    name: row.name,
    kind: defKinds[row.kind]!,
    file: row.path,
    line: row.line,
    column: row.column,
    endLine: row.endLine,
    isStatic: (row.flags & DefFlag.static) !== 0,
    isWeak: (row.flags & DefFlag.weak) !== 0,
    isExported: row.exported === 1,
    via: row.via,
    signature: row.signature,
    docLine: row.docLine,
  };
}

function tableMacroDef(name: string, e: MacroTableEntry): SymbolDef {
  return toDef({ ...e, name, kind: macroKind, via: null, signature: null, exported: 0 });
}

const macroKind = defKinds.indexOf('macro');

function enclosing(scopes: SymbolDef[], line: number): SymbolDef | undefined {
  let best: SymbolDef | undefined;
  for (const s of scopes) {
    if (s.line > line) break;
    if (s.endLine >= line && (!best || s.line >= best.line)) best = s;
  }
  return best;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupeSites(sites: CallSite[]): CallSite[] {
  const seen = new Set<string>();
  const out: CallSite[] = [];
  for (const s of sites.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || (a.via === null ? -1 : 1))) {
    const key = `${s.file}:${s.line}:${s.column}:${s.callee}:${s.caller.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

function tryNativeParser(): CParser | null {
  try {
    return createNativeCParser();
  } catch {
    // No native binding: the lexical pass alone still finds functions, macros, calls and references.
    return null;
  }
}
