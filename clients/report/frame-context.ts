// A frame as crash/'s pipeline resolved it, made into the view builder's input: a location found only in
// the index is the frame's definition, not a line that ran; the function's top callers are added from
// the index; lookup misses the no-vmlinux notice already explains are dropped.
import { existsSync } from 'node:fs';
import type { ResolvedFrame } from '../../crash/index.js';
import { type IndexProgress, KernelIndex, buildIndex, defaultDbPath, stripCompilerSuffix } from '../../indexer/index.js';
import type { ResolvedFrameInput, SourcePlace } from './report-input.js';

const topCallers = 5;

/** Opens `db`, or the default index of `root` when one was built; undefined when there is none. */
export function openIndex(options: { root?: string; db?: string }): KernelIndex | undefined {
  const db = options.db ?? (options.root ? defaultDbPath(options.root) : undefined);
  if (!db || !existsSync(db)) return undefined;
  return KernelIndex.open(db, options.root ? { root: options.root } : {});
}

/** Indexes `root` into `db` (incremental: unchanged files are skipped) and opens it. */
export async function indexTree(root: string, db: string, onProgress?: (p: IndexProgress) => void): Promise<{ index: KernelIndex; problems: string[] }> {
  const summary = await buildIndex({ root, dbPath: db, ...(onProgress ? { onProgress } : {}) });
  return { index: KernelIndex.open(db, { root }), problems: summary.problems };
}

function callersOf(symbol: string, index: KernelIndex): (SourcePlace & { function: string })[] {
  const seen = new Set<string>();
  return index
    .findCallers(stripCompilerSuffix(symbol))
    .filter((c) => !seen.has(c.caller.name) && seen.add(c.caller.name))
    .slice(0, topCallers)
    .map((c) => ({ function: c.caller.name, file: c.file, line: c.line }));
}

export function frameInput(r: ResolvedFrame, context: { index: KernelIndex | undefined; arch: string | undefined; haveVmlinux: boolean }): ResolvedFrameInput {
  const { frame } = r;
  const lineTable = r.provenance === 'dwarf';
  const kernelWithoutVmlinux = !frame.module && !context.haveVmlinux;
  // One plain sentence for a frame nothing was found for, instead of each lookup's miss.
  const unresolved =
    r.provenance === null && frame.symbol && frame.reliable && !kernelWithoutVmlinux
      ? frame.module
        ? r.warnings.some((w) => w === `module ${frame.module} not found`)
          ? `no .ko found for module ${frame.module} (--modules DIR)`
          : `${frame.symbol} is not a function of ${frame.module}.ko`
        : 'not found in the vmlinux nor in the source index'
      : undefined;
  return {
    ...frame,
    provenance: r.provenance,
    locations: lineTable ? r.locations.map((l) => ({ ...(l.function ? { function: l.function } : {}), file: l.file, line: l.line, column: l.column, inlined: l.inlined })) : [],
    definition: r.definition,
    callers: r.callers,
    topCallers: context.index && frame.symbol && r.callers ? callersOf(frame.symbol, context.index) : [],
    warnings: kernelWithoutVmlinux || unresolved ? [] : r.warnings,
    ...(unresolved ? { unresolved } : {}),
  };
}
