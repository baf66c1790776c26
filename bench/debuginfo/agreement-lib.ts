// The acceptance measurement shared by bench/debuginfo/agreement.ts (full size) and the real-data
// test (a sample): random addresses inside text symbols, answered by us and by the reference
// symbolizers, compared where those agree, every difference classified.
import { spawnSync } from 'node:child_process';
import { DebugFile, Symbolizer, elfConstants } from '../../debuginfo/index.js';

export interface RefFrame {
  function: string | undefined;
  file: string | undefined;
  line: number;
}

/** A deterministic generator (LCG), so a run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` addresses: a random sized function symbol plus a random offset inside it. */
export function sampleTextAddresses(file: DebugFile, count: number, seed: number, sections?: Set<string>): bigint[] {
  const rnd = seededRandom(seed);
  // `__pfx_` symbols (6.2+) are the padding before a function: no line table row covers them, and the
  // reference tools disagree there about what to print.
  const functions = file.symbols
    .codeSymbols()
    .filter((s) => s.size > 0 && s.type === elfConstants.STT_FUNC && !s.name.startsWith('__pfx_') && (!sections || sections.has(s.sectionName)));
  const out: bigint[] = [];
  if (functions.length === 0) return out;
  for (let i = 0; i < count; i++) {
    const s = functions[Math.floor(rnd() * functions.length)]!;
    out.push(s.address + BigInt(Math.floor(rnd() * s.size)));
  }
  return out;
}

/** Absolute path of a tool on PATH (so the comparison can run with PATH emptied for our side). */
export function resolveTool(names: string[]): string | undefined {
  for (const n of names) {
    const r = spawnSync('sh', ['-c', `command -v ${n}`]);
    const p = r.stdout?.toString().trim();
    if (r.status === 0 && p) return p;
  }
  return undefined;
}

export function toolAnswers(tool: string, args: string[], addresses: bigint[]): RefFrame[][] {
  const out: RefFrame[][] = [];
  for (let i = 0; i < addresses.length; i += 1000) {
    const chunk = addresses.slice(i, i + 1000).map((a) => '0x' + a.toString(16));
    const r = spawnSync(tool, [...args, '-a', '-f', '-i', ...chunk], { maxBuffer: 1 << 28 });
    const groups: string[][] = [];
    for (const line of r.stdout.toString().split('\n')) {
      if (/^0x[0-9a-f]+:?$/.test(line)) groups.push([]);
      else if (line && groups.length > 0) groups[groups.length - 1]!.push(line);
    }
    if (groups.length !== chunk.length) throw new Error(`${tool}: ${groups.length} answers for ${chunk.length} addresses: ${r.stderr}`);
    for (const g of groups) {
      const frames: RefFrame[] = [];
      for (let k = 0; k + 1 < g.length; k += 2) {
        const m = /^(.*?):(\d+|\?)(?::\d+)?(?: \(discriminator \d+\))?$/.exec(g[k + 1]!.trim());
        frames.push({ function: g[k]!.trim().split(' ')[0], file: m?.[1], line: m && m[2] !== '?' ? Number(m[2]) : 0 });
      }
      out.push(frames);
    }
  }
  return out;
}

/** Function without clone suffixes, file by its last two components, no columns. */
export function normalizeChain(frames: RefFrame[]): string {
  return frames
    .map((f) => {
      const fn = (f.function ?? '??').replace(/\.(isra|constprop|part|cold|llvm|lto_priv)\.\d+/g, '').replace(/\.(cold|part|isra|constprop)$/, '');
      const file = !f.file || f.file === '??' ? '??' : f.file.split('/').slice(-2).join('/');
      return `${fn} ${file}:${file === '??' ? 0 : f.line}`;
    })
    .join(' | ');
}

export type DifferenceKind = 'chain-depth' | 'function' | 'file' | 'line' | 'no-answer';

export interface Difference {
  address: bigint;
  kind: DifferenceKind;
  ours: string;
  reference: string;
  /** A third opinion (binutils addr2line) where one was asked for. */
  binutils?: string;
}

export interface AgreementResult {
  total: number;
  /** Addresses where the reference tools agree with each other. */
  compared: number;
  agree: number;
  differences: Difference[];
  /** ms spent in our symbolizer for all addresses. */
  oursMs: number;
  /** Addresses left out because the references disagree: what each said, and ours. */
  leftOut?: { address: bigint; ours: string; eu: string; llvm: string }[];
}

export function classify(ours: string, reference: string): DifferenceKind {
  if (ours === '') return 'no-answer';
  const a = ours.split(' | ');
  const b = reference.split(' | ');
  if (a.length !== b.length) return 'chain-depth';
  for (let i = 0; i < a.length; i++) {
    const [fa, la] = a[i]!.split(' ');
    const [fb, lb] = b[i]!.split(' ');
    if (fa !== fb) return 'function';
    if (la!.replace(/:\d+$/, '') !== lb!.replace(/:\d+$/, '')) return 'file';
  }
  return 'line';
}

/**
 * Compares our answers with the reference answers (undefined where the references disagree among
 * themselves and the address is left out).
 */
export function compareAnswers(addresses: bigint[], ours: string[], reference: (string | undefined)[], oursMs: number): AgreementResult {
  const differences: Difference[] = [];
  let compared = 0;
  let agree = 0;
  addresses.forEach((address, i) => {
    const ref = reference[i];
    if (ref === undefined) return;
    compared++;
    if (ours[i] === ref) agree++;
    else differences.push({ address, kind: classify(ours[i]!, ref), ours: ours[i]!, reference: ref });
  });
  return { total: addresses.length, compared, agree, differences, oursMs };
}

/** vmlinux: ours vs eu-addr2line and llvm-addr2line, compared where those two agree. */
export function vmlinuxAgreement(path: string, addresses: bigint[], tools: { eu: string; llvm: string }): AgreementResult {
  const file = DebugFile.open(path);
  const symbolizer = new Symbolizer(file);
  const t0 = performance.now();
  const ours = addresses.map((a) => normalizeChain(symbolizer.symbolize(a, { linkTime: true }).frames));
  const oursMs = performance.now() - t0;
  file.close();
  const eu = toolAnswers(tools.eu, ['-e', path], addresses).map(normalizeChain);
  const llvm = toolAnswers(tools.llvm, ['-e', path], addresses).map(normalizeChain);
  const result = compareAnswers(addresses, ours, eu.map((e, i) => (e === llvm[i] ? e : undefined)), oursMs);
  result.leftOut = addresses.flatMap((address, i) => (eu[i] === llvm[i] ? [] : [{ address, ours: ours[i]!, eu: eu[i]!, llvm: llvm[i]! }]));
  return result;
}

/** A module: section-relative addresses in `.text`/`.init.text` vs eu-addr2line -j SECTION. */
export function moduleAgreement(path: string, perModule: number, seed: number, eu: string, binutils?: string): AgreementResult & { sections: string[] } {
  const file = DebugFile.open(path);
  const symbolizer = new Symbolizer(file);
  const sections = ['.text', '.init.text'].filter((s) => file.elf.findSection(s));
  const results: AgreementResult[] = [];
  for (const section of sections) {
    const addresses = sampleTextAddresses(file, perModule, seed, new Set([section]));
    if (addresses.length === 0) continue;
    const base = file.sectionAddress(section, 0n);
    const offsets = addresses.map((a) => a - base);
    const t0 = performance.now();
    const ours = offsets.map((o) => normalizeChain(symbolizer.symbolizeInSection(section, o).frames));
    const ms = performance.now() - t0;
    const ref = toolAnswers(eu, ['-e', path, '-j', section], offsets).map(normalizeChain);
    const result = compareAnswers(offsets, ours, ref, ms);
    if (binutils && result.differences.length > 0) {
      const third = toolAnswers(binutils, ['-e', path, '-j', section], result.differences.map((d) => d.address)).map(normalizeChain);
      result.differences.forEach((d, i) => (d.binutils = third[i]));
    }
    results.push(result);
  }
  file.close();
  return {
    sections,
    total: sum(results, (r) => r.total),
    compared: sum(results, (r) => r.compared),
    agree: sum(results, (r) => r.agree),
    differences: results.flatMap((r) => r.differences),
    oursMs: sum(results, (r) => r.oursMs),
  };
}

function sum<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}
