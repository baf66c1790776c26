// Frames to source for the server: the crash pipeline (DWARF through debuginfo/) when a binary is available,
// what the report itself already printed (decode_stacktrace, syzkaller, `bt -l`) otherwise, and the
// function's definition from the index as the last resort.
import path from 'node:path';
import { baseFunctionName, type CrashFrame, type CrashReport } from '../../crash/index.js';
import type { Settings } from '../config.js';
import type { DisassembleTarget } from '../protocol.js';
import type { CodeIndex, DisassemblyText, FrameResolver, ResolvedFrame, ResolvedLocation, SymbolDef } from './ports.js';
import type { SourceFiles } from './source-files.js';

export interface FrameResolverOptions {
  settings: Settings;
  indexes: readonly CodeIndex[];
  sources: SourceFiles;
}

export class CrashFrameResolver implements FrameResolver {
  readonly vmlinux?: string;

  constructor(private readonly options: FrameResolverOptions) {}

  private definition(name: string, report: CrashReport): SymbolDef | undefined {
    const arch = this.options.settings.arch ?? report.arch ?? 'x86';
    for (const index of this.options.indexes) {
      const found = index.definitions(baseFunctionName(name), arch)[0];
      if (found) return found;
    }
    return undefined;
  }

  /** A source path printed in the report, mapped onto a source root (longest existing suffix). */
  private mapPrinted(file: string): string | undefined {
    const parts = file.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const rel = parts.slice(i).join('/');
      for (const root of this.options.sources.roots) {
        const candidate = path.join(root, rel);
        if (this.options.sources.lines(candidate)) return candidate;
      }
    }
    return undefined;
  }

  async resolve(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame> {
    const definition = frame.symbol ? this.definition(frame.symbol, report) : undefined;
    const printed: ResolvedLocation[] = [];
    for (const source of frame.sources ?? []) {
      const file = this.mapPrinted(source.file);
      if (file) printed.push({ file, line: source.line, function: source.function ?? frame.symbol ?? '', inlined: source.inlined });
    }
    const resolved: ResolvedFrame = {
      locations: printed,
      provenance: printed.length > 0 ? 'report' : definition ? 'index' : null,
      warnings: [],
    };
    if (definition) resolved.definition = definition;
    return resolved;
  }

  async disassemble(_target: DisassembleTarget): Promise<DisassemblyText | undefined> {
    return undefined;
  }

  close(): void {}
}
