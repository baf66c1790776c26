// Stand-in for crash/'s frame → source pipeline until crash/index.ts exports it: each `func+off [mod]`
// frame resolved by debuginfo's Symbolizer over the module's `.ko` (found by name under the module
// directories) or the vmlinux, at the address itself for the faulting frame and at address - 1 for
// return addresses.
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import { type DebugFile, ModuleFinder, Symbolizer, openDebugFile } from '../../debuginfo/index.js';
import type { ResolvedFrameInput, SourcePlace } from './report-input.js';

/** The kernel reports sizes from kallsyms (up to the next symbol, padding included), so a size that differs
 * from the ELF st_size is the rule for vmlinux frames, not a sign of the wrong binary. */
const kallsymsSizeNoise = /^size mismatch: /;

export class DebugFiles {
  private readonly open = new Map<string, Promise<Symbolizer | undefined>>();
  private readonly finder: ModuleFinder;

  constructor(
    private readonly options: { vmlinux?: string; modules: string[]; slide?: bigint },
    private readonly problems: string[],
  ) {
    this.finder = new ModuleFinder({ dirs: options.modules });
  }

  /** The symbolizer of the binary holding a frame: its module's `.ko`, or the vmlinux for the kernel's own. */
  forFrame(frame: CrashFrame): Promise<Symbolizer | undefined> {
    const file = frame.module ? this.finder.find(frame.module) : this.options.vmlinux;
    if (!file) return Promise.resolve(undefined);
    let p = this.open.get(file);
    if (!p) {
      p = openDebugFile(file).then(
        (f) => new Symbolizer(f, frame.module ? {} : { slide: this.options.slide ?? 0n }),
        (err: unknown) => {
          this.problems.push(`${file}: ${(err as Error).message}`);
          return undefined;
        },
      );
      this.open.set(file, p);
    }
    return p;
  }

  async debugFileOf(frame: CrashFrame): Promise<DebugFile | undefined> {
    return (await this.forFrame(frame))?.file;
  }

  async close(): Promise<void> {
    for (const p of this.open.values()) (await p)?.file?.close();
  }
}

export async function resolveFrame(frame: CrashFrame, files: DebugFiles): Promise<ResolvedFrameInput> {
  const base: ResolvedFrameInput = { ...frame, provenance: null, locations: [], definition: null, callers: null, warnings: [] };
  if (frame.symbol === undefined || frame.offset === undefined) return base;
  const symbolizer = await files.forFrame(frame);
  if (!symbolizer) return base;
  try {
    const r = symbolizer.resolve(
      { symbol: frame.symbol, offset: BigInt(frame.offset), length: frame.size === undefined ? undefined : BigInt(frame.size) },
      { returnAddress: !frame.isFault },
    );
    const locations: SourcePlace[] = r.frames
      .filter((f) => f.file !== undefined)
      .map((f) => ({ function: f.function, file: f.file!, line: f.line, column: f.column, inlined: f.inlined }));
    const provenance = locations.length > 0 ? 'dwarf' : r.symbol ? 'symtab' : null;
    return { ...base, provenance, locations, warnings: r.warnings.filter((w) => !kallsymsSizeNoise.test(w)) };
  } catch (err) {
    return { ...base, warnings: [(err as Error).message] };
  }
}

/** Resolves every frame; `onFrame` runs between frames (progress, and a chance for timers to fire). */
export async function resolveStacks(
  report: CrashReport,
  files: DebugFiles,
  onFrame?: (done: number, total: number) => Promise<void>,
): Promise<{ context: string; frames: ResolvedFrameInput[] }[]> {
  const total = report.stacks.reduce((n, s) => n + s.frames.length, 0);
  let done = 0;
  const out = [];
  for (const s of report.stacks) {
    const frames = [];
    for (const f of s.frames) {
      frames.push(await resolveFrame(f, files));
      await onFrame?.(++done, total);
    }
    out.push({ context: s.context, frames });
  }
  return out;
}
