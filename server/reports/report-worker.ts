// Worker thread entry: analyzes large crash reports off the server's main loop, so a 100 MB log never keeps
// other requests waiting. The text comes in chunks (`{ id, chunk, last, source }`); the analysis goes back in slices of a few
// hundred reports, one slice per `{ id, next: true }` the main thread sends once it has taken the previous one:
// Node delivers every queued message of a port in one go, so pushing all slices at once would have the main
// thread deserialize thousands of reports in a single task after all. The last slice says `last: true`; a
// failure is `{ id, error }`.
import { parentPort } from 'node:worker_threads';
import { analyzeReport, type ReportAnalysis } from './report-analysis.js';

type WorkerRequest = { id: number; chunk: string; last: boolean; source: string } | { id: number; next: true };

/** Text chunks received so far, per request. */
const receiving = new Map<number, string[]>();

/** Slices not yet taken, per request. */
const waiting = new Map<number, ReportAnalysis[]>();

function sendNext(id: number): void {
  const queue = waiting.get(id);
  const slice = queue?.shift();
  if (!queue || !slice) return;
  if (queue.length === 0) waiting.delete(id);
  parentPort!.postMessage({ id, slice, last: queue.length === 0 });
}

const reportsPerSlice = 200;

/** The analysis cut into slices by report; frames and facts go with their report, folds and problems with the last. */
function slices(analysis: ReportAnalysis): ReportAnalysis[] {
  const out: ReportAnalysis[] = [];
  for (let first = 0; first < Math.max(1, analysis.reports.length); first += reportsPerSlice) {
    const end = first + reportsPerSlice;
    const inSlice = (item: { report: number }) => item.report >= first && item.report < end;
    out.push({
      reports: analysis.reports.slice(first, end),
      frames: analysis.frames.filter(inSlice),
      facts: analysis.facts.filter(inSlice),
      folds: [],
      problems: [],
    });
  }
  const last = out[out.length - 1]!;
  last.folds = analysis.folds;
  last.problems = analysis.problems;
  return out;
}

parentPort?.on('message', (message: WorkerRequest) => {
  if ('next' in message) {
    sendNext(message.id);
    return;
  }
  const chunks = receiving.get(message.id) ?? [];
  chunks.push(message.chunk);
  if (!message.last) {
    receiving.set(message.id, chunks);
    return;
  }
  receiving.delete(message.id);
  try {
    const analysis = analyzeReport(chunks.join(''), message.source);
    // The per-report copies of the text's lines served the title rules; posting them back would only make
    // the main thread deserialize the log a second time.
    for (const report of analysis.reports) report.lines = [];
    waiting.set(message.id, slices(analysis));
    sendNext(message.id);
  } catch (err) {
    parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
