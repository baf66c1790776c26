// Scored on real data: Debian's linux-source 6.1.187-1, a subset of the tree (kernel/, init/, include/,
// arch/x86/include/) indexed here, graded against the compiler's ground truth in ../shared/oracle on
// fixed-seed samples. The whole-tree figures are bench/indexer's job (bench/indexer/README.md).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelIndex, buildIndex } from '../../indexer/index.js';
import { loadOracle, sample, scoreCalls, scoreDefinitions } from '../../bench/indexer/oracle-score.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const oracleDir = path.resolve(repoRoot, '../shared/oracle');
const tree = path.join(process.env.HOME ?? '/root', '.cache/crashnav/linux-source-6.1.187-1');
const subset = ['kernel', 'init', 'include', 'arch/x86/include'];
const missing = [
  existsSync(path.join(oracleDir, 'defs.tsv')) ? undefined : `${oracleDir} (the shared oracle)`,
  existsSync(path.join(tree, 'kernel/sched/core.c')) ? undefined : `${tree} (run scripts/fetch-debian.sh source: linux-source-6.1 6.1.187-1)`,
].filter(Boolean);
if (missing.length > 0) console.log(`kernel-oracle: skipped, missing ${missing.join(' and ')}`);

const inSubset = (file: string) => subset.some((d) => file.startsWith(d + '/'));

describe.skipIf(missing.length > 0)('the index of a real kernel subset, against the DWARF oracle', () => {
  let index: KernelIndex;
  let oracle: ReturnType<typeof loadOracle>;

  beforeAll(async () => {
    const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'crashnav-oracle-')), 'index.db');
    const summary = await buildIndex({ root: tree, dbPath, under: subset, arch: 'x86' });
    console.log(`kernel-oracle: indexed ${summary.parsed} files of ${subset.join(', ')} in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
    index = KernelIndex.open(dbPath, { root: tree });
    oracle = loadOracle(oracleDir, tree);
  });
  afterAll(() => index?.close());

  it('puts the compiler\'s definition first for at least 95% of 3,000 names', () => {
    const population = [...oracle.single.values()].filter((d) => inSubset(d.file));
    const score = scoreDefinitions(index, sample(population, 3000, 20261127));
    console.log(`kernel-oracle: definitions ${score.correct}/${score.total} = ${(100 * score.precision).toFixed(1)}% (cscope 80.2% on the whole tree)`);
    for (const m of score.misses.slice(0, 40)) console.log(`  miss: ${m.expected.name} ${m.expected.file}:${m.expected.line}, got ${m.got}`);
    expect(score.total).toBe(3000);
    expect(score.precision).toBeGreaterThanOrEqual(0.95);
  });

  it('lists the caller in -3 for at least 90% of 2,000 sampled call edges', () => {
    const population = oracle.edges.filter(([a, b]) => inSubset(oracle.single.get(a)!.file) && inSubset(oracle.single.get(b)!.file));
    const score = scoreCalls(index, sample(population, 2000, 20261127));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `kernel-oracle: callers ${score.callersFound}/${score.total} = ${pct(score.callersRecall)} of all edges (cscope 69.8% on the whole tree); ` +
        `${score.sourceFound}/${score.sourceTotal} = ${pct(score.sourceRecall)} of the edges the source writes, ` +
        `${score.insertedFound}/${score.insertedTotal} of those the compiler inserts (__stack_chk_fail, ...); ` +
        `callees (-2) ${pct(score.calleesRecall)}; ${score.meanCallerHits.toFixed(1)} hits per -3 query`,
    );
    for (const [a, b] of score.misses.slice(0, 30)) console.log(`  -3 miss: ${a} -> ${b}`);
    for (const [a, b] of score.calleeMisses.slice(0, 30)) console.log(`  -2 miss: ${a} -> ${b}`);
    expect(score.total).toBe(2000);
    expect(score.sourceRecall).toBeGreaterThanOrEqual(0.95);
    expect(score.callersRecall).toBeGreaterThanOrEqual(0.9);
    expect(score.calleesRecall).toBeGreaterThanOrEqual(0.85);
  });
});
