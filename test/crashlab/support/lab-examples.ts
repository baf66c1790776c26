// The committed crash lab outputs (examples/modules, examples/oopses) as the tests see them, and the
// binutils views of a .ko (sections, symbols, decoded line table, addr2line) used as the oracle.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
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

/** What the lab read from a vmcore itself (scripts/crashlab/write-manifest.ts): the oracle's facts. */
export interface VmcoreFacts {
  kernelOffset: string;
  kernelOffsetFrom: string;
  module: { name: string; start: string; initStart: string | null; functions: Record<string, string> };
}

export interface ManifestRun {
  log: string;
  module: string;
  kaslr: boolean;
  crashSession: string | null;
  moduleSymbolsSession?: string | null;
  vmcore?: VmcoreFacts | null;
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

/**
 * The binutils program TOOL for BINARY's machine (the ELF header's e_machine): the host's for x86, the
 * aarch64-linux-gnu- one for an arm64 file, whose relocations (a .ko's DWARF) the host's cannot apply.
 */
export function binutil(tool: string, binary: string): string {
  const header = Buffer.alloc(20);
  const fd = openSync(binary, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  const EM_AARCH64 = 183;
  return header.readUInt16LE(18) === EM_AARCH64 ? `aarch64-linux-gnu-${tool}` : tool;
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
  return addr2lineAll(ko, [offset], section)[0]!;
}

/**
 * addr2line -a -f -i at each address of BINARY (within SECTION for a relocatable .ko), in one run: the
 * inline chain of each, innermost first. `-a` prints each address before its chain, which delimits them.
 */
export function addr2lineAll(binary: string, addresses: bigint[], section?: string): Addr2lineFrame[][] {
  if (addresses.length === 0) return [];
  const args = ['-a', '-f', '-i', ...(section === undefined ? [] : ['-j', section]), '-e', binary];
  const out = run(binutil('addr2line', binary), [...args, ...addresses.map((a) => `0x${a.toString(16)}`)]).trim().split('\n');
  const chains: Addr2lineFrame[][] = [];
  for (let i = 0; i < out.length; ) {
    if (/^0x[0-9a-f]+$/.test(out[i]!)) {
      chains.push([]);
      i += 1;
      continue;
    }
    const m = /^(.*):(\d+)/.exec(out[i + 1] ?? '');
    chains.at(-1)!.push({ function: out[i]!, file: m?.[1] ?? out[i + 1]!, line: Number(m?.[2] ?? 0) });
    i += 2;
  }
  if (chains.length !== addresses.length) throw new Error(`addr2line gave ${chains.length} answers for ${addresses.length} addresses of ${binary}`);
  return chains;
}

/** `nm -S` of a binary: each defined symbol's addresses and sizes by name (a static name may have several). */
export function symbolTable(binary: string): Map<string, { value: bigint; size: bigint }[]> {
  const table = new Map<string, { value: bigint; size: bigint }[]>();
  for (const m of run(binutil('nm', binary), ['-S', '--defined-only', binary]).matchAll(/^([0-9a-f]+) (?:([0-9a-f]+) )?\w (\S+)$/gm)) {
    const entry = { value: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2] ?? '0'}`) };
    table.set(m[3]!, [...(table.get(m[3]!) ?? []), entry]);
  }
  return table;
}

/**
 * A frame of a `crash` session as the lab's oracle reads it, independently of crashnav: a backtrace line
 * `#N [SP] FUNC at ADDR [MOD]` (ADDR a return address read from the stack), an `[exception RIP: ...]`
 * with the `RIP:` below it (the exact address), or a console trace line of the session's `log` output
 * (`func+0x1f/0x40 [mod]`, `RIP: 0010:func+...`; `?` entries are not reliable and not listed). crash's
 * own frames carry runtime addresses (kind `address`), the console's a symbol and offset (kind `symbol`).
 */
export type SessionFrame =
  | { kind: 'address'; line: number; text: string; symbol: string; address: bigint; module: string | null; exact: boolean }
  | { kind: 'symbol'; line: number; text: string; symbol: string; offset: bigint; size: bigint; module: string | null; exact: boolean };

/** Whether the console `RIP:` at line I opens an oops (a `Call Trace:` follows before `---[ end trace`),
 * rather than being the registers the kernel prints again after it. */
function opensTrace(lines: string[], i: number): boolean {
  for (const next of lines.slice(i + 1)) {
    if (next.includes('Call Trace:')) return true;
    if (next.includes('---[ end trace')) return false;
  }
  return false;
}

export function sessionFrames(session: string): SessionFrame[] {
  const lines = session.split('\n');
  const frames: SessionFrame[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    const bt = /^\s*#\d+ \[[0-9a-f]+\] (\S+) at ([0-9a-f]+)(?: \[(\w+)\])?\s*$/.exec(text);
    if (bt) {
      frames.push({ kind: 'address', line, text, symbol: bt[1]!, address: BigInt(`0x${bt[2]}`), module: bt[3] ?? null, exact: false });
      return;
    }
    const exception = /^\s*\[exception RIP: (\S+?)(?:\+\d+)?\]$/.exec(text);
    const rip = /^\s*RIP: ([0-9a-f]{16}) /.exec(lines[i + 1] ?? '');
    if (exception && rip && BigInt(`0x${rip[1]}`) >= 0xffffffff80000000n) {
      frames.push({ kind: 'address', line, text, symbol: exception[1]!, address: BigInt(`0x${rip[1]}`), module: null, exact: true });
      return;
    }
    const consoleFrame = /^\[[ \d.]+\]\s+(RIP: \w+:)?(\? )?([\w.]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[(\w+)\])?$/.exec(text);
    if (consoleFrame && consoleFrame[2] === undefined && (consoleFrame[1] === undefined || opensTrace(lines, i))) {
      const [, ripLine, , symbol, offset, size, module] = consoleFrame;
      frames.push({ kind: 'symbol', line, text, symbol: symbol!, offset: BigInt(`0x${offset}`), size: BigInt(`0x${size}`), module: module ?? null, exact: ripLine !== undefined });
    }
  });
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

/** Where the oracle looks a frame up: a binary (a .ko's section for a module) and the link-time address in it. */
export interface OraclePlace {
  frame: SessionFrame;
  binary: string;
  section?: string;
  address: bigint;
}

/**
 * The link-time place of a console FRAME (`func+0x1f/0x40 [mod]`), found in the binaries' own symbol
 * tables: VMLINUX's for a kernel frame, KO(module)'s for a module frame; a return address at - 1. A
 * kernel symbol named more than once is the one of the printed size.
 */
export function consolePlace(frame: Extract<SessionFrame, { kind: 'symbol' }>, vmlinux: string, kernelSymbols: ReturnType<typeof symbolTable>, ko: (module: string) => string): OraclePlace {
  const back = frame.exact ? 0n : 1n;
  if (frame.module === null) {
    const candidates = kernelSymbols.get(frame.symbol) ?? [];
    const symbol = candidates.find((c) => c.size === frame.size) ?? candidates[0];
    if (!symbol) throw new Error(`${frame.symbol} is not in the symbol table of ${vmlinux}`);
    return { frame, binary: vmlinux, address: symbol.value + frame.offset - back };
  }
  const binary = ko(frame.module);
  const symbol = symbols(binary).find((s) => s.type === 'FUNC' && s.name === frame.symbol);
  if (!symbol) throw new Error(`line ${frame.line}: ${frame.symbol} is not a function of ${binary}`);
  return { frame, binary, section: symbol.section, address: symbol.value + frame.offset - back };
}

/** addr2line's chain at each place, one addr2line run per binary and section. */
export function addr2linePlaces<P extends OraclePlace>(places: P[]): Map<P, Addr2lineFrame[]> {
  const groups = new Map<string, P[]>();
  for (const p of places) {
    const key = `${p.binary}\0${p.section ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const chains = new Map<P, Addr2lineFrame[]>();
  for (const group of groups.values()) {
    const unique = [...new Set(group.map((p) => p.address))];
    const answers = new Map(addr2lineAll(group[0]!.binary, unique, group[0]!.section).map((chain, i) => [unique[i]!, chain]));
    for (const p of group) chains.set(p, answers.get(p.address)!);
  }
  return chains;
}

/** A frame of `crashnav resolve --json`, as far as the oracle compares it. */
export interface ResolvedFrame {
  inputLine: number;
  provenance: string | null;
  locations: { function: string; file: string; line: number }[];
}

/** Why crashnav's FRAME does not say what addr2line's CHAIN says (function, file, line at each inline level), or null. */
export function disagreementWithAddr2line(frame: ResolvedFrame | undefined, chain: Addr2lineFrame[]): string | null {
  const expected = chain.map((c) => `${c.function} ${path.basename(c.file)}:${c.line}`).join(' < ');
  if (!frame) return `no frame; addr2line: ${expected}`;
  const got = frame.locations.map((l) => `${l.function} ${path.basename(l.file)}:${l.line}`).join(' < ');
  const sameFile = (a: string, b: string): boolean => a.endsWith(b) || b.endsWith(a);
  const agrees =
    frame.locations.length === chain.length &&
    frame.locations.every((l, i) => l.function === chain[i]!.function && l.line === chain[i]!.line && sameFile(l.file, chain[i]!.file));
  return agrees ? null : `crashnav: ${got || `nothing (${frame.provenance})`}; addr2line: ${expected}`;
}
