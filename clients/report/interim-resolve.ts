// Stand-in for crash/'s frame → source pipeline until crash/index.ts exports it: each `func+off [mod]`
// frame looked up in the module's `.ko` (or the vmlinux) symbol table and symbolized through its DWARF,
// at the address itself for the faulting frame and at address - 1 for return addresses.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import { DebugFile } from '../../debuginfo/index.js';
import type { ResolvedFrameInput, SourcePlace } from './report-input.js';

/** Every `.ko` under the directories, by module name with `-` read as `_` (as the kernel does). */
export function findModuleFiles(dirs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && depth < 8) walk(full, depth + 1);
      else if (e.isFile() && e.name.endsWith('.ko')) {
        const name = e.name.slice(0, -3).replace(/-/g, '_');
        if (!found.has(name)) found.set(name, full);
      }
    }
  };
  for (const d of dirs) walk(d, 0);
  return found;
}

export class DebugFiles {
  private readonly open = new Map<string, DebugFile | undefined>();
  readonly modules: Map<string, string>;

  constructor(
    readonly options: { vmlinux?: string; modules: string[] },
    private readonly problems: string[],
  ) {
    this.modules = findModuleFiles(options.modules);
  }

  /** The binary holding a frame: its module's `.ko`, or the vmlinux for the kernel's own frames. */
  forFrame(frame: CrashFrame): DebugFile | undefined {
    const file = frame.module ? this.modules.get(frame.module.replace(/-/g, '_')) : this.options.vmlinux;
    if (!file) return undefined;
    if (!this.open.has(file)) {
      try {
        this.open.set(file, DebugFile.open(file));
      } catch (err) {
        this.problems.push(`${file}: ${(err as Error).message}`);
        this.open.set(file, undefined);
      }
    }
    return this.open.get(file);
  }

  close(): void {
    for (const f of this.open.values()) f?.close();
  }
}

export function resolveFrame(frame: CrashFrame, files: DebugFiles): ResolvedFrameInput {
  const base: ResolvedFrameInput = { ...frame, provenance: null, locations: [], definition: null, callers: null, warnings: [] };
  const file = frame.symbol !== undefined && frame.offset !== undefined ? files.forFrame(frame) : undefined;
  if (!file) return base;
  try {
    // A function with a size first; assembly entry points are often sizeless labels.
    const symbols = file.symbols.findByName(frame.symbol!);
    const sym = symbols.find((s) => s.size > 0) ?? symbols[0];
    if (!sym) return { ...base, warnings: [`${frame.symbol} is not in ${path.basename(file.name)}`] };
    const address = sym.address + BigInt(frame.offset!);
    const at = frame.isFault ? address : address - 1n;
    const chain = file.dwarf?.findFrames(at) ?? [];
    const locations: SourcePlace[] = chain
      .filter((c) => c.file !== undefined)
      // Assembly units have line tables but no subprogram DIEs: name them by symbol, as addr2line does.
      .map((c) => ({ function: c.function ?? (c.inlined ? undefined : sym.name), file: c.file!, line: c.line, column: c.column, inlined: c.inlined }));
    return { ...base, provenance: locations.length ? 'dwarf' : 'symtab', locations };
  } catch (err) {
    return { ...base, warnings: [(err as Error).message] };
  }
}

export function resolveStacks(report: CrashReport, files: DebugFiles): { context: string; frames: ResolvedFrameInput[] }[] {
  return report.stacks.map((s) => ({ context: s.context, frames: s.frames.map((f) => resolveFrame(f, files)) }));
}
