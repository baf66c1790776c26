// The body of one parse worker thread: owns a tree-sitter parser, turns file paths into facts, and at the
// end of a run plans macro expansions on a read-only connection (expand-invocations.ts). Parse requests
// queue here and are parsed one per event-loop turn: the native binding frees a syntax tree only in a
// finalizer that runs between turns, so a queue drained in one turn held every one of its trees at once
// (resident memory grew with the queue depth).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { loadCParser } from './c-parser.js';
import { chunksOf, expansionPlanner } from './expand-invocations.js';
import { IndexStore } from './index-store.js';
import { hugeFileBytes, parseFileAt } from './parse-file.js';
import type { ExpansionRequest, ExpansionResponse, ParseRequest, ParseResponse } from './parse-pool.js';

const { backend } = workerData as { backend?: 'native' | 'wasm' };
const parser = await loadCParser({ prefer: backend });
const port = parentPort!;
/**
 * A full collection, run after a huge file: V8 let its ~100–200 MB of garbage wait for the next major GC,
 * so two workers could each hold a huge header's worth (peak RSS 930–1,040 MB over a kernel run, 800–820
 * with this). Workers take no `--expose-gc`; the flag set at run time exposes `gc` to a new context.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext("typeof gc === 'function' ? gc : undefined") as (() => void) | undefined;
const queue: ParseRequest[] = [];
let head = 0;

function parseNext(): void {
  const req = queue[head++]!;
  if (head === queue.length) {
    queue.length = 0;
    head = 0;
  }
  let res: ParseResponse;
  try {
    res = { id: req.id, outcome: parseFileAt(req.root, req.path, req.knownHash, parser) };
  } catch (err) {
    res = { id: req.id, outcome: { status: 'skipped', problem: `${req.path}: extractor failed (${(err as Error).message})` } };
  }
  port.postMessage(res, res.outcome.status === 'parsed' ? [res.outcome.refs.buffer as ArrayBuffer, res.outcome.facts.ints.buffer as ArrayBuffer] : []);
  if (res.outcome.status !== 'skipped' && res.outcome.size >= hugeFileBytes) collectGarbage?.();
  if (head < queue.length) setImmediate(parseNext);
}

/** The connection is closed before answering: the writer may next turn the index out of WAL mode. */
function planInWorker(req: ExpansionRequest): void {
  let res: ExpansionResponse;
  try {
    const store = IndexStore.open(req.dbPath, { readonly: true });
    try {
      const plan = expansionPlanner(store.db, req.arch);
      res = { id: req.id, plans: chunksOf(req.fileIds).flatMap(plan) };
    } finally {
      store.close();
    }
  } catch (err) {
    res = { id: req.id, error: (err as Error).message };
  }
  port.postMessage(res);
}

port.on('message', (req: ParseRequest | ExpansionRequest) => {
  if ('dbPath' in req) {
    planInWorker(req);
    return;
  }
  queue.push(req);
  if (queue.length - head === 1) setImmediate(parseNext);
});
port.postMessage({ ready: true, grammar: parser.grammar, backend: parser.backend });
