// Issue 17's measure: time and peak memory to print the log and the backtraces of a 1 GB guest's vmcore,
// crashnav side by side with the tools a user runs today: `crashnav vmcore dmesg` against
// `makedumpfile --dump-dmesg` (and whether the two logs are byte for byte equal), `crashnav vmcore bt -a`
// against crash's `bt -a` (crash 8.0.2 opens 6.1 vmcores only). Each run is a new process under GNU time.
// The vmcores are the crash lab's: scripts/crashlab/make-vmcores.sh --memory 1024 [--kernel 6.12].
//   npx tsc -p . && [CRASHNAV_KERNEL=6.12] node dist/bench/vmcore/log-and-bt.js [--run null_pointer-1024m]
//     [--variants elf-kexec,mkd-d31] [--runs 3]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetchDbgCommand, vmlinuxPath } from '../debuginfo/paths.js';

interface Measure {
  wall: number;
  /** user + system CPU seconds: steadier than wall on a shared machine. */
  cpu: number;
  rssMb: number;
  stdout: Buffer;
}

class ToolFailed extends Error {}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const crashnav = path.join(repoRoot, 'bin/crashnav.js');
const kernel = process.env.CRASHNAV_KERNEL || '6.1';
const cacheRoot = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');
const vmcoresDir = path.join(cacheRoot, kernel === '6.1' ? 'crashlab' : `crashlab-${kernel}`, 'vmcores');
const makeCommand = `scripts/crashlab/make-vmcores.sh${kernel === '6.1' ? '' : ` --kernel ${kernel}`} --memory 1024`;

/** Runs `argv` under GNU time `runs` times: the medians of wall and CPU, the max RSS, the last stdout. */
function measure(argv: string[], runs: number): Measure {
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  let stdout = Buffer.alloc(0);
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    const stderr = r.stderr.toString();
    const [wall, kb, user, sys] = (stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    if (r.status !== 0 || wall === undefined || kb === undefined || user === undefined || sys === undefined || Number.isNaN(wall)) {
      // GNU time's own line comes last; the tool's first line names the problem.
      throw new ToolFailed(`${path.basename(argv[0]!)} ${argv.slice(1).join(' ')} exited ${r.status}: ${stderr.split('\n')[0]}`);
    }
    walls.push(wall);
    cpus.push(user + sys);
    rss = Math.max(rss, kb / 1024);
    stdout = r.stdout;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(walls), cpu: median(cpus), rssMb: rss, stdout };
}

/** Whether this build of crashnav has the `vmcore` command (`crashnav vmcore --help` exits 0). */
function crashnavHasVmcore(): boolean {
  const r = spawnSync(process.execPath, [crashnav, 'vmcore', '--help'], { stdio: ['ignore', 'ignore', 'ignore'] });
  return r.status === 0;
}

/**
 * The `crashnav vmcore bt -a` command line: with --vmlinux when the command takes it, else without; a
 * string saying why not when the build rejects both as bad usage (exit status 2).
 */
function crashnavBt(vmcore: string): string[] | string {
  const tries = [
    [process.execPath, crashnav, 'vmcore', 'bt', '-a', '--vmlinux', vmlinuxPath, vmcore],
    [process.execPath, crashnav, 'vmcore', 'bt', '-a', vmcore],
  ];
  for (const argv of tries) {
    if (spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' }).status !== 2) return argv;
  }
  return 'not in this build: `crashnav vmcore bt -a` is bad usage (exit status 2)';
}

function row(task: string, tool: string, m: Measure | string, base?: Measure): string {
  if (typeof m === 'string') return `${task.padEnd(6)} ${tool.padEnd(30)} ${m}`;
  const ratio = base ? `${(m.wall / base.wall).toFixed(2).padStart(9)}x ${(m.cpu / base.cpu).toFixed(2).padStart(8)}x ${(m.rssMb / base.rssMb).toFixed(2).padStart(8)}x` : '';
  return `${task.padEnd(6)} ${tool.padEnd(30)} ${m.wall.toFixed(2).padStart(6)} ${m.cpu.toFixed(2).padStart(7)} ${m.rssMb.toFixed(0).padStart(11)}  ${ratio}`;
}

function attempt(argv: string[], runs: number): Measure | string {
  try {
    return measure(argv, runs);
  } catch (err) {
    if (err instanceof ToolFailed) return `failed: ${err.message}`;
    throw err;
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      run: { type: 'string', default: 'null_pointer-1024m' },
      variants: { type: 'string', default: 'elf-kexec,mkd-d31' },
      runs: { type: 'string', default: '3' },
    },
  });
  const runDir = path.join(vmcoresDir, values.run);
  if (!existsSync(path.join(runDir, '.done'))) throw new Error(`no finished vmcores in ${runDir}: run ${makeCommand}`);
  if (!existsSync(path.join(repoRoot, 'dist/clients/cli/main.js'))) throw new Error('build first: npx tsc -p .');
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time is missing: apt-get install time');
  const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as {
    abi: string; memoryMB: number; kaslr: boolean; makedumpfile: string; variants: Record<string, { format: string }>;
  };
  const runs = Number(values.runs);
  const hasVmcore = crashnavHasVmcore();
  const crashOk = kernel === '6.1' && spawnSync('crash', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!existsSync(vmlinuxPath)) throw new Error(`missing ${vmlinuxPath}: run ${fetchDbgCommand}`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'crashnav-bench-vmcore-'));
  const crashScript = path.join(scratch, 'bt-a.crash');
  writeFileSync(crashScript, 'bt -a\nquit\n');

  console.log(`${manifest.abi}, ${manifest.memoryMB} MB guest, KASLR ${manifest.kaslr ? 'on' : 'off'}: ${runDir}`);
  console.log(`median of ${runs} runs, peak RSS max; ratios are crashnav / the peer (wall, CPU, RSS)`);
  if (!hasVmcore) console.log('crashnav has no `vmcore` command in this build (crashnav vmcore --help fails): only the peers are measured');
  if (!crashOk) console.log(kernel === '6.1' ? 'crash is not installed: no bt -a peer' : `crash 8.0.2 cannot open a ${kernel} vmcore: no bt -a peer`);
  if (hasVmcore) {
    const startup = attempt([process.execPath, crashnav, '--version'], runs);
    console.log(typeof startup === 'string' ? `crashnav --version ${startup}`
      : `crashnav's start alone (crashnav --version): ${startup.wall.toFixed(2)} s wall, ${startup.cpu.toFixed(2)} s CPU, ${startup.rssMb.toFixed(0)} MB`);
  }
  for (const variant of values.variants.split(',')) {
    const vmcore = path.join(runDir, `${variant}.vmcore`);
    if (!existsSync(vmcore)) {
      console.log(`\n${variant}: not made (see ${runDir}/manifest.json)`);
      continue;
    }
    console.log(`\n${variant}.vmcore, ${(statSync(vmcore).size / 2 ** 20).toFixed(0)} MB`);
    console.log(`${'task'.padEnd(6)} ${'tool'.padEnd(30)} wall s   CPU s  peak RSS MB  wall ratio CPU ratio RSS ratio`);
    const log = path.join(scratch, 'dmesg.txt');
    // makedumpfile refuses to overwrite its output: each run writes a new file. It reads no flattened file.
    const mkd = manifest.variants[variant]?.format === 'flattened' ? 'reads no flattened file (makedumpfile -R first)'
      : attempt(['sh', '-c', 'rm -f "$3" && "$1" --message-level 0 --dump-dmesg "$2" "$3"', 'sh', 'makedumpfile', vmcore, log], runs);
    const mine = hasVmcore ? attempt([process.execPath, crashnav, 'vmcore', 'dmesg', vmcore], runs) : 'no vmcore command';
    console.log(row('log', 'crashnav vmcore dmesg', mine, typeof mkd === 'string' ? undefined : mkd));
    console.log(row('log', 'makedumpfile --dump-dmesg', mkd));
    if (typeof mine !== 'string') {
      // Without makedumpfile's log of this file, the run's dmesg.txt: its log of the same memory.
      const [oracle, whose] = typeof mkd !== 'string' ? [readFileSync(log), "makedumpfile's"] : [readFileSync(path.join(runDir, 'dmesg.txt')), "the run's dmesg.txt"];
      console.log(`       log ${mine.stdout.equals(oracle) ? 'byte for byte equal to' : 'DIFFERS from'} ${whose} (${mine.stdout.length} vs ${oracle.length} bytes)`);
    }
    const crash = crashOk ? attempt(['crash', '-s', vmlinuxPath, vmcore, '-i', crashScript], runs) : 'no peer';
    const btArgv = hasVmcore ? crashnavBt(vmcore) : 'no vmcore command';
    const bt = typeof btArgv === 'string' ? btArgv : attempt(btArgv, runs);
    console.log(row('bt -a', 'crashnav vmcore bt -a', bt, typeof crash === 'string' ? undefined : crash));
    console.log(row('bt -a', 'crash bt -a', crash));
  }
  rmSync(scratch, { recursive: true, force: true });
}

main();
