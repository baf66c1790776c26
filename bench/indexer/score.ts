// Scores an index against ../shared/oracle: `npx tsx bench/indexer/score.ts --db DB --root TREE [--all]
// [--all-defs] [--defs N] [--edges N] [--misses K] [--cscope DIR]`. Prints precision@1 of definitions,
// recall of callers (-3) and callees (-2), hits per -3 query; `--all` scores the whole population.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';
import { loadOracle, sample, scoreCalls, scoreDefinitions } from './oracle-score.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    root: { type: 'string' },
    oracle: { type: 'string' },
    all: { type: 'boolean' },
    /** Every name with one right answer for definitions; edges stay sampled (-2 costs ~50 ms an edge). */
    'all-defs': { type: 'boolean' },
    defs: { type: 'string', default: '3000' },
    edges: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '20261127' },
    misses: { type: 'string', default: '0' },
    /** A `cscope -b -q -k` database directory (bench-index.ts makes one): cscope's -3 answered on the same callees. */
    cscope: { type: 'string' },
  },
});
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const oracleDir = path.resolve(values.oracle ?? path.join(import.meta.dirname, '../../../shared/oracle'));
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root });
const oracle = loadOracle(oracleDir, root);
const seed = Number(values.seed);
const defs = values.all || values['all-defs'] ? [...oracle.single.values()] : sample([...oracle.single.values()], Number(values.defs), seed);
const edges = values.all ? oracle.edges : sample(oracle.edges, Number(values.edges), seed);
let t = performance.now();
const d = scoreDefinitions(index, defs);
const defMs = performance.now() - t;
t = performance.now();
const c = scoreCalls(index, edges);
const callMs = performance.now() - t;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`population: ${oracle.single.size} names with one right answer, ${oracle.edges.length} edges between them`);
console.log(`definitions: ${d.correct}/${d.total} first hit right = ${pct(d.precision)} (cscope 80.2%, global 80.8%) [${(defMs / d.total).toFixed(2)} ms/query]`);
console.log(`callers (-3): ${c.callersFound}/${c.total} = ${pct(c.callersRecall)} of all edges (cscope 69.8%); ${c.sourceFound}/${c.sourceTotal} = ${pct(c.sourceRecall)} of the edges the source writes, ${c.insertedFound}/${c.insertedTotal} of those the compiler inserts (__stack_chk_fail & co.)`);
console.log(`hits per -3 query: mean ${c.meanCallerHits.toFixed(1)}, median ${c.medianCallerHits}`);
console.log(`callees (-2): ${c.calleesFound}/${c.total} = ${pct(c.calleesRecall)} [${(callMs / c.total).toFixed(2)} ms/edge]`);
if (values.cscope) {
  const out = path.resolve(values.cscope, 'cscope.out');
  const callees = [...new Set(edges.map((e) => e[1]))];
  const hitCounts: number[] = [];
  const callersOf = new Map<string, Set<string>>();
  for (const callee of callees) {
    const r = spawnSync('cscope', ['-d', '-L', '-3', callee, '-f', out], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
    const lines = (r.stdout ?? '').split('\n').filter(Boolean);
    hitCounts.push(lines.length);
    callersOf.set(callee, new Set(lines.map((l) => l.split(' ')[1]!)));
  }
  const found = edges.filter(([a, b]) => callersOf.get(b)?.has(a)).length;
  const mean = hitCounts.reduce((a, b) => a + b, 0) / hitCounts.length;
  const median = hitCounts.sort((a, b) => a - b)[Math.floor(hitCounts.length / 2)];
  console.log(`cscope on the same sample: callers (-3) ${found}/${edges.length} = ${pct(found / edges.length)}; hits per -3 query: mean ${mean.toFixed(1)}, median ${median} over ${callees.length} callees`);
}
const k = Number(values.misses);
if (k > 0) {
  console.log('\ndefinition misses:');
  for (const m of d.misses.slice(0, k)) console.log(`  ${m.expected.name}\t${m.expected.file}:${m.expected.line}\tgot ${m.got}`);
  console.log('\ncaller misses:');
  for (const [a, b] of c.misses.slice(0, k)) console.log(`  ${a} -> ${b}`);
}
index.close();
