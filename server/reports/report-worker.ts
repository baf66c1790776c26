// Worker thread entry: analyzes large crash reports off the server's main loop, so a 100 MB log never keeps
// other requests waiting. One message in (`{ id, text, source }`); the analysis goes back in slices of a few
// hundred reports, each a separate message, so the main thread never deserializes thousands of reports in one
// task either (the last slice says `last: true`; a failure is `{ id, error }`).
import { parentPort } from 'node:worker_threads';
import { analyzeReport, type ReportAnalysis } from './report-analysis.js';

interface AnalyzeMessage {
  id: number;
  text: string;
  source: string;
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

parentPort?.on('message', (message: AnalyzeMessage) => {
  try {
    const analysis = analyzeReport(message.text, message.source);
    // The per-report copies of the text's lines served the title rules; posting them back would only make
    // the main thread deserialize the log a second time.
    for (const report of analysis.reports) report.lines = [];
    const parts = slices(analysis);
    parts.forEach((slice, i) => parentPort!.postMessage({ id: message.id, slice, last: i === parts.length - 1 }));
  } catch (err) {
    parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
