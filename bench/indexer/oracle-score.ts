// Grading the index against the compiler's ground truth (../shared/oracle, see its README): definitions
// (precision@1 of `-1 name` against DW_AT_decl_file/decl_line) and call edges (recall of `-3 callee`
// against DW_TAG_call_site), on fixed-seed samples so runs are comparable.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KernelIndex } from '../../indexer/index.js';

const buildPrefix = 'debian/build/build_amd64_none_cloud-amd64/';

export interface OracleDef {
  name: string;
  file: string;
  line: number;
}

export interface Oracle {
  /** Names with exactly one definition whose file exists in the tree. */
  single: Map<string, OracleDef>;
  /** Call edges between such names. */
  edges: Array<[caller: string, callee: string]>;
}

export function loadOracle(oracleDir: string, treeRoot: string): Oracle {
  const rows = new Map<string, OracleDef[]>();
  for (const line of readFileSync(path.join(oracleDir, 'defs.tsv'), 'utf8').split('\n')) {
    const [name, file, l] = line.split('\t');
    if (!name || !file || !l) continue;
    const rel = path.posix.normalize(file.startsWith(buildPrefix) ? file.slice(buildPrefix.length) : file);
    const list = rows.get(name) ?? [];
    list.push({ name, file: rel, line: Number(l) });
    rows.set(name, list);
  }
  const single = new Map<string, OracleDef>();
  for (const [name, list] of rows) {
    if (list.length === 1 && existsSync(path.join(treeRoot, list[0]!.file))) single.set(name, list[0]!);
  }
  const edges: Array<[string, string]> = [];
  for (const line of readFileSync(path.join(oracleDir, 'calls.tsv'), 'utf8').split('\n')) {
    const [caller, callee] = line.split('\t');
    if (caller && callee && single.has(caller) && single.has(callee)) edges.push([caller, callee]);
  }
  return { single, edges };
}

/** mulberry32: a small seeded generator, so samples are the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sample<T>(items: T[], n: number, seed: number): T[] {
  const a = [...items];
  const r = rng(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

export interface DefinitionScore {
  total: number;
  correct: number;
  precision: number;
  misses: Array<{ expected: OracleDef; got: string }>;
}

export function scoreDefinitions(index: KernelIndex, defs: OracleDef[], arch = 'x86'): DefinitionScore {
  let correct = 0;
  const misses: DefinitionScore['misses'] = [];
  for (const d of defs) {
    const top = index.findDefinitions(d.name, { arch, limit: 1 })[0];
    if (top && top.file === d.file && top.line === d.line) correct++;
    else misses.push({ expected: d, got: top ? `${top.file}:${top.line} (${top.kind}${top.via ? ` via ${top.via}` : ''})` : 'nothing' });
  }
  return { total: defs.length, correct, precision: defs.length ? correct / defs.length : 0, misses };
}

/**
 * Callees no source writes: the compiler inserts them (-fstack-protector-strong's __stack_chk_fail, the
 * ftrace and retpoline/rethunk entries, sanitizer hooks). Of these the index infers only
 * __stack_chk_fail's callers (indexer/stack-protector.ts); they are scored apart from the written edges.
 */
export const compilerInserted = /^(__stack_chk_fail|__fentry__|__x86_indirect_thunk_\w+|__x86_return_thunk|__sanitizer_\w+|__asan_\w+|__tsan_\w+|__ubsan_\w+|__kcsan_\w+|__msan_\w+)$/;

export interface CallScore {
  total: number;
  /** Edges whose callee the source writes (not `compilerInserted`), and how many of those were found. */
  sourceTotal: number;
  sourceFound: number;
  sourceRecall: number;
  /** Edges to a `compilerInserted` callee, and how many of those were found. */
  insertedTotal: number;
  insertedFound: number;
  callersFound: number;
  callersRecall: number;
  calleesFound: number;
  calleesRecall: number;
  /** Mean and median number of hits of a `-3 callee` query over the distinct callees of the sample. */
  meanCallerHits: number;
  medianCallerHits: number;
  misses: Array<[caller: string, callee: string]>;
  calleeMisses: Array<[caller: string, callee: string]>;
}

export function scoreCalls(index: KernelIndex, edges: Array<[string, string]>): CallScore {
  const callerCache = new Map<string, Set<string>>();
  const hitCount = new Map<string, number>();
  const calleeCache = new Map<string, Set<string>>();
  let callersFound = 0;
  let calleesFound = 0;
  let sourceTotal = 0;
  let sourceFound = 0;
  const misses: Array<[string, string]> = [];
  const calleeMisses: Array<[string, string]> = [];
  for (const [caller, callee] of edges) {
    let callers = callerCache.get(callee);
    if (!callers) {
      const sites = index.findCallers(callee);
      callers = new Set(sites.map((s) => s.caller.name));
      callerCache.set(callee, callers);
      hitCount.set(callee, sites.length);
    }
    const visible = !compilerInserted.test(callee);
    if (visible) sourceTotal++;
    if (callers.has(caller)) {
      callersFound++;
      if (visible) sourceFound++;
    } else misses.push([caller, callee]);
    let callees = calleeCache.get(caller);
    if (!callees) {
      callees = new Set(index.findCallees(caller).map((s) => s.callee));
      calleeCache.set(caller, callees);
    }
    if (callees.has(callee)) calleesFound++;
    else if (visible) calleeMisses.push([caller, callee]);
  }
  const counts = [...hitCount.values()];
  return {
    total: edges.length,
    callersFound,
    callersRecall: edges.length ? callersFound / edges.length : 0,
    sourceTotal,
    sourceFound,
    sourceRecall: sourceTotal ? sourceFound / sourceTotal : 0,
    insertedTotal: edges.length - sourceTotal,
    insertedFound: callersFound - sourceFound,
    calleesFound,
    calleesRecall: edges.length ? calleesFound / edges.length : 0,
    meanCallerHits: counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : 0,
    medianCallerHits: counts.length ? counts.sort((a, b) => a - b)[Math.floor(counts.length / 2)]! : 0,
    misses,
    calleeMisses,
  };
}
