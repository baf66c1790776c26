// Worker thread entry: analyzes large crash reports off the server's main loop, so a 100 MB log never keeps
// other requests waiting. One message in (`{ id, text, source }`), one out (`{ id, analysis }` or `{ id, error }`).
import { parentPort } from 'node:worker_threads';
import { analyzeReport } from './report-analysis.js';

interface AnalyzeMessage {
  id: number;
  text: string;
  source: string;
}

parentPort?.on('message', (message: AnalyzeMessage) => {
  try {
    parentPort!.postMessage({ id: message.id, analysis: analyzeReport(message.text, message.source) });
  } catch (err) {
    parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
