// Where a binary was loaded, inferred from the frames themselves when the text does not say: a `crash` session
// of a KASLR kernel prints runtime addresses (`panic at ffffffffb9bc5141`) and no `Kernel Offset:`, and a module
// frame `func at ffffffffc0211011 [mod]` needs the module's load base when no `mod` table was pasted.
//
// Each frame whose name the binary's symbol table knows bounds the load offset: the address lies inside the
// function, so offset ∈ [ADDR − end, ADDR − start] (a return address may equal `end` when the call is the last
// instruction, and a tool that names ADDR rather than ADDR − 1 names the next function at its `start`); a
// faulting address lies in [start, end); a printed `+off` pins it exactly. Offsets are aligned (x86_64's
// CONFIG_PHYSICAL_ALIGN, 2 MiB; a module's text is page aligned), so the bounds leave one candidate per
// same-named function. Frames vote: the candidate most frames allow wins, frames that allow another are named
// rather than allowed to veto (a stale `bt -t` word, a wrong-binary frame), and a tie or too few votes is
// undefined with the reason. Intersecting all the bounds instead would let one bad frame empty the answer.
import type { CrashFrame, CrashReport } from './model.js';
import { moduleRegionSymbol } from './frame-name.js';
import { moduleBases } from './session-records.js';
import { normalizeModuleName } from '../debuginfo/index.js';

/** What inference needs of a frame (a `CrashFrame` fits): its printed name and runtime address. */
export interface PlacedFrame {
  symbol?: string;
  address?: bigint;
  /** Bytes into `symbol` when the text printed them (`[exception RIP: f+31]`, `bt -sx`, `f+0x1f/0x40`): an exact bound. */
  offset?: number | bigint;
  /** The faulting address (inside the function) rather than a return address (which may be its end). */
  isFault?: boolean;
}

/** A function's extent in the binary's own addresses, `end` exclusive (start + size). */
export interface SymbolRange {
  start: bigint;
  end: bigint;
}

/** Every function of that name (static functions repeat names); an empty list when there is none. */
export type SymbolRangeLookup = (name: string) => readonly SymbolRange[];

export interface PlacementOptions {
  /** The offset is a multiple of this (default: 2 MiB for the kernel, 4096 for a module's text). */
  alignment?: bigint;
  /** Fewest frames that must agree (default 2): one frame alone cannot be told from a wrong one. */
  minAgreeing?: number;
}

export interface Placement<F> {
  /** The load offset the most frames agree on; undefined with `reason` when there is no single one. */
  offset?: bigint;
  agreeing: F[];
  /** Frames whose function cannot hold their address at `offset` (when undefined: at any of the leading candidates). */
  disagreeing: F[];
  /** Frames with no name, no address, or a name the lookup does not know: they say nothing. */
  unknown: F[];
  reason?: string;
}

export type SlideInference<F> = Omit<Placement<F>, 'offset'> & { slide?: bigint };
export type ModuleBaseInference<F> = Omit<Placement<F>, 'offset'> & { base?: bigint };

export const kernelSlideAlignment = 0x200000n;
export const moduleTextAlignment = 0x1000n;

/** The KASLR slide (runtime − link-time address) of the kernel whose frames these are. */
export function inferKernelSlide<F extends PlacedFrame>(frames: readonly F[], lookup: SymbolRangeLookup, options: PlacementOptions = {}): SlideInference<F> {
  const { offset, ...rest } = inferPlacement(frames, lookup, { alignment: kernelSlideAlignment, ...options }, 'slide');
  return offset === undefined ? rest : { slide: offset, ...rest };
}

/**
 * The runtime base of a module's text, from its frames: `lookup` gives each function's range as offsets
 * into the module's loaded core text.
 */
export function inferModuleBase<F extends PlacedFrame>(frames: readonly F[], lookup: SymbolRangeLookup, options: PlacementOptions = {}): ModuleBaseInference<F> {
  const { offset, ...rest } = inferPlacement(frames, lookup, { alignment: moduleTextAlignment, ...options }, 'base');
  return offset === undefined ? rest : { base: offset, ...rest };
}

interface Bound {
  lo: bigint;
  hi: bigint;
}

function inferPlacement<F extends PlacedFrame>(frames: readonly F[], lookup: SymbolRangeLookup, options: PlacementOptions, what: string): Placement<F> {
  const alignment = options.alignment!;
  const minAgreeing = options.minAgreeing ?? 2;
  if (alignment <= 0n) throw new RangeError(`alignment must be positive, got ${alignment}`);
  const unknown: F[] = [];
  const constrained: { frame: F; bounds: Bound[] }[] = [];
  for (const frame of frames) {
    const ranges = frame.symbol !== undefined && frame.address !== undefined ? lookup(frame.symbol).filter((r) => r.end > r.start) : [];
    if (ranges.length === 0) unknown.push(frame);
    else constrained.push({ frame, bounds: mergeBounds(ranges.map((r) => alignBound(boundOf(frame, r), alignment)).filter((b): b is Bound => b !== undefined), alignment) });
  }
  // The same line twice (`bt` and `bt -l` of one task) is one piece of evidence, not two.
  const votes = new Map<string, Bound[]>();
  for (const { frame, bounds } of constrained) votes.set(`${frame.symbol} ${frame.address} ${frame.offset ?? ''} ${frame.isFault ? 'f' : 'r'}`, bounds);
  const best = deepestPoints([...votes.values()], alignment);
  // Without one answer, the frames that allow one of the leading candidates agree (with each other).
  const outcome = (offset: bigint | undefined, reason?: string): Placement<F> => {
    const leading = offset === undefined ? best.segments : [{ lo: offset, hi: offset }];
    const allows = (bounds: Bound[]) => bounds.some((b) => leading.some((l) => b.lo <= l.hi && l.lo <= b.hi));
    return {
      ...(offset === undefined ? {} : { offset }),
      agreeing: constrained.filter((c) => allows(c.bounds)).map((c) => c.frame),
      disagreeing: constrained.filter((c) => !allows(c.bounds)).map((c) => c.frame),
      unknown,
      ...(reason ? { reason } : {}),
    };
  };
  if (votes.size === 0) {
    const named = frames.filter((f) => f.symbol !== undefined && f.address !== undefined).length;
    return outcome(undefined, named === 0 ? 'no frame gives both a function and an address' : `none of the ${named} frames with a function and an address names one the symbol table knows`);
  }
  if (best.depth < minAgreeing) {
    const known = `${votes.size} distinct frame${votes.size === 1 ? '' : 's'} with a known function`;
    return outcome(undefined, best.depth === 0 ? `no ${what} fits any frame (${known})` : `only ${best.depth} frame${best.depth === 1 ? '' : 's'} agree on a ${what} (${known}); at least ${minAgreeing} needed`);
  }
  if (best.count !== 1n) {
    const shown = best.segments.slice(0, 3).map((b) => (b.lo === b.hi ? hex(b.lo) : `${hex(b.lo)}..${hex(b.hi)}`));
    return outcome(undefined, `${best.count} ${what}s are each allowed by ${best.depth} frames (${shown.join(', ')}${best.segments.length > 3 ? ', ...' : ''})`);
  }
  return outcome(best.segments[0]!.lo);
}

/** Offsets that put the frame's address inside `range`, ends included. */
function boundOf(frame: PlacedFrame, range: SymbolRange): Bound {
  const address = frame.address!;
  if (frame.offset !== undefined) {
    const at = address - range.start - BigInt(frame.offset);
    return { lo: at, hi: at };
  }
  return { lo: address - range.end + (frame.isFault ? 1n : 0n), hi: address - range.start };
}

/** The bound shrunk to multiples of `alignment`; undefined when it holds none. */
function alignBound(bound: Bound, alignment: bigint): Bound | undefined {
  const lo = ceilTo(bound.lo, alignment);
  const hi = floorTo(bound.hi, alignment);
  return lo <= hi ? { lo, hi } : undefined;
}

function floorTo(value: bigint, alignment: bigint): bigint {
  const r = ((value % alignment) + alignment) % alignment;
  return value - r;
}

function ceilTo(value: bigint, alignment: bigint): bigint {
  return -floorTo(-value, alignment);
}

/** One frame's aligned bounds as disjoint, sorted runs (same-named functions may overlap). */
function mergeBounds(bounds: Bound[], alignment: bigint): Bound[] {
  const sorted = [...bounds].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Bound[] = [];
  for (const b of sorted) {
    const last = out.at(-1);
    if (last && b.lo <= last.hi + alignment) last.hi = b.hi > last.hi ? b.hi : last.hi;
    else out.push({ ...b });
  }
  return out;
}

/** The aligned offsets allowed by the most voters: a sweep over the bounds' ends. */
function deepestPoints(voters: Bound[][], alignment: bigint): { depth: number; segments: Bound[]; count: bigint } {
  const events = new Map<bigint, number>();
  for (const bounds of voters) {
    for (const b of bounds) {
      events.set(b.lo, (events.get(b.lo) ?? 0) + 1);
      events.set(b.hi + alignment, (events.get(b.hi + alignment) ?? 0) - 1);
    }
  }
  const points = [...events.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let depth = 0;
  let best = 0;
  let segments: Bound[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    depth += events.get(points[i]!)!;
    const segment = { lo: points[i]!, hi: points[i + 1]! - alignment };
    if (depth > best) [best, segments] = [depth, [segment]];
    else if (depth === best && depth > 0) segments.push(segment);
  }
  const count = segments.reduce((n, s) => n + (s.hi - s.lo) / alignment + 1n, 0n);
  return { depth: best, segments, count };
}

function hex(value: bigint): string {
  return value < 0n ? '-0x' + (-value).toString(16) : '0x' + value.toString(16);
}

/**
 * The frames of a report that can place the kernel: named, addressed, in no module. crash's names for module
 * regions (`_MODULE_INIT_START_mod`) are left out even where the text gave them no module.
 */
export function kernelPlacedFrames(report: CrashReport): CrashFrame[] {
  return report.stacks.flatMap((s) => s.frames).filter((f) => f.symbol !== undefined && f.address !== undefined && f.module === undefined && !moduleRegionSymbol(f.symbol));
}

/** The frames of one module that can place its text (named functions, not crash's region names). */
export function modulePlacedFrames(report: CrashReport, module: string): CrashFrame[] {
  const name = normalizeModuleName(module);
  return report.stacks.flatMap((s) => s.frames).filter((f) => f.symbol !== undefined && f.address !== undefined && f.module !== undefined && normalizeModuleName(f.module) === name && !moduleRegionSymbol(f.symbol));
}

export interface KernelSlide {
  slide?: bigint;
  /** `kernel-offset`: the report's `Kernel Offset:` line (console, or `log` in a session); `frames`: inferred. */
  source: 'kernel-offset' | 'frames';
  inference?: SlideInference<CrashFrame>;
  reason?: string;
}

/** The report's KASLR slide: its `Kernel Offset:` line when it has one, else inferred from its kernel frames. */
export function kernelSlideOf(report: CrashReport, lookup: SymbolRangeLookup, options: PlacementOptions = {}): KernelSlide {
  if (report.kaslrOffset !== undefined) return { slide: report.kaslrOffset, source: 'kernel-offset' };
  const inference = inferKernelSlide(kernelPlacedFrames(report), lookup, options);
  return { ...(inference.slide === undefined ? {} : { slide: inference.slide }), source: 'frames', inference, ...(inference.reason ? { reason: inference.reason } : {}) };
}

/**
 * Where crash's region names put each module's regions: `_MODULE_START_mod+off` at ADDR is `off` bytes into
 * the core region, so it starts at ADDR − off (`_MODULE_INIT_START_mod` likewise for the init region).
 */
export function moduleRegionBases(report: CrashReport): Map<string, { core?: bigint; init?: bigint }> {
  const out = new Map<string, { core?: bigint; init?: bigint }>();
  for (const f of report.stacks.flatMap((s) => s.frames)) {
    const region = f.symbol === undefined ? undefined : moduleRegionSymbol(f.symbol);
    if (!region || f.offset === undefined || f.address === undefined) continue;
    const name = normalizeModuleName(region.module);
    const bases = out.get(name) ?? {};
    bases[region.region] ??= f.address - BigInt(f.offset);
    out.set(name, bases);
  }
  return out;
}

export interface ModuleBase {
  base?: bigint;
  /**
   * `mod-table`: the session's `mod` output; `region-symbol`: crash's `_MODULE_START_mod+off` at an address;
   * `frames`: inferred from the module's functions; `none`: nothing could say.
   */
  source: 'mod-table' | 'region-symbol' | 'frames' | 'none';
  inference?: ModuleBaseInference<CrashFrame>;
  reason?: string;
}

/**
 * A module's runtime text base: the session's `mod` table when it lists the module, else a `_MODULE_START_mod+off`
 * frame, else inferred from the module's frames when `lookup` (offsets into the module's core text) is given,
 * else undefined with the reason.
 */
export function moduleBaseOf(report: CrashReport, module: string, lookup?: SymbolRangeLookup, options: PlacementOptions = {}): ModuleBase {
  const listed = moduleBases(report).get(normalizeModuleName(module));
  if (listed !== undefined) return { base: listed, source: 'mod-table' };
  const region = moduleRegionBases(report).get(normalizeModuleName(module))?.core;
  if (region !== undefined) return { base: region, source: 'region-symbol' };
  if (!lookup) return { source: 'none', reason: `no mod table lists ${module} and its symbols are not available to place its frames` };
  const inference = inferModuleBase(modulePlacedFrames(report, module), lookup, options);
  if (inference.base === undefined) return { source: 'none', inference, reason: `no mod table lists ${module}; its frames: ${inference.reason}` };
  return { base: inference.base, source: 'frames', inference };
}
