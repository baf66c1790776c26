// Full-tree index benchmark, side by side: crashnav (dist build), `cscope -b -q -k` and `gtags` on the same
// file list (every .c, .h and .S of the tree), each under /usr/bin/time -v for wall time and peak RSS,
// then database sizes and the ratios. Then the incremental and latency figures of the issue: re-index with
// no change, one edited file visible to a query, `--first` time to answer for do_one_initcall, and query
// latency p50/p95 over 1,000 definition and 1,000 callers queries. Every file of the list is read once
// before each tool's timed run, so none of them pays for a cold page cache; the load average is printed
// with each run (the machine is shared: serialize timing runs with flock).
// `--repeat N` runs crashnav and cscope N times, alternating, and prints each pair's ratio and the median:
// on a shared machine one run of either varies by 10%.
//   npm run build && flock /tmp/crashnav-bench.lock npx tsx bench/indexer/bench-index.ts [--root TREE] [--out DIR] [--skip-peers] [--repeat N]
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex, buildIndex, listSourceFiles } from '../../indexer/index.js';
import { describeEdits, timeEdits } from './edit-timing.js';
import { loadOracle, sample } from './oracle-score.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' }, 'skip-peers': { type: 'boolean' }, 'skip-full': { type: 'boolean' }, repeat: { type: 'string' } } });
const repeat = Math.max(1, Number(values.repeat ?? 1));
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const out = path.resolve(values.out ?? '/tmp/crashnav-bench');
const repo = path.resolve(import.meta.dirname, '../..');
mkdirSync(out, { recursive: true });

interface Run {
  tool: string;
  wallS: number;
  rssMb: number;
  dbBytes: number;
  files: string;
  /** 1-minute load average before and after the run. */
  load: [number, number];
}

/** Reads every listed file once, so the timed run finds them in the page cache. */
function warmPageCache(paths: string[]): void {
  for (const p of paths) {
    try {
      readFileSync(path.join(root, p));
    } catch {
      // Unreadable files are each tool's own problem to report.
    }
  }
}

const load1 = () => Number(loadavg()[0]!.toFixed(2));

function timed(tool: string, cmd: string, args: string[], cwd: string): { wallS: number; rssMb: number; stderr: string; load: [number, number] } {
  warmPageCache(files.map((f) => f.path));
  const before = load1();
  console.log(`${tool}: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} before the run`);
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const err = r.stderr ?? '';
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  if (r.status !== 0) console.error(`${tool} exited ${r.status}: ${err.slice(-2000)}`);
  const wallS = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { wallS, rssMb: rss ? Number(rss[1]) / 1024 : NaN, stderr: err, load: [before, load1()] };
}

function dirBytes(p: string, filter: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const name of readdirSync(p)) {
    const full = path.join(p, name);
    const st = statSync(full);
    if (st.isDirectory()) total += dirBytes(full, filter);
    else if (filter(name)) total += st.size;
  }
  return total;
}

const { files } = await listSourceFiles(root);
const fileList = path.join(out, 'files.txt');
writeFileSync(fileList, files.map((f) => f.path).join('\n') + '\n');
console.log(`tree: ${root}\nfile list: ${files.length} .c/.h/.S files, ${(files.reduce((s, f) => s + f.size, 0) / 1e6).toFixed(0)} MB`);

const runs: Run[] = [];
const db = path.join(out, 'crashnav', 'index.db');
/** Each round's crashnav and cscope runs, for their ratio. */
const rounds: Array<{ ours?: Run; cscope?: Run }> = [];
for (let round = 0; round < repeat; round++) {
  const pair: { ours?: Run; cscope?: Run } = {};
  if (!values['skip-full']) {
    rmSync(path.join(out, 'crashnav'), { recursive: true, force: true });
    const t = timed('crashnav', process.execPath, [path.join(repo, 'bin/crashnav.js'), 'index', '--root', root, '--db', db, '--quiet'], root);
    const dbBytes = dirBytes(path.join(out, 'crashnav'));
    const index = KernelIndex.open(db, { root });
    pair.ours = { tool: 'crashnav index', ...t, dbBytes, files: `${index.fileCount()} indexed` };
    index.close();
  }
  if (!values['skip-peers']) {
    const cs = path.join(out, 'cscope');
    rmSync(cs, { recursive: true, force: true });
    mkdirSync(cs);
    const t = timed('cscope', 'cscope', ['-b', '-q', '-k', '-i', fileList, '-f', path.join(cs, 'cscope.out')], root);
    pair.cscope = { tool: 'cscope -b -q -k', ...t, dbBytes: dirBytes(cs), files: `${files.length} listed` };
  }
  rounds.push(pair);
  runs.push(...[pair.ours, pair.cscope].filter((r) => r !== undefined));
}
if (!values['skip-peers']) {
  const gt = path.join(out, 'gtags');
  rmSync(gt, { recursive: true, force: true });
  mkdirSync(gt);
  const g = timed('gtags', 'gtags', ['-f', fileList, gt], root);
  const gfiles = Number(execFileSync('global', ['-P', '-q'], { cwd: root, env: { ...process.env, GTAGSROOT: root, GTAGSDBPATH: gt }, encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter(Boolean).length);
  runs.push({ tool: 'gtags', ...g, dbBytes: dirBytes(gt), files: `${gfiles} indexed` });
}
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\n${pad('tool', 18)}${pad('wall s', 10)}${pad('peak RSS MB', 13)}${pad('db MB', 10)}${pad('load before/after', 19)}files`);
for (const r of runs) console.log(`${pad(r.tool, 18)}${pad(r.wallS.toFixed(1), 10)}${pad(r.rssMb.toFixed(0), 13)}${pad((r.dbBytes / 1e6).toFixed(0), 10)}${pad(r.load.join(' / '), 19)}${r.files}`);
const ratios = (ours: Run, peer: Run) =>
  `wall ${(ours.wallS / peer.wallS).toFixed(2)}x, peak RSS ${(ours.rssMb / peer.rssMb).toFixed(2)}x, db ${(ours.dbBytes / peer.dbBytes).toFixed(2)}x`;
for (const { ours, cscope } of rounds) if (ours && cscope) console.log(`crashnav / ${cscope.tool}: ${ratios(ours, cscope)}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const paired = rounds.filter((r) => r.ours && r.cscope);
if (paired.length > 1) {
  const walls = paired.map((r) => r.ours!.wallS / r.cscope!.wallS);
  console.log(`crashnav / cscope over ${paired.length} rounds: wall ratio median ${median(walls).toFixed(2)}x (${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}x); crashnav ${median(paired.map((r) => r.ours!.wallS)).toFixed(1)} s, cscope ${median(paired.map((r) => r.cscope!.wallS)).toFixed(1)} s median; crashnav peak RSS max ${Math.max(...paired.map((r) => r.ours!.rssMb)).toFixed(0)} MB`);
}
const gtags = runs.find((r) => r.tool === 'gtags');
const lastOurs = rounds.at(-1)?.ours;
if (gtags && lastOurs) console.log(`crashnav / gtags: ${ratios(lastOurs, gtags)}`);

// Incremental figures on the full index.
let t0 = performance.now();
const again = await buildIndex({ root, dbPath: db, blockingWalk: true });
console.log(`\nre-index, no change: ${((performance.now() - t0) / 1000).toFixed(2)} s (${again.unchanged} unchanged, ${again.parsed} parsed)`);
const edited = 'kernel/sched/core.c';
const index = KernelIndex.open(db, { root, writable: true });
console.log(`one edited file (${edited}, 290 KB) re-indexed from memory and visible to -3: ${describeEdits(timeEdits(index, root, edited, 5))}`);
const now = new Date();
utimesSync(path.join(root, edited), now, now);
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
  return `p50 ${ms[Math.floor(ms.length * 0.5)]!.toFixed(2)} ms, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(2)} ms`;
};
console.log(`definition queries (1,000): ${lat((n) => index.findDefinitions(n, { arch: 'x86' }), names)}`);
console.log(`callers queries (1,000): ${lat((n) => index.findCallers(n), callees)}`);
index.close();

// --first: kernel/ and init/ first on an empty database; time until do_one_initcall is answerable.
const firstDb = path.join(out, 'first', 'index.db');
rmSync(path.dirname(firstDb), { recursive: true, force: true });
const first = files.map((f) => f.path).filter((p) => p.startsWith('kernel/') || p.startsWith('init/'));
t0 = performance.now();
let answerMs = NaN;
const controller = new AbortController();
await buildIndex({
  root,
  dbPath: firstDb,
  first,
  signal: controller.signal,
  onFirstCommitted: () => {
    const q = KernelIndex.open(firstDb, { root });
    const defs = q.findDefinitions('do_one_initcall');
    const callers = q.findCallers('do_one_initcall');
    answerMs = performance.now() - t0;
    console.log(`--first kernel/ init/ (${first.length} files): do_one_initcall answerable after ${(answerMs / 1000).toFixed(1)} s: ${defs[0]?.file}:${defs[0]?.line}, ${callers.length} callers`);
    q.close();
    controller.abort();
  },
});
appendFileSync(path.join(out, 'runs.jsonl'), JSON.stringify({ date: new Date().toISOString(), runs, answerMs }) + '\n');
