// A whole kernel's debug info: the vmlinux plus modules found by name on first use, one KASLR slide
// for the vmlinux's runtime addresses, and the identity warnings (banner, vermagic) that must be
// repeated on every answer when the binaries are not the ones that crashed.
import { DebugFile } from './debug-file.js';
import { ElfFormatError } from './errors.js';
import { type FrameSpec, parseFrameSpec } from './frame-spec.js';
import { type KernelIdentity, checkVmlinux, compareModuleIdentity, readModuleIdentity } from './kernel-identity.js';
import { ModuleFinder } from './locate.js';
import { moduleLayout, sectionAtRegionOffset } from './module-layout.js';
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
  slide?: bigint;
  /**
   * Where each module's core (text, then data) was loaded, by name: `crash`'s `mod` BASE column, or
   * `/proc/modules`. Lets `symbolizeRuntime` resolve raw module addresses (`[<ffffffffc0207012>]`).
   */
  moduleBases?: Map<string, bigint> | Record<string, bigint>;
  /** The crashed kernel as the report shows it, for the wrong-binary check. */
  report?: Partial<KernelIdentity> & { moduleSrcversions?: Map<string, string> };
}

/** A module by name: its symbolizer and file, or why there is none (`module-not-found`, `module-corrupt`). */
export type ModuleLoad = { ok: true; symbolizer: Symbolizer; path: string } | { ok: false; warning: DebugWarning; path: string | undefined };

export class KernelSymbolizer {
  readonly vmlinux: Symbolizer;
  private readonly finder: ModuleFinder;
  private readonly modulePaths: Map<string, string>;
  private readonly modules = new Map<string, Promise<ModuleLoad>>();
  private readonly report: KernelSymbolizerOptions['report'];
  /** Module load bases, highest first. */
  private readonly bases: { name: string; base: bigint }[];

  constructor(options: KernelSymbolizerOptions) {
    this.report = options.report;
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
    if (owner && module?.file) {
      const layout = moduleLayout(module.file.elf);
      const at = a - owner.base < layout.core.end ? sectionAtRegionOffset(module.file.elf, layout.core, a - owner.base) : undefined;
      if (at) return { ...module.symbolizeInSection(at.section, at.offset), module: owner.name };
    }
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
    const file = this.modulePaths.get(key) ?? this.finder.find(key);
    if (!file) return { ok: false, warning: { code: 'module-not-found', message: `module ${key} not found`, module: key }, path: undefined };
    let debugFile: DebugFile | undefined;
    const warnings = [...this.vmlinux.warnings];
    try {
      debugFile = await openDebugFile(file);
      // The identity and the symbol table are read now, so a file broken past its header is corrupt here, not at each lookup.
      if (this.report) {
        const report = { release: this.report.release, srcversion: this.report.moduleSrcversions?.get(key) };
        warnings.push(...compareModuleIdentity(readModuleIdentity(debugFile), report, key, file));
      }
      void debugFile.symbols;
    } catch (err) {
      if (!(err instanceof ElfFormatError)) throw err;
      debugFile?.close();
      return { ok: false, warning: { code: 'module-corrupt', message: `module ${key} is corrupt: ${err.message}`, module: key, file }, path: file };
    }
    return { ok: true, symbolizer: new Symbolizer(debugFile, { warnings }), path: file };
  }
}
