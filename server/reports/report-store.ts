// The analyzed crash-report documents, one entry per open URI and version. Small reports are analyzed on the
// spot; large ones in a worker thread, so the main loop keeps answering while a 100 MB log is parsed.
import { Worker } from 'node:worker_threads';
import { analyzeReport, type ReportAnalysis } from './report-analysis.js';

/** Above this many characters a report is analyzed in the worker. */
const workerThreshold = 1 << 20;

const reportFileName = /(?:\.oops|\.crash|(?:^|\/)vmcore-dmesg\.txt|(?:^|\/)dmesg[^/]*\.txt)$/;

/** Documents the server treats as possible crash reports (plain text ones only if their content parses as one). */
export function isReportCandidate(uri: string, languageId: string): boolean {
  return languageId === 'kernel-crash' || languageId === 'plaintext' || languageId === 'text' || reportFileName.test(uri);
}

interface Entry {
  version: number;
  analysis: Promise<ReportAnalysis>;
}

type Pending = { resolve: (a: ReportAnalysis) => void; reject: (e: Error) => void };

export class ReportStore {
  private readonly entries = new Map<string, Entry>();
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly onAnalyzed: (uri: string, version: number, analysis: ReportAnalysis) => void) {}

  update(uri: string, version: number, text: string): void {
    const analysis = text.length > workerThreshold ? this.analyzeInWorker(text, uri) : Promise.resolve(analyzeReport(text, uri));
    this.entries.set(uri, { version, analysis });
    analysis.then(
      (a) => {
        if (this.entries.get(uri)?.version === version) this.onAnalyzed(uri, version, a);
      },
      () => undefined,
    );
  }

  /** The analysis of the document's latest version; undefined when it is not a report candidate. */
  get(uri: string): Promise<ReportAnalysis> | undefined {
    return this.entries.get(uri)?.analysis;
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
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, text, source });
    });
  }

  private startWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    // Built, this module is JavaScript beside the worker's; from TypeScript sources there is no worker to start.
    if (!import.meta.url.endsWith('.js')) return undefined;
    const worker = new Worker(new URL('./report-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (m: { id: number; analysis?: ReportAnalysis; error?: string }) => {
      const pending = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.analysis) pending?.resolve(m.analysis);
      else pending?.reject(new Error(m.error ?? 'report analysis failed'));
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
