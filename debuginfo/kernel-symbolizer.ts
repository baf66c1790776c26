// A whole kernel's debug info: the vmlinux plus modules found on first use (by the build-id of their
// frames, then by name; a stripped one leads to its debug file), one KASLR slide for the vmlinux's
// runtime addresses, and the identity warnings (build-id, banner, vermagic) that must be repeated on
// every answer when the binaries are not the ones that crashed.
import { DebugFile } from './debug-file.js';
import { ElfFormatError } from './errors.js';
import { type FrameSpec, parseFrameSpec } from './frame-spec.js';
import { type KernelIdentity, type ModuleIdentity, checkVmlinux, compareModuleIdentity, readModuleIdentity } from './kernel-identity.js';
import { ModuleFinder, buildIdFiles, defaultDebugRoots, sameBuild, separateDebugFile } from './locate.js';
import { readDebuglink } from './elf/elf-notes.js';
import { symbolizeAtLoadBase } from './module-placement.js';
import { openDebugFile } from './open-debug-file.js';
import { type Resolution, type Symbolization, type SymbolizeOptions, Symbolizer } from './symbolizer.js';
import { type SystemMap } from './system-map.js';
import type { DebugWarning } from './warnings.js';

export interface KernelSymbolizerOptions {
  /** The vmlinux (with or without DWARF), or a System.map when there is nothing better. */
  vmlinux: DebugFile | { systemMap: SystemMap; name: string };
  /** Where modules are looked for by name (see `moduleDirs`). */
  moduleDirs?: string[];
  /** Extra module files given explicitly (name → path). */
  modulePaths?: Map<string, string>;
  /**
   * Where a module's separate debug file is looked for (by `.gnu_debuglink` and `.build-id/`), and a
   * module named by build-id (default `/usr/lib/debug`).
   */
  debugRoots?: string[];
  slide?: bigint;
  /**
   * Where each module's core (text, then data) was loaded, by name: `crash`'s `mod` BASE column, or
   * `/proc/modules`. Lets `symbolizeRuntime` resolve raw module addresses (`[<ffffffffc0207012>]`).
   */
  moduleBases?: Map<string, bigint> | Record<string, bigint>;
  /**
   * The crashed kernel as the report shows it, for the wrong-binary check; `moduleBuildIds` (name →
   * the hex of its `[mod <build-id>]` frames) also finds a module under `.build-id/` of a debug root.
   */
  report?: Partial<KernelIdentity> & { moduleSrcversions?: Map<string, string>; moduleBuildIds?: Map<string, string> };
}

/**
 * A module by name: its symbolizer and file (the module file found; a separate debug file it led to
 * is `symbolizer.file`), or why there is none (`module-not-found`, `module-corrupt`).
 */
export type ModuleLoad = { ok: true; symbolizer: Symbolizer; path: string } | { ok: false; warning: DebugWarning; path: string | undefined };

export class KernelSymbolizer {
  readonly vmlinux: Symbolizer;
  private readonly finder: ModuleFinder;
  private readonly modulePaths: Map<string, string>;
  private readonly modules = new Map<string, Promise<ModuleLoad>>();
  private readonly report: KernelSymbolizerOptions['report'];
  private readonly debugRoots: string[];
  private readonly moduleBuildIds: Map<string, string>;
  /** Module load bases, highest first. */
  private readonly bases: { name: string; base: bigint }[];

  constructor(options: KernelSymbolizerOptions) {
    this.report = options.report;
    this.debugRoots = options.debugRoots ?? defaultDebugRoots;
    this.moduleBuildIds = new Map([...(options.report?.moduleBuildIds ?? [])].map(([k, v]) => [k.replace(/-/g, '_'), v.toLowerCase()]));
    const file = 'systemMap' in options.vmlinux ? undefined : options.vmlinux;
    const warnings = file ? checkVmlinux(file, options.report) : [];
    this.vmlinux = new Symbolizer(options.vmlinux, { slide: options.slide ?? 0n, warnings });
    this.finder = new ModuleFinder({ dirs: options.moduleDirs ?? [] });
    this.modulePaths = new Map([...(options.modulePaths ?? [])].map(([k, v]) => [k.replace(/-/g, '_'), v]));
    const bases = options.moduleBases instanceof Map ? [...options.moduleBases] : Object.entries(options.moduleBases ?? {});
    this.bases = bases.map(([name, base]) => ({ name: name.replace(/-/g, '_'), base })).sort((a, b) => (a.base > b.base ? -1 : a.base < b.base ? 1 : 0));
  }

  get slide(): bigint {
    return this.vmlinux.slide;
  }

  /** A runtime address of the vmlinux (the slide is applied). */
  symbolize(address: bigint, options: Omit<SymbolizeOptions, 'linkTime'> = {}): Symbolization {
    return this.vmlinux.symbolize(address, options);
  }

  /**
   * A runtime address of the vmlinux or, when module bases are known, of a module's core (text or data);
   * `module` names the module that answered. An address past every module's end goes to the vmlinux.
   */
  async symbolizeRuntime(address: bigint, options: Omit<SymbolizeOptions, 'linkTime'> = {}): Promise<Symbolization & { module: string | undefined }> {
    const a = options.returnAddress ? address - 1n : address;
    const owner = this.bases.find((b) => b.base <= a);
    const load = owner && (await this.loadModule(owner.name));
    const module = load?.ok ? load.symbolizer : undefined;
    const inModule = owner && module ? symbolizeAtLoadBase(module, owner.base, address, options) : undefined;
    if (inModule) return { ...inModule, module: owner!.name };
    const answer = this.vmlinux.symbolize(address, options);
    if (load && !load.ok && answer.frames.length === 0) {
      const why = load.warning.code === 'module-corrupt' ? load.warning.message : 'whose file was not found';
      answer.warnings.push({ ...load.warning, message: `0x${address.toString(16)} may be in module ${owner!.name}, ${why}` });
    }
    return { ...answer, module: undefined };
  }

  /** `func+0x19/0x22`, in a module when `module` is given (`[crash_nullwrite]`). */
  async resolve(spec: string | FrameSpec, options: { module?: string; returnAddress?: boolean } = {}): Promise<Resolution> {
    if (!options.module) return this.vmlinux.resolve(spec, options);
    const load = await this.loadModule(options.module);
    if (!load.ok) {
      const parsed = (typeof spec === 'string' ? parseFrameSpec(spec) : spec) ?? { symbol: String(spec), offset: 0n, length: undefined };
      return { spec: parsed, address: 0n, frames: [], symbol: undefined, source: undefined, warnings: [...this.vmlinux.warnings, load.warning] };
    }
    return load.symbolizer.resolve(spec, options);
  }

  /** The symbolizer of a module by name (`-`/`_` equivalent), or undefined when it has no readable file. */
  async module(name: string): Promise<Symbolizer | undefined> {
    const load = await this.loadModule(name);
    return load.ok ? load.symbolizer : undefined;
  }

  /** A module by name, opened once: its symbolizer, or a `module-not-found`/`module-corrupt` warning. */
  loadModule(name: string): Promise<ModuleLoad> {
    const key = name.replace(/-/g, '_');
    let p = this.modules.get(key);
    if (!p) {
      p = this.openModule(key);
      this.modules.set(key, p);
    }
    return p;
  }

  /** Closes the module files this symbolizer opened (the vmlinux belongs to the caller). */
  async close(): Promise<void> {
    const loads = [...this.modules.values()];
    this.modules.clear();
    for (const load of await Promise.all(loads)) if (load.ok) load.symbolizer.file?.close();
  }

  private async openModule(key: string): Promise<ModuleLoad> {
    const wanted = this.moduleBuildIds.get(key);
    const given = this.modulePaths.get(key);
    const byId = wanted && !given ? buildIdFiles(wanted, this.debugRoots) : [];
    const candidates = given ? [given] : [...new Set([...byId, ...this.finder.findAll(key)])];
    if (candidates.length === 0) return { ok: false, warning: { code: 'module-not-found', message: `module ${key} not found`, module: key }, path: undefined };
    const opened: DebugFile[] = [];
    const open = async (file: string) => {
      const f = await openDebugFile(file);
      opened.push(f);
      return f;
    };
    let file = candidates[0]!;
    let debugFile: DebugFile | undefined;
    const warnings = [...this.vmlinux.warnings];
    try {
      // The build the report shows, if another candidate is it; then the DWARF of that build.
      let binary = await open(file);
      if (wanted && !sameBuild(readModuleIdentity(binary).buildId, wanted)) {
        for (const other of candidates.slice(1)) {
          const f = await open(other);
          if (readModuleIdentity(f).buildId === wanted) {
            [binary, file] = [f, other];
            break;
          }
        }
      }
      debugFile = binary.dwarf ? binary : ((await this.debugHalf(binary, file, candidates, open)) ?? binary);
      // The identity and the symbol table are read now, so a file broken past its header is corrupt here, not at each lookup.
      if (this.report) {
        const report = { release: this.report.release, srcversion: this.report.moduleSrcversions?.get(key), buildId: wanted };
        warnings.push(...compareModuleIdentity(identityOf(binary, debugFile), report, key, file));
      }
      void debugFile.symbols;
    } catch (err) {
      if (!(err instanceof ElfFormatError)) throw err;
      for (const f of opened) f.close();
      return { ok: false, warning: { code: 'module-corrupt', message: `module ${key} is corrupt: ${err.message}`, module: key, file }, path: file };
    }
    for (const f of opened) if (f !== debugFile) f.close();
    return { ok: true, symbolizer: new Symbolizer(debugFile, { warnings }), path: file };
  }

  /** The DWARF of a module file without any: its separate debug file, else another candidate of the same build with DWARF. */
  private async debugHalf(binary: DebugFile, file: string, candidates: string[], open: (file: string) => Promise<DebugFile>): Promise<DebugFile | undefined> {
    const buildId = readModuleIdentity(binary).buildId;
    const separate = separateDebugFile(file, readDebuglink(binary.elf), buildId, this.debugRoots);
    if (separate) return open(separate);
    for (const other of candidates) {
      if (other === file) continue;
      const f = await open(other);
      if (f.dwarf && sameBuild(buildId, readModuleIdentity(f).buildId)) return f;
    }
    return undefined;
  }
}

/** A split-off debug file keeps the build-id but not `.modinfo`: the binary's identity, filled from the debug file. */
function identityOf(binary: DebugFile, debug: DebugFile): ModuleIdentity {
  const a = readModuleIdentity(binary);
  if (debug === binary) return a;
  const b = readModuleIdentity(debug);
  return { vermagic: a.vermagic ?? b.vermagic, srcversion: a.srcversion ?? b.srcversion, name: a.name ?? b.name, buildId: a.buildId ?? b.buildId };
}
