// Writes the lab's manifest.json (examples/oopses/ for 6.1, examples/kernel-K/oopses/ for another kernel)
// for scripts/crashlab/record.sh: which kernel, toolchain and qemu command produced each committed module
// and console log, so the bundled example can be reproduced.
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

/** What the vmcore itself says, recorded for checking resolutions: never taken from crashnav. */
interface VmcoreFacts {
  /** The KASLR offset (runtime minus link-time kernel address) from the VMCOREINFO note of the dump. */
  kernelOffset: string;
  kernelOffsetFrom: string;
  /** The crashed module's layout as crash's `sym -m NAME` prints it from the vmcore's kallsyms. */
  module: {
    name: string;
    start: string;
    initStart: string | null;
    /** Each text symbol (t/T) of the module's core layout and its runtime address. */
    functions: Record<string, string>;
  };
}

interface RunEntry {
  log: string;
  module: string;
  kaslr: boolean;
  /** The crash utility's session on the vmcore taken at the panic, when the run took one (no module symbols loaded). */
  crashSession: string | null;
  /** The same commands after `mod -S examples/modules` loaded the modules' symbols and DWARF. */
  moduleSymbolsSession?: string | null;
  vmcore?: VmcoreFacts | null;
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
const oopses = env('CRASHLAB_OOPSES');
const koDir = env('CRASHLAB_KO_DIR');
const manifestPath = path.join(repo, oopses, 'manifest.json');
const home = homedir();
const tilde = (text: string): string => text.split(home).join('~');

function moduleEntry(name: string): ModuleEntry {
  const source = `examples/modules/${name}/${name}.c`;
  const ko = `${koDir}/${name}/${name}.ko`;
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

function vmcoreFacts(dir: string, module: string): VmcoreFacts | null {
  if (!existsSync(path.join(dir, 'vmcoreinfo.txt'))) return null;
  const info = readFileSync(path.join(dir, 'vmcoreinfo.txt'), 'utf8');
  const offset = /^KERNELOFFSET=([0-9a-f]+)$/m.exec(info)?.[1];
  if (offset === undefined) throw new Error(`write-manifest: no KERNELOFFSET= in ${dir}/vmcoreinfo.txt`);
  const symbols = readFileSync(path.join(dir, 'module-symbols.crash.txt'), 'utf8');
  const marker = (what: string): string | null => new RegExp(`^([0-9a-f]{16}) ${what}: ${module}$`, 'm').exec(symbols)?.[1] ?? null;
  const start = marker('MODULE START');
  if (start === null) throw new Error(`write-manifest: crash's sym -m ${module} in ${dir} lists no MODULE START`);
  const functions: Record<string, string> = {};
  for (const m of symbols.matchAll(/^([0-9a-f]{16}) \([tT]\) (\S+)$/gm)) functions[m[2]!] = `0x${m[1]}`;
  const initStart = marker('MODULE INIT START');
  return {
    kernelOffset: `0x${offset}`,
    kernelOffsetFrom: "KERNELOFFSET= in the vmcore's VMCOREINFO note",
    module: { name: module, start: `0x${start}`, initStart: initStart === null ? null : `0x${initStart}`, functions },
  };
}

function runEntry(run: string): RunEntry {
  const dir = path.join(env('CRASHLAB_RUNS_DIR'), run);
  const log = `${oopses}/${run}.log`;
  const session = `${oopses}/${run}.crash.txt`;
  const withSymbols = `${oopses}/${run}-modsyms.crash.txt`;
  const module = run.replace(/(-kaslr)?(-vmcore)?$/, '');
  const qemuCommand = readFileSync(path.join(dir, 'qemu-cmd.txt'), 'utf8').trim();
  // The kernel's own echo of its command line, rather than unpicking the shell quoting of -append: x86
  // prints it first as `Command line:`, arm64 only as `Kernel command line:`.
  const cmdline = /\] (?:Kernel c|C)ommand line: (.*)/.exec(readFileSync(path.join(repo, log), 'utf8'))?.[1] ?? '';
  return {
    log,
    module,
    kaslr: /-kaslr(-vmcore)?$/.test(run),
    crashSession: existsSync(path.join(repo, session)) ? session : null,
    moduleSymbolsSession: existsSync(path.join(repo, withSymbols)) ? withSymbols : null,
    vmcore: vmcoreFacts(dir, module),
    cmdline,
    qemuCommand: tilde(qemuCommand),
    qemuExitStatus: Number(readFileSync(path.join(dir, 'qemu-rc.txt'), 'utf8').trim()),
  };
}

const previous: { runs?: RunEntry[]; buildTree?: string; compiler?: string } = existsSync(manifestPath)
  ? JSON.parse(readFileSync(manifestPath, 'utf8'))
  : {};
/** A fact of the module build: this run's, or the manifest's own when the modules were not rebuilt. */
const buildFact = (name: string, kept: string | undefined): string => process.env[name] ?? kept ?? env(name);
const redone = env('CRASHLAB_RUNS').split(' ').filter(Boolean);
const runs = new Map((previous.runs ?? []).map((r) => [r.log, r]));
for (const run of redone) {
  const entry = runEntry(run);
  runs.set(entry.log, entry);
}

const manifest = {
  producedBy: 'scripts/crashlab/record.sh',
  kernel: env('CRASHLAB_KERNEL'),
  buildTree: buildFact('CRASHLAB_HEADERS', previous.buildTree),
  compiler: buildFact('CRASHLAB_GCC', previous.compiler),
  debugPaths: `module sources as ${env('CRASHLAB_DEBUG_ROOT')}/NAME/NAME.c (the repository's examples/modules/NAME/NAME.c), kernel headers as /usr/src/linux-headers-*`,
  qemu: env('CRASHLAB_QEMU'),
  initramfs: `${env('CRASHLAB_BUSYBOX')}, /init from scripts/crashlab/make-initramfs.sh`,
  logs: 'serial console as captured; CR LF made LF and terminal control sequences dropped',
  modules: env('CRASHLAB_MODULES').split(' ').map(moduleEntry),
  runs: [...runs.values()].sort((a, b) => a.log.localeCompare(b.log)),
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(path.relative(repo, manifestPath));
