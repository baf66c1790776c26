// The server's adapter over crash/'s ResolutionSession, the one pipeline the CLI and the report use too:
// the session finds each report's vmlinux and modules (the configured vmlinux, else by release under the
// debug root), places the kernel, looks frames up and maps DWARF's file names onto the source roots; this
// file only turns its answers into the server's terms (absolute paths, SymbolDefs with signatures from the
// index) and renders disassembly for the virtual document.
import path from 'node:path';
import { type CrashFrame, type CrashReport, ResolutionSession, type ResolvedFrame as PipelineFrame, baseFunctionName, isWrongBinaryWarning, readVmcoreInput, statNamedFile } from '../../crash/index.js';
import { type DebuginfodClient, debuginfodFromEnv, disassembleFromFile, listingOf, renderDisassembly } from '../../debuginfo/index.js';
import type { Settings } from '../config.js';
import type { DisassembleTarget } from '../protocol.js';
import type { KernelCodeIndex } from './kernel-code-index.js';
import type { DisassemblyText, FrameResolver, ReportWarnings, ResolvedFrame, ResolvedLocation, SymbolDef } from './ports.js';
import type { SourceFiles } from './source-files.js';

export interface FrameResolverOptions {
  settings: Settings;
  indexes: readonly KernelCodeIndex[];
  sources: SourceFiles;
}

/** Warnings that limit an answer rather than question it: hovers, not diagnostics. */
const noteCodes = new Set(['source-not-found', 'location-as-printed']);

function debuginfodOption(): { debuginfod?: DebuginfodClient } {
  const client = debuginfodFromEnv(process.env, { progress: false });
  return client ? { debuginfod: client } : {};
}

export class CrashFrameResolver implements FrameResolver {
  readonly vmlinux?: string;
  private readonly session: ResolutionSession;
  /** Dumps read, by path, size and mtime: reading one unwinds every CPU's stack. */
  private readonly vmcores = new Map<string, Promise<string>>();

  constructor(private readonly options: FrameResolverOptions) {
    const { settings, sources, indexes } = options;
    if (settings.vmlinux) this.vmlinux = settings.vmlinux;
    this.session = new ResolutionSession({
      ...(settings.vmlinux ? { vmlinux: settings.vmlinux } : {}),
      debugRoots: [settings.debugRoot],
      moduleDirs: settings.moduleDirs,
      sourceRoots: [...sources.roots],
      substitutions: settings.substitutePaths,
      // As gdb and elfutils do, debuginfod only when the environment names servers (DEBUGINFOD_URLS).
      ...debuginfodOption(),
      // The kernel tree's index as it is now: its reader is reopened when an update ends.
      index: () => indexes[0]?.kernelIndex(),
    });
  }

  vmlinuxFor(report: CrashReport): string | undefined {
    return this.session.vmlinuxFor(report);
  }

  async reportWarnings(report: CrashReport): Promise<ReportWarnings> {
    const { warnings } = await this.session.describe(report);
    return { wrongBinary: warnings.filter(isWrongBinaryWarning).map((w) => w.message), other: warnings.filter((w) => !isWrongBinaryWarning(w)).map((w) => w.message) };
  }

  /** Reads the configured vmlinux's symbol table ahead of the first frame that needs it. */
  warmUp(): void {
    void this.session.binaryOf(undefined, {}).then(
      (file) => void file?.symbols,
      () => undefined,
    );
  }

  async resolve(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame> {
    const found = await this.session.resolveFrame(report, frame);
    const locations: ResolvedLocation[] = [];
    const notes = found.warnings.filter((w) => noteCodes.has(w.code)).map((w) => w.message);
    if (found.provenance !== 'index') {
      for (const loc of found.locations) {
        if (!loc.path) break;
        locations.push({ file: loc.path, line: loc.line, column: loc.column || 1, function: loc.function ?? frame.symbol ?? '', inlined: loc.inlined });
      }
    }
    const definition = this.definition(found, report);
    const resolved: ResolvedFrame = {
      locations,
      provenance: locations.length > 0 ? found.provenance : definition ? 'index' : found.provenance === 'index' ? null : found.provenance,
      warnings: found.warnings.filter((w) => !noteCodes.has(w.code)).map((w) => w.message),
      notes,
    };
    if (definition) resolved.definition = definition;
    return resolved;
  }

  /**
   * The function's definition: where DWARF says it was declared (the configuration that was built), with
   * the index's signature and doc when the index has that very place; else the index's best guess.
   */
  private definition(found: PipelineFrame, report: CrashReport): SymbolDef | undefined {
    const name = found.locations.at(-1)?.function ?? found.frame.symbol;
    if (!name) return undefined;
    const arch = this.options.settings.arch ?? report.arch ?? 'x86';
    const candidates = this.options.indexes.flatMap((index) => index.definitions(baseFunctionName(name), arch));
    const place = found.definition;
    if (place?.from === 'dwarf') {
      if (!place.path) return undefined;
      const same = candidates.find((c) => path.resolve(c.file) === place.path && c.line === place.line);
      return same ?? { name, kind: 'function', file: place.path, line: place.line, column: 1 };
    }
    return candidates[0];
  }

  async disassemble(target: DisassembleTarget, report?: CrashReport): Promise<DisassemblyText | undefined> {
    const file = await this.session.binaryOf(report, target.module ? { module: target.module } : {});
    if (!file) return undefined;
    const offset = target.offset === undefined ? undefined : BigInt(target.returnAddress && target.offset > 0 ? target.offset - 1 : target.offset);
    const listing = await disassembleFromFile(file, { symbol: target.symbol, ...(offset !== undefined ? { offset } : {}) });
    const text = renderDisassembly({
      ...listingOf(listing),
      source: { lineText: (name, line) => this.session.sourceLines(name)?.[line - 1] },
      displayPath: (name) => this.session.mapSource(name).file,
    });
    const header = [`; ${target.symbol}${target.module ? ` [${target.module}]` : ''} in ${file.name}`, ...listing.warnings.map((w) => `; warning: ${w.message}`)];
    const lines = [...header, ...text.split('\n')];
    const marked = listing.mark ? lines.findIndex((l) => l.includes(`<-- ${listing.mark!.label}`)) : -1;
    const out: DisassemblyText = { text: lines.join('\n') };
    if (marked >= 0) out.markedLine = marked;
    return out;
  }

  async vmcoreText(file: string): Promise<string> {
    const { size, mtimeMs } = statNamedFile(file);
    const key = `${file}\0${size}\0${mtimeMs}`;
    let pending = this.vmcores.get(key);
    if (!pending) {
      pending = readVmcoreInput(file, this.session, { moduleDirs: this.options.settings.moduleDirs }).then((input) => {
        if (!input) throw new Error(`${file}: not a memory dump (an ELF core, kdump-compressed or flattened file)`);
        return input.warnings.map((w) => `WARNING: ${w.message}\n`).join('') + input.text;
      });
      // A failure is not kept: the user may fix the dump or the debug root and ask again.
      pending.catch(() => this.vmcores.delete(key));
      this.vmcores.set(key, pending);
    }
    return pending;
  }

  close(): void {
    void this.session.close();
  }
}
