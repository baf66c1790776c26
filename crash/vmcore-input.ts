// A vmcore given where a report is expected (`crashnav resolve /var/crash/…/vmcore`, an editor opening
// one): read through vmcore/ into the `crash` session it would have given (`sys`, `bt -a`, `mod`, `log`),
// with the vmlinux the resolution uses, found by the dump's own release and build-id, so the backtraces
// and the lines come from the same file.
import path from 'node:path';
import { ElfFormatError, fileByteSource } from '../debuginfo/index.js';
import {
  type CoreDump,
  type KernelBacktraces,
  type KernelLog,
  type KernelMemory,
  VmcoreError,
  attemptRead,
  openCoreDumpSource,
  openKernelMemory,
  readBacktraces,
  readKernelLog,
  renderVmcoreSession,
} from '../vmcore/index.js';
import type { ParseResult } from './model.js';
import { parseCrashReport } from './parse-crash-report.js';
import type { ResolutionSession, ResolutionWarning } from './resolution-session.js';

export interface VmcoreInput {
  /** The session text the reports were parsed from (what an editor shows). */
  text: string;
  parsed: ParseResult;
  /** The vmlinux the backtraces were unwound with (the one the reports resolve with). */
  vmlinux: string | undefined;
  /** Why a part is missing: no vmlinux for the dump's build, a log that could not be read. */
  warnings: ResolutionWarning[];
}

export interface VmcoreInputOptions {
  /** A relative `file` is read from here (default: the process's directory); messages keep `file` as given. */
  cwd?: string;
  /** Where module `.ko` files are looked for by name (the frames in modules are named from them). */
  moduleDirs?: string[];
  /** Called before each step that may take seconds (reading the log, unwinding). */
  onStep?: (step: string) => void;
}

/** Undefined when `file` is not a memory dump (a text log goes to the text parser); throws VmcoreError for a broken one. */
export async function readVmcoreInput(file: string, session: ResolutionSession, options: VmcoreInputOptions = {}): Promise<VmcoreInput | undefined> {
  let dump: CoreDump;
  let source;
  try {
    source = fileByteSource(path.resolve(options.cwd ?? '.', file));
  } catch (err) {
    // A directory: the text reader names it.
    if (err instanceof ElfFormatError) return undefined;
    throw err;
  }
  try {
    dump = openCoreDumpSource(file, source);
  } catch (err) {
    source.close();
    if (err instanceof VmcoreError && err.code === 'not-a-vmcore') return undefined;
    throw err;
  }
  try {
    const memory = openKernelMemory(dump);
    options.onStep?.(`reading the kernel log of ${file}`);
    const log = attemptRead<KernelLog>(() => readKernelLog(memory));
    const { backtraces, vmlinux, warnings } = await unwindVmcore(file, memory, session, options);
    const text = renderVmcoreSession({ dump, memory, log, backtraces, vmlinux });
    const parsed = parseCrashReport(text, { source: file });
    return { text, parsed, vmlinux, warnings };
  } finally {
    dump.close();
  }
}

/**
 * Every CPU's backtrace, unwound with the dumped kernel's vmlinux as the session finds it (its VMCOREINFO
 * release and build-id); without one, or for a dump that cannot be unwound, the Error saying why.
 */
export async function unwindVmcore(
  file: string,
  memory: KernelMemory,
  session: ResolutionSession,
  options: Pick<VmcoreInputOptions, 'moduleDirs' | 'onStep'> = {},
): Promise<{ backtraces: KernelBacktraces | Error; vmlinux: string | undefined; warnings: ResolutionWarning[] }> {
  const { osrelease: release, buildId } = memory.info;
  options.onStep?.(`finding the vmlinux of ${release ?? 'the dumped kernel'}`);
  const warnings: ResolutionWarning[] = [];
  const image = await session.kernelImage({ ...(release ? { release } : {}), ...(buildId ? { buildId } : {}) }, warnings);
  if (!image) {
    const what = [release && `release ${release}`, buildId && `build-id ${buildId}`].filter(Boolean).join(', ');
    const message = `no vmlinux for the dumped kernel (${what || 'no VMCOREINFO identity'}): its backtraces are not unwound (give --vmlinux or --debug-root)`;
    warnings.push({ code: 'vmlinux-not-found', message });
    return { backtraces: new Error(`${file}: ${message}`), vmlinux: undefined, warnings };
  }
  options.onStep?.(`unwinding the CPUs' stacks of ${file}`);
  const backtraces = await readBacktraces({ memory, vmlinux: image.file, moduleDirs: options.moduleDirs ?? [] }).catch((err: unknown) => {
    if (err instanceof VmcoreError) return err;
    throw err;
  });
  return { backtraces, vmlinux: image.path, warnings };
}
