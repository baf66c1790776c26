// After files are written: expand the file-scope macro invocations they hold (macro-expander.ts) with
// the macros' definitions from the whole index, and store the functions each makes at the invocation
// line, marked with the macro. A placeholder that owns braces after an invocation takes the name of the
// function the expansion leaves open.
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

/**
 * Expands the invocations of the given files. Each was just written: what an earlier expansion added
 * went with the rest of its rows.
 */
export function expandInvocations(store: IndexStore, options: { fileIds: number[]; arch?: string }): number {
  const db = store.db;
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
      if (outsideKernel.test(r.path) || (arch !== undefined && options.arch !== undefined && arch !== options.arch)) continue;
      if (r.path.endsWith('.h')) global.push(r);
      else if (!local.has(r.path)) local.set(r.path, toDef(r));
    }
    const score = (r: { flags: number; path: string }) => (archOfPath(r.path) === undefined ? 0 : 2) + ((r.flags & DefFlag.alternative) === 0 ? 1 : 0);
    const best = global.sort((x, y) => score(y) - score(x))[0];
    hit = { global: best ? toDef(best) : null, local };
    cache.set(name, hit);
    return hit;
  };
  const lookupIn = (file: string) => (name: string): MacroDefinition | undefined => {
    const c = choose(name);
    return c.local.get(file) ?? c.global ?? undefined;
  };
  const select = `SELECT i.file_id AS fileId, f.path, n.name AS macro, i.line, i.col AS "column", i.args, i.body_def AS bodyDef
    FROM invocations i JOIN names n ON n.id = i.macro_id JOIN files f ON f.id = i.file_id`;
  const invocationsOf = db.prepare(`${select} WHERE i.file_id = ?`);
  const { fileIds } = options;
  let made = 0;
  const variableKind = defKinds.indexOf('variable');
  const dropGuess = db.prepare(`DELETE FROM defs WHERE file_id = ? AND line = ? AND kind = ${variableKind} AND (flags & ${DefFlag.expanded}) = 0
    AND via_id = (SELECT id FROM names WHERE name = ?)`);
  // A whole tree's invocations (a million rows with their arguments) held at once were the index run's
  // peak memory: files are expanded a chunk at a time, each chunk one transaction.
  for (let c = 0; c < fileIds.length; c += filesPerChunk) store.transaction(() => {
    const rows = fileIds.slice(c, c + filesPerChunk).flatMap((id) => invocationsOf.all(id) as InvocationRow[]);
    for (const r of rows) {
      const tabled: GeneratedDef[] = [];
      const stopAt = (name: string, args: string[]) => {
        if (!isTableMacro(name)) return false;
        tabled.push(...generatedDefinitions(name, args, false));
        return true;
      };
      const lookup = lookupIn(r.path);
      const fns = functionsInExpansion(expandInvocation(r.macro, r.args.split('\x1f'), { lookup, stopAt }));
      for (const g of tabled) {
        const defId = store.insertExpandedDef(r.fileId, { name: g.name, kind: g.kind, line: r.line, column: r.column, endLine: r.line, isStatic: false, isWeak: g.isWeak ?? false, via: r.macro });
        for (const callee of g.calls ?? []) store.insertExpandedCall(defId, callee, r.line, r.column);
        made++;
      }
      if (tabled.length > 0 || fns.length > 0) dropGuess.run(r.fileId, r.line, r.macro);
      for (const fn of fns) {
        if (fn.name === r.macro) continue;
        if (fn.ownsBody && r.bodyDef !== null) {
          store.renameDef(r.bodyDef, fn.name);
          continue;
        }
        const defId = store.insertExpandedDef(r.fileId, { name: fn.name, kind: 'function', line: r.line, column: r.column, endLine: r.line, isStatic: false, isWeak: false, via: r.macro });
        for (const callee of new Set(fn.calls)) if (!lookup(callee)) store.insertExpandedCall(defId, callee, r.line, r.column);
        made++;
      }
    }
  });
  return made;
}

const filesPerChunk = 500;
