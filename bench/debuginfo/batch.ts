// Acceptance run 3 of issue 3: a 500-address batch on the Debian vmlinux, side by side with
// llvm-symbolizer --inlines, binutils addr2line -f -i and eu-addr2line -f -i: wall time and peak RSS
// of each process (GNU time), and our ratios to llvm-symbolizer; then a single address cold.
//   npx tsc -p . && [CRASHNAV_KERNEL=6.12] node dist/bench/debuginfo/batch.js [--addresses 500] [--runs 3] [--seed 1]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DebugFile } from '../../debuginfo/index.js';
import { resolveTool, sampleTextAddresses } from './agreement-lib.js';
import { fetchDbgCommand, vmlinuxPath } from './paths.js';

interface Measure {
  wall: number;
  /** user + system CPU seconds: steadier than wall on a shared machine. */
  cpu: number;
  rssMb: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const crashnav = path.join(repoRoot, 'bin/crashnav.js');

/** Runs `argv` under GNU time with stdin from a file; the medians of wall and CPU over `runs`, the max RSS. */
function measure(argv: string[], stdinFile: string, runs: number): Measure {
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...argv], { input: readFileSync(stdinFile), stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
    const last = r.stderr.toString().trim().split('\n').pop() ?? '';
    const [wall, kb, user, sys] = last.split(' ').map(Number);
    if (r.status !== 0 || wall === undefined || kb === undefined || user === undefined || sys === undefined || Number.isNaN(wall)) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    walls.push(wall);
    cpus.push(user + sys);
    rss = Math.max(rss, kb / 1024);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(walls), cpu: median(cpus), rssMb: rss };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { addresses: { type: 'string', default: '500' }, runs: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' } } });
  if (!existsSync(vmlinuxPath)) throw new Error(`missing ${vmlinuxPath}: run ${fetchDbgCommand}`);
  if (!existsSync(path.join(repoRoot, 'dist/clients/cli/main.js'))) throw new Error('build first: npx tsc -p .');
  const file = DebugFile.open(vmlinuxPath);
  const addresses = sampleTextAddresses(file, Number(values.addresses), Number(values.seed));
  file.close();
  const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-bench-'));
  const input = path.join(dir, 'addresses.txt');
  writeFileSync(input, addresses.map((a) => '0x' + a.toString(16)).join('\n') + '\n');
  const single = path.join(dir, 'one.txt');
  writeFileSync(single, '0x' + addresses[0]!.toString(16) + '\n');
  const runs = Number(values.runs);
  const llvm = resolveTool(['llvm-symbolizer', 'llvm-symbolizer-19', 'llvm-symbolizer-16', 'llvm-symbolizer-14']);
  const peers: [string, string[]][] = [];
  if (llvm) peers.push(['llvm-symbolizer --inlines', [llvm, '--inlines', `--obj=${vmlinuxPath}`]]);
  const binutils = resolveTool(['addr2line']);
  if (binutils) peers.push(['addr2line -f -i (binutils)', [binutils, '-f', '-i', '-e', vmlinuxPath]]);
  const eu = resolveTool(['eu-addr2line']);
  if (eu) peers.push(['eu-addr2line -f -i', [eu, '-f', '-i', '-e', vmlinuxPath]]);
  const ours: [string, string[]] = ['crashnav addr2line -f -i', [process.execPath, crashnav, 'addr2line', '-f', '-i', '-e', vmlinuxPath]];

  console.log(`${addresses.length} random addresses inside text symbols of ${vmlinuxPath}, median of ${runs} runs, peak RSS max\n`);
  const rows: [string, Measure][] = [];
  for (const [name, argv] of [ours, ...peers]) rows.push([name, measure(argv, input, runs)]);
  const base = rows.find(([n]) => n.startsWith('llvm'))?.[1];
  const width = Math.max(...rows.map(([n]) => n.length));
  console.log(`${'tool'.padEnd(width)}  wall s   CPU s   peak RSS MB   wall/llvm  CPU/llvm  RSS/llvm`);
  for (const [name, m] of rows) {
    const ratio = base ? `${(m.wall / base.wall).toFixed(2).padStart(8)}x ${(m.cpu / base.cpu).toFixed(2).padStart(8)}x ${(m.rssMb / base.rssMb).toFixed(2).padStart(8)}x` : '';
    console.log(`${name.padEnd(width)}  ${m.wall.toFixed(2).padStart(6)}  ${m.cpu.toFixed(2).padStart(6)}   ${m.rssMb.toFixed(0).padStart(11)}  ${ratio}`);
  }
  const empty = path.join(dir, 'empty.txt');
  writeFileSync(empty, '');
  const startup = measure(ours[1], empty, runs);
  console.log(`\n(crashnav with no input, i.e. node start and module loading: ${startup.wall.toFixed(2)} s wall, ${startup.cpu.toFixed(2)} s CPU, ${startup.rssMb.toFixed(0)} MB)`);
  console.log('\nsingle address, cold process:');
  console.log(`${'tool'.padEnd(width)}  wall s   CPU s   peak RSS MB`);
  for (const [name, argv] of [ours, ...peers]) {
    const m = measure(argv, single, runs);
    console.log(`${name.padEnd(width)}  ${m.wall.toFixed(2).padStart(6)}  ${m.cpu.toFixed(2).padStart(6)}   ${m.rssMb.toFixed(0).padStart(11)}`);
  }
}

await main();
