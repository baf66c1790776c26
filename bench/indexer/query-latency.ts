// Query latency p50/p95 over 1,000 definition and 1,000 callers queries on an existing index (the same
// fixed-seed samples as bench-index.ts): `npx tsx bench/indexer/query-latency.ts --db DB [--root TREE]`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';
import { loadOracle, sample } from './oracle-score.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, root: { type: 'string' } } });
const repo = path.resolve(import.meta.dirname, '../..');
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root });
const oracle = loadOracle(path.resolve(repo, '../shared/oracle'), root);
const names = sample([...oracle.single.keys()], 1000, 7);
const callees = sample([...new Set(oracle.edges.map((e) => e[1]))], 1000, 8);
const lat = (fn: (n: string) => unknown, list: string[]) => {
  const ms = list.map((n) => {
    const s = performance.now();
    fn(n);
    return performance.now() - s;
  });
  ms.sort((a, b) => a - b);
  return { text: `p50 ${ms[Math.floor(ms.length * 0.5)]!.toFixed(2)} ms, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(2)} ms, max ${ms[ms.length - 1]!.toFixed(2)} ms` };
};
console.log(`definition queries (1,000): ${lat((n) => index.findDefinitions(n, { arch: 'x86' }), names).text}`);
console.log(`callers queries (1,000): ${lat((n) => index.findCallers(n), callees).text}`);
index.close();
