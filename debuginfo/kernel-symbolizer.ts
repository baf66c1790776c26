// A whole kernel's debug info: the vmlinux plus modules found by name on first use, one KASLR slide
// for the vmlinux's runtime addresses, and the identity warnings (banner, vermagic) that must be
// repeated on every answer when the binaries are not the ones that crashed.
import { DebugFile } from './debug-file.js';
import { ElfFormatError } from './errors.js';
import { type FrameSpec, parseFrameSpec } from './frame-spec.js';
import { slideFromPair } from './kaslr.js';
import { type KernelIdentity, compareKernelIdentity, compareModuleIdentity, parseBanner, readLinuxBanner, readModuleIdentity } from './kernel-identity.js';
import { ModuleFinder } from './locate.js';
import { moduleLayout, sectionAtRegionOffset } from './module-layout.js';
import { openDebugFile } from './open-debug-file.js';
import { type Resolution, type Symbolization, type SymbolizeOptions, Symbolizer } from './symbolizer.js';
import { type SystemMap } from './system-map.js';

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

export class KernelSymbolizer {
  readonly vmlinux: Symbolizer;
  private readonly finder: ModuleFinder;
  private readonly modulePaths: Map<string, string>;
  private readonly modules = new Map<string, Promise<Symbolizer | undefined>>();
  private readonly report: KernelSymbolizerOptions['report'];
  /** Module load bases, highest first. */
  private readonly bases: { name: string; base: bigint }[];

  constructor(options: KernelSymbolizerOptions) {
    this.report = options.report;
    const warnings: string[] = [];
    const file = 'systemMap' in options.vmlinux ? undefined : options.vmlinux;
    if (file && options.report) {
      const banner = readLinuxBanner(file);
      if (banner) warnings.push(...compareKernelIdentity(parseBanner(banner), { release: options.report.release, version: options.report.version }, file.name));
    }
    this.vmlinux = new Symbolizer(options.vmlinux, { slide: options.slide ?? 0n, warnings });
    this.finder = new ModuleFinder({ dirs: options.moduleDirs ?? [] });
    this.modulePaths = new Map([...(options.modulePaths ?? [])].map(([k, v]) => [k.replace(/-/g, '_'), v]));
    const bases = options.moduleBases instanceof Map ? [...options.moduleBases] : Object.entries(options.moduleBases ?? {});
    this.bases = bases.map(([name, base]) => ({ name: name.replace(/-/g, '_'), base })).sort((a, b) => (a.base > b.base ? -1 : a.base < b.base ? 1 : 0));
  }

  get slide(): bigint {
    return this.vmlinux.slide;
  }

  set slide(value: bigint) {
    this.vmlinux.slide = value;
  }

  /**
   * Sets the slide from a symbol seen at a runtime address; returns it, or undefined when the
   * symbol is unknown or the result is not a plausible slide.
   */
  slideFromSymbol(spec: string | FrameSpec, runtimeAddress: bigint): bigint | undefined {
    const parsed = typeof spec === 'string' ? parseFrameSpec(spec) : spec;
    const sym = parsed && this.vmlinux.lookup(parsed.symbol)[0];
    if (!parsed || !sym) return undefined;
    const slide = slideFromPair(sym.address, parsed.offset, runtimeAddress);
    if (slide !== undefined) this.vmlinux.slide = slide;
    return slide;
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
    const module = owner && (await this.module(owner.name));
    if (owner && module?.file) {
      const layout = moduleLayout(module.file.elf);
      const at = a - owner.base < layout.core.end ? sectionAtRegionOffset(module.file.elf, layout.core, a - owner.base) : undefined;
      if (at) return { ...module.symbolizeInSection(at.section, at.offset), module: owner.name };
    }
    const answer = this.vmlinux.symbolize(address, options);
    if (owner && !module && answer.frames.length === 0) answer.warnings.push(`0x${address.toString(16)} may be in module ${owner.name}, whose file was not found`);
    return { ...answer, module: undefined };
  }

  /** `func+0x19/0x22`, in a module when `module` is given (`[crash_nullwrite]`). */
  async resolve(spec: string | FrameSpec, options: { module?: string; returnAddress?: boolean } = {}): Promise<Resolution> {
    if (!options.module) return this.vmlinux.resolve(spec, options);
    const module = await this.module(options.module);
    if (!module) {
      const parsed = (typeof spec === 'string' ? parseFrameSpec(spec) : spec) ?? { symbol: String(spec), offset: 0n, length: undefined };
      return { spec: parsed, address: 0n, frames: [], symbol: undefined, source: undefined, warnings: [...this.vmlinux.warnings, `module ${options.module} not found`] };
    }
    return module.resolve(spec, options);
  }

  /** The symbolizer of a module by name (`-`/`_` equivalent), or undefined when no file is found. */
  module(name: string): Promise<Symbolizer | undefined> {
    const key = name.replace(/-/g, '_');
    let p = this.modules.get(key);
    if (!p) {
      p = this.openModule(key);
      this.modules.set(key, p);
    }
    return p;
  }

  private async openModule(key: string): Promise<Symbolizer | undefined> {
    const file = this.modulePaths.get(key) ?? this.finder.find(key);
    if (!file) return undefined;
    let debugFile: DebugFile;
    try {
      debugFile = await openDebugFile(file);
    } catch (err) {
      if (err instanceof ElfFormatError) return undefined;
      throw err;
    }
    const warnings = [...this.vmlinux.warnings];
    if (this.report) {
      warnings.push(...compareModuleIdentity(readModuleIdentity(debugFile), { release: this.report.release, srcversion: this.report.moduleSrcversions?.get(key) }, key));
    }
    return new Symbolizer(debugFile, { warnings });
  }
}
