// The committed crash lab outputs (examples/modules, examples/oopses) as the tests see them, and the
// binutils views of a .ko (sections, symbols, decoded line table, addr2line) used as the oracle.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const examplesDir = path.join(repoRoot, 'examples');

export interface ManifestModule {
  name: string;
  source: string;
  ko: string;
  bytes: number;
  sha256: string;
  crashLine: number | null;
}

export interface ManifestRun {
  log: string;
  module: string;
  kaslr: boolean;
  crashSession: string | null;
  cmdline: string;
  qemuCommand: string;
  qemuExitStatus: number;
}

export interface LabManifest {
  kernel: string;
  modules: ManifestModule[];
  runs: ManifestRun[];
}

export function readManifest(): LabManifest {
  return JSON.parse(readFileSync(path.join(examplesDir, 'oopses/manifest.json'), 'utf8')) as LabManifest;
}

export function moduleNames(): string[] {
  return readdirSync(path.join(examplesDir, 'modules'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The 1-based lines of NAME.c that carry the CRASH HERE marker. */
export function crashLines(name: string): number[] {
  return readFileSync(path.join(examplesDir, 'modules', name, `${name}.c`), 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes('CRASH HERE') ? [i + 1] : []));
}

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
}

export function sectionNames(ko: string): string[] {
  return [...run('readelf', ['-SW', ko]).matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)/gm)].map((m) => m[2]!);
}

export interface KoSymbol {
  name: string;
  value: bigint;
  size: number;
  type: string;
  section: string;
}

/** The .ko's symbol table, each symbol with the name of its section (readelf prints only the index). */
export function symbols(ko: string): KoSymbol[] {
  const sections = new Map(
    [...run('readelf', ['-SW', ko]).matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)/gm)].map((m) => [m[1]!, m[2]!]),
  );
  return [...run('readelf', ['-sW', ko]).matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(\w+)\s+\w+\s+\w+\s+(\w+)\s+(\S+)$/gm)].map(
    (m) => ({ value: BigInt(`0x${m[1]}`), size: Number(m[2]), type: m[3]!, section: sections.get(m[4]!) ?? m[4]!, name: m[5]! }),
  );
}

export interface LineRow {
  file: string;
  line: number;
  address: string;
}

/** The decoded DWARF line table (binutils' view), one row per address/line change. */
export function lineRows(ko: string): LineRow[] {
  return [...run('readelf', ['--debug-dump=decodedline', ko]).matchAll(/^(\S+\.[ch])\s+(\d+)\s+(0x[0-9a-f]+|0)\b/gm)].map((m) => ({
    file: m[1]!,
    line: Number(m[2]),
    address: m[3]!,
  }));
}

export interface Addr2lineFrame {
  function: string;
  file: string;
  line: number;
}

/** addr2line -f -i at SECTION+OFFSET of a relocatable .ko: the inline chain, innermost first. */
export function addr2line(ko: string, section: string, offset: bigint): Addr2lineFrame[] {
  const out = run('addr2line', ['-f', '-i', '-j', section, '-e', ko, `0x${offset.toString(16)}`]).trim().split('\n');
  const frames: Addr2lineFrame[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const m = /^(.*):(\d+)/.exec(out[i + 1]!);
    frames.push({ function: out[i]!, file: m?.[1] ?? out[i + 1]!, line: Number(m?.[2] ?? 0) });
  }
  return frames;
}

export interface ModuleFrame {
  text: string;
  symbol: string;
  offset: bigint;
  module: string;
  /** From the `RIP:` line (the faulting instruction) rather than the call trace (a return address). */
  rip: boolean;
}

/** The frames of LOG that lie in a module: `RIP: 0010:f+0x1f/0x1000 [m]` and call trace `f+0x1d/0x1000 [m]`. */
export function moduleFrames(log: string): ModuleFrame[] {
  return [...log.matchAll(/^\[[ \d.]+\]\s+(RIP: \w+:)?(\? )?([\w.]+)\+0x([0-9a-f]+)\/0x[0-9a-f]+ \[(\w+)\]$/gm)]
    .filter((m) => m[2] === undefined)
    .map((m) => ({ text: m[0], symbol: m[3]!, offset: BigInt(`0x${m[4]}`), module: m[5]!, rip: m[1] !== undefined }));
}
