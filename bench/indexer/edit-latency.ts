// One edited file re-indexed from memory and visible to a query, cold (first call creates the parser and
// parses the whole file) and warm (ten more edits, each re-parsed incrementally from the previous tree):
// `npx tsx bench/indexer/edit-latency.ts --db DB [--root TREE] [--file kernel/sched/core.c]`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, root: { type: 'string' }, file: { type: 'string', default: 'kernel/sched/core.c' } } });
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root, writable: true });
const file = values.file!;
const text = readFileSync(path.join(root, file), 'utf8');
const warm: number[] = [];
for (let round = 0; round <= 10; round++) {
  const marker = `crashnav_edit_marker_${round}_${Date.now()}`;
  const t0 = performance.now();
  index.updateFileText(file, `${text}\nint ${marker}_fn(void) { return ${marker}(); }\n`);
  const hits = index.findCallers(marker).length;
  const ms = performance.now() - t0;
  if (round === 0) console.log(`cold: ${file} (${(text.length / 1024).toFixed(0)} KB) re-indexed and visible to -3 in ${ms.toFixed(0)} ms (${hits} hit)`);
  else warm.push(ms);
  if (hits !== 1) console.log(`round ${round}: expected 1 caller of the marker, got ${hits}`);
}
warm.sort((a, b) => a - b);
console.log(`warm (10 edits, incremental re-parse): median ${warm[5]!.toFixed(0)} ms, min ${warm[0]!.toFixed(0)} ms, max ${warm[9]!.toFixed(0)} ms`);
index.updateFileText(file, text);
index.close();
