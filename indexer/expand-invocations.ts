// After files are written: expand the file-scope macro invocations they hold (macro-expander.ts) with
// the macros' definitions from the whole index, and store the functions each makes at the invocation
// line, marked with the macro. A placeholder that owns braces after an invocation takes the name of the
// function the expansion leaves open. Planning only reads the index, so a full run plans in the parse
// workers, each on its own connection, and this thread writes the plans.
import type Database from 'better-sqlite3';
import { archOfPath, outsideKernel } from './arch.js';
import type { IndexStore } from './index-store.js';
import { DefFlag, defKinds } from './packed-facts.js';
import { type GeneratedDef, generatedDefinitions, isTableMacro } from './kernel-idioms.js';
import { type MacroDefinition, expandInvocation, functionsInExpansion } from './macro-expander.js';

const functionMacro = defKinds.indexOf('function-macro');

interface InvocationRow {
  fileId: number;
  path: string;
  macro: string;
  line: number;
  column: number;
  args: string;
  bodyDef: number | null;
}

/** What one invocation makes: the definitions to add at its position, and the guesses they replace. */
export interface InvocationPlan {
  fileId: number;
  line: number;
  column: number;
  macro: string;
  /** Added as definitions marked with the macro, each with the calls its generated body makes. */
  defs: Array<{ name: string; kind: GeneratedDef['kind']; isWeak: boolean; calls: string[] }>;
  /** The placeholder definition owning the braces after the invocation, and its name now. */
  rename?: { defId: number; name: string };
  /** The variable the lexical pass guessed at the invocation goes. */
  dropGuess: boolean;
}

/**
 * Plans the expansion of the invocations of the files it is given, reading `db` only. The macros it
 * chooses are kept between calls: call it a chunk of files at a time, so a chunk's invocations are all
 * that is held at once.
 */
export function expansionPlanner(db: Database.Database, wanted: string | undefined): (fileIds: number[]) => InvocationPlan[] {
  const macroDefs = db.prepare(`SELECT d.params, d.body, d.flags, f.path FROM defs d JOIN files f ON f.id = d.file_id
    WHERE d.name_id = (SELECT id FROM names WHERE name = ?) AND d.kind = ${functionMacro} AND d.body IS NOT NULL`);
  interface Choice {
    global: MacroDefinition | null;
    local: Map<string, MacroDefinition>;
  }
  const cache = new Map<string, Choice>();
  // A macro of a .c file expands only in that file; tools/ and other architectures never expand in
  // the kernel (tools/testing's `#define PageSlab(p) (0)` would otherwise eat the function's name).
  const choose = (name: string): Choice => {
    let hit = cache.get(name);
    if (hit) return hit;
    const rows = macroDefs.all(name) as Array<{ params: string | null; body: string; flags: number; path: string }>;
    const toDef = (r: { params: string | null; body: string }) => ({ params: r.params ? r.params.split(',') : [], body: r.body });
    const local = new Map<string, MacroDefinition>();
    const global: typeof rows = [];
    for (const r of rows) {
      const arch = archOfPath(r.path);
      if (outsideKernel.test(r.path) || (arch !== undefined && wanted !== undefined && arch !== wanted)) continue;
      if (r.path.endsWith('.h')) global.push(r);
      else if (!local.has(r.path)) local.set(r.path, toDef(r));
    }
    const score = (r: { flags: number; path: string }) => (archOfPath(r.path) === undefined ? 0 : 2) + ((r.flags & DefFlag.alternative) === 0 ? 1 : 0);
    // Ties go by path: row order is the order files happened to be written in.
    const best = global.sort((x, y) => score(y) - score(x) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))[0];
    hit = { global: best ? toDef(best) : null, local };
    cache.set(name, hit);
    return hit;
  };
  const lookupIn = (file: string) => (name: string): MacroDefinition | undefined => {
    const c = choose(name);
    return c.local.get(file) ?? c.global ?? undefined;
  };
  const invocationsOf = db.prepare(`SELECT i.file_id AS fileId, f.path, n.name AS macro, i.line, i.col AS "column", i.args, i.body_def AS bodyDef
    FROM invocations i JOIN names n ON n.id = i.macro_id JOIN files f ON f.id = i.file_id WHERE i.file_id = ?`);
  return (fileIds) => {
    const plans: InvocationPlan[] = [];
    for (const r of fileIds.flatMap((id) => invocationsOf.all(id) as InvocationRow[])) {
      const plan: InvocationPlan = { fileId: r.fileId, line: r.line, column: r.column, macro: r.macro, defs: [], dropGuess: false };
      const stopAt = (name: string, args: string[]) => {
        if (!isTableMacro(name)) return false;
        for (const g of generatedDefinitions(name, args, false)) plan.defs.push({ name: g.name, kind: g.kind, isWeak: g.isWeak ?? false, calls: g.calls ?? [] });
        return true;
      };
      const lookup = lookupIn(r.path);
      const fns = functionsInExpansion(expandInvocation(r.macro, r.args.split('\x1f'), { lookup, stopAt }));
      plan.dropGuess = plan.defs.length > 0 || fns.length > 0;
      for (const fn of fns) {
        if (fn.name === r.macro) continue;
        if (fn.ownsBody && r.bodyDef !== null) plan.rename = { defId: r.bodyDef, name: fn.name };
        else plan.defs.push({ name: fn.name, kind: 'function', isWeak: false, calls: [...new Set(fn.calls)].filter((callee) => !lookup(callee)) });
      }
      if (plan.dropGuess) plans.push(plan);
    }
    return plans;
  };
}

/** Stores what the plans make (call inside a transaction); returns how many definitions were added. */
export function applyExpansions(store: IndexStore, plans: InvocationPlan[]): number {
  let made = 0;
  for (const p of plans) {
    for (const d of p.defs) {
      const defId = store.insertExpandedDef(p.fileId, { name: d.name, kind: d.kind, line: p.line, column: p.column, endLine: p.line, isStatic: false, isWeak: d.isWeak, via: p.macro });
      for (const callee of d.calls) store.insertExpandedCall(defId, callee, p.line, p.column);
      made++;
    }
    store.dropInvocationGuess(p.fileId, p.line, p.macro);
    if (p.rename) store.renameDef(p.rename.defId, p.rename.name);
  }
  return made;
}

/**
 * Expands the invocations of the given files. Each was just written: what an earlier expansion added
 * went with the rest of its rows. A whole tree's invocations held at once were an index run's peak
 * memory: files go a chunk at a time, each chunk one transaction.
 */
export function expandInvocations(store: IndexStore, options: { fileIds: number[]; arch?: string }): number {
  const plan = expansionPlanner(store.db, options.arch);
  let made = 0;
  for (const chunk of chunksOf(options.fileIds)) made += store.transaction(() => applyExpansions(store, plan(chunk)));
  return made;
}

export function chunksOf(fileIds: number[]): number[][] {
  const chunks: number[][] = [];
  for (let c = 0; c < fileIds.length; c += filesPerChunk) chunks.push(fileIds.slice(c, c + filesPerChunk));
  return chunks;
}

const filesPerChunk = 500;
