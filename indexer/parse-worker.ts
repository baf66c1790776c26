// The body of one parse worker thread: owns a tree-sitter parser, turns file paths into facts.
import { parentPort, workerData } from 'node:worker_threads';
import { loadCParser } from './c-parser.js';
import { parseFileAt } from './parse-file.js';
import type { ParseRequest, ParseResponse } from './parse-pool.js';

const { backend } = workerData as { backend?: 'native' | 'wasm' };
const parser = await loadCParser({ prefer: backend });
const port = parentPort!;
port.on('message', (req: ParseRequest) => {
  let res: ParseResponse;
  try {
    res = { id: req.id, outcome: parseFileAt(req.root, req.path, req.knownHash, parser) };
  } catch (err) {
    res = { id: req.id, outcome: { status: 'skipped', problem: `${req.path}: extractor failed (${(err as Error).message})` } };
  }
  port.postMessage(res, res.outcome.status === 'parsed' ? [res.outcome.refs.buffer as ArrayBuffer] : []);
});
port.postMessage({ ready: true, grammar: parser.grammar, backend: parser.backend });
