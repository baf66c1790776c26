// One edited file re-indexed from memory and visible to a query, cold (first call creates the parser)
// and warm: `npx tsx bench/indexer/edit-latency.ts --db DB [--root TREE] [--file kernel/sched/core.c]`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, root: { type: 'string' }, file: { type: 'string', default: 'kernel/sched/core.c' } } });
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root, writable: true });
const file = values.file!;
const text = readFileSync(path.join(root, file), 'utf8');
for (const round of ['cold', 'warm', 'warm']) {
  const marker = `crashnav_edit_marker_${Date.now()}`;
  const t0 = performance.now();
  index.updateFileText(file, `${text}\nint ${marker}_fn(void) { return ${marker}(); }\n`);
  const hits = index.findCallers(marker).length;
  console.log(`${round}: ${file} (${(text.length / 1024).toFixed(0)} KB) re-indexed and visible to -3 in ${(performance.now() - t0).toFixed(0)} ms (${hits} hit)`);
}
index.updateFileText(file, text);
index.close();
