// One edited file re-indexed from memory and visible to a query (edit-timing.ts), on an existing index:
// `npx tsx bench/indexer/edit-latency.ts --db DB [--root TREE] [--file kernel/sched/core.c] [--edits 11]`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';
import { describeEdits, timeEdits } from './edit-timing.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, root: { type: 'string' }, file: { type: 'string', default: 'kernel/sched/core.c' }, edits: { type: 'string', default: '11' } } });
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root, writable: true });
console.log(`${values.file}: ${describeEdits(timeEdits(index, root, values.file!, Number(values.edits)))}`);
index.close();
