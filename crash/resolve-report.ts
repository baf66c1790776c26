// The frame → source pipeline. With debug info, each frame is looked up in DWARF through debuginfo/
// (the faulting or interrupted instruction at its own address, return addresses at address - 1; module
// frames in the module's .ko; raw vmlinux addresses less the KASLR slide). Without it, or when DWARF has
// no line, the function's definition comes from the source index (ranked for the report's arch).
// Every answer says where it came from, and carries the definition and the number of callers.
import path from 'node:path';
import { type KernelSymbolizer, type ModuleRegion, type Symbolization, SourceReader, moduleLayout, sectionAtRegionOffset } from '../debuginfo/index.js';
import { type KernelIndex, type SymbolDef } from '../indexer/index.js';
import { baseFunctionName, moduleRegionSymbol } from './frame-name.js';
import type { CrashFrame, CrashReport } from './model.js';

export type Provenance = 'dwarf' | 'symtab' | 'index';

export interface ResolvedLocation {
  function: string | null;
  file: string;
  line: number;
  column: number;
  inlined: boolean;
}

export interface ResolvedFrame {
  frame: CrashFrame;
  /** Runtime address, when the text gives it or the slide allows computing it. */
  address: bigint | undefined;
  provenance: Provenance | null;
  /** Innermost first. */
  locations: ResolvedLocation[];
  definition: { file: string; line: number } | null;
  callers: number | null;
  warnings: string[];
}

export interface ResolveOptions {
  symbolizer?: KernelSymbolizer;
  index?: KernelIndex;
  /** Source root: files under it are reported relative to it. */
  root?: string;
  sources?: SourceReader;
  /**
   * Modules to try, after vmlinux and the modules the report names, for a symbol printed without its
   * module (crash's `[exception RIP: f+13]` when module symbols were not loaded). Keep it short: the
   * user's `--modules` directories, not a distribution's thousand modules.
   */
  searchModules?: string[];
}

interface Lookup {
  symbolization: Symbolization | undefined;
  warnings: string[];
}

/** Modules the report names: a frame without `[module]` whose symbol vmlinux lacks may live in one of them. */
function reportModules(report: CrashReport): string[] {
  const named = new Set<string>();
  for (const stack of report.stacks) for (const f of stack.frames) if (f.module) named.add(f.module);
  for (const m of report.modules ?? []) if (m.flags.includes('O') || m.flags.includes('+')) named.add(m.name);
  return [...named];
}

/**
 * How far into its region a frame named after a module region (`_MODULE_INIT_START_m`) is: its printed
 * offset; or its address less the region's start, known from another frame printing both; or, when the
 * region's text fits in one page, its address modulo the page (the loader's allocations are page-aligned).
 */
function regionOffset(frame: CrashFrame, report: CrashReport, region: ModuleRegion, page: bigint): bigint | undefined {
  if (frame.offset !== undefined) return BigInt(frame.offset);
  if (frame.address === undefined) return undefined;
  for (const stack of report.stacks) {
    for (const f of stack.frames) {
      if (f.symbol === frame.symbol && f.offset !== undefined && f.address !== undefined) return frame.address - (f.address - BigInt(f.offset));
    }
  }
  return region.textEnd <= page ? frame.address % page : undefined;
}

async function lookUpRegion(frame: CrashFrame, report: CrashReport, symbolizer: KernelSymbolizer): Promise<Lookup | undefined> {
  const named = frame.symbol === undefined ? undefined : moduleRegionSymbol(frame.symbol);
  if (!named) return undefined;
  const module = await symbolizer.module(frame.module ?? named.module);
  if (!module?.file) return undefined;
  const elf = module.file.elf;
  const layout = moduleLayout(elf);
  const region = layout[named.region];
  const offset = regionOffset(frame, report, region, layout.page);
  if (offset === undefined) return undefined;
  const at = sectionAtRegionOffset(elf, region, frame.isFault ? offset : offset - 1n);
  if (!at) return undefined;
  const symbolization = module.symbolizeInSection(at.section, at.offset);
  return { symbolization, warnings: symbolization.warnings };
}

async function lookUp(frame: CrashFrame, report: CrashReport, symbolizer: KernelSymbolizer, searchModules: string[]): Promise<Lookup> {
  const returnAddress = !frame.isFault;
  const warnings: string[] = [];
  const inRegion = await lookUpRegion(frame, report, symbolizer);
  if (inRegion) return inRegion;
  if (frame.symbol && frame.offset !== undefined) {
    const spec = { symbol: frame.symbol, offset: BigInt(frame.offset), length: frame.size === undefined ? undefined : BigInt(frame.size) };
    const candidates = frame.module ? [frame.module] : [...new Set([undefined, ...reportModules(report), ...searchModules])];
    for (const module of candidates) {
      const r = await symbolizer.resolve(spec, { module, returnAddress });
      if (r.symbol || r.frames.length) return { symbolization: r, warnings: r.warnings };
      if (module === undefined || module === frame.module) warnings.push(...r.warnings.filter((w) => !warnings.includes(w)));
    }
  }
  // crash `bt` frames and bare `[<addr>]` entries: a runtime address (vmlinux only: module bases are unknown).
  if (frame.address !== undefined && !frame.module && frame.address >= 0xffff800000000000n) {
    const r = symbolizer.symbolize(frame.address, { returnAddress });
    if (r.symbol) return { symbolization: r, warnings: r.warnings };
  }
  return { symbolization: undefined, warnings };
}

function relativeFile(file: string, options: ResolveOptions): string {
  const local = options.sources?.locate(file);
  if (local && options.root) {
    const rel = path.relative(options.root, local);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  }
  return file;
}

function runtimeAddress(frame: CrashFrame, symbolization: Symbolization | undefined, symbolizer: KernelSymbolizer | undefined): bigint | undefined {
  if (frame.address !== undefined) return frame.address;
  const sym = symbolization?.symbol;
  // Only vmlinux symbols have a known runtime place (link address + slide); a module's base is not printed.
  if (!sym || !symbolizer || frame.module || sym.address < 0xffff800000000000n || frame.offset === undefined) return undefined;
  return sym.address + BigInt(frame.offset) + symbolizer.slide;
}

function definitionOf(name: string, report: CrashReport, index: KernelIndex | undefined): SymbolDef | undefined {
  return index?.findDefinitions(name, { arch: report.arch, limit: 1 })[0];
}

export async function resolveFrame(frame: CrashFrame, report: CrashReport, options: ResolveOptions): Promise<ResolvedFrame> {
  const { symbolizer, index } = options;
  const { symbolization, warnings } = symbolizer ? await lookUp(frame, report, symbolizer, options.searchModules ?? []) : { symbolization: undefined, warnings: [] };
  const name = frame.symbol ?? symbolization?.symbol?.name;
  const base = name === undefined ? undefined : baseFunctionName(name);
  const def = base === undefined ? undefined : definitionOf(base, report, index);
  const dwarfFrames = symbolization?.frames.filter((f) => f.file !== undefined && f.line > 0) ?? [];
  let provenance: Provenance | null = null;
  let locations: ResolvedLocation[] = [];
  if (dwarfFrames.length > 0) {
    provenance = 'dwarf';
    locations = dwarfFrames.map((f) => ({ function: f.function ?? null, file: relativeFile(f.file!, options), line: f.line, column: f.column, inlined: f.inlined }));
  } else if (frame.sources?.length) {
    // Already symbolized text (syzbot, decode_stacktrace.sh, `bt -l`): someone's DWARF answer, kept as printed.
    provenance = 'dwarf';
    locations = frame.sources.map((src) => ({ function: src.function ?? base ?? null, file: relativeFile(src.file, options), line: src.line, column: 0, inlined: src.inlined }));
    warnings.push('location as printed in the report (no debug info given for it)');
  } else if (def) {
    provenance = 'index';
    locations = [{ function: def.name, file: def.file, line: def.line, column: def.column, inlined: false }];
  } else if (symbolization?.symbol) {
    provenance = 'symtab';
  }
  if (symbolizer && !symbolization && frame.symbol) warnings.push(`${frame.symbol} not found in the debug info${frame.module ? ` of ${frame.module}` : ''}`);
  return {
    frame,
    address: runtimeAddress(frame, symbolization, symbolizer),
    provenance,
    locations,
    definition: def ? { file: def.file, line: def.line } : null,
    callers: base !== undefined && index ? index.findCallers(base).length : null,
    warnings,
  };
}

export interface ResolvedReport {
  report: CrashReport;
  /** Parallel to `report.stacks[i].frames`. */
  stacks: ResolvedFrame[][];
}

export async function resolveReport(report: CrashReport, options: ResolveOptions): Promise<ResolvedReport> {
  if (options.symbolizer && report.kaslrOffset !== undefined && options.symbolizer.slide === 0n) options.symbolizer.slide = report.kaslrOffset;
  const sources = options.sources ?? (options.root ? new SourceReader({ root: options.root }) : undefined);
  const resolved: ResolvedFrame[][] = [];
  for (const stack of report.stacks) {
    const out: ResolvedFrame[] = [];
    for (const frame of stack.frames) out.push(await resolveFrame(frame, report, { ...options, sources }));
    resolved.push(out);
  }
  return { report, stacks: resolved };
}
