// Frames to source for the server, through crash/'s pipeline: DWARF via debuginfo/ when the vmlinux or the
// module's .ko is found, the index's definition otherwise, and what the report itself already printed
// (decode_stacktrace, syzkaller) when neither has a line. Binaries are opened only from the configured
// vmlinux, moduleDirs and debugRoot; DWARF's file names are mapped onto the source roots, and a file outside
// them is linked to but never read.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { baseFunctionName, type CrashFrame, type CrashReport, reportSymbolizer, resolveFrame } from '../../crash/index.js';
import {
  type DebugFile,
  disassembleFromFile,
  type KernelSymbolizer,
  listingOf,
  ModuleFinder,
  moduleDirs,
  openDebugFile,
  renderDisassembly,
  SourceReader,
  vmlinuxCandidates,
} from '../../debuginfo/index.js';
import type { Settings } from '../config.js';
import type { DisassembleTarget } from '../protocol.js';
import type { KernelCodeIndex } from './kernel-code-index.js';
import type { DisassemblyText, FrameResolver, ResolvedFrame, ResolvedLocation, SymbolDef } from './ports.js';
import type { SourceFiles } from './source-files.js';

export interface FrameResolverOptions {
  settings: Settings;
  indexes: readonly KernelCodeIndex[];
  sources: SourceFiles;
}

function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export class CrashFrameResolver implements FrameResolver {
  readonly vmlinux?: string;
  private vmlinuxFile: Promise<DebugFile> | undefined;
  private readonly moduleFiles = new Map<string, Promise<DebugFile>>();
  /** One symbolizer per kernel (release and KASLR slide), shared by every report of it. */
  private readonly symbolizers = new Map<string, Promise<KernelSymbolizer>>();
  private readonly dwarfNames: SourceReader;

  constructor(private readonly options: FrameResolverOptions) {
    const { settings } = options;
    // Only the configured file, or the debug root's own `boot/vmlinux-<release>` (found per report).
    const configured = settings.vmlinux ? vmlinuxCandidates({ path: settings.vmlinux, debugRoots: [] }).find((c) => c === settings.vmlinux) : undefined;
    if (configured) this.vmlinux = configured;
    const root = options.sources.roots[0];
    this.dwarfNames = new SourceReader({ ...(root ? { root } : {}), substitutions: settings.substitutePaths });
  }

  /** The vmlinux for a report: the configured one, else `<debugRoot>/boot/vmlinux-<release>`. */
  vmlinuxFor(report: CrashReport): string | undefined {
    if (this.vmlinux) return this.vmlinux;
    if (!report.release) return undefined;
    const { debugRoot } = this.options.settings;
    return vmlinuxCandidates({ release: report.release, debugRoots: [debugRoot] }).find((c) => isUnder(c, debugRoot) && existsSync(c));
  }

  private moduleDirsFor(report: CrashReport): string[] {
    const { settings } = this.options;
    const fromDebugRoot = report.release ? moduleDirs(report.release, [settings.debugRoot]).filter((d) => isUnder(d, settings.debugRoot)) : [];
    return [...settings.moduleDirs, ...fromDebugRoot];
  }

  private symbolizerFor(report: CrashReport): Promise<KernelSymbolizer> {
    const key = `${report.release ?? ''}|${report.kaslrOffset ?? 0n}`;
    let pending = this.symbolizers.get(key);
    if (!pending) {
      pending = this.openSymbolizer(report);
      this.symbolizers.set(key, pending);
    }
    return pending;
  }

  /** Opens the configured vmlinux and reads its symbol table ahead of the first frame that needs them. */
  warmUp(): void {
    if (!this.vmlinux) return;
    this.vmlinuxFile ??= openDebugFile(this.vmlinux);
    this.vmlinuxFile.then(
      (file) => void file.symbols,
      () => undefined,
    );
  }

  private async openSymbolizer(report: CrashReport): Promise<KernelSymbolizer> {
    const file = this.vmlinuxFor(report);
    if (file) this.vmlinuxFile ??= openDebugFile(file);
    const vmlinux = file ? await this.vmlinuxFile : undefined;
    return reportSymbolizer(report, { ...(vmlinux ? { vmlinux } : {}), moduleDirs: this.moduleDirsFor(report) });
  }

  /** A DWARF or printed file name as a local path under the source roots, when there is one. */
  private localPath(name: string): string | undefined {
    const located = this.dwarfNames.locate(name);
    if (located && this.options.sources.contains(located)) return path.resolve(located);
    const parts = path.posix.normalize(name).split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
    for (let i = 0; i < parts.length; i++) {
      for (const root of this.options.sources.roots) {
        const candidate = path.join(root, ...parts.slice(i));
        if (this.options.sources.lines(candidate)) return candidate;
      }
    }
    return undefined;
  }

  private definition(name: string, report: CrashReport): SymbolDef | undefined {
    const arch = this.options.settings.arch ?? report.arch ?? 'x86';
    for (const index of this.options.indexes) {
      const found = index.definitions(baseFunctionName(name), arch)[0];
      if (found) return found;
    }
    return undefined;
  }

  async resolve(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame> {
    const symbolizer = await this.symbolizerFor(report);
    const index = this.options.indexes[0]?.kernelIndex();
    const root = this.options.sources.roots[0];
    const found = await resolveFrame(frame, report, {
      symbolizer,
      ...(index ? { index } : {}),
      ...(root ? { root } : {}),
      sources: this.dwarfNames,
    });
    const definition = frame.symbol ? this.definition(frame.symbol, report) : undefined;
    const warnings = [...found.warnings];
    const notes: string[] = [];
    let locations: ResolvedLocation[] = [];
    let provenance: ResolvedFrame['provenance'] = found.provenance;
    if (found.provenance === 'dwarf') {
      for (const loc of found.locations) {
        const local = path.isAbsolute(loc.file) && this.options.sources.contains(loc.file) ? loc.file : this.localPath(loc.file);
        if (!local) {
          notes.push(`${loc.file} is not under the source roots (add its tree to crashnav.sourceRoots or map it with crashnav.substitutePaths)`);
          break;
        }
        locations.push({ file: local, line: loc.line, column: loc.column || 1, function: loc.function ?? frame.symbol ?? '', inlined: loc.inlined });
      }
    }
    if (locations.length === 0) {
      // Lines the report already carries beat a bare definition.
      for (const source of frame.sources ?? []) {
        const local = this.localPath(source.file);
        if (local) locations.push({ file: local, line: source.line, function: source.function ?? frame.symbol ?? '', inlined: source.inlined });
      }
      if (locations.length > 0) provenance = 'report';
      else if (definition) provenance = 'index';
      else if (provenance === 'dwarf') provenance = 'symtab';
    }
    const resolved: ResolvedFrame = { locations, provenance, warnings, notes };
    if (definition) resolved.definition = definition;
    return resolved;
  }

  async disassemble(target: DisassembleTarget, report?: CrashReport): Promise<DisassemblyText | undefined> {
    const file = await this.binaryFor(target, report);
    if (!file) return undefined;
    const offset = target.offset === undefined ? undefined : BigInt(target.returnAddress && target.offset > 0 ? target.offset - 1 : target.offset);
    const listing = await disassembleFromFile(file, { symbol: target.symbol, ...(offset !== undefined ? { offset } : {}) });
    const roots = this.options.sources.roots;
    const text = renderDisassembly({
      ...listingOf(listing),
      source: {
        lineText: (name, line) => {
          const local = this.localPath(name);
          return local ? this.options.sources.lines(local)?.[line - 1] : undefined;
        },
      },
      displayPath: (name) => {
        const local = this.localPath(name);
        const root = local ? roots.find((r) => isUnder(local, r)) : undefined;
        return local && root ? path.relative(root, local) : name;
      },
    });
    const header = [`; ${target.symbol}${target.module ? ` [${target.module}]` : ''} in ${file.name}`, ...listing.warnings.map((w) => `; warning: ${w}`)];
    const lines = [...header, ...text.split('\n')];
    const marked = listing.mark ? lines.findIndex((l) => l.includes(`<-- ${listing.mark!.label}`)) : -1;
    const out: DisassemblyText = { text: lines.join('\n') };
    if (marked >= 0) out.markedLine = marked;
    return out;
  }

  private async binaryFor(target: DisassembleTarget, report?: CrashReport): Promise<DebugFile | undefined> {
    if (target.module) {
      const dirs = report ? this.moduleDirsFor(report) : this.options.settings.moduleDirs;
      const found = new ModuleFinder({ dirs }).find(target.module);
      if (!found) return undefined;
      let file = this.moduleFiles.get(found);
      if (!file) {
        file = openDebugFile(found);
        this.moduleFiles.set(found, file);
      }
      return file;
    }
    const file = report ? this.vmlinuxFor(report) : this.vmlinux;
    if (!file) return undefined;
    this.vmlinuxFile ??= openDebugFile(file);
    return this.vmlinuxFile;
  }

  close(): void {
    for (const file of [this.vmlinuxFile, ...this.moduleFiles.values()]) void file?.then((f) => f.close(), () => undefined);
  }
}
