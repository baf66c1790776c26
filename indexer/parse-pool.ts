// A pool of worker threads running parse-worker: requests go to the worker with the fewest source bytes
// queued, answers come back as promises. Each worker has a queue bounded in files and bytes, deep enough
// to keep it parsing while the single writer sits in a transaction. Under the test runner the sources are TypeScript: workers then load the worker module
// through tsx's API (resolved from here), since `--import tsx` in a worker's execArgv is not honoured
// when the parent itself runs under tsx.
import { Worker } from 'node:worker_threads';
import type { InvocationPlan } from './expand-invocations.js';
import type { ParseOutcome } from './parse-file.js';

export interface ParseRequest {
  id: number;
  root: string;
  path: string;
  knownHash?: string;
}

/** Plan the expansion of these files' invocations, reading the committed index at `dbPath`. */
export interface ExpansionRequest {
  id: number;
  dbPath: string;
  fileIds: number[];
  arch?: string;
}

export interface ParseResponse {
  id: number;
  outcome: ParseOutcome;
}

export interface ExpansionResponse {
  id: number;
  plans?: InvocationPlan[];
  error?: string;
}

interface Slot {
  worker: Worker;
  busy: number;
  /** Source bytes of the requests sent and not yet answered. */
  bytes: number;
}

/** Bounds on each worker's requests sent and not yet answered: a file is always let into an empty queue. */
export interface QueueLimits {
  files: number;
  bytes: number;
}

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (answer: ParseResponse | ExpansionResponse) => void; reject: (e: Error) => void; slot: Slot; bytes: number }>();
  private nextId = 1;
  grammar = '';
  backend = '';

  private constructor() {}

  static async start(size: number, options: { backend?: 'native' | 'wasm' } = {}): Promise<ParsePool> {
    const pool = new ParsePool();
    const isTs = import.meta.url.endsWith('.ts');
    const url = new URL(isTs ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: Math.max(1, size) }, () => {
        const worker = isTs
          ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`, { eval: true, workerData: { backend: options.backend } })
          : new Worker(url, { workerData: { backend: options.backend } });
        const slot: Slot = { worker, busy: 0, bytes: 0 };
        pool.slots.push(slot);
        return new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (msg: ParseResponse | ExpansionResponse | { ready: true; grammar: string; backend: string }) => {
            if ('ready' in msg) {
              pool.grammar = msg.grammar;
              pool.backend = msg.backend;
              worker.off('error', reject);
              worker.on('error', (err) => pool.failSlot(slot, err));
              resolve();
              return;
            }
            const p = pool.pending.get(msg.id);
            if (!p) return;
            pool.pending.delete(msg.id);
            slot.busy--;
            slot.bytes -= p.bytes;
            p.resolve(msg);
          });
        });
      }),
    );
    return pool;
  }

  private failSlot(slot: Slot, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.slot === slot) {
        this.pending.delete(id);
        slot.busy--;
        slot.bytes -= p.bytes;
        p.reject(err);
      }
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private leastLoaded(): Slot {
    return this.slots.reduce((a, b) => (b.bytes < a.bytes || (b.bytes === a.bytes && b.busy < a.busy) ? b : a));
  }

  /** Whether a file of `bytes` fits in some worker's queue now. */
  hasRoom(bytes: number, limits: QueueLimits): boolean {
    const slot = this.leastLoaded();
    return slot.busy === 0 || (slot.busy < limits.files && slot.bytes + bytes <= limits.bytes);
  }

  /** `bytes`: the file's size, for the queue bounds. */
  async parse(root: string, path: string, bytes: number, knownHash?: string): Promise<ParseOutcome> {
    const answer = (await this.send(bytes, (id) => ({ id, root, path, knownHash }))) as ParseResponse;
    return answer.outcome;
  }

  /** Plans in a worker; call when the workers have nothing left to parse, or it waits behind them. */
  async planExpansions(dbPath: string, fileIds: number[], arch: string | undefined): Promise<InvocationPlan[]> {
    const answer = (await this.send(0, (id) => ({ id, dbPath, fileIds, arch }))) as ExpansionResponse;
    if (answer.error !== undefined) throw new Error(`planning macro expansions in a worker: ${answer.error}`);
    return answer.plans ?? [];
  }

  private send(bytes: number, request: (id: number) => ParseRequest | ExpansionRequest): Promise<ParseResponse | ExpansionResponse> {
    const slot = this.leastLoaded();
    const id = this.nextId++;
    slot.busy++;
    slot.bytes += bytes;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot, bytes });
      slot.worker.postMessage(request(id));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
