// Building and refreshing the index of a tree: list the files, parse what changed in the worker pool,
// write each file's facts with its hash as they arrive, in long transactions (one writer), delete what
// disappeared.
// Unchanged size+mtime means unchanged; a changed stamp with the same content hash only updates the stamp.
// A new extractor rebuilds aside (`index.db.rebuild`) and renames it over the live index when complete.
import { renameSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { CParser, SyntaxTree } from './c-parser.js';
import { IndexDatabaseError, IndexStore } from './index-store.js';
import { indexWriteRefusal } from './index-location.js';
import { listSourceFiles, type SourceFile } from './list-source-files.js';
import { hashBytes, hugeFileBytes, parseFileAt, parseSourceText, referenceHashes, type ParseOutcome } from './parse-file.js';
import { ParsePool, type QueueLimits } from './parse-pool.js';
import { normalizeArch } from './arch.js';
import { applyExpansions, chunksOf, expandInvocations } from './expand-invocations.js';
import { packFacts } from './packed-facts.js';

/** Bumped whenever extraction changes what it stores: every file is parsed again. */
export const extractorVersion = '22';

export interface IndexProgress {
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface BuildIndexOptions {
  root: string;
  dbPath: string;
  arch?: string;
  jobs?: number;
  /** Index only these subdirectories of the root (files elsewhere are dropped from the index). */
  under?: string[];
  /** Walk the tree synchronously (`listSourceFiles`): quicker, for a caller with nothing else to serve. */
  blockingWalk?: boolean;
  /** Paths (relative to root) indexed and committed before all others. */
  first?: string[];
  backend?: 'native' | 'wasm';
  onProgress?: (p: IndexProgress) => void;
  /** Called once when the `first` files are committed (and queryable). */
  onFirstCommitted?: () => void;
  signal?: AbortSignal;
}

export interface BuildIndexSummary {
  files: number;
  parsed: number;
  unchanged: number;
  deleted: number;
  skipped: number;
  problems: string[];
  elapsedMs: number;
}

/**
 * A transaction stays open while files are written as their facts arrive, and commits after
 * `commitBytes` of source or after a tenth of the run so far (at least `minCommitMs`, at most
 * `commitMs`): every commit writes each B-tree page it dirtied to the WAL, and the random-order indexes
 * (names, defs by name, calls by callee) dirty pages all over a growing index, so commits get rarer as
 * it grows, while a small run still shows its first files early. The unit of atomicity stays whole
 * files: a killed run loses at most one commit's worth.
 */
const minCommitMs = 200;
const commitMs = 10000;
const commitBytes = 64 * 1024 * 1024;
const progressMs = 250;

/**
 * Each worker's queue: deep enough in files that a worker keeps parsing through a writer's commit
 * (hundreds of ms), bounded in source bytes.
 */
const queueLimits: QueueLimits = { files: 64, bytes: 2 * 1024 * 1024 };
/**
 * Source bytes launched and not yet written (one file always let through, however large). Packed, the
 * facts of the largest register header (24 MB) are 22 MB, so the bound holds memory near the source
 * bytes; it is large enough that the workers keep parsing C while the writer works through the register
 * headers (at 4 MB they waited, and the run took 5 s longer). 64 MB bought no time and up to 120 MB of
 * peak memory.
 */
const unwrittenLimit = 32 * 1024 * 1024;

export async function buildIndex(options: BuildIndexOptions): Promise<BuildIndexSummary> {
  const t0 = performance.now();
  // Another user's index is theirs: neither updated nor, when unusable, deleted and rebuilt.
  const refusal = indexWriteRefusal(options.dbPath);
  if (refusal) throw new IndexDatabaseError(options.dbPath, `${refusal}; it is left as it is`);
  const live = IndexStore.open(options.dbPath, { create: true });
  let store = live;
  let aside: string | undefined;
  const summary: BuildIndexSummary = { files: 0, parsed: 0, unchanged: 0, deleted: 0, skipped: 0, problems: [], elapsedMs: 0 };
  let pool: ParsePool | undefined;
  try {
    const listed = await listSourceFiles(options.root, { under: options.under, blocking: options.blockingWalk });
    summary.problems.push(...listed.problems);
    summary.files = listed.files.length;
    pool = await ParsePool.start(options.jobs ?? defaultJobs(), { backend: options.backend });
    const stamp = `${extractorVersion}/${pool.grammar}`;
    const arch = normalizeArch(options.arch ?? live.getMeta('arch') ?? hostArch());
    if (live.getMeta('extractor') !== stamp) {
      if (live.allFiles().length > 0) {
        // Readers keep answering from the live index for the whole rebuild; a killed one resumes here.
        aside = `${options.dbPath}.rebuild`;
        store = IndexStore.open(aside, { create: true });
      }
      const target = store;
      if (target.getMeta('extractor') !== stamp) {
        target.transaction(() => {
          for (const f of target.allFiles()) target.deleteFile(f.id);
          target.setMeta('extractor', stamp);
        });
      }
    }
    store.tuneForBulkLoad();
    store.setMeta('root', options.root);
    store.setMeta('arch', arch);
    await indexInto(store, pool, listed.files, summary, options, t0);
    if (aside !== undefined && !options.signal?.aborted) {
      swapIn(store, live, options.dbPath);
    }
  } finally {
    await pool?.close();
    for (const s of new Set([store, live])) if (s.db.open) s.close();
  }
  summary.elapsedMs = performance.now() - t0;
  return summary;
}

async function indexInto(store: IndexStore, pool: ParsePool, files: SourceFile[], summary: BuildIndexSummary, options: BuildIndexOptions, t0: number): Promise<void> {
  const known = new Map(store.allFiles().map((f) => [f.path, f]));
  const present = new Set(files.map((f) => f.path));
  store.transaction(() => {
    for (const [p, f] of known) {
      if (!present.has(p)) {
        store.deleteFile(f.id);
        summary.deleted++;
      }
    }
  });
  const changed = files.filter((f) => {
    const k = known.get(f.path);
    return !k || k.size !== f.size || k.mtimeMs !== Math.round(f.mtimeMs);
  });
  summary.unchanged = files.length - changed.length;
  const firstSet = new Set(options.first ?? []);
  const firstFiles = changed.filter((f) => firstSet.has(f.path));
  const rest = changed.filter((f) => !firstSet.has(f.path));
  const totalBytes = changed.reduce((s, f) => s + f.size, 0);
  const progress: IndexProgress = { done: 0, total: changed.length, bytes: 0, totalBytes, elapsedMs: 0 };
  const arch = store.getMeta('arch');
  const run = async (batch: SourceFile[]) => {
    const written: number[] = [];
    await processFiles(batch, { store, pool, root: options.root, known, summary, progress, t0, options, written });
    if (written.length >= workerExpansionFiles && pool.size > 1) await expandInWorkers(store, pool, written, arch);
    else expandInvocations(store, { fileIds: written, arch });
  };
  await run(firstFiles);
  if (firstSet.size > 0) options.onFirstCommitted?.();
  await run(rest);
  store.setMeta('indexed_at', new Date().toISOString());
}

/** Written files from which a run plans its expansions in the workers; smaller runs and edits plan here. */
const workerExpansionFiles = 5000;

/**
 * Expansion after a large run: the workers, idle now, plan it on connections of their own, their shares
 * interleaved by chunk, and this thread then writes the plans (the kernel's: 2.6 s in this thread alone,
 * 1.95 s so; each worker asks the index again for the macros both use).
 */
async function expandInWorkers(store: IndexStore, pool: ParsePool, fileIds: number[], arch: string | undefined): Promise<void> {
  const chunks = chunksOf(fileIds);
  const shares = Array.from({ length: pool.size }, (_, w) => chunks.filter((_, c) => c % pool.size === w).flat());
  for (const plans of await Promise.all(shares.map((share) => pool.planExpansions(store.file, share, arch)))) {
    for (let p = 0; p < plans.length; p += plansPerTransaction) store.transaction(() => applyExpansions(store, plans.slice(p, p + plansPerTransaction)));
  }
}

const plansPerTransaction = 5000;

/**
 * Renames the completed aside index over the live one. Both are checkpointed and the new one left without
 * a WAL first: the live path's `-wal`/`-shm` belong to the old file and must not be read against the new
 * one, so they are unlinked (readers still open on the old file keep theirs) before the rename.
 */
function swapIn(aside: IndexStore, live: IndexStore, dbPath: string): void {
  aside.db.pragma('wal_checkpoint(TRUNCATE)');
  aside.db.pragma('journal_mode = DELETE');
  aside.close();
  try {
    live.db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // A reader mid-transaction keeps the checkpoint from finishing; the old file is being replaced anyway.
  }
  live.close();
  for (const suffix of ['-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  renameSync(aside.file, dbPath);
}

interface RunContext {
  store: IndexStore;
  pool: ParsePool;
  root: string;
  known: Map<string, { id: number; hash: string }>;
  summary: BuildIndexSummary;
  progress: IndexProgress;
  t0: number;
  options: BuildIndexOptions;
  /** Ids of the files whose rows this run rewrote (their macro invocations are expanded next). */
  written: number[];
}

async function processFiles(files: SourceFile[], ctx: RunContext): Promise<void> {
  const { store, pool, progress } = ctx;
  let uncommittedBytes = 0;
  const start = performance.now();
  let lastCommit = start;
  let lastProgress = 0;
  const report = () => {
    lastProgress = performance.now();
    progress.elapsedMs = lastProgress - ctx.t0;
    ctx.options.onProgress?.({ ...progress });
  };
  let next = 0;
  let inFlight = 0;
  let unwrittenBytes = 0;
  /** Huge files set aside until the one being parsed is parsed; launched before the next in order. */
  const setAside: SourceFile[] = [];
  let hugeParsing = 0;
  const upcoming = (): SourceFile | undefined => {
    if (hugeParsing === 0 && setAside.length > 0) return setAside[0];
    while (hugeParsing > 0 && next < files.length && files[next]!.size >= hugeFileBytes) setAside.push(files[next++]!);
    return files[next];
  };
  const done: Array<{ file: SourceFile; outcome: ParseOutcome }> = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const launch = () => {
    for (let file = upcoming(); file && pool.hasRoom(file.size, queueLimits) && !ctx.options.signal?.aborted; file = upcoming()) {
      if (unwrittenBytes > 0 && unwrittenBytes + file.size > unwrittenLimit) break;
      if (file === setAside[0]) setAside.shift();
      else next++;
      if (file.size >= hugeFileBytes) hugeParsing++;
      inFlight++;
      unwrittenBytes += file.size;
      pool
        .parse(ctx.root, file.path, file.size, ctx.known.get(file.path)?.hash)
        .then((outcome) => done.push({ file, outcome }), (err: Error) => (failure ??= err))
        .finally(() => {
          inFlight--;
          if (file.size >= hugeFileBytes) hugeParsing--;
          wake?.();
        });
    }
  };
  store.begin();
  try {
    launch();
    while (inFlight > 0 || done.length > 0) {
      if (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      // Refill the workers' queues as files are written: writing and committing block this thread.
      launch();
      for (const { file, outcome } of done.splice(0)) {
        applyOutcome(ctx, file, outcome);
        unwrittenBytes -= file.size;
        uncommittedBytes += file.size;
        progress.done++;
        progress.bytes += file.size;
        launch();
      }
      const now = performance.now();
      if (uncommittedBytes >= commitBytes || now - lastCommit >= Math.min(commitMs, Math.max(minCommitMs, (now - start) / 10))) {
        store.commit();
        store.begin();
        uncommittedBytes = 0;
        lastCommit = performance.now();
      }
      if (now - lastProgress >= progressMs) report();
    }
    store.commit();
  } finally {
    store.rollback();
  }
  if (files.length > 0) report();
}

function applyOutcome(ctx: RunContext, file: SourceFile, outcome: ParseOutcome): void {
  const { store, summary } = ctx;
  const known = ctx.known.get(file.path);
  if (outcome.status === 'skipped') {
    summary.skipped++;
    summary.problems.push(outcome.problem);
    if (known) store.deleteFile(known.id);
    return;
  }
  if (outcome.status === 'unchanged') {
    if (known) store.touchFile(known.id, file.size, file.mtimeMs);
    summary.unchanged++;
    return;
  }
  summary.parsed++;
  summary.problems.push(...outcome.facts.problems);
  ctx.written.push(store.writeFile(outcome.facts, { size: outcome.size, mtimeMs: file.mtimeMs, hash: outcome.hash }, outcome.refs));
}

/**
 * Re-indexes one file from text in memory (an editor's unsaved buffer): visible to the next query at once.
 * The stored stamp is zeroed so the next disk run re-reads the file. `tree`: the text's syntax tree when
 * the caller keeps one (`TreeCache`), else `parser` parses it.
 */
export function indexFileText(store: IndexStore, relPath: string, text: string, parser: CParser | undefined, tree?: SyntaxTree): void {
  const facts = parseSourceText(relPath, text, parser, tree);
  const id = store.transaction(() => store.writeFile(packFacts(facts), { size: -1, mtimeMs: 0, hash: hashBytes(Buffer.from(text)) }, referenceHashes(facts.nameHashes)));
  expandInvocations(store, { fileIds: [id], arch: store.getMeta('arch') });
}

/** Re-indexes one file from disk (a save), without the pool. */
export async function indexFileFromDisk(store: IndexStore, root: string, relPath: string, parser: CParser | undefined): Promise<void> {
  const st = await stat(`${root}/${relPath}`).catch(() => undefined);
  const known = store.findFile(relPath);
  if (!st) {
    if (known) store.transaction(() => store.deleteFile(known.id));
    return;
  }
  const outcome = parseFileAt(root, relPath, undefined, parser);
  const id = store.transaction(() => {
    if (outcome.status === 'parsed') return store.writeFile(outcome.facts, { size: outcome.size, mtimeMs: st.mtimeMs, hash: outcome.hash }, outcome.refs);
    if (outcome.status === 'skipped' && known) store.deleteFile(known.id);
    return undefined;
  });
  if (id !== undefined) expandInvocations(store, { fileIds: [id], arch: store.getMeta('arch') });
}

function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

function hostArch(): string {
  return process.arch === 'x64' ? 'x86' : process.arch;
}
