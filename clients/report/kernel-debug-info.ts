// Opening and closing the debug info a report is resolved with (crash/'s reportSymbolizer), and the
// binary behind a frame, for its disassembly.
import { type CrashFrame, type CrashReport, reportSymbolizer } from '../../crash/index.js';
import { type DebugFile, type KernelSymbolizer, openDebugFile } from '../../debuginfo/index.js';

export async function openKernelSymbolizer(options: { vmlinux?: string; modules?: string[] }, report: CrashReport): Promise<KernelSymbolizer> {
  return reportSymbolizer(report, { ...(options.vmlinux ? { vmlinux: await openDebugFile(options.vmlinux) } : {}), moduleDirs: options.modules ?? [] });
}

/** The binary holding a frame's code: its module's `.ko`, or the vmlinux. */
export async function debugFileOf(symbolizer: KernelSymbolizer, frame: CrashFrame): Promise<DebugFile | undefined> {
  return frame.module ? (await symbolizer.module(frame.module))?.file : symbolizer.vmlinux.file;
}

/** Closes the vmlinux and the modules the reports named (the symbolizer opens modules on first use). */
export async function closeKernelSymbolizer(symbolizer: KernelSymbolizer, reports: CrashReport[]): Promise<void> {
  const names = new Set(reports.flatMap((r) => r.stacks.flatMap((s) => s.frames.flatMap((f) => (f.module ? [f.module] : [])))));
  for (const name of names) (await symbolizer.module(name))?.file?.close();
  symbolizer.vmlinux.file?.close();
}
