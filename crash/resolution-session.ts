// The one owner of "crash report → resolved frames", which the CLI, the annotated report and the language
// server only adapt. A session finds and opens the debug info of each report's release once (the given
// vmlinux, else by release under the debug roots; modules by name under the module directories), places
// that report's kernel (its KASLR slide and module load bases, from the report's own facts or inferred from
// its frames), looks each frame up in DWARF, maps DWARF's file names onto the directories the user pointed
// at, and says what limits each answer as typed warnings that adapters render and never match by text.
// Nothing here mutates a shared symbolizer: runtime addresses are turned into link-time ones per report.
import path from 'node:path';
import {
  type DebugFile,
  type DebuginfodClient,
  type DebugWarning,
  type DebugWarningCode,
  DwarfInfo,
  ElfFormatError,
  InstalledKernels,
  KallsymsSizes,
  KernelSymbolizer,
  ModuleFinder,
  type ModuleRegion,
  type ModuleLoad,
  type PathSubstitution,
  SourceReader,
  type SourceRule,
  type Symbolization,
  SystemMap,
  findVmlinux,
  moduleDirs as releaseModuleDirs,
  moduleLayout,
  normalizeModuleName,
  openDebugFile,
  readBuildId,
  readFileBuildId,
  sameBuild,
  runningKernelBuildId,
  sectionAtRegionOffset,
  symbolizeAtLoadBase,
  coreRanges,
  wrongBinaryCodes,
} from '../debuginfo/index.js';
import { type CallSite, type KernelIndex, archOfPath, normalizeArch } from '../indexer/index.js';
import { baseFunctionName, moduleRegionSymbol } from './frame-name.js';
import { kernelPlacedFrames, kernelSlideOf, moduleBaseOf, modulePlacedFrames } from './infer-slide.js';
import type { CrashFrame, CrashReport } from './model.js';

/** Where a frame's locations came from: the binary's DWARF, only its symbol table, the report's own text, or the source index. */
export type Provenance = 'dwarf' | 'symtab' | 'report' | 'index';

export type ResolutionWarningCode =
  | DebugWarningCode
  /** The frame's printed name is not the function at its address (wrong slide, base or binary). */
  | 'symbol-mismatch'
  /** The location is the report's own (decode_stacktrace, syzkaller, `bt -l`), not looked up here. */
  | 'location-as-printed'
  /** A DWARF file name not found under the directories the user gave: shown, never read. */
  | 'source-not-found'
  | 'slide-disagreement'
  | 'slide-unknown'
  | 'module-base-unknown'
  /** The vmlinux given or found cannot be read as ELF at all. */
  | 'vmlinux-unreadable'
  /** A vmcore's kernel has no vmlinux under the debug roots or on debuginfod: its stacks are not unwound. */
  | 'vmlinux-not-found'
  /** No debuginfod server gave a build-id's debug file (each server's failure in the message). */
  | 'debuginfod-failed';

export interface ResolutionWarning {
  code: ResolutionWarningCode;
  message: string;
}

export interface ResolvedLocation {
  function: string | null;
  /** For display: relative to the source root that holds it, else the name DWARF or the report gave (as addr2line prints it). */
  file: string;
  /** The local file, when it was found under a directory the user gave (only such files are read). */
  path?: string;
  /** Which rule found `path`: a substitution, under the source root, beside the binary, in a module directory. */
  rule?: SourceRule;
  line: number;
  column: number;
  inlined: boolean;
}

export interface DefinitionPlace {
  file: string;
  path?: string;
  rule?: SourceRule;
  line: number;
  /** `dwarf`: the subprogram's decl_file/decl_line of the configuration that was built; `index`: the source index's best guess. */
  from: 'dwarf' | 'index';
}

export interface CallerRef {
  function: string;
  file: string;
  line: number;
}

export interface ResolvedFrame {
  frame: CrashFrame;
  /** Runtime address, when the text gives it or the report's placement allows computing it. */
  address: bigint | undefined;
  provenance: Provenance | null;
  /** Innermost first. */
  locations: ResolvedLocation[];
  definition: DefinitionPlace | null;
  /** How many call sites the index knows; null without an index. */
  callers: number | null;
  /** The first call sites, the report's architecture first. */
  topCallers: CallerRef[];
  warnings: ResolutionWarning[];
}

export interface KernelPlacement {
  slide: bigint;
  /** `kernel-offset`: the report's `Kernel Offset:`; `frames`: agreed by its frames; `none`: assumed 0. */
  slideFrom: 'kernel-offset' | 'frames' | 'none';
  /** Core-region load base of each module, by name (`-` as `_`). */
  moduleBases: Map<string, bigint>;
}

export interface ResolvedReport {
  report: CrashReport;
  /** Parallel to `report.stacks[i].frames`. */
  stacks: ResolvedFrame[][];
  /** The vmlinux the kernel frames were looked up in, when there was one. */
  vmlinux: string | undefined;
  /** Where that vmlinux came from. */
  vmlinuxFrom: VmlinuxSource | undefined;
  placement: KernelPlacement;
  /** About the whole report, stated once: a wrong binary, an ambiguous slide. */
  warnings: ResolutionWarning[];
}

/**
 * How a report's vmlinux was found: `given` (`--vmlinux`), `build-id` (`.build-id/xx/yyyy.debug` under a
 * debug root), `release` (the release's place under a debug root), `debuginfod` (fetched or in its cache).
 */
export type VmlinuxSource = 'given' | 'build-id' | 'release' | 'debuginfod';

export interface ResolutionOptions {
  /** The vmlinux for every report (`--vmlinux`); otherwise each report's release is looked up under `debugRoots`. */
  vmlinux?: string;
  /** Where debug packages put their files (`/usr/lib/debug`, or an unpacked `-dbg` package). */
  debugRoots?: string[];
  /** Directories searched for module `.ko` files, before the release's own under the debug roots. */
  moduleDirs?: string[];
  /** Source trees: DWARF file names are mapped onto them, and display paths are relative to them. */
  sourceRoots?: string[];
  substitutions?: PathSubstitution[];
  /** More directories whose files may be read (`--allow-path`); nothing else a binary names is ever read. */
  allowPaths?: string[];
  /** The source index, or how to get the current one (a server reopens its index when an update ends). */
  index?: KernelIndex | (() => KernelIndex | undefined);
  /**
   * Modules tried, after vmlinux and the modules the report names, for a symbol printed without its module
   * (crash's `[exception RIP: f+13]` when module symbols were not loaded). Keep it short.
   */
  searchModules?: string[];
  /** The vmlinux's build-id (`--build-id`), over the report's CPU line and the running kernel's notes. */
  buildId?: string;
  /** Fetches debug files by build-id when no local file has them; absent (`--offline`, no `DEBUGINFOD_URLS`): nothing is fetched. */
  debuginfod?: DebuginfodClient;
  /** The installed system whose `boot/vmlinuz-R` and `lib/modules/R` give build-ids a report does not print (default `/`). */
  installedRoot?: string;
}

const kernelSpace = 0xffff800000000000n;
const topCallerCount = 5;

/** The binaries are not the ones that crashed, so every line printed may be wrong: adapters make this loud. */
export function isWrongBinaryWarning(w: ResolutionWarning): boolean {
  return w.code === 'vmlinux-unreadable' || wrongBinaryCodes.has(w.code as DebugWarningCode);
}

/** About a binary rather than one lookup (all wrong-binary codes but a frame's size): the symbolizer repeats these on every answer, the report states them once. */
const binaryLevel = new Set<ResolutionWarningCode>([...wrongBinaryCodes].filter((code) => code !== 'size-mismatch'));

interface Kernel {
  vmlinux: string | undefined;
  vmlinuxFrom: VmlinuxSource | undefined;
  symbolizer: KernelSymbolizer;
  /** The lengths kallsyms prints, for sizeless symbols; made on first need. */
  kallsyms?: KallsymsSizes;
  /** The report-level warnings of opening it (unreadable vmlinux). */
  warnings: ResolutionWarning[];
}

interface ReportContext {
  report: CrashReport;
  kernel: Kernel;
  placement: KernelPlacement;
  warnings: ResolutionWarning[];
}

interface Lookup {
  symbolization: Symbolization | undefined;
  /** The module whose .ko answered, when one did. */
  module?: string;
  warnings: ResolutionWarning[];
}

/** What names a kernel build: a report's release and build-id, or a vmcore's. */
type KernelFacts = Partial<Pick<CrashReport, 'release' | 'buildId'>>;

const warn = (code: ResolutionWarningCode, message: string): ResolutionWarning => ({ code, message });
const plain = (w: DebugWarning): ResolutionWarning => ({ code: w.code, message: w.message });

export class ResolutionSession {
  private readonly files = new Map<string, Promise<DebugFile>>();
  private readonly kernels = new Map<string, Promise<Kernel>>();
  private readonly contexts = new WeakMap<CrashReport, Promise<ReportContext>>();
  private readonly fileBuildIds = new Map<string, string | undefined>();
  private readonly binaryBuildIds = new WeakMap<DebugFile, string | undefined>();
  private readonly sources: SourceReader;
  private readonly sourceRoots: string[];
  private readonly installed: InstalledKernels;

  constructor(private readonly options: ResolutionOptions = {}) {
    this.installed = new InstalledKernels(options.installedRoot);
    this.sourceRoots = (options.sourceRoots ?? []).map((r) => path.resolve(r));
    const [root, ...moreRoots] = this.sourceRoots;
    // Further roots (a module's own tree beside the kernel's) are searched like module directories.
    this.sources = new SourceReader({
      ...(root ? { root } : {}),
      substitutions: options.substitutions ?? [],
      moduleDirs: [...moreRoots, ...(options.moduleDirs ?? []).map((d) => path.resolve(d))],
      allowPaths: options.allowPaths ?? [],
      ...(options.debuginfod ? { debuginfod: options.debuginfod } : {}),
    });
  }

  /** Every frame of a report, with the report's placement and its report-level warnings. */
  async resolve(report: CrashReport): Promise<ResolvedReport> {
    const ctx = await this.context(report);
    const stacks: ResolvedFrame[][] = [];
    for (const stack of report.stacks) {
      const out: ResolvedFrame[] = [];
      for (const frame of stack.frames) out.push(await this.resolveIn(ctx, frame));
      stacks.push(out);
    }
    return { report, stacks, vmlinux: ctx.kernel.vmlinux, vmlinuxFrom: ctx.kernel.vmlinuxFrom, placement: ctx.placement, warnings: ctx.warnings };
  }

  /** One frame (the server resolves the frames a user looks at, not every one). */
  async resolveFrame(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame> {
    return this.resolveIn(await this.context(report), frame);
  }

  /** The report-level facts without resolving any frame: which vmlinux, where the kernel was placed, what is wrong. */
  async describe(report: CrashReport): Promise<Omit<ResolvedReport, 'stacks'>> {
    const ctx = await this.context(report);
    return { report, vmlinux: ctx.kernel.vmlinux, vmlinuxFrom: ctx.kernel.vmlinuxFrom, placement: ctx.placement, warnings: ctx.warnings };
  }

  /** The local vmlinux a report is resolved with, found without opening it (debuginfod is asked only on resolving). */
  vmlinuxFor(report: CrashReport | undefined): string | undefined {
    return this.localVmlinux(report)?.path;
  }

  /**
   * The vmlinux of a kernel known only by its identity (a vmcore's VMCOREINFO), looked for as a report's is,
   * fetched from debuginfod when only it has the build-id, and opened once: the report read from the dump
   * is resolved with the same file. Undefined, with why in `warnings`, when there is none.
   */
  async kernelImage(identity: KernelFacts, warnings: ResolutionWarning[]): Promise<{ path: string; from: VmlinuxSource; file: DebugFile } | undefined> {
    const { buildId, local } = await this.identify(identity);
    const found = await this.openLocated(local, this.remoteBuildId(local, buildId), warnings);
    return found.file && found.located ? { ...found.located, file: found.file } : undefined;
  }

  /** The build-id to fetch from debuginfod: only when nothing local was found and a client is configured. */
  private remoteBuildId(local: { path: string } | undefined, buildId: string | undefined): string | undefined {
    return !local && buildId && this.options.debuginfod ? buildId : undefined;
  }

  /** The local vmlinux, else the one debuginfod has for `remoteBuildId`, opened (once per path). */
  private async openLocated(
    local: { path: string; from: VmlinuxSource } | undefined,
    remoteBuildId: string | undefined,
    warnings: ResolutionWarning[],
  ): Promise<{ located?: { path: string; from: VmlinuxSource }; file?: DebugFile }> {
    const fetched = remoteBuildId ? await this.fetchDebuginfo(remoteBuildId, 'vmlinux', warnings) : undefined;
    const located = local ?? (fetched ? { path: fetched, from: 'debuginfod' as const } : undefined);
    const file = located ? await this.openVmlinux(located.path, warnings) : undefined;
    return { ...(located ? { located } : {}), ...(file ? { file } : {}) };
  }

  private async openVmlinux(vmlinuxPath: string, warnings: ResolutionWarning[]): Promise<DebugFile | undefined> {
    this.sources.addBinary(vmlinuxPath);
    let pending = this.files.get(vmlinuxPath);
    if (!pending) {
      pending = openDebugFile(vmlinuxPath);
      this.files.set(vmlinuxPath, pending);
    }
    try {
      return await pending;
    } catch (err) {
      if (!(err instanceof ElfFormatError) && (err as NodeJS.ErrnoException).code === undefined) throw err;
      warnings.push(warn('vmlinux-unreadable', `${vmlinuxPath}: ${(err as Error).message}`));
      return undefined;
    }
  }

  /** The vmlinux's build-id: `--build-id`, else the CPU line's, else the running kernel's when the report is of it. */
  private buildIdOf(report: KernelFacts | undefined): string | undefined {
    const id = this.options.buildId ?? report?.buildId ?? (report?.release ? runningKernelBuildId(report.release) : undefined);
    return id?.toLowerCase();
  }

  /**
   * The report's build-id and local vmlinux; when it has no build-id and nothing local is found by its
   * release, the build-id of the release's installed kernel image and what that finds (read only then:
   * it costs a payload decompressed up to its notes, seconds for a zstd kernel).
   */
  private async identify(report: KernelFacts | undefined): Promise<{ buildId: string | undefined; local: { path: string; from: VmlinuxSource } | undefined }> {
    const reported = this.buildIdOf(report);
    const local = this.localVmlinux(report, reported);
    if (local || reported || !report?.release) return { buildId: reported, local };
    const installed = (await this.installed.kernelBuildId(report.release))?.buildId;
    return { buildId: installed, local: installed ? this.localVmlinux(report, installed) : undefined };
  }

  /** Module build-ids of the report's frames, and for a module whose frames print none, its installed file's. */
  private async moduleIdentities(report: CrashReport): Promise<Map<string, string>> {
    const ids = moduleBuildIds(report);
    if (!report.release) return ids;
    for (const stack of report.stacks) {
      for (const f of stack.frames) {
        const name = f.module && normalizeModuleName(f.module);
        if (!name || ids.has(name)) continue;
        const installed = (await this.installed.moduleBuildId(report.release, name))?.buildId;
        if (installed) ids.set(name, installed);
      }
    }
    return ids;
  }

  /**
   * The given vmlinux, else the build-id's file under the debug roots, else the release's, unless another
   * build of the release when debuginfod can fetch the right one (without it, the identity check warns).
   */
  private localVmlinux(report: KernelFacts | undefined, buildId = this.buildIdOf(report)): { path: string; from: VmlinuxSource } | undefined {
    const roots = this.options.debugRoots ? { debugRoots: this.options.debugRoots } : {};
    const tries: [Parameters<typeof findVmlinux>[0], VmlinuxSource][] = [];
    if (this.options.vmlinux) tries.push([{ path: this.options.vmlinux }, 'given']);
    if (buildId) tries.push([{ buildId, ...roots }, 'build-id']);
    if (report?.release) tries.push([{ release: report.release, ...roots }, 'release']);
    for (const [query, from] of tries) {
      const found = findVmlinux(query);
      if (found && from === 'release' && buildId && this.options.debuginfod && this.buildIdOfFile(found) !== buildId) continue;
      if (found) return { path: found, from };
    }
    return undefined;
  }

  private buildIdOfFile(file: string): string | undefined {
    if (!this.fileBuildIds.has(file)) {
      let id: string | undefined;
      try {
        id = readFileBuildId(file);
      } catch {
        // Unreadable: opening it later says why.
      }
      this.fileBuildIds.set(file, id);
    }
    return this.fileBuildIds.get(file);
  }

  /** A build-id's debug file from debuginfod, or undefined with the servers' failures as a warning. */
  private async fetchDebuginfo(buildId: string, what: string, warnings: ResolutionWarning[]): Promise<string | undefined> {
    try {
      return (await this.options.debuginfod!.debuginfo(buildId)).path;
    } catch (err) {
      warnings.push(warn('debuginfod-failed', `${what}: ${(err as Error).message}`));
      return undefined;
    }
  }

  /**
   * The debug files of the modules whose frames print a build-id: under the debug roots' `.build-id/`,
   * else (when no module directory has the module by name) from debuginfod.
   */
  private async moduleFiles(buildIds: Map<string, string>, dirs: string[], warnings: ResolutionWarning[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byName = new ModuleFinder({ dirs });
    const roots = this.options.debugRoots ? { debugRoots: this.options.debugRoots } : {};
    for (const [name, buildId] of buildIds) {
      // findVmlinux with only a build-id is the `.build-id/xx/yyyy.debug` lookup, whatever the binary.
      const local = findVmlinux({ buildId, ...roots });
      const file = local ?? (this.options.debuginfod && !(await hasDebugOf(byName.findAll(name), buildId)) ? await this.fetchDebuginfo(buildId, `module ${name}`, warnings) : undefined);
      if (file) out.set(name, file);
    }
    return out;
  }

  /**
   * The binary holding a frame's code (its module's `.ko`, or the vmlinux), for disassembly; without a
   * report, the configured vmlinux and the module directories.
   */
  async binaryOf(report: CrashReport | undefined, frame: Pick<CrashFrame, 'module'>): Promise<DebugFile | undefined> {
    const kernel = report ? (await this.context(report)).kernel : await this.kernelFor(undefined);
    return frame.module ? (await kernel.symbolizer.module(frame.module))?.file : kernel.symbolizer.vmlinux.file;
  }

  /** The lines of a file named by DWARF or the report, when it lies under the directories the user gave. */
  sourceLines(name: string): string[] | undefined {
    return this.sources.lines(name);
  }

  async close(): Promise<void> {
    for (const pending of this.kernels.values()) {
      const kernel = await pending.catch(() => undefined);
      await kernel?.symbolizer.close();
    }
    for (const pending of this.files.values()) (await pending.catch(() => undefined))?.close();
    this.files.clear();
    this.kernels.clear();
  }

  private index(): KernelIndex | undefined {
    const { index } = this.options;
    return typeof index === 'function' ? index() : index;
  }

  private context(report: CrashReport): Promise<ReportContext> {
    let pending = this.contexts.get(report);
    if (!pending) {
      pending = this.openContext(report);
      this.contexts.set(report, pending);
    }
    return pending;
  }

  private async openContext(report: CrashReport): Promise<ReportContext> {
    const kernel = await this.kernelFor(report);
    const warnings = [...kernel.warnings, ...kernel.symbolizer.vmlinux.warnings.map(plain)];
    const placement = await this.place(report, kernel, warnings);
    return { report, kernel, placement, warnings };
  }

  private async kernelFor(report: CrashReport | undefined): Promise<Kernel> {
    const { buildId, local } = await this.identify(report);
    const remote = this.remoteBuildId(local, buildId);
    const modules = report ? await this.moduleIdentities(report) : new Map<string, string>();
    const version = report?.header['VERSION'];
    const key = JSON.stringify([local?.path ?? (remote ? `build-id:${remote}` : null), report?.release ?? null, version ?? null, buildId ?? null, [...modules]]);
    let pending = this.kernels.get(key);
    if (!pending) {
      pending = this.openKernel(report, local, remote, modules, { version, buildId });
      this.kernels.set(key, pending);
    }
    return pending;
  }

  private async openKernel(
    report: CrashReport | undefined,
    local: { path: string; from: VmlinuxSource } | undefined,
    remoteBuildId: string | undefined,
    moduleIds: Map<string, string>,
    identity: { version: string | undefined; buildId: string | undefined },
  ): Promise<Kernel> {
    const { version, buildId } = identity;
    const warnings: ResolutionWarning[] = [];
    const { located, file } = await this.openLocated(local, remoteBuildId, warnings);
    const debugRoots = this.options.debugRoots;
    const dirs = [...(this.options.moduleDirs ?? []), ...(report?.release ? releaseModuleDirs(report.release, debugRoots) : [])];
    const modulePaths = await this.moduleFiles(moduleIds, dirs, warnings);
    const symbolizer = new SourceAwareSymbolizer(this.sources, {
      vmlinux: file ?? { systemMap: new SystemMap([]), name: 'vmlinux (not given)' },
      moduleDirs: dirs,
      modulePaths,
      ...(debugRoots ? { debugRoots } : {}),
      ...(report
        ? { report: { ...(report.release ? { release: report.release } : {}), ...(version ? { version } : {}), ...(buildId ? { buildId } : {}), moduleBuildIds: moduleIds } }
        : {}),
    });
    return { vmlinux: file ? located?.path : undefined, vmlinuxFrom: file ? located?.from : undefined, symbolizer, warnings };
  }

  /** The report's KASLR slide and module bases: its own facts first, else what its frames agree on. */
  private async place(report: CrashReport, kernel: Kernel, warnings: ResolutionWarning[]): Promise<KernelPlacement> {
    const { symbolizer } = kernel;
    let slide = 0n;
    let slideFrom: KernelPlacement['slideFrom'] = 'none';
    const found = symbolizer.vmlinux.file || report.kaslrOffset !== undefined
      ? kernelSlideOf(report, (name) => symbolizer.vmlinux.lookup(name).map((s) => ({ start: s.address, end: s.address + kernelSymbolSize(kernel, s) })))
      : undefined;
    if (found?.slide !== undefined) {
      slide = found.slide;
      slideFrom = found.source;
      const against = found.inference?.disagreeing ?? [];
      if (against.length > 0) {
        const names = against.map((f) => f.symbol).join(', ');
        warnings.push(warn('slide-disagreement', `the KASLR slide 0x${slide.toString(16)} agreed by ${found.inference!.agreeing.length} frames does not fit ${names}`));
      }
    } else if (found && kernelPlacedFrames(report).some((f) => f.offset === undefined)) {
      warnings.push(warn('slide-unknown', `the KASLR slide could not be found from the frames (${found.reason ?? 'no agreement'}): addresses are looked up as if it were 0`));
    }
    const moduleBases = new Map<string, bigint>();
    const named = new Set([...(report.moduleLoads ?? []).map((m) => m.name), ...report.stacks.flatMap((s) => s.frames.flatMap((f) => (f.module && f.address !== undefined ? [f.module] : [])))]);
    for (const name of named) {
      const module = report.moduleLoads?.some((m) => normalizeModuleName(m.name) === normalizeModuleName(name)) ? undefined : await kernel.symbolizer.module(name);
      const base = moduleBaseOf(report, name, module?.file ? coreRanges(module) : undefined);
      if (base.base !== undefined) moduleBases.set(normalizeModuleName(name), base.base);
      else if (modulePlacedFrames(report, name).length > 0) warnings.push(warn('module-base-unknown', `where ${name} was loaded is not known: ${base.reason ?? 'too few frames'}`));
    }
    return { slide, slideFrom, moduleBases };
  }

  private async resolveIn(ctx: ReportContext, frame: CrashFrame): Promise<ResolvedFrame> {
    const { report, kernel } = ctx;
    const { symbolization, module, warnings: lookupWarnings } = await this.lookUp(ctx, frame);
    const warnings: ResolutionWarning[] = [];
    for (const w of lookupWarnings) {
      if (!binaryLevel.has(w.code)) warnings.push(w);
      else if (!ctx.warnings.some((r) => r.code === w.code && r.message === w.message)) ctx.warnings.push(w);
    }
    const name = frame.symbol ?? symbolization?.symbol?.name;
    const base = name === undefined ? undefined : baseFunctionName(name);
    const dwarfFrames = symbolization?.frames.filter((f) => f.file !== undefined && f.line > 0) ?? [];
    let provenance: Provenance | null = null;
    let locations: ResolvedLocation[] = [];
    if (dwarfFrames.length > 0) {
      provenance = 'dwarf';
      if (this.options.debuginfod) {
        const buildId = await this.buildIdOfBinary(kernel, module);
        for (const f of dwarfFrames) await this.sources.fetch(f.file!, buildId);
      }
      locations = dwarfFrames.map((f) => this.location(f.function ?? null, f.file!, f.line, f.column, f.inlined));
    } else if (frame.sources?.length) {
      provenance = 'report';
      locations = frame.sources.map((s) => this.location(s.function ?? base ?? null, s.file, s.line, 0, s.inlined));
      warnings.push(warn('location-as-printed', 'location as printed in the report (no debug info given for it)'));
    } else if (symbolization?.symbol) {
      provenance = 'symtab';
    }
    const index = this.index();
    const indexDef = base === undefined ? undefined : index?.findDefinitions(base, { ...(report.arch ? { arch: report.arch } : {}), limit: 1 })[0];
    const outer = dwarfFrames.at(-1);
    const decl = outer?.decl;
    let definition: DefinitionPlace | null = null;
    if (decl) definition = { ...this.mapSource(decl.file), line: decl.line, from: 'dwarf' };
    else if (indexDef) definition = { file: indexDef.file, path: path.join(index!.root, indexDef.file), line: indexDef.line, from: 'index' };
    if (provenance === null && indexDef) {
      provenance = 'index';
      locations = [{ function: indexDef.name, file: indexDef.file, line: indexDef.line, column: indexDef.column, inlined: false }];
    }
    // Without a source root the user asked for no kernel sources: only a missing module source is news.
    const expectSources = this.sourceRoots.length > 0 || frame.module !== undefined;
    for (const loc of locations) {
      if (expectSources && provenance !== 'index' && loc.path === undefined) {
        warnings.push(warn('source-not-found', `${loc.file} is not under the source roots or module directories given (add its tree with --root, or map it with --subst-path)`));
        break;
      }
    }
    if (!symbolization && frame.symbol && kernel.symbolizer.vmlinux.file !== undefined && provenance !== 'report') {
      if (!warnings.some((w) => w.code === 'module-not-found' || w.code === 'module-corrupt' || w.code === 'symbol-mismatch')) {
        warnings.push(warn('symbol-not-found', `${frame.symbol} not found in the debug info${frame.module ? ` of ${frame.module}` : ''}`));
      }
    }
    const callSites = base !== undefined && index ? rankCallers(index.findCallers(base), report.arch) : undefined;
    return {
      frame,
      address: this.runtimeAddress(ctx, frame, symbolization, module),
      provenance,
      locations,
      definition,
      callers: callSites ? callSites.length : null,
      topCallers: callSites ? topCallers(callSites) : [],
      warnings,
    };
  }

  /** The build-id of the binary that answered a lookup (a module's, else the vmlinux's), for its sources on debuginfod. */
  private async buildIdOfBinary(kernel: Kernel, module: string | undefined): Promise<string | undefined> {
    const file = module ? (await kernel.symbolizer.module(module))?.file : kernel.symbolizer.vmlinux.file;
    if (!file) return undefined;
    if (!this.binaryBuildIds.has(file)) this.binaryBuildIds.set(file, readBuildId(file.elf));
    return this.binaryBuildIds.get(file);
  }

  /** A DWARF or printed file name as displayed (relative to its source root) and its readable local file. */
  mapSource(file: string): { file: string; path?: string; rule?: SourceRule } {
    const found = this.sources.locateWithRule(file);
    const local = found && path.resolve(found.path);
    return { file: this.displayPath(file, local), ...(found ? { path: local!, rule: found.rule } : {}) };
  }

  private location(fn: string | null, file: string, line: number, column: number, inlined: boolean): ResolvedLocation {
    return { function: fn, ...this.mapSource(file), line, column, inlined };
  }

  private displayPath(name: string, local: string | undefined): string {
    if (local) {
      for (const root of this.sourceRoots) {
        const rel = path.relative(root, local);
        if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
      }
    }
    return name;
  }

  private runtimeAddress(ctx: ReportContext, frame: CrashFrame, symbolization: Symbolization | undefined, module: string | undefined): bigint | undefined {
    if (frame.address !== undefined) return frame.address;
    const sym = symbolization?.symbol;
    if (!sym || frame.offset === undefined) return undefined;
    if (!module && !frame.module && sym.address >= kernelSpace) return sym.address + BigInt(frame.offset) + ctx.placement.slide;
    return undefined;
  }

  private async lookUp(ctx: ReportContext, frame: CrashFrame): Promise<Lookup> {
    const { report, kernel, placement } = ctx;
    const symbolizer = kernel.symbolizer;
    const returnAddress = !frame.isFault;
    const inRegion = await this.lookUpRegion(ctx, frame);
    if (inRegion) return inRegion;
    const warnings: ResolutionWarning[] = [];
    if (frame.symbol && frame.offset !== undefined) {
      const spec = { symbol: frame.symbol, offset: BigInt(frame.offset), length: frame.size === undefined ? undefined : BigInt(frame.size) };
      const candidates = frame.module ? [frame.module] : [...new Set([undefined, ...reportModules(report), ...(this.options.searchModules ?? [])])];
      for (const module of candidates) {
        const r = await symbolizer.resolve(spec, { ...(module ? { module } : {}), returnAddress });
        if (r.symbol || r.frames.length) return { symbolization: r, ...(module ? { module } : {}), warnings: r.warnings.map(plain) };
        if (module === undefined || module === frame.module) warnings.push(...r.warnings.filter((w) => !warnings.some((x) => x.message === w.message)).map(plain));
      }
    }
    if (frame.address === undefined || frame.address < kernelSpace) return { symbolization: undefined, warnings };
    // A runtime address (crash's `func at ADDR`, a bare `[<addr>]`): in a module whose base is known, else in vmlinux.
    const moduleName = frame.module !== undefined ? normalizeModuleName(frame.module) : inVmlinuxText(kernel, frame.address - placement.slide) ? undefined : moduleAt(placement, frame.address);
    if (moduleName !== undefined) {
      const base = placement.moduleBases.get(moduleName);
      const module = await kernel.symbolizer.module(moduleName);
      if (!module?.file) return { symbolization: undefined, warnings: [...warnings, ...(await missingModule(kernel, moduleName))] };
      const r = base === undefined ? undefined : symbolizeAtLoadBase(module, base, frame.address, { returnAddress });
      return r ? this.checkedByName(frame, r, moduleName, warnings) : { symbolization: undefined, warnings };
    }
    if (frame.module) return { symbolization: undefined, warnings };
    const r = symbolizer.vmlinux.symbolize(frame.address - placement.slide, { linkTime: true, returnAddress });
    if (!r.symbol) return { symbolization: undefined, warnings };
    return this.checkedByName(frame, r, undefined, warnings);
  }

  /** An address answer is believed only when it lands in the function the frame names (when it names one). */
  private checkedByName(frame: CrashFrame, r: Symbolization, module: string | undefined, warnings: ResolutionWarning[]): Lookup {
    const found = r.symbol?.name;
    if (frame.symbol && found && baseFunctionName(found) !== baseFunctionName(frame.symbol)) {
      const where = `0x${frame.address!.toString(16)}`;
      const message = `${frame.symbol} at ${where}: that address is in ${found} (wrong KASLR slide, module base or binary?)`;
      return { symbolization: undefined, warnings: [...warnings, warn('symbol-mismatch', message)] };
    }
    return { symbolization: r, ...(module ? { module } : {}), warnings: [...warnings, ...r.warnings.map(plain)] };
  }

  /** crash's `_MODULE_INIT_START_mod+31` when the module's own symbols were not loaded. */
  private async lookUpRegion(ctx: ReportContext, frame: CrashFrame): Promise<Lookup | undefined> {
    const named = frame.symbol === undefined ? undefined : moduleRegionSymbol(frame.symbol);
    if (!named) return undefined;
    const moduleName = frame.module ?? named.module;
    const module = await ctx.kernel.symbolizer.module(moduleName);
    if (!module?.file) return { symbolization: undefined, warnings: await missingModule(ctx.kernel, moduleName) };
    const elf = module.file.elf;
    const layout = moduleLayout(elf);
    const region = layout[named.region];
    const offset = regionOffset(frame, ctx.report, region, layout.page);
    if (offset === undefined) return undefined;
    const at = sectionAtRegionOffset(elf, region, frame.isFault ? offset : offset - 1n);
    if (!at) return undefined;
    const symbolization = module.symbolizeInSection(at.section, at.offset);
    return { symbolization, module: moduleName, warnings: symbolization.warnings.map(plain) };
  }
}

/**
 * How far a vmlinux symbol reaches: its st_size, or for an assembly label without one (the entry code's
 * `entry_SYSCALL_64_after_hwframe`), the distance kallsyms would print, to the next symbol.
 */
function kernelSymbolSize(kernel: Kernel, symbol: { address: bigint; size: number }): bigint {
  if (symbol.size > 0) return BigInt(symbol.size);
  const file = kernel.symbolizer.vmlinux.file;
  if (!file) return 0n;
  kernel.kallsyms ??= new KallsymsSizes(file);
  return kernel.kallsyms.reportedSize(symbol.address) ?? 0n;
}

/** A kernel symbolizer that lets the source reader look beside each module file it opens. */
class SourceAwareSymbolizer extends KernelSymbolizer {
  constructor(
    private readonly sources: SourceReader,
    options: ConstructorParameters<typeof KernelSymbolizer>[0],
  ) {
    super(options);
  }

  override async loadModule(name: string): Promise<ModuleLoad> {
    const load = await super.loadModule(name);
    if (load.ok) this.sources.addBinary(load.path);
    return load;
  }
}

/** Why a module has no symbolizer: the symbolizer's own word (not found, or corrupt with the ELF error). */
async function missingModule(kernel: Kernel, name: string): Promise<ResolutionWarning[]> {
  const load = await kernel.symbolizer.loadModule(name);
  return load.ok ? [] : [plain(load.warning)];
}

/** The module whose known core region holds a runtime address. */
/** Whether a link-time address is in the vmlinux's text or init text: arm64 loads modules just below the image, within moduleAt's reach. */
function inVmlinuxText(kernel: Kernel, address: bigint): boolean {
  const symbols = kernel.symbolizer.vmlinux.file?.symbols;
  const at = (name: string) => symbols?.findByName(name)[0]?.address;
  return (['_stext', '_sinittext'] as const).some((start, i) => {
    const from = at(start);
    const to = at(i === 0 ? '_etext' : '_einittext');
    return from !== undefined && to !== undefined && address >= from && address < to;
  });
}

function moduleAt(placement: KernelPlacement, address: bigint): string | undefined {
  let best: { name: string; base: bigint } | undefined;
  for (const [name, base] of placement.moduleBases) if (base <= address && (!best || base > best.base)) best = { name, base };
  return best && address - best.base < 0x40000000n ? best.name : undefined;
}

/** The build-id each module's frames print (`[mod 0123abcd…]`), by module name (`-` as `_`). */
function moduleBuildIds(report: CrashReport): Map<string, string> {
  const ids = new Map<string, string>();
  for (const stack of report.stacks) for (const f of stack.frames) if (f.module && f.buildId) ids.set(normalizeModuleName(f.module), f.buildId.toLowerCase());
  return ids;
}

/** Whether a local file of a module has DWARF of that build (then debuginfod is not asked). */
async function hasDebugOf(files: string[], buildId: string): Promise<boolean> {
  for (const file of files) {
    const f = await openDebugFile(file).catch(() => undefined);
    const found = f !== undefined && DwarfInfo.present(f.elf) && sameBuild(readBuildId(f.elf), buildId);
    f?.close();
    if (found) return true;
  }
  return false;
}

/** Modules the report names: a frame without `[module]` whose symbol vmlinux lacks may live in one of them. */
function reportModules(report: CrashReport): string[] {
  const named = new Set<string>();
  for (const stack of report.stacks) for (const f of stack.frames) if (f.module) named.add(f.module);
  for (const m of report.modules ?? []) if (m.flags.includes('O') || m.flags.includes('+')) named.add(m.name);
  // A session's `mod` table: crash's `[exception RIP: f+off]` names no module, and f may be in any loaded one.
  for (const m of report.moduleLoads ?? []) named.add(m.name);
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

/** Call sites with the report's architecture first, then generic code, then other architectures. */
function rankCallers(sites: CallSite[], arch: string | undefined): CallSite[] {
  const own = arch ? normalizeArch(arch) : undefined;
  const rank = (file: string): number => {
    const a = archOfPath(file);
    return a === undefined ? 1 : a === own ? 0 : 2;
  };
  return sites.map((s, i) => ({ s, i, r: rank(s.file) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.s);
}

function topCallers(sites: CallSite[]): CallerRef[] {
  const seen = new Set<string>();
  return sites
    .filter((c) => !seen.has(c.caller.name) && seen.add(c.caller.name))
    .slice(0, topCallerCount)
    .map((c) => ({ function: c.caller.name, file: c.file, line: c.line }));
}
