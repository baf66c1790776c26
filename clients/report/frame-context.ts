// A frame as crash/'s pipeline resolved it, made into the view builder's input: a location found only in
// the index is the frame's definition, not a line that ran; lookup misses the no-vmlinux notice already
// explains are dropped.
import { existsSync } from 'node:fs';
import type { ResolvedFrame } from '../../crash/index.js';
import { type IndexProgress, KernelIndex, buildIndex, indexDbPath } from '../../indexer/index.js';
import type { SourceRule } from '../../debuginfo/index.js';
import type { ResolvedFrameInput } from './report-input.js';

/** Opens `db`, or the default index of `root` when one was built; undefined when there is none. */
export function openIndex(options: { root?: string; db?: string }): KernelIndex | undefined {
  const db = options.db ?? (options.root ? indexDbPath(options.root) : undefined);
  if (!db || !existsSync(db)) return undefined;
  return KernelIndex.open(db, options.root ? { root: options.root } : {});
}

/** Indexes `root` into `db` (incremental: unchanged files are skipped) and opens it. */
export async function indexTree(root: string, db: string, onProgress?: (p: IndexProgress) => void): Promise<{ index: KernelIndex; problems: string[] }> {
  const summary = await buildIndex({ root, dbPath: db, ...(onProgress ? { onProgress } : {}) });
  return { index: KernelIndex.open(db, { root }), problems: summary.problems };
}

export function frameInput(r: ResolvedFrame, context: { haveVmlinux: boolean }): ResolvedFrameInput {
  const { frame } = r;
  const lineTable = r.provenance === 'dwarf' || r.provenance === 'report';
  const kernelWithoutVmlinux = !frame.module && !context.haveVmlinux;
  const codes = new Set(r.warnings.map((w) => w.code));
  // One plain sentence for a frame nothing was found for, instead of each lookup's miss.
  const unresolved =
    r.provenance === null && frame.symbol && frame.reliable && !kernelWithoutVmlinux
      ? frame.module
        ? codes.has('module-not-found')
          ? `no .ko found for module ${frame.module} (--modules DIR)`
          : codes.has('module-corrupt')
            ? r.warnings.find((w) => w.code === 'module-corrupt')!.message
            : `${frame.symbol} is not a function of ${frame.module}.ko`
        : 'not found in the vmlinux nor in the source index'
      : undefined;
  const place = (l: { file: string; path?: string; rule?: SourceRule; line: number }) => ({ file: l.file, ...(l.path ? { path: l.path } : {}), ...(l.rule ? { rule: l.rule } : {}), line: l.line });
  return {
    ...frame,
    provenance: r.provenance,
    locations: lineTable ? r.locations.map((l) => ({ ...(l.function ? { function: l.function } : {}), ...place(l), column: l.column, inlined: l.inlined })) : [],
    definition: r.definition ? place(r.definition) : null,
    callers: r.callers,
    topCallers: r.topCallers,
    warnings: kernelWithoutVmlinux || unresolved ? [] : r.warnings.map((w) => w.message),
    ...(unresolved ? { unresolved } : {}),
  };
}
