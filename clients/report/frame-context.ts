// What the source index adds to a resolved frame: the function's definition (the only location a frame
// without debug info gets) and its callers, the few most relevant kept for the report.
import { existsSync } from 'node:fs';
import { KernelIndex, buildIndex, defaultDbPath, stripCompilerSuffix } from '../../indexer/index.js';
import type { ResolvedFrameInput } from './report-input.js';

const topCallers = 5;

/** Opens `db`, or the default index of `root` when one was built; undefined when there is none. */
export function openIndex(options: { root?: string; db?: string }): KernelIndex | undefined {
  const db = options.db ?? (options.root ? defaultDbPath(options.root) : undefined);
  if (!db || !existsSync(db)) return undefined;
  return KernelIndex.open(db, options.root ? { root: options.root } : {});
}

/** Indexes `root` into `db` (incremental: unchanged files are skipped) and opens it. */
export async function indexTree(root: string, db: string): Promise<{ index: KernelIndex; problems: string[] }> {
  const summary = await buildIndex({ root, dbPath: db });
  return { index: KernelIndex.open(db, { root }), problems: summary.problems };
}

export function addIndexFacts(frame: ResolvedFrameInput, index: KernelIndex, arch: string | undefined): ResolvedFrameInput {
  if (!frame.symbol) return frame;
  const name = stripCompilerSuffix(frame.symbol);
  const def = index.findDefinitions(name, { ...(arch ? { arch } : {}), limit: 1 })[0];
  const callers = index.findCallers(name);
  const seen = new Set<string>();
  const top = callers
    .filter((c) => !seen.has(c.caller.name) && seen.add(c.caller.name))
    .slice(0, topCallers)
    .map((c) => ({ function: c.caller.name, file: c.file, line: c.line }));
  return {
    ...frame,
    provenance: frame.provenance ?? (def ? 'index' : null),
    definition: frame.definition ?? (def ? { function: def.name, file: def.file, line: def.line } : null),
    callers: callers.length,
    topCallers: top,
  };
}
