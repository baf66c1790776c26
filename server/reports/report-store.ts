// The analyzed crash-report documents, one entry per open URI and version. Small reports are analyzed on the
// spot; large ones in a worker thread, so the main loop keeps answering while a 100 MB log is parsed.
import { Worker } from 'node:worker_threads';
import { analyzeReport, type ReportAnalysis } from './report-analysis.js';
import { ReportDocument } from './report-document.js';

/** Above this many characters a report is analyzed in the worker. */
const workerThreshold = 1 << 20;
/** Characters of text per message to the worker. */
const textChunk = 4 << 20;

const reportFileName = /(?:\.oops|\.crash|(?:^|\/)vmcore-dmesg\.txt|(?:^|\/)dmesg[^/]*\.txt)$/;

/** Documents the server treats as possible crash reports (plain text ones only if their content parses as one). */
export function isReportCandidate(uri: string, languageId: string): boolean {
  return languageId === 'kernel-crash' || languageId === 'plaintext' || languageId === 'text' || reportFileName.test(uri);
}

interface Entry {
  version: number;
  document: Promise<ReportDocument>;
}

type Pending = { resolve: (a: ReportAnalysis) => void; reject: (e: Error) => void; parts: ReportAnalysis[] };

interface WorkerReply {
  id: number;
  slice?: ReportAnalysis;
  last?: boolean;
  error?: string;
}

/** Reassembles the worker's slices (in order) into one analysis. */
function joinSlices(parts: ReportAnalysis[]): ReportAnalysis {
  const joined: ReportAnalysis = { reports: [], frames: [], facts: [], folds: [], problems: [] };
  for (const part of parts) {
    joined.reports.push(...part.reports);
    joined.frames.push(...part.frames);
    joined.facts.push(...part.facts);
    joined.folds.push(...part.folds);
    joined.problems.push(...part.problems);
  }
  return joined;
}

export class ReportStore {
  private readonly entries = new Map<string, Entry>();
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly onAnalyzed: (uri: string, version: number, document: ReportDocument) => void) {}

  update(uri: string, version: number, text: string): void {
    const analysis = text.length > workerThreshold ? this.analyzeInWorker(text, uri) : Promise.resolve(analyzeReport(text, uri));
    // Indexing a large analysis is its own turn of the loop, not a tail of the last slice's.
    const document = analysis.then((a) => new Promise<ReportDocument>((resolve) => setImmediate(() => resolve(new ReportDocument(a)))));
    this.entries.set(uri, { version, document });
    document.then(
      (d) => {
        if (this.entries.get(uri)?.version === version) this.onAnalyzed(uri, version, d);
      },
      () => undefined,
    );
  }

  /**
   * The document's latest version as a report, or undefined when it is not one: not a candidate, or a plain
   * text document whose content holds no report.
   */
  async get(uri: string): Promise<ReportDocument | undefined> {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    return entry.document;
  }

  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private analyzeInWorker(text: string, source: string): Promise<ReportAnalysis> {
    const worker = this.startWorker();
    if (!worker) return Promise.resolve(analyzeReport(text, source));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, parts: [] });
      // Copying 100 MB into the worker in one postMessage stalls the loop for hundreds of milliseconds: the
      // text goes over in chunks, one per turn of the loop.
      let at = 0;
      const sendChunk = (): void => {
        const end = Math.min(text.length, at + textChunk);
        worker.postMessage({ id, chunk: text.slice(at, end), last: end === text.length, source });
        at = end;
        if (at < text.length) setImmediate(sendChunk);
      };
      sendChunk();
    });
  }

  private startWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    // Built, this module is JavaScript beside the worker's; from TypeScript sources there is no worker to start.
    if (!import.meta.url.endsWith('.js')) return undefined;
    const worker = new Worker(new URL('./report-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      const pending = this.pending.get(m.id);
      if (!pending) return;
      if (m.slice) pending.parts.push(m.slice);
      if (m.slice && !m.last) {
        // Ask for the next slice from a later turn of the loop, so requests queued meanwhile go first.
        setImmediate(() => worker.postMessage({ id: m.id, next: true }));
        return;
      }
      this.pending.delete(m.id);
      if (m.slice) pending.resolve(joinSlices(pending.parts));
      else pending.reject(new Error(m.error ?? 'report analysis failed'));
    });
    const fail = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the report worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
