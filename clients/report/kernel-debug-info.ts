// The debug info a report is resolved with: a KernelSymbolizer over the vmlinux when one is given, else
// over an empty symbol map so that module frames still resolve through their `.ko` files; and the
// binary behind a frame, for its disassembly.
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import { type DebugFile, KernelSymbolizer, SystemMap, openDebugFile } from '../../debuginfo/index.js';

export const noVmlinuxName = 'vmlinux (not given)';

export async function openKernelSymbolizer(options: { vmlinux?: string; modules?: string[] }, report: CrashReport): Promise<KernelSymbolizer> {
  const vmlinux = options.vmlinux ? await openDebugFile(options.vmlinux) : { systemMap: new SystemMap([]), name: noVmlinuxName };
  const version = report.header['VERSION'] ?? report.lines.find((l) => / #\d+ .*Debian /.test(l));
  return new KernelSymbolizer({
    vmlinux,
    moduleDirs: options.modules ?? [],
    ...(report.kaslrOffset !== undefined ? { slide: report.kaslrOffset } : {}),
    report: { ...(report.release ? { release: report.release } : {}), ...(version ? { version } : {}) },
  });
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
