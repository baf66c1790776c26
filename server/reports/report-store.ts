// The open text documents analysed for crash reports, one entry per URI. Whether a document is a report comes
// from its content (crash/'s parser), never from its name or languageId: a `console.log`, `messages` or an
// untitled buffer becomes a report document when a report appears in it and stops being one when the report is
// edited away. Small texts are analysed on the spot, large ones in a worker thread, so the main loop keeps
// answering while a 100 MB log is parsed. Edits are analysed once typing pauses (a request sees every edit made
// before it), and a document is analysed at most once at a time: an edit that arrives while its last analysis
// runs waits for it, and only the newest text of the edits made meanwhile is analysed.
import { Worker } from 'node:worker_threads';
import { analyzeReport, type ReportAnalysis } from './report-analysis.js';
import { ReportDocument } from './report-document.js';

/** Above this many characters a text is analysed in the worker. */
const workerThreshold = 1 << 20;
/** Characters of text per message to the worker. */
const textChunk = 4 << 20;
/** Quiet time after an edit before the document is analysed again. */
const editQuietMs = 200;

/**
 * The languages the server reads as source code, never as crash text: the C family (VS Code's ids for C, C++,
 * Objective-C and CUDA; its C/C++ extension gives kernel headers `cpp`). A C document's words navigate through
 * the index and its edits re-index it: a crash quoted in it (283 of Linux 6.1's 55,451 .c/.h files carry crash
 * text in comments or strings) must not turn it into a report, nor every keystroke into a parse. Every other
 * languageId is text that may hold a crash: `plaintext`, `log`, `text`, `messages`, `kernel-crash`, `''`,
 * `markdown`, a mail or a patch.
 */
const sourceLanguages = new Set(['c', 'cpp', 'objective-c', 'objective-cpp', 'cuda-cpp']);

/** True for a document whose content decides whether it is a crash report (anything but C-family source). */
export function mayHoldReport(languageId: string): boolean {
  return !sourceLanguages.has(languageId);
}

/** Whether a document is a report changed (or it got its first analysis): what the session tells the client. */
export interface AnalysisEvent {
  uri: string;
  version: number;
  /** The report document, or undefined when the text holds no report. */
  document: ReportDocument | undefined;
  /** It was a report before this analysis; undefined on its first analysis (its opening). */
  wasReport: boolean | undefined;
}

interface Entry {
  /** The newest version the client sent. */
  version: number;
  /** The text of an edit still waiting out its quiet time. */
  waiting?: { text: string; timer: NodeJS.Timeout };
  /** The newest analysis started (undefined: not a report). */
  document: Promise<ReportDocument | undefined>;
  /** Settles when the analysis running now has finished; the next one starts after it. */
  turn: Promise<void>;
  /** The latest finished analysis found a report; undefined before the first one. */
  isReport: boolean | undefined;
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

  constructor(private readonly onAnalyzed: (event: AnalysisEvent) => void) {}

  /** A text document opened (analysed now) or edited (analysed once the edits pause, or when a request comes). */
  update(uri: string, version: number, text: string, how: { opened: boolean }): void {
    let entry = this.entries.get(uri);
    if (!entry) {
      entry = { version, document: Promise.resolve(undefined), turn: Promise.resolve(), isReport: undefined };
      this.entries.set(uri, entry);
    }
    entry.version = version;
    if (entry.waiting) clearTimeout(entry.waiting.timer);
    entry.waiting = undefined;
    if (how.opened) {
      this.start(uri, entry, version, text);
      return;
    }
    const waiting = entry;
    entry.waiting = { text, timer: setTimeout(() => this.flush(uri, waiting), editQuietMs) };
  }

  /** The document's latest version as a report, or undefined when it is not one (no report in it, or not text). */
  async get(uri: string): Promise<ReportDocument | undefined> {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    this.flush(uri, entry);
    return entry.document;
  }

  /** The document is text the store analyses (whether or not it holds a report). */
  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  /** The document's latest finished analysis found a report. */
  isReport(uri: string): boolean {
    return this.entries.get(uri)?.isReport ?? false;
  }

  delete(uri: string): void {
    const entry = this.entries.get(uri);
    if (entry?.waiting) clearTimeout(entry.waiting.timer);
    this.entries.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.entries.keys()]) this.delete(uri);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /** Starts the analysis of an edit still waiting out its quiet time. */
  private flush(uri: string, entry: Entry): void {
    const waiting = entry.waiting;
    if (!waiting || this.entries.get(uri) !== entry) return;
    clearTimeout(waiting.timer);
    entry.waiting = undefined;
    this.start(uri, entry, entry.version, waiting.text);
  }

  /** Analyses `text` after the document's running analysis; skipped if a newer version came meanwhile. */
  private start(uri: string, entry: Entry, version: number, text: string): void {
    const current = () => this.entries.get(uri) === entry && entry.version === version;
    const analysis = entry.turn.then(() => (current() ? this.analyze(text, uri) : undefined));
    entry.turn = analysis.then(
      () => undefined,
      () => undefined,
    );
    const document = analysis.then((a): ReportDocument | undefined | Promise<ReportDocument | undefined> => {
      // Superseded before it began: the answer is the newest version's.
      if (!a) return this.get(uri);
      if (a.reports.length === 0) return undefined;
      // Indexing a large analysis is its own turn of the loop, not a tail of the last slice's.
      return new Promise((resolve) => setImmediate(() => resolve(new ReportDocument(a))));
    });
    entry.document = document;
    document.then(
      (d) => {
        if (!current()) return;
        const wasReport = entry.isReport;
        entry.isReport = d !== undefined;
        this.onAnalyzed({ uri, version, document: d, wasReport });
      },
      () => undefined,
    );
  }

  private analyze(text: string, source: string): Promise<ReportAnalysis> {
    if (text.length <= workerThreshold) return Promise.resolve(analyzeReport(text, source));
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
