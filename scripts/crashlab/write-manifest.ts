// Writes examples/oopses/manifest.json for scripts/crashlab/record.sh: which kernel, toolchain and qemu
// command produced each committed module and console log, so the bundled example can be reproduced.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

interface ModuleEntry {
  name: string;
  source: string;
  ko: string;
  bytes: number;
  sha256: string;
  crashLine: number | null;
}

interface RunEntry {
  log: string;
  module: string;
  kaslr: boolean;
  /** The crash utility's session on the vmcore taken at the panic, when the run took one. */
  crashSession: string | null;
  cmdline: string;
  qemuCommand: string;
  qemuExitStatus: number;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`write-manifest: ${name} is not set (run scripts/crashlab/record.sh)`);
  return value;
}

const repo = process.cwd();
const manifestPath = path.join(repo, 'examples/oopses/manifest.json');
const home = homedir();
const tilde = (text: string): string => text.split(home).join('~');

function moduleEntry(name: string): ModuleEntry {
  const source = `examples/modules/${name}/${name}.c`;
  const ko = `examples/modules/${name}/${name}.ko`;
  const bytes = readFileSync(path.join(repo, ko));
  const marker = readFileSync(path.join(repo, source), 'utf8').split('\n').findIndex((l) => l.includes('CRASH HERE'));
  return {
    name,
    source,
    ko,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    crashLine: marker < 0 ? null : marker + 1,
  };
}

function runEntry(run: string): RunEntry {
  const dir = path.join(env('CRASHLAB_RUNS_DIR'), run);
  const log = `examples/oopses/${run}.log`;
  const session = `examples/oopses/${run}.crash.txt`;
  const qemuCommand = readFileSync(path.join(dir, 'qemu-cmd.txt'), 'utf8').trim();
  // The kernel's own echo of its command line, rather than unpicking the shell quoting of -append.
  const cmdline = /\] Command line: (.*)/.exec(readFileSync(path.join(repo, log), 'utf8'))?.[1] ?? '';
  return {
    log,
    module: run.replace(/-(kaslr|vmcore)$/, ''),
    kaslr: run.endsWith('-kaslr'),
    crashSession: existsSync(path.join(repo, session)) ? session : null,
    cmdline,
    qemuCommand: tilde(qemuCommand),
    qemuExitStatus: Number(readFileSync(path.join(dir, 'qemu-rc.txt'), 'utf8').trim()),
  };
}

const previous: { runs?: RunEntry[] } = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
const redone = env('CRASHLAB_RUNS').split(' ').filter(Boolean);
const runs = new Map((previous.runs ?? []).map((r) => [r.log, r]));
for (const run of redone) {
  const entry = runEntry(run);
  runs.set(entry.log, entry);
}

const manifest = {
  producedBy: 'scripts/crashlab/record.sh',
  kernel: env('CRASHLAB_KERNEL'),
  buildTree: env('CRASHLAB_HEADERS'),
  compiler: env('CRASHLAB_GCC'),
  debugPaths: `module sources as ${env('CRASHLAB_DEBUG_ROOT')}/NAME/NAME.c (the repository's examples/modules/NAME/NAME.c), kernel headers as /usr/src/linux-headers-*`,
  qemu: env('CRASHLAB_QEMU'),
  initramfs: `${env('CRASHLAB_BUSYBOX')}, /init from scripts/crashlab/make-initramfs.sh`,
  logs: 'serial console as captured; CR LF made LF and terminal control sequences dropped',
  modules: env('CRASHLAB_MODULES').split(' ').map(moduleEntry),
  runs: [...runs.values()].sort((a, b) => a.log.localeCompare(b.log)),
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(path.relative(repo, manifestPath));
